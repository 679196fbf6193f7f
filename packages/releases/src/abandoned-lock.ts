import { randomUUID } from 'node:crypto';
import { markdownTable, type Log } from '@sophia/reporting';
import { connectSsh, hostLabel, SshConnectionLostError, type SshTarget } from '@sophia/ssh';
import { onAnySession, revertSwitch, TargetLock, type ReleaseSession, type SwitchRevert } from './release-host.js';
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

/** What cleaning up after an interrupted run found and did on one host. */
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
  /** The run was switching this host and it could not be put back (unreachable, or the revert failed). */
  unfinished?: boolean;
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
 * with a single connection attempt each, so one unreachable host does not keep the others locked; a
 * connection lost during a host's revert or unlock is replaced once by a new one. Never throws:
 * each host's outcome is in the result (empty when the run took no lock), and a freed lock, a host
 * put back or an unreachable host gets a line in `log`. Hosts that still serve different releases
 * afterwards (one could not be reached or put back, or the run kept no journal), or that the run was
 * switching and could not be put back, get a warning naming each one's release (or that it is unknown); the next deploy, or a rollback to `previous` (which takes every host to the
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
      const plan = lock.settled === false ? lock.switching?.[host] : undefined;
      try {
        const session = await connectSsh({ ...target, connectAttempts: 1 }, log);
        try {
          // A connection lost mid-revert or mid-unlock is tried once more over a new one: the revert
          // script finishes on its own once started (see REVERT_SCRIPT), and both steps are safe to repeat.
          const reconnect = () => connectSsh({ ...target, connectAttempts: 1 }, log);
          return await onAnySession(session, reconnect, (current) => settleHost(current, host, plan));
        } finally {
          await session.close();
        }
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        log.warning(
          `${host}: could not free a deploy lock left behind (${reason}); the next deploy takes it over after lock-timeout`,
        );
        return { host, freed: false, error: reason, unfinished: plan !== undefined };
      }
    }),
  );

  /** Undoes the interrupted switch on one host (when it was switching), then frees the lock if still held. */
  async function settleHost(session: ReleaseSession, host: string, plan: SwitchPlan[string] | undefined) {
    let undone: SwitchRevert | undefined;
    let unfinished = false;
    if (plan) {
      try {
        undone = await revertSwitch(session, {
          target: lock.target,
          releaseId: plan.to,
          reloadCommand: nginxReloadCommand,
          token: lock.token,
        });
      } catch (error) {
        if (error instanceof SshConnectionLostError) throw error;
        unfinished = true;
        log.warning(
          `${host}: the interrupted run was switching it from ${plan.previous || 'nothing'} to ${plan.to}, and putting it back failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    if (undone?.configRestored !== undefined)
      log.info(`${host}: put back the nginx config at ${undone.configRestored} as it was before the interrupted run`);
    if (plan && undone && !undone.reverted && (undone.current ?? '') === plan.previous && plan.previous !== plan.to)
      log.info(
        `${host}: already back on ${plan.previous || 'nothing'}: its switch to ${plan.to} was undone on the host itself`,
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
      log.info(`${host}: freed the deploy lock the interrupted run left behind; it serves ${serving ?? 'nothing'}`);
    return { host, freed, serving, putBack: undone?.reverted, unfinished };
  }

  const reached = cleanups.filter((cleanup) => cleanup.error === undefined);
  const unfinished = cleanups.filter((cleanup) => cleanup.unfinished);
  if (
    unfinished.length > 0 ||
    (cleanups.some((cleanup) => cleanup.freed) && new Set(reached.map((cleanup) => cleanup.serving)).size > 1)
  ) {
    const serves = (cleanup: LockCleanup) =>
      cleanup.error !== undefined
        ? 'unknown, could not be reached'
        : `${cleanup.serving ?? 'nothing'}${cleanup.unfinished ? ', not put back' : ''}`;
    log.warning(
      `The interrupted run left the hosts serving different releases (${cleanups
        .map((cleanup) => `${cleanup.host}: ${serves(cleanup)}`)
        .join(', ')}); the next deploy, or a rollback to previous, brings them together`,
    );
  }
  return cleanups;
}

/**
 * The job summary of a post step that found something left behind (see `freeLocksLeftBehind`): per
 * host, whether the lock was freed, whether the host was put back, and what it serves now; undefined
 * when there was nothing to clean up (the main step ended on its own and left nothing), so a post
 * step after a normal run adds nothing to the summary.
 */
export function lockCleanupMarkdown(title: string, cleanups: LockCleanup[]): string | undefined {
  const acted = cleanups.filter(
    (cleanup) => cleanup.freed || cleanup.putBack || cleanup.unfinished || cleanup.error !== undefined,
  );
  if (acted.length === 0) return undefined;
  const table = markdownTable(
    ['Host', 'Deploy lock', 'Put back', 'Serving'],
    cleanups.map((cleanup) => [
      cleanup.host,
      cleanup.error !== undefined ? `not reached: ${cleanup.error}` : cleanup.freed ? 'freed' : 'none left',
      cleanup.putBack ? 'yes' : cleanup.unfinished ? 'failed' : 'no',
      cleanup.error !== undefined ? 'unknown' : cleanup.serving || 'nothing',
    ]),
  );
  return `### ${title}: clean-up after the interrupted run\n\n${table}`;
}
