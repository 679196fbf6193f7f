import { SshConnectionLostError } from '@sophia/ssh';
import { onAnySession, revertSwitch, type SwitchArgs, type SwitchRevert } from './release-host.js';
import type { ReleaseHost } from './release-hosts.js';

/**
 * The phase deploy and rollback share: switch every host, and put back the ones that switched when
 * any failed, so the hosts end on one release.
 */

/** One host's part in a switch over several hosts. */
export interface HostSwitch {
  host: ReleaseHost;
  /** Its switch went through. */
  switched: boolean;
  /** Its connection broke with the switch's outcome in flight: it may serve either release. */
  switchUnknown: boolean;
}

/**
 * Where a run keeps, while it switches, what its post step needs to undo a switch the run could not
 * finish (the action's saved state: see `rememberDeployLock`). Written before the first host switches
 * and after the last outcome, never by the hosts' work in between, so a cancel at any moment leaves a
 * record the post step can act on.
 */
export interface SwitchJournal {
  /** Before any host switches: for each host (by `hostLabel`), the release it goes to and the one it serves now. */
  switching(hosts: SwitchPlan): void;
  /** Every host is on one release again (all switched, or every switched host put back): nothing to undo. */
  settled(): void;
}

/** Per host (`hostLabel`): the release it switches to and the one it served before ('' when none). */
export type SwitchPlan = Record<string, { to: string; previous: string }>;

/**
 * Runs `switchOne` on every host at once, marking each `switched` when it went through and
 * `switchUnknown` when its connection broke with the outcome in flight.
 * @returns each host's error, in the order of `runs` (undefined where the switch went through).
 */
export async function switchEveryHost<Run extends HostSwitch>(
  runs: Run[],
  switchOne: (run: Run) => Promise<void>,
): Promise<unknown[]> {
  const results = await Promise.allSettled(
    runs.map(async (run) => {
      try {
        await switchOne(run);
        run.switched = true;
      } catch (error) {
        if (error instanceof SshConnectionLostError) run.switchUnknown = true;
        throw error;
      }
    }),
  );
  return results.map((result) => (result.status === 'rejected' ? (result.reason ?? 'failed') : undefined));
}

/**
 * Puts one host back as it was before the run (see `revertSwitch`: its site config, then its link,
 * then the reload), over a new connection when its own broke; clears `switched` and `switchUnknown`
 * once done, as the host is then known to serve what it served before.
 * @throws what `revertSwitch` or the reconnection throws; the flags are then left as they were.
 */
export async function putBack(run: HostSwitch, args: SwitchArgs): Promise<SwitchRevert> {
  const revert = await onAnySession(run.host.session, run.host.reconnect, (session) => revertSwitch(session, args));
  run.switched = false;
  run.switchUnknown = false;
  return revert;
}
