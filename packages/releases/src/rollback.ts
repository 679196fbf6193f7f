import { FrontendRollbackFailedError, ReleaseRollbackRefusedError } from './errors.js';
import {
  describeDrift,
  listReleases,
  releaseDrift,
  markReleaseFailed,
  reinstallNginxConfig,
  releaseLockAnyhow,
  restoreNginxConfig,
  sortReleasesNewestFirst,
  type SwitchArgs,
  switchRelease,
  TargetLock,
  type ReleaseEntry,
  type ReleaseListing,
} from './release-host.js';
import type { ReleaseHost } from './release-hosts.js';
import type { HostRollback, HostRollbackOutcome, ReleaseChoice } from './reports.js';
import type { ReleaseOrigin } from './release-info.js';
import { putBack, switchEveryHost, type HostSwitch, type SwitchJournal } from './switch-hosts.js';

/** Where a frontend rollback goes: the previous good release, or the one named by id. */
export type ReleaseTarget = { kind: 'previous' } | { kind: 'release'; releaseId: string };

function describeRelease(release: ReleaseEntry, current: string | undefined): string {
  const state = release.id === current ? 'live' : (release.info?.status ?? 'no .release.json');
  return `${release.id} (${state})`;
}

/**
 * Which release to go to on one host. `previous` is the newest complete release older than the
 * live one that is not marked failed, so a second rollback walks further back instead of
 * returning to the release the first one left. A named release is honoured even when marked
 * failed (someone decided), with a warning.
 */
export function chooseRelease(listing: ReleaseListing, to: ReleaseTarget, label: string): ReleaseChoice {
  const ordered = sortReleasesNewestFirst(listing.releases);
  const available = ordered.map((release) => describeRelease(release, listing.current)).join(', ') || 'none';
  const from = listing.current;
  if (to.kind === 'previous') {
    const liveAt = ordered.findIndex((release) => release.id === from);
    if (from === undefined || liveAt < 0) {
      throw new ReleaseRollbackRefusedError(
        `${label}: no live release to roll back from (releases: ${available}); nothing was changed`,
      );
    }
    const target = ordered.slice(liveAt + 1).find((release) => release.info?.status === 'complete');
    if (!target) {
      throw new ReleaseRollbackRefusedError(
        `${label}: no complete release older than the live ${from} that is not marked failed (releases: ${available}); nothing was changed`,
      );
    }
    return { from, to: target.id, alreadyLive: false, warnings: [] };
  }
  const target = listing.releases.find((release) => release.id === to.releaseId);
  if (!target) {
    throw new ReleaseRollbackRefusedError(
      `${label}: there is no release ${to.releaseId}; available releases: ${available}`,
    );
  }
  const warnings: string[] = [];
  if (target.id !== from && target.info?.status === 'failed') {
    const why = target.info.failedReason ? ` (${target.info.failedReason})` : '';
    warnings.push(
      `${label}: release ${target.id} is marked failed${why}; switching to it because "to" names it explicitly`,
    );
  }
  if (target.id !== from && target.info === undefined) {
    warnings.push(
      `${label}: release ${target.id} has no readable .release.json (not built by a deploy?); switching to it because "to" names it`,
    );
  }
  return { from, to: target.id, alreadyLive: target.id === from, warnings };
}

/**
 * Everything one frontend rollback needs. Durations are milliseconds; the rollback throws FrontendRollbackFailedError
 * carrying its report on failure.
 */
export interface FrontendRollbackRequest {
  target: string;
  to: ReleaseTarget;
  markFailed: boolean;
  /**
   * Tests the site config of the release rolled back to, when that release went live with one
   * (`installNginxConfig` kept it in its records) and it is installed again; empty or left out: no test.
   */
  nginxTestCommand?: string;
  nginxReloadCommand?: string;
  /** How long (milliseconds) each nginx test or reload command may run; NGINX_COMMAND_TIMEOUT_MS when left out. */
  nginxCommandTimeoutMs?: number;
  lockTimeoutMs: number;
  /** The deploy lock's token on every host (random when left out): see `FrontendDeployRequest.lockToken`. */
  lockToken?: string;
  /** Where the run notes the switch as it proceeds: see `FrontendDeployRequest.journal`. */
  journal?: SwitchJournal;
  origin: ReleaseOrigin;
  /** Progress as it happens; a host's lines are prefixed with its label and also kept in its `HostRollback.log`. */
  log?: (line: string) => void;
  warn?: (line: string) => void;
}

interface HostRun extends HostSwitch {
  target: string;
  lock?: TargetLock;
  choice?: ReleaseChoice;
  /** Where the site config of the release rolled back to was installed, when it went live with one. */
  configPath?: string;
  markedFailed: boolean;
  outcome: HostRollbackOutcome;
  error?: string;
  log: string[];
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A line about one host: kept for its report and passed on, labelled, as it happens. */
function note(run: HostRun, request: FrontendRollbackRequest, line: string): void {
  run.log.push(line);
  request.log?.(`${run.host.session.label}: ${line}`);
}

function reportOf(runs: HostRun[]): HostRollback[] {
  return runs.map((run) => ({
    host: run.host.name,
    label: run.host.session.label,
    ...run.choice!,
    markedFailed: run.markedFailed,
    outcome: run.outcome,
    error: run.error,
    log: run.log,
  }));
}

/** Throws the first rejection's reason after every attempt settled, or returns. */
function firstFailure(results: PromiseSettledResult<unknown>[]): unknown {
  return results.find((result): result is PromiseRejectedResult => result.status === 'rejected')?.reason;
}

/**
 * The frontend rollback over every host, under the deploy lock: lock and decide on every host
 * first (one that cannot proceed stops all, with nothing changed), install on every host the
 * site config the release went live with (if it had one; see `installReleaseConfigs`), then switch
 * every host atomically and reload; a failed switch puts the hosts already switched back. Then the
 * release rolled back from is marked failed. Locks are freed on every path.
 * @returns every host's outcome (`switched` or `already live`), in the order of `hosts`.
 * @throws ReleaseRollbackRefusedError (or the lock's error) before any host changed;
 *   FrontendRollbackFailedError, carrying every host's outcome, when a switch or reload failed
 *   (the hosts already switched are put back) or a switched-from release could not be marked failed.
 */
export async function rollbackFrontend(
  request: FrontendRollbackRequest,
  hosts: ReleaseHost[],
): Promise<HostRollback[]> {
  const warn = request.warn ?? request.log ?? (() => undefined);
  const runs: HostRun[] = hosts.map((host) => ({
    host,
    target: host.target ?? request.target,
    switched: false,
    switchUnknown: false,
    markedFailed: false,
    outcome: 'not switched',
    log: [],
  }));
  try {
    // Read-only first: taking the lock creates the target's directories, and a wrong target must stay untouched.
    const empty = await Promise.all(
      runs.map(async (run) => {
        const listing = await listReleases(run.host.session, run.target);
        return listing.current === undefined && listing.releases.length === 0 ? run : undefined;
      }),
    );
    const missing = empty.filter((run): run is HostRun => run !== undefined);
    if (missing.length > 0) {
      throw new ReleaseRollbackRefusedError(
        missing
          .map(
            (run) =>
              `${run.host.session.label}: ${run.target} holds no releases (is "target" the directory deploys go to?); nothing was changed`,
          )
          .join('\n'),
      );
    }
    const locked = await Promise.allSettled(
      runs.map(async (run) => {
        run.lock = await TargetLock.acquire(run.host.session, run.target, {
          timeoutMs: request.lockTimeoutMs,
          owner: { runId: request.origin.runId, runUrl: request.origin.runUrl },
          token: request.lockToken,
        });
      }),
    );
    const lockFailure = firstFailure(locked);
    if (lockFailure !== undefined) throw lockFailure;

    const to = convergingTarget(runs, request.to, warn);
    const refusals: string[] = [];
    for (const run of runs) {
      try {
        run.choice = chooseRelease(run.lock!.state, to, run.host.session.label);
      } catch (error) {
        if (!(error instanceof ReleaseRollbackRefusedError)) throw error;
        refusals.push(error.message);
      }
    }
    if (refusals.length > 0) throw new ReleaseRollbackRefusedError(refusals.join('\n'));
    await refuseChangedReleases(runs);
    for (const run of runs) for (const warning of run.choice!.warnings) warn(warning);

    const switching = runs.filter((run) => !run.choice!.alreadyLive);
    for (const run of runs.filter((run) => run.choice!.alreadyLive)) {
      run.outcome = 'already live';
      note(run, request, `release ${run.choice!.to} is already live; nothing to switch`);
    }
    await installReleaseConfigs(runs, request);
    request.journal?.switching(
      Object.fromEntries(
        switching.map((run) => [run.host.session.label, { to: run.choice!.to, previous: run.choice!.from ?? '' }]),
      ),
    );
    const switchErrors = await switchEveryHost(switching, async (run) => {
      note(run, request, `switching current from ${run.choice!.from ?? '(nothing)'} to ${run.choice!.to}`);
      await switchRelease(run.host.session, switchArgs(run, request));
      run.outcome = 'switched';
    });
    switchErrors.forEach((error, index) => {
      if (error === undefined) return;
      switching[index].error = errorMessage(error);
      note(switching[index], request, `switch failed: ${switching[index].error}`);
    });
    const switchFailure = switchErrors.find((error) => error !== undefined);
    if (switchFailure !== undefined) {
      // The revert acts only where current points at the rollback's target by this run's switch, so a
      // host that never switched is left alone; it puts back the config first, so the reload loads the
      // config that goes with the release put back.
      const reverting = switching.filter((run) => run.switched || run.switchUnknown || run.configPath !== undefined);
      const reverted = await Promise.allSettled(
        reverting.map(async (run) => {
          const wasSwitched = run.switched;
          await putBack(run, switchArgs(run, request));
          return wasSwitched;
        }),
      );
      reverted.forEach((result, index) => {
        const run = reverting[index];
        if (result.status === 'fulfilled') {
          run.outcome = result.value ? 'put back' : 'not switched';
          note(run, request, `back on ${run.choice!.from ?? '(nothing)'}, as before this rollback`);
        } else {
          run.outcome = 'unknown';
          const why = `putting it back on ${run.choice!.from ?? '(nothing)'} failed: ${errorMessage(result.reason)}`;
          run.error = run.error ? `${run.error}; ${why}` : why;
          note(run, request, why);
        }
      });
      const revertFailure = firstFailure(reverted);
      if (revertFailure === undefined) request.journal?.settled();
      const after =
        revertFailure === undefined
          ? 'every host is back on the release it had'
          : `putting the other hosts back failed too: ${errorMessage(revertFailure)}`;
      throw new FrontendRollbackFailedError(
        `Rollback failed: ${errorMessage(switchFailure)}; ${after}`,
        reportOf(runs),
      );
    }
    request.journal?.settled();

    if (request.markFailed) {
      for (const run of switching) {
        try {
          await markFailed(run, request, warn);
        } catch (error) {
          run.error = `switched, but marking ${run.choice!.from} failed did not work: ${errorMessage(error)}`;
          note(run, request, run.error);
        }
      }
      const unmarked = switching.filter((run) => run.error !== undefined);
      if (unmarked.length > 0) {
        throw new FrontendRollbackFailedError(
          `Rollback switched every host, but ${unmarked.map((run) => `${run.host.session.label}: ${run.error}`).join('; ')}`,
          reportOf(runs),
        );
      }
    }
    return reportOf(runs);
  } finally {
    await Promise.allSettled(
      runs.map((run) => (run.lock ? releaseLockAnyhow(run.lock, [], run.host.reconnect) : undefined)),
    );
  }
}

/** How this run's switch to its chosen release reaches the host, and how it is undone (see `revertSwitch`). */
function switchArgs(run: HostRun, request: FrontendRollbackRequest): SwitchArgs {
  return {
    target: run.target,
    releaseId: run.choice!.to,
    reloadCommand: request.nginxReloadCommand,
    timeoutMs: request.nginxCommandTimeoutMs,
    token: run.lock!.token,
  };
}

/**
 * Installs, on every host about to switch, the site config its release went live with (a release
 * deployed with `nginx-config` keeps it in its records), tested with `nginxTestCommand`, before any
 * host switches: the switch's reload then serves the release with its own config, so a config that
 * names a release directory (`{{release}}`) follows the rollback. A release deployed without a config
 * leaves the installed one alone. One refused config puts back the configs installed on the others.
 * @throws FrontendRollbackFailedError when a config could not be installed; no host switched, and
 *   every host's config is as it was.
 */
async function installReleaseConfigs(runs: HostRun[], request: FrontendRollbackRequest): Promise<void> {
  const switching = runs.filter((run) => !run.choice!.alreadyLive);
  const installed = await Promise.allSettled(
    switching.map(async (run) => {
      run.configPath = await reinstallNginxConfig(
        run.host.session,
        run.target,
        run.choice!.to,
        request.nginxTestCommand,
        request.nginxCommandTimeoutMs,
        run.lock!.token,
      );
      if (run.configPath !== undefined)
        note(run, request, `installed the nginx config release ${run.choice!.to} went live with at ${run.configPath}`);
    }),
  );
  installed.forEach((result, index) => {
    if (result.status === 'rejected') switching[index].error = errorMessage(result.reason);
  });
  const failure = firstFailure(installed);
  if (failure === undefined) return;
  const restored = await Promise.allSettled(
    switching
      .filter((run) => run.configPath !== undefined)
      .map(async (run) => {
        try {
          await restoreNginxConfig(run.host.session, run.target, run.configPath!);
          run.configPath = undefined;
        } catch (error) {
          run.error = `putting back the config at ${run.configPath} failed: ${errorMessage(error)}`;
          throw error;
        }
      }),
  );
  const restoreFailure = firstFailure(restored);
  const after =
    restoreFailure === undefined
      ? 'no host was switched and every config is as it was'
      : `no host was switched, but putting back a config failed: ${errorMessage(restoreFailure)}`;
  throw new FrontendRollbackFailedError(`Rollback failed: ${errorMessage(failure)}; ${after}`, reportOf(runs));
}

/**
 * Refuses, before any host switches, to go to a release whose files were changed on the server
 * since it was built (edited in place, directly or through a hard link it shares with other
 * releases; removed; replaced): a rollback has no build to send them again from, and switching
 * would serve bytes that are not the release's. The way out is a deploy of that release's build
 * (under the same release id a deploy rebuilds it from the build) or another release.
 * @throws ReleaseRollbackRefusedError naming each host, release and the changed files.
 */
async function refuseChangedReleases(runs: HostRun[]): Promise<void> {
  const changed = await Promise.all(
    runs
      .filter((run) => !run.choice!.alreadyLive)
      .map(async (run) => {
        const drift = await releaseDrift(run.host.session, run.target, run.choice!.to);
        const label = run.host.session.label;
        return drift.length === 0
          ? undefined
          : `${label}: release ${run.choice!.to} has ${drift.length} file(s) changed on the server since it was built (${describeDrift(drift)}); ` +
              `switching to it would serve bytes that are not its build's, so nothing was changed. Deploy that build again ` +
              `(with release-id ${run.choice!.to} it is rebuilt from the build) or roll back to another release`;
      }),
  );
  const refusals = changed.filter((message): message is string => message !== undefined);
  if (refusals.length > 0) throw new ReleaseRollbackRefusedError(refusals.join('\n'));
}

/**
 * `previous` when the hosts serve different releases (a deploy whose connection to one host broke
 * during the switch left it ahead): every host goes to the release before the newest one live
 * anywhere, so the rollback converges them instead of stepping each back from where it stands.
 */
function convergingTarget(runs: HostRun[], to: ReleaseTarget, warn: (line: string) => void): ReleaseTarget {
  if (to.kind !== 'previous') return to;
  const live = runs.map((run) => run.lock!.state.current);
  if (new Set(live).size <= 1) return to;
  const createdAt = (run: HostRun) =>
    run.lock!.state.releases.find((release) => release.id === run.lock!.state.current)?.info?.createdAt ?? '';
  const ahead = [...runs].sort((a, b) => createdAt(b).localeCompare(createdAt(a)))[0];
  const choice = chooseRelease(ahead.lock!.state, to, ahead.host.session.label);
  warn(
    `The hosts serve different releases (${runs
      .map((run, index) => `${run.host.session.label}: ${live[index] ?? 'none'}`)
      .join(', ')}); every host goes to ${choice.to}, the release before the newest live one (${choice.from})`,
  );
  return { kind: 'release', releaseId: choice.to };
}

async function markFailed(run: HostRun, request: FrontendRollbackRequest, warn: (line: string) => void): Promise<void> {
  const { from, to } = run.choice!;
  const label = run.host.session.label;
  const info = run.lock!.state.releases.find((release) => release.id === from)?.info;
  if (from === undefined) return;
  if (!info) {
    warn(`${label}: release ${from} has no readable .release.json, so it cannot be marked failed`);
    return;
  }
  const by = request.origin.runUrl ? ` by ${request.origin.runUrl}` : '';
  await markReleaseFailed(run.host.session, run.target, info, `rolled back to ${to}${by}`);
  run.markedFailed = true;
  note(run, request, `marked release ${from} failed; later rollbacks to "previous" skip it`);
}
