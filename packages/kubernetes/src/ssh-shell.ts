import type { KubeConnection } from './request.js';
import type { Log } from '@sophia/reporting';
import type { RemoteShell } from './transports.js';

// kubectl's own exit codes are answers (1: error, diff's 1: differences), so every code comes back.
const ANY_EXIT_CODE = Array.from({ length: 256 }, (_, code) => code);

/**
 * An SSH session to the server as the remote kubectl transport uses it. `signal` is the run's
 * cancel: it ends the connection attempt at once, and the call rejects with its reason (see connectSsh).
 */
export async function openRemoteShell(
  connection: Extract<KubeConnection, { mode: 'ssh' }>,
  log?: Log,
  signal?: AbortSignal,
): Promise<RemoteShell> {
  // The SSH stack (ssh2 and its ciphers) is most of what a bundle compiles and runs at start-up,
  // and a kubeconfig deploy never uses it: it is loaded only when a step connects over SSH (the
  // bundler puts it in a chunk of its own beside dist/index.js).
  const { connectSsh, sshTargetsFrom } = await import('@sophia/ssh');
  const [target] = sshTargetsFrom(connection.ssh);
  const session = await connectSsh(target, log, signal);
  return {
    // The session's own label, so kubectl's messages name the server as the SSH layer's do.
    host: session.label,
    run: (purpose, argv, stdin, signal) => session.run(purpose, argv, { stdin, okExitCodes: ANY_EXIT_CODE, signal }),
    close: () => session.close(),
  };
}
