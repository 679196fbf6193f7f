import type { KubeConnection } from '@sophia/inputs';
import type { Log } from '@sophia/reporting';
import { connectSsh, sshTargetsFrom } from '@sophia/ssh';
import type { RemoteShell } from './transports.js';

// kubectl's own exit codes are answers (1: error, diff's 1: differences), so every code comes back.
const ANY_EXIT_CODE = Array.from({ length: 256 }, (_, code) => code);

/** An SSH session to the server as the remote kubectl transport uses it. */
export async function openRemoteShell(
  connection: Extract<KubeConnection, { mode: 'ssh' }>,
  log?: Log,
): Promise<RemoteShell> {
  const [target] = sshTargetsFrom(connection.ssh);
  const session = await connectSsh(target, log);
  return {
    run: (purpose, argv, stdin) => session.run(purpose, argv, { stdin, okExitCodes: ANY_EXIT_CODE }),
    close: () => session.close(),
  };
}
