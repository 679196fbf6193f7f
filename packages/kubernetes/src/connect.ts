import type { KubeConnection } from '@sophia/inputs';
import { Kubectl } from './kubectl.js';
import { LocalKubectlTransport, RemoteKubectlTransport, type KubectlResult, type RemoteShell } from './transports.js';

/** Opens an SSH session to the server; supplied by the caller so this package stays free of the SSH layer's connection details. */
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

/** The kubectl on the runner: the `kubectl` input with a kubeconfig, else plain `kubectl` (kustomizations render here in both modes). */
export function runnerKubectl(connection: KubeConnection): string {
  return connection.mode === 'kubeconfig' ? (connection.kubectl ?? 'kubectl') : 'kubectl';
}
