import { randomUUID } from 'node:crypto';
import type { Log } from '@sophia/reporting';
import { connectSsh, hostLabel, type SshTarget } from '@sophia/ssh';
import { revertSwitch, TargetLock, type SwitchRevert } from './release-host.js';
import type { SwitchJournal, SwitchPlan } from './switch-hosts.js';

/** Where a step leaves values for its post step: the runner's saved state (core.saveState / core.getState). */
export interface StepStateStore {
  save(name: string, value: string): void;
  get(name: string): string;
}

/**
 * What a run must remember to free its deploy locks from another process: the target and the lock's
 * token; and, once it began to switch, each host's release before and after, until every host is on
 * one release again (`settled`).
 */
export interface HeldLock {
  target: string;
  token: string;
  switching?: SwitchPlan;
  settled?: boolean;
}

/** What the post step needs to undo a switch the run could not finish: how nginx is reloaded on the hosts. */
export interface SwitchUndoSettings {
  targets: SshTarget[];
  /** The run's `nginx-reload-command` (empty or left out: no reload). */
  nginxReloadCommand?: string;
}

export interface LockCleanup {
  /** `hostLabel` of the host (`host:port`). */
  host: string;
  /** True when this run's lock was still there and is now gone. */
  freed: boolean;
  /** The release the host serves now (undefined: none, or the host could not be checked). */
  serving?: string;
  /** The host was put back on the release it served before the interrupted run's switch. */
  putBack?: boolean;
  /** Why the host could not be checked (unreachable, refused); the lock then goes stale after lock-timeout. */
  error?: string;
}

const HELD_LOCK_STATE = 'deploy-lock';

/**
 * Chooses the token of the deploy locks a run will take (pass it as the request's `lockToken`) and
 * leaves it, with the target, in the step's state before any lock is taken, so that the post step
 * can free them if the main step is cancelled or killed. The journal (pass it as the request's
 * `journal`) adds the switch to that state as it proceeds; each write replaces the whole record
 * (the runner keeps the last value saved under a name).
 */
export function rememberDeployLock(
  state: StepStateStore,
  target: string,
): { lockToken: string; journal: SwitchJournal } {
  const lock: HeldLock = { target, token: randomUUID() };
  const save = () => state.save(HELD_LOCK_STATE, JSON.stringify(lock));
  save();
  return {
    lockToken: lock.token,
    journal: {
      switching: (hosts) => {
        lock.switching = hosts;
        lock.settled = false;
        save();
      },
      settled: () => {
        lock.settled = true;
        save();
      },
    },
  };
}

/**
 * The post step of a run that took deploy locks: on every host, first, when the run was interrupted
 * during its switch (its journal says it began to switch and never settled), puts the host back on
 * the release it served before, with the site config as it was, reloaded (see `revertSwitch`: only
 * where `current` points at the run's release by the run's own switch, so a host another run has
 * switched since is left alone); then frees the lock the main step left behind if its token still
 * holds it (after a normal end there is none: nothing to do), putting back the site config when the
 * run installed one but was stopped before switching to its release. Hosts are reached in parallel
 * with a single attempt each, so one unreachable host does not keep the others locked. Never throws:
 * each host's outcome is in the result (empty when the run took no lock), and a freed lock, a host
 * put back or an unreachable host gets a line in `log`. Hosts that still serve different releases
 * afterwards (one could not be reached or put back, or the run kept no journal) get a warning naming
 * each one's release; the next deploy, or a rollback to `previous` (which takes every host to the
 * release before the newest live one), brings them together.
 */
export async function freeLocksLeftBehind(
  state: StepStateStore,
  settings: () => SwitchUndoSettings,
  log: Log,
): Promise<LockCleanup[]> {
  const saved = state.get(HELD_LOCK_STATE);
  if (!saved) return [];
  const lock = JSON.parse(saved) as HeldLock;
  const { targets, nginxReloadCommand } = settings();
  const cleanups = await Promise.all(
    targets.map(async (target): Promise<LockCleanup> => {
      const host = hostLabel(target);
      try {
        const session = await connectSsh({ ...target, connectAttempts: 1 }, log);
        try {
          const plan = lock.settled === false ? lock.switching?.[host] : undefined;
          let undone: SwitchRevert | undefined;
          if (plan) {
            try {
              undone = await revertSwitch(session, {
                target: lock.target,
                releaseId: plan.to,
                reloadCommand: nginxReloadCommand,
                token: lock.token,
              });
            } catch (error) {
              log.warning(
                `${host}: the interrupted run was switching it from ${plan.previous || 'nothing'} to ${plan.to}, and putting it back failed: ${error instanceof Error ? error.message : String(error)}`,
              );
            }
          }
          if (undone?.configRestored !== undefined)
            log.info(
              `${host}: put back the nginx config at ${undone.configRestored} as it was before the interrupted run`,
            );
          if (undone?.reverted)
            log.info(
              `${host}: put back on ${plan?.previous || 'nothing'}: the interrupted run had switched it to ${plan?.to}, before the release was live on every host`,
            );
          const { freed, serving, configRestored, configRestoreFailed } = await TargetLock.freeIfHeld(
            session,
            lock.target,
            lock.token,
          );
          if (configRestored !== undefined)
            log.info(
              `${host}: put back the nginx config at ${configRestored}: the interrupted run installed it but never switched to its release`,
            );
          if (configRestoreFailed !== undefined)
            log.warning(
              `${host}: the interrupted run installed an nginx config but never switched to its release, and putting the previous one back failed: ${configRestoreFailed}`,
            );
          if (freed)
            log.info(
              `${host}: freed the deploy lock the interrupted run left behind; it serves ${serving ?? 'nothing'}`,
            );
          return { host, freed, serving, putBack: undone?.reverted };
        } finally {
          await session.close();
        }
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        log.warning(
          `${host}: could not free a deploy lock left behind (${reason}); the next deploy takes it over after lock-timeout`,
        );
        return { host, freed: false, error: reason };
      }
    }),
  );
  const reached = cleanups.filter((cleanup) => cleanup.error === undefined);
  if (cleanups.some((cleanup) => cleanup.freed) && new Set(reached.map((cleanup) => cleanup.serving)).size > 1) {
    log.warning(
      `The interrupted run left the hosts serving different releases (${reached
        .map((cleanup) => `${cleanup.host}: ${cleanup.serving ?? 'nothing'}`)
        .join(', ')}); the next deploy, or a rollback to previous, brings them together`,
    );
  }
  return cleanups;
}
