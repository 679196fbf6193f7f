import type { KubeConnection } from '@sophia/inputs';
import type { Log } from '@sophia/reporting';
import { Kubectl } from './kubectl.js';
import { openRemoteShell } from './ssh-shell.js';
import { LocalKubectlTransport, RemoteKubectlTransport, type KubectlResult, type RemoteShell } from './transports.js';

/**
 * Opens an SSH session to the server. `connectKubectl` takes it from its caller (tests pass their
 * own); `withKubectl` wires the SSH layer's `openRemoteShell`.
 */
export type RemoteShellFactory = (connection: Extract<KubeConnection, { mode: 'ssh' }>) => Promise<RemoteShell>;

export interface ConnectOptions {
  /** Where the kubeconfig file and kubectl's cache go; RUNNER_TEMP on a runner. */
  tempDir?: string;
  /** Needed for the SSH mode. */
  remoteShell?: RemoteShellFactory;
  trace?: (line: string) => void;
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
    );
  }
  if (!options.remoteShell) throw new Error('kubectl over SSH needs an SSH connection factory');
  const shell = await options.remoteShell(connection);
  const host = connection.ssh.hosts[0];
  return new Kubectl(
    new RemoteKubectlTransport(shell, connection.kubectlCommand, `${host.host}:${host.port ?? connection.ssh.port}`),
    options.trace,
  );
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
 *
 * Throws what connecting throws (an SSH connection refused or unauthenticated, a kubeconfig that
 * cannot be written) before `work` runs, and otherwise rethrows whatever `work` throws, after closing.
 */
export async function withKubectl<T>(
  connection: KubeConnection,
  options: { log: Log; tempDir?: string },
  work: (kubectl: Kubectl) => Promise<T>,
): Promise<T> {
  const kubectl = await connectKubectl(connection, {
    remoteShell: (ssh) => openRemoteShell(ssh, options.log),
    trace: (line) => options.log.debug(line),
    tempDir: options.tempDir,
  });
  try {
    // Awaited inside the try: a rejection must reach the caller, not race the close.
    return await work(kubectl);
  } finally {
    await kubectl.close();
  }
}

/** The kubectl on the runner: the `kubectl` input with a kubeconfig, else plain `kubectl` (kustomizations render here in both modes). */
export function runnerKubectl(connection: KubeConnection): string {
  return connection.mode === 'kubeconfig' ? (connection.kubectl ?? 'kubectl') : 'kubectl';
}
