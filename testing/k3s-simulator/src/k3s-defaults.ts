/**
 * What a fresh k3s server has besides Kubernetes' own objects: the CRDs of its bundled charts
 * (Traefik's traefik.io and traefik.containo.us kinds, helm-controller's HelmChart and
 * HelmChartConfig; data/k3s-crds.json.gz, see scripts/extract-k3s-crds.mjs) and k3s's own Addon;
 * the `local-path` default StorageClass (local-path-provisioner, WaitForFirstConsumer); the
 * `traefik` default IngressClass; and in kube-system the HelmCharts, Addons, Deployments and
 * Services k3s deploys (coredns, local-path-provisioner, metrics-server, traefik). Not simulated:
 * the helm-install Jobs, ServiceLB's svclb DaemonSet, the metrics.k8s.io API.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { ClusterApi } from './api.js';
import { LOCAL_PATH_PROVISIONER } from './controllers/volumes.js';
import { typeOf } from './resources.js';
import type { Json, StoredObject } from './types.js';

let bundledCrds: StoredObject[] | undefined;

function chartCrds(): StoredObject[] {
  bundledCrds ??= (
    JSON.parse(gunzipSync(readFileSync(new URL('../data/k3s-crds.json.gz', import.meta.url))).toString('utf8')) as {
      crds: StoredObject[];
    }
  ).crds;
  return bundledCrds;
}

/** k3s's Addon CRD, as k3s registers it (pkg/crd: Addon.k3s.cattle.io/v1 with Source and Checksum columns). */
const ADDON_CRD: StoredObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'addons.k3s.cattle.io' },
  spec: {
    group: 'k3s.cattle.io',
    names: { kind: 'Addon', plural: 'addons', singular: 'addon' },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        additionalPrinterColumns: [
          { name: 'Source', type: 'string', jsonPath: '.spec.source' },
          { name: 'Checksum', type: 'string', jsonPath: '.spec.checksum' },
        ],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', properties: { source: { type: 'string' }, checksum: { type: 'string' } } },
              status: {
                type: 'object',
                properties: {
                  gvks: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
                },
              },
            },
          },
        },
      },
    ],
  },
};

const ADDONS = [
  'ccm',
  'coredns',
  'local-storage',
  'aggregated-metrics-reader',
  'auth-delegator',
  'auth-reader',
  'metrics-apiservice',
  'metrics-server-deployment',
  'metrics-server-service',
  'resource-reader',
  'rolebindings',
  'runtimes',
  'traefik',
];

function deployment(name: string, labels: Record<string, string>, image: string, ports: Json[] = []): StoredObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'kube-system', labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          priorityClassName: 'system-cluster-critical',
          serviceAccountName: name,
          tolerations: [
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
            { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
            { key: 'node-role.kubernetes.io/master', operator: 'Exists', effect: 'NoSchedule' },
          ],
          containers: [{ name, image, ...(ports.length ? { ports } : {}) }],
        },
      },
    },
  };
}

function service(name: string, selector: Record<string, string>, spec: Json): StoredObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'kube-system' },
    spec: { selector, ...spec },
  };
}

/** The objects, in the order k3s creates them (CRDs first: the others need them established). */
export function k3sDefaultCrds(): StoredObject[] {
  return [...chartCrds(), ADDON_CRD];
}

/** StorageClass, IngressClass and kube-system's objects, to create once the CRDs are established. */
export function k3sDefaultObjects(): StoredObject[] {
  const system = (kind: string, name: string, spec: Json): StoredObject => ({
    kind,
    metadata: { name, namespace: 'kube-system' },
    spec,
  });
  return [
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: LOCAL_PATH_PROVISIONER,
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: {
        name: 'traefik',
        annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' },
        labels: { 'app.kubernetes.io/name': 'traefik', 'app.kubernetes.io/managed-by': 'Helm' },
      },
      spec: { controller: 'traefik.io/ingress-controller' },
    },
    ...ADDONS.map((name) => ({
      ...system('Addon', name, {
        source: `/var/lib/rancher/k3s/server/manifests/${name === 'traefik' ? 'traefik' : name}.yaml`,
        checksum: '0'.repeat(64),
      }),
      apiVersion: 'k3s.cattle.io/v1',
    })),
    ...(['traefik-crd', 'traefik'] as const).map((name) => ({
      ...system('HelmChart', name, {
        chart: `https://%{KUBERNETES_API}%/static/charts/${name}-27.0.201+up27.0.2.tgz`,
        ...(name === 'traefik' ? { set: { 'global.systemDefaultRegistry': '' } } : {}),
      }),
      apiVersion: 'helm.cattle.io/v1',
    })),
    ...['coredns', 'local-path-provisioner', 'metrics-server', 'traefik'].map((name): StoredObject => ({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name, namespace: 'kube-system' },
    })),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'coredns', namespace: 'kube-system' },
      data: {
        Corefile:
          '.:53 {\n    errors\n    health\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n      pods insecure\n      fallthrough in-addr.arpa ip6.arpa\n    }\n    forward . /etc/resolv.conf\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n',
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'local-path-config', namespace: 'kube-system' },
      data: {
        'config.json': JSON.stringify({
          nodePathMap: [{ node: 'DEFAULT_PATH_FOR_NON_LISTED_NODES', paths: ['/var/lib/rancher/k3s/storage'] }],
        }),
      },
    },
    deployment('coredns', { 'k8s-app': 'kube-dns' }, 'rancher/mirrored-coredns-coredns:1.12.0', [
      { name: 'dns', containerPort: 53, protocol: 'UDP' },
      { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
    ]),
    deployment('local-path-provisioner', { app: 'local-path-provisioner' }, 'rancher/local-path-provisioner:v0.0.30'),
    deployment('metrics-server', { 'k8s-app': 'metrics-server' }, 'rancher/mirrored-metrics-server:v0.7.2', [
      { name: 'https', containerPort: 10250, protocol: 'TCP' },
    ]),
    deployment(
      'traefik',
      { 'app.kubernetes.io/name': 'traefik', 'app.kubernetes.io/instance': 'traefik-kube-system' },
      'rancher/mirrored-library-traefik:2.11.18',
      [
        { name: 'web', containerPort: 8000, protocol: 'TCP' },
        { name: 'websecure', containerPort: 8443, protocol: 'TCP' },
      ],
    ),
    service(
      'kube-dns',
      { 'k8s-app': 'kube-dns' },
      {
        clusterIP: '10.43.0.10',
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
          { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
        ],
      },
    ),
    service(
      'metrics-server',
      { 'k8s-app': 'metrics-server' },
      {
        ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 'https' }],
      },
    ),
    service(
      'traefik',
      { 'app.kubernetes.io/name': 'traefik', 'app.kubernetes.io/instance': 'traefik-kube-system' },
      {
        type: 'LoadBalancer',
        ports: [
          { name: 'web', port: 80, protocol: 'TCP', targetPort: 'web' },
          { name: 'websecure', port: 443, protocol: 'TCP', targetPort: 'websecure' },
        ],
      },
    ),
  ];
}

/** Creates the CRDs; the objects of their kinds follow once a controller pass has established them. */
export function installK3sDefaults(api: ClusterApi, establish: () => void): void {
  const write = (object: StoredObject): void => {
    const served = api.catalog.findKind(object.apiVersion ?? '', object.kind ?? '');
    const type = served?.type ?? typeOf(object.kind ?? '');
    api.create(type, object.metadata.namespace, object, { fieldManager: 'k3s', servedVersion: served?.version });
  };
  for (const crd of k3sDefaultCrds()) write(crd);
  establish();
  for (const object of k3sDefaultObjects()) write(object);
}
