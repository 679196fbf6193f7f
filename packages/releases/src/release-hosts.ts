import type { SshConnectRequest } from '@sophia/ssh';
import type { Log } from '@sophia/reporting';
import { connectSsh, sshTargetsFrom, withSessions, type SshSession } from '@sophia/ssh';
import type { Reconnect, ReleaseSession } from './release-host.js';

/** One host a deploy or rollback works on. */
export interface ReleaseHost {
  /** The host as the user named it (`{{host}}` in the nginx template). */
  name: string;
  /** Its session; `session.label` (the SSH layer's `hostLabel`) names the host in reports, logs and errors. */
  session: ReleaseSession & { channelsOpened?: number };
  /** This host's base directory when it differs from the request's (hosts sharing one machine, as in tests). */
  target?: string;
  /** A fresh session, to free the lock and put the host back when the first one was lost mid-run. */
  reconnect?: Reconnect;
}

/**
 * Connects every host of the SSH inputs (host keys verified, all or none: see `withSessions`), runs
 * `work` with them in input order, each able to reconnect, and closes every session afterwards.
 * `signal` is the run's cancel while connecting: it ends every connection attempt at once.
 * @throws the first connection's error (`HostKeyError`, `SshAuthError`, `SshConnectError`), or
 *   `signal.reason` on cancel, before `work` runs, with nothing changed on any host.
 */
export async function withReleaseHosts<T>(
  ssh: SshConnectRequest,
  log: Log,
  work: (hosts: ReleaseHost[]) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const targets = sshTargetsFrom(ssh);
  return withSessions(
    targets,
    log,
    (sessions: SshSession[]) =>
      work(
        sessions.map((session, index) => ({
          name: targets[index].host,
          session,
          reconnect: () => connectSsh(targets[index], log),
        })),
      ),
    signal,
  );
}
