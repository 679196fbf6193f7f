import type { KubeConnection, KubernetesDeployRequest } from './request.js';
import type { Log } from '@sophia/reporting';
import { Kubectl } from './kubectl.js';
import { loadManifests, type Manifest } from './manifests.js';
import { openRemoteShell } from './ssh-shell.js';
import { LocalKubectlTransport, RemoteKubectlTransport, type KubectlResult, type RemoteShell } from './transports.js';

/**
 * Opens an SSH session to the server. `connectKubectl` takes it from its caller (tests pass their
 * own); `withKubectl` wires the SSH layer's `openRemoteShell`.
 */
export type RemoteShellFactory = (connection: Extract<KubeConnection, { mode: 'ssh' }>) => Promise<RemoteShell>;

/**
 * How `connectKubectl` builds its transport: where local kubectl keeps its files, how an SSH shell is opened (required
 * for `mode: ssh`), and where each kubectl command line is traced.
 */
export interface ConnectOptions {
  /** Where the kubeconfig file and kubectl's cache go (the action's secrets directory); the system's temp directory when absent. */
  tempDir?: string;
  /** Needed for the SSH mode. */
  remoteShell?: RemoteShellFactory;
  trace?: (line: string) => void;
  /** The run's cancel: once aborted, the Kubectl's calls reject and its kubectl processes end (see Kubectl). */
  signal?: AbortSignal;
}

/** A Kubectl for the connection the inputs chose: kubectl here with the kubeconfig, or on the server over SSH. */
export async function connectKubectl(connection: KubeConnection, options: ConnectOptions = {}): Promise<Kubectl> {
  if (connection.mode === 'kubeconfig') {
    return new Kubectl(
      new LocalKubectlTransport({
        kubeconfig: connection.kubeconfig,
        kubectl: connection.kubectl,
        tempDir: options.tempDir,
      }),
      options.trace,
      options.signal,
    );
  }
  if (!options.remoteShell) throw new Error('kubectl over SSH needs an SSH connection factory');
  const shell = await options.remoteShell(connection);
  return new Kubectl(new RemoteKubectlTransport(shell, connection.kubectlCommand), options.trace, options.signal);
}

export type { KubectlResult };

/**
 * Connects kubectl as `connectKubectl` does, runs `work` with it, and closes it however `work`
 * ends (the SSH session, the kubeconfig and kubectl's cache on disk go with it), returning what
 * `work` returns.
 *
 * - `connection`: the `KubeConnection` the inputs chose (kubeconfig on the runner, or SSH to the server).
 * - `options.log`: where the SSH layer writes its progress and kubectl's command lines go as debug lines.
 * - `options.tempDir`: where the kubeconfig file and kubectl's cache go (the action's secrets directory);
 *   the system's temp directory when absent.
 * - `options.signal`: the run's cancel; it ends an SSH connection still being made (rejecting with its
 *   reason before `work` runs), and once aborted, the Kubectl's calls reject with its reason and
 *   the kubectl processes they started end (see `Kubectl.withoutSignal` for putting things back).
 *
 * Throws what connecting throws (an SSH connection refused or unauthenticated, a kubeconfig that
 * cannot be written) before `work` runs, and otherwise rethrows whatever `work` throws, after closing;
 * a failed close is a warning on `options.log`, never thrown.
 */
export async function withKubectl<T>(
  connection: KubeConnection,
  options: { log: Log; tempDir?: string; signal?: AbortSignal },
  work: (kubectl: Kubectl) => Promise<T>,
): Promise<T> {
  const kubectl = await connectKubectl(connection, {
    remoteShell: (ssh) => openRemoteShell(ssh, options.log, options.signal),
    trace: (line) => options.log.debug(line),
    tempDir: options.tempDir,
    signal: options.signal,
  });
  try {
    // Awaited inside the try: a rejection must reach the caller, not race the close.
    return await work(kubectl);
  } finally {
    // What the work did to the cluster is the outcome: a clean-up that fails after it (a private
    // directory that cannot be removed, an SSH session already gone) is said, never put in its place.
    await kubectl.close().catch((error: unknown) => {
      options.log.warning(
        `Could not clean up after kubectl (${kubectl.where}): ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }
}

/** The kubectl on the runner: the `kubectl` input with a kubeconfig, else plain `kubectl` (kustomizations render here in both modes). */
function runnerKubectl(connection: KubeConnection): string {
  return connection.mode === 'kubeconfig' ? (connection.kubectl ?? 'kubectl') : 'kubectl';
}

/** What a deploy needs to connect and load its manifests: the connection and manifest inputs. */
export interface DeploySource extends Pick<KubernetesDeployRequest, 'manifests' | 'namespace'> {
  /** The `KubeConnection` the inputs chose. */
  connection: KubeConnection;
}

/**
 * The opening every Kubernetes deploy shares: connects kubectl as `withKubectl` does, loads the
 * manifests into the namespace kubectl would use for objects that name none (the `namespace` input,
 * else the context's, else `default`, as `kubectl apply` does), then runs `work` with both and closes
 * the connection however `work` ends, returning what `work` returns.
 *
 * - `options.cwd`: the workspace the manifest patterns are relative to.
 * - `options.log`, `options.tempDir`, `options.signal`: as for `withKubectl`.
 *
 * Throws what `withKubectl` throws, `KubernetesInputError` for patterns that match nothing, `ManifestError`
 * with every problem of every file (each with its file and line) before anything reaches the
 * cluster, and otherwise whatever `work` throws.
 */
export async function withDeployManifests<T>(
  source: DeploySource,
  options: { log: Log; tempDir?: string; cwd: string; signal?: AbortSignal },
  work: (kubectl: Kubectl, manifests: Manifest[]) => Promise<T>,
): Promise<T> {
  return withKubectl(source.connection, options, async (kubectl) => {
    const manifests = loadManifests({
      patterns: source.manifests,
      cwd: options.cwd,
      namespace: source.namespace ?? (await kubectl.contextNamespace()),
      kubectl: runnerKubectl(source.connection),
    });
    const files = new Set(manifests.map((m) => m.file)).size;
    options.log.info(`Loaded ${manifests.length} objects from ${files} manifest file${files === 1 ? '' : 's'}`);
    return work(kubectl, manifests);
  });
}
