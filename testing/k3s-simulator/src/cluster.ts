/**
 * startCluster(): a Kubernetes API simulator on loopback, serving plain HTTP and HTTPS (with a
 * CA made at start), with controllers, a scheduler and a kubelet stand-in, and a topology
 * shaped like Sophia's K3s cluster.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ClusterApi } from './api.js';
import { DEFAULT_FAILURE_PATTERNS, TEST_TIMINGS, type FailurePatterns, type Timings } from './controllers/context.js';
import { ControllerManager } from './controllers/manager.js';
import { CONTROLLERS } from './controllers/index.js';
import { createEventRecorder } from './events.js';
import { installK3sDefaults } from './k3s-defaults.js';
import { renderKubeconfig } from './kubeconfig.js';
import { createNodeControls, DEFAULT_NODES, type NodeControls, type NodeSpec } from './nodes.js';
import { ApiCatalog } from './catalog.js';
import { tableMinor, typeOf } from './resources.js';
import { createRequestHandler, type FaultHook, type ServerContext } from './server.js';
import { ObjectStore } from './store.js';
import { generateCertificates } from './tls.js';
import type { StoredObject } from './types.js';

export interface ClusterOptions {
  /** Kubernetes version /version reports, e.g. "1.27" or "v1.33.1+k3s1". Plain kubectl picks its binary from it. */
  version?: string;
  /** Loopback address to bind (default 127.0.0.1). */
  host?: string;
  /** HTTPS port (default 0: any free port). */
  httpsPort?: number;
  /** Plain HTTP port (default 0: any free port). */
  httpPort?: number;
  /** Bearer token the kubeconfig carries (default: random). */
  token?: string;
  /** Nodes at start (default: k3s-server and mcp-node). */
  nodes?: NodeSpec[];
  /** Namespaces besides default, kube-system, kube-public and kube-node-lease. */
  namespaces?: string[];
  /** Controller, scheduler and kubelet delays (default: fast, for tests). */
  timings?: Partial<Timings>;
  /** Image patterns that fail to pull or crash. */
  failures?: Partial<FailurePatterns>;
  /** Called with every request (method, url, headers). */
  onRequest?: (method: string, url: string, headers: IncomingMessage['headers']) => void;
  /**
   * What a fresh k3s server has besides Kubernetes' own objects (default true): Traefik's,
   * helm-controller's and k3s's CRDs, the local-path default StorageClass, the traefik
   * IngressClass, and kube-system's HelmCharts, Addons and workloads.
   */
  k3sDefaults?: boolean;
  /** Called when a controller throws (default: ignored). */
  onControllerError?: (error: unknown) => void;
}

export interface KubeconfigChoice {
  /** https (default, CA-verified) or plain http. */
  transport?: 'https' | 'http';
  /** Bearer token (default) or the admin client certificate. */
  auth?: 'token' | 'certificate';
  namespace?: string;
  clusterName?: string;
}

export interface Cluster {
  /** Plain HTTP base URL: unauthenticated, like the API server's old insecure port (kubectl sends no token over http). */
  url: string;
  /** HTTPS base URL, certificate signed by `caCert`. */
  httpsUrl: string;
  caCert: string;
  token: string;
  clientCert: string;
  clientKey: string;
  /** Kubeconfig for https + CA + token. */
  kubeconfig: string;
  kubeconfigFor(choice?: KubeconfigChoice): string;
  /** Writes `<dir>/kubeconfig` (https + CA + token unless chosen otherwise) and returns its path. */
  writeKubeconfig(dir: string, choice?: KubeconfigChoice & { fileName?: string }): string;
  nodes: NodeControls;
  store: ObjectStore;
  api: ClusterApi;
  /** Changes what /version reports (and so which kubectl the dispatcher runs). */
  setVersion(version: string): void;
  /**
   * Makes the server fail requests to resources' URLs as `hook` chooses (a dropped connection, a
   * lost answer, a Status error), until called again; undefined serves every request.
   */
  setFaults(hook: FaultHook | undefined): void;
  /** Reads an object by kind, e.g. get('Deployment', 'default', 'web'), or get('IngressRoute.traefik.io', ...) where groups share a kind. */
  get(kind: string, namespace: string | undefined, name: string): StoredObject | undefined;
  list(kind: string, namespace?: string): StoredObject[];
  /** Runs one controller pass now (controllers also run on their own). */
  reconcile(): void;
  stop(): Promise<void>;
}

interface ParsedVersion {
  major: string;
  minor: string;
  gitVersion: string;
}

export function parseVersion(version: string): ParsedVersion {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?(.*)$/.exec(version.trim());
  if (!match) throw new Error(`version must look like 1.33 or v1.33.1+k3s1, got "${version}"`);
  const patch = match[3] ?? '0';
  const suffix = match[4] || '+k3s1';
  return { major: match[1], minor: match[2], gitVersion: `v${match[1]}.${match[2]}.${patch}${suffix}` };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const host = options.host ?? '127.0.0.1';
  let version = parseVersion(options.version ?? 'v1.33.1+k3s1');
  const token = options.token ?? `K10${randomBytes(24).toString('hex')}::server:${randomBytes(16).toString('hex')}`;
  const timings: Timings = { ...TEST_TIMINGS, ...(options.timings ?? {}) };
  const failures: FailurePatterns = { ...DEFAULT_FAILURE_PATTERNS, ...(options.failures ?? {}) };
  const certificates = await generateCertificates();

  const store = new ObjectStore();
  const catalog = new ApiCatalog(() => tableMinor(Number(version.minor)));
  let nextServiceIp = 1;
  const api = new ClusterApi(
    store,
    {
      podTerminationMs: () => timings.podTerminationMs,
      allocateClusterIp: () => {
        nextServiceIp++;
        return `10.43.${Math.floor(nextServiceIp / 250)}.${nextServiceIp % 250}`;
      },
    },
    catalog,
  );
  const namespaceType = typeOf('Namespace');
  for (const namespace of ['default', 'kube-system', 'kube-public', 'kube-node-lease', ...(options.namespaces ?? [])]) {
    api.create(
      namespaceType,
      undefined,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      { fieldManager: 'k3s' },
    );
  }
  const kubeletVersion = (): string => version.gitVersion;
  const nodes = createNodeControls(store, kubeletVersion);
  for (const spec of options.nodes ?? DEFAULT_NODES) nodes.add(spec);
  api.create(
    typeOf('Service'),
    'default',
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { clusterIP: '10.43.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] },
    },
    { fieldManager: 'k3s' },
  );

  const serverAddress = (options.nodes ?? DEFAULT_NODES)[0]?.internalIp;
  if (serverAddress) {
    api.create(
      typeOf('Endpoints'),
      'default',
      {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'kubernetes', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
        subsets: [{ addresses: [{ ip: serverAddress }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }],
      },
      { fieldManager: 'k3s' },
    );
  }

  // The namespace controller holds a Terminating namespace's content while clients still send
  // writes into it (see Timings.namespaceDeletionDelayMs); reads do not count, so a client polling
  // the namespace cannot keep it alive.
  const namespaceRequests = new Map<string, number>();
  const onRequest: ServerContext['onRequest'] = (method, url, headers) => {
    const namespace = /\/namespaces\/([^/?]+)/.exec(url)?.[1];
    if (namespace && method !== 'GET') namespaceRequests.set(decodeURIComponent(namespace), Date.now());
    options.onRequest?.(method, url, headers);
  };
  const controllers = new ControllerManager(
    {
      store,
      api,
      instants: new Map(),
      timings,
      failures,
      recordEvent: createEventRecorder(store),
      kubeletVersion,
      lastRequestIn: (namespace) => namespaceRequests.get(namespace),
    },
    CONTROLLERS,
    options.onControllerError,
  );
  if (options.k3sDefaults ?? true) installK3sDefaults(api, () => controllers.pass());
  controllers.start();

  let faults: FaultHook | undefined;
  const serverContext = { api, catalog, store, token, version: () => version, onRequest, faults: () => faults };
  const handler = createRequestHandler(serverContext);
  const httpServer = createHttpServer(createRequestHandler(serverContext, false));
  const httpsServer = createHttpsServer(
    {
      cert: certificates.serverCert,
      key: certificates.serverKey,
      ca: certificates.caCert,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      // A verified admin client certificate authenticates like the bearer token.
      const socket = req.socket as import('node:tls').TLSSocket;
      if (socket.authorized && !req.headers.authorization) req.headers.authorization = `Bearer ${token}`;
      handler(req, res);
    },
  );
  const httpPort = await listen(httpServer, options.httpPort ?? 0, host);
  const httpsPort = await listen(httpsServer, options.httpsPort ?? 0, host);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${httpPort}`;
  const httpsUrl = `https://${urlHost}:${httpsPort}`;

  const kubeconfigFor = (choice: KubeconfigChoice = {}): string => {
    const https = (choice.transport ?? 'https') === 'https';
    const certificate = choice.auth === 'certificate';
    return renderKubeconfig({
      server: https ? httpsUrl : url,
      caCert: https ? certificates.caCert : undefined,
      token: certificate ? undefined : token,
      clientCert: certificate ? certificates.clientCert : undefined,
      clientKey: certificate ? certificates.clientKey : undefined,
      namespace: choice.namespace,
      clusterName: choice.clusterName,
    });
  };

  let stopped = false;
  return {
    url,
    httpsUrl,
    caCert: certificates.caCert,
    token,
    clientCert: certificates.clientCert,
    clientKey: certificates.clientKey,
    kubeconfig: kubeconfigFor(),
    kubeconfigFor,
    writeKubeconfig(dir, choice = {}) {
      mkdirSync(dir, { recursive: true });
      const path = join(dir, choice.fileName ?? 'kubeconfig');
      writeFileSync(path, kubeconfigFor(choice), { mode: 0o600 });
      return path;
    },
    nodes,
    store,
    api,
    setVersion(next) {
      version = parseVersion(next);
    },
    setFaults(hook) {
      faults = hook;
    },
    get(kind, namespace, name) {
      return store.get(catalog.typeOfKind(kind), namespace, name);
    },
    list(kind, namespace) {
      return store.list(catalog.typeOfKind(kind), namespace);
    },
    reconcile() {
      controllers.pass();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      controllers.stop();
      await Promise.all([close(httpServer), close(httpsServer as unknown as Server)]);
    },
  };
}
