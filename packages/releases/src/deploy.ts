import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { runHealthCheck } from '@sophia/health-check';
import { RELEASE_ID_PATTERN, RELEASE_ID_RULE } from './release-id.js';
import { asFoundOnServer, planDelta, sameManifest } from './delta.js';
import { manifestTotals, type FileManifest } from './manifest.js';
import { renderNginxConfig } from './nginx-template.js';
import {
  completeSwitch,
  completeUpload,
  type DriftedFile,
  describeDrift,
  type GatedScript,
  installNginxConfig,
  markReleaseFailed,
  sortReleasesNewestFirst,
  openSwitch,
  openUpload,
  startUpload,
  type TargetState,
  releaseLockAnyhow,
  type SwitchArgs,
  TargetLock,
  writeReleaseInfo,
  type ReleaseEntry,
  type PruneResult,
} from './release-host.js';
import type { RunResult } from '@sophia/ssh';
import { ReleaseHostError, FrontendDeployFailedError } from './errors.js';
import type { FrontendDeployReport, HostReport } from './reports.js';
import type { ReleaseHost } from './release-hosts.js';
import { RECORDS_DIR, releasePath } from './remote-scripts.js';
import { putBack, switchEveryHost, type HostSwitch, type SwitchJournal } from './switch-hosts.js';
import type { ReleaseInfo, ReleaseOrigin } from './release-info.js';
import { releaseStream } from './release-stream.js';

/**
 * Everything one frontend deploy needs, settled before any host is contacted. Durations are milliseconds; the deploy
 * throws FrontendDeployFailedError carrying its report on failure.
 */
export interface FrontendDeployRequest {
  /** The build's directory on the runner (absolute). */
  sourceRoot: string;
  /** The scanned build (scanned before anything runs on a host, so a bad source changes nothing). */
  manifest: FileManifest;
  /** The deploy directory on each host (absolute): it holds `releases/`, the `current` symlink and `.deploy/`. */
  target: string;
  /** The new release's id (RELEASE_ID_PATTERN): the directory name under `releases/`. */
  releaseId: string;
  /** How many releases each host keeps, the new one included; older ones are pruned after a successful deploy. */
  keepReleases: number;
  /** The site config to render and install (`remotePath`, absolute), `templateName` naming the file in messages. */
  nginxConfig?: { template: string; templateName: string; remotePath: string };
  /** What `{{server_name}}` renders as (space-separated, as nginx's server_name takes them). */
  serverNames?: string[];
  /** Run on each host before the switch to test the rendered config (`nginx -t`); empty or left out: no test. */
  nginxTestCommand?: string;
  /** Run on each host after the switch (`nginx -s reload`); empty or left out: no reload. */
  nginxReloadCommand?: string;
  /** How long (milliseconds) each nginx test or reload command may run; NGINX_COMMAND_TIMEOUT_MS when left out. */
  nginxCommandTimeoutMs?: number;
  /** Fetched after every host switched; the deploy puts every host back when it does not answer 2xx. */
  smokeUrl?: URL;
  /** How long (milliseconds) the smoke check may take; DEFAULT_SMOKE_TIMEOUT_MS when left out. */
  smokeTimeoutMs?: number;
  /** How long (milliseconds) to wait for another run's deploy lock before failing. */
  lockTimeoutMs: number;
  /**
   * The deploy lock's token on every host (random when left out). A caller that chooses it can free the
   * lock from another process with `TargetLock.freeIfHeld`, as an action's post step does.
   */
  lockToken?: string;
  /**
   * Where the run notes the switch as it proceeds (each host's previous release), so that an action's
   * post step can put every host back when the run is cancelled before every host switched and passed
   * the smoke check (see `undoInterruptedSwitch`).
   */
  journal?: SwitchJournal;
  /** The commit, ref, run and actor the release's record names. */
  origin: ReleaseOrigin;
  /**
   * A manifest kept from an earlier deploy to a host's target (`label` is the host's `host:port`,
   * `target` its deploy directory), for example from the runner's cache; undefined when none is kept.
   * It is used only when that host confirms it is its live release's (see TargetLock.acquire's
   * `known`), so that a redeploy does not read the live manifest back.
   */
  knownManifest?: (label: string, target: string) => FileManifest | undefined;
  /**
   * The release archive's gzip level, 0-9 (6 when left out). Past the archive's first 8 MiB,
   * members are compressed at level 1 while the link waits for the compressor (a fast link), and at
   * this level again while compressed data waits for the link.
   */
  gzipLevel?: number;
  /**
   * Progress as it happens: lines of the whole run, and each host's lines prefixed with its label
   * (`host:port: ...`). Each host's lines are also kept in its report (`HostReport.log`).
   */
  log?: (line: string) => void;
  /**
   * The run's cancel (an action's `cancelSignal()`). Once aborted, the deploy stops at its next safe
   * point: before the switch, uploads and lock waits are killed, installed site configs go back and
   * the locks are freed (the live site unchanged); during the switch, every host that switched, or
   * whose switch is still landing, is put back on the release it served before, as after a failed
   * host (the journal is then left unsettled, so a post step checks every host again). The report's
   * `cancelled` says at which point; its `error` begins with the signal's reason.
   */
  signal?: AbortSignal;
  /**
   * Called once, at once when `signal` aborts, with the report as it stands (the hosts' outcomes so
   * far and what the deploy goes on to do): for publishing what is known before the put-back, which
   * may outlast the step. The deploy awaits it before it returns or throws.
   */
  onCancelled?: (report: FrontendDeployReport) => void | Promise<void>;
}

interface HostRun extends HostSwitch {
  target: string;
  report: HostReport;
  startedAt: number;
  channelsAtStart: number;
  lock?: TargetLock;
  /** What the switch pruned when it also freed the lock (see TargetLock.switchAndRelease). */
  pruned?: PruneResult;
  /** Opened at the start, started when needed (see GatedScript). */
  upload?: GatedScript;
  switcher?: GatedScript;
  info?: ReleaseInfo;
  /** The lock's token, chosen before asking for it, so a run cut off while locking can still free it. */
  lockToken: string;
  /** Asking for the lock began (it may be held even when the answer never arrived). */
  lockStarted: boolean;
  /** The rendered site config, when the deploy installs one. */
  config?: string;
  configInstalled: boolean;
  alreadyLive: boolean;
  /** Its switch had been started and had not answered when the run was cancelled: it may still land. */
  landingAtCancel?: boolean;
}

const DEFAULT_SMOKE_TIMEOUT_MS = 5000;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A line about one host: kept in its report and passed on, labelled, as it happens. */
function note(run: HostRun, request: FrontendDeployRequest, line: string): void {
  run.report.log.push(line);
  request.log?.(`${run.report.label}: ${line}`);
}

/**
 * Which releases go: the new and the previous one always stay, then the newest others up to
 * keep-releases. Directories without a readable record (not built by a deploy, or damaged)
 * are never touched: they are not ours to judge.
 */
export function releasesToPrune(
  releases: ReleaseEntry[],
  keep: number,
  keepAlways: Array<string | undefined>,
): string[] {
  const pinned = new Set(keepAlways.filter((id): id is string => id !== undefined));
  const others = sortReleasesNewestFirst(
    releases.filter((release) => release.info !== undefined && !pinned.has(release.id)),
  );
  const slots = Math.max(0, keep - pinned.size);
  return others.slice(slots).map((release) => release.id);
}

async function prepareHost(run: HostRun, request: FrontendDeployRequest): Promise<void> {
  const { session } = run.host;
  const log = (line: string) => note(run, request, line);
  run.upload = openUpload(session, run.target, request.releaseId, request.signal);
  run.switcher = openSwitch(session, switchArgs(run, request));
  run.lockStarted = true;
  const known = request.knownManifest?.(session.label, run.target);
  const totals = manifestTotals(request.manifest);
  const info: ReleaseInfo = {
    id: request.releaseId,
    status: 'complete',
    commit: request.origin.commit,
    ref: request.origin.ref,
    runUrl: request.origin.runUrl,
    actor: request.origin.actor,
    createdAt: new Date().toISOString(),
    files: totals.files,
    bytes: totals.bytes,
  };
  run.info = info;
  const lock = await TargetLock.acquire(session, run.target, {
    timeoutMs: request.lockTimeoutMs,
    owner: { runId: request.origin.runId, runUrl: request.origin.runUrl },
    releaseId: request.releaseId,
    token: run.lockToken,
    manifest: request.manifest,
    known,
    record: info,
    signal: request.signal,
  });
  run.lock = lock;
  run.report.lockHeld = true;
  request.signal?.throwIfAborted();
  const state = lock.state;
  if (known) {
    run.report.knownManifestUsed = state.currentIsKnown;
    if (state.currentIsKnown)
      log(
        `the live release's manifest is the copy kept from an earlier deploy (the host confirmed its digest): not read back`,
      );
    else if (state.currentManifest && !state.currentIsBuild)
      log(`the kept manifest is not the live release's: the live one was read from the host`);
  }
  run.report.tookOverLockFrom = state.tookOverFrom;
  run.report.cleanedPartials = state.cleaned;
  run.report.drifted = state.drift.map((file) => file.path);
  run.report.serving = state.current ?? '';
  if (state.tookOverFrom) log(`took over a stale lock of ${state.tookOverFrom}`);
  for (const partial of state.cleaned) log(`removed ${partial}, left behind by an interrupted deploy`);
  if (state.migrated.length > 0)
    log(`moved the records of ${state.migrated.join(', ')} out of the served tree to ${RECORDS_DIR}`);
  if (state.drift.length > 0)
    log(
      `${state.drift.length} file(s) of the live release ${state.current} changed on the server since it was deployed (${describeDrift(state.drift)}); they are sent again, not linked`,
    );
  run.report.previousReleaseId = state.current !== request.releaseId ? state.current : undefined;

  const existingIsSame = sameManifest(state.existingManifest, request.manifest);
  if (state.current === request.releaseId) {
    if (!existingIsSame || state.drift.length > 0) {
      const why = existingIsSame
        ? `files of it were changed on the server since it was deployed (${describeDrift(state.drift)})`
        : 'with different content';
      throw new ReleaseHostError(
        session.label,
        `Release ${request.releaseId} is live on ${session.label} ${why}; a live release is never rebuilt in place. Use a new release-id.`,
      );
    }
    run.alreadyLive = true;
    run.report.filesReused = totals.files;
    log(`release ${request.releaseId} is already live with the same content`);
  } else if (state.clonedFrom !== undefined) {
    // The host held the build unchanged in a kept release and cloned it while locking: nothing to send.
    run.report.filesReused = totals.files;
    log(
      `release ${state.clonedFrom} holds this build unchanged: linked all ${totals.files} file(s) from it, sending none`,
    );
  } else if (
    existingIsSame &&
    state.existingDrift.length === 0 &&
    state.releases.some((release) => release.id === request.releaseId && release.info)
  ) {
    // A re-run after a failure later in the flow: the release is built already; only its record is renewed.
    await writeReleaseInfo(session, run.target, info);
    run.report.filesReused = totals.files;
    log(`release ${request.releaseId} is already built with the same content`);
  } else {
    const source = reuseSource(state, request.manifest);
    const reuseFrom = source && asFoundOnServer(source.manifest, source.drift);
    const others = state.newer.map((release) => ({
      dir: `releases/${release.id}`,
      manifest: asFoundOnServer(release.manifest, release.drift),
    }));
    const plan = planDelta(request.manifest, reuseFrom, others);
    // The build is a kept release whose files are all as built: the host clones it, nothing is sent.
    const cloneFrom = source?.manifest === request.manifest && source.drift.length === 0 ? source.id : undefined;
    const archive = releaseStream({
      sourceRoot: request.sourceRoot,
      manifest: request.manifest,
      plan,
      releaseDir: `releases/.${request.releaseId}.partial`,
      recordsDir: `${RECORDS_DIR}/.${request.releaseId}.partial`,
      reuseDir: source ? `releases/${source.id}` : undefined,
      cloneFrom,
      releaseInfo: info,
      gzipLevel: request.gzipLevel,
    });
    if (state.match && state.match.drift.length > 0)
      log(
        `${state.match.drift.length} file(s) of release ${state.match.id}, which holds this build, changed on the server since it was deployed (${describeDrift(state.match.drift)}); they are sent again, not linked`,
      );
    log(
      cloneFrom !== undefined
        ? `release ${cloneFrom} holds this build unchanged: linking all ${plan.reuse.length} file(s) from it, sending none`
        : `sending ${plan.upload.length} new or changed file(s), linking ${plan.reuse.length} unchanged from ${[source?.id, ...state.newer.map((release) => release.id)].filter(Boolean).join(', ') || 'no release'}`,
    );
    completeUpload(
      session,
      run.target,
      request.releaseId,
      await startUpload(run.upload, archive.stream, cloneFrom),
      plan.uploadBytes,
    );
    run.report.filesUploaded = plan.upload.length;
    run.report.filesReused = plan.reuse.length;
    run.report.bytesUploaded = archive.sentBytes();
  }

  request.signal?.throwIfAborted();
  if (request.nginxConfig && run.config !== undefined) {
    run.configInstalled = true;
    await installNginxConfig(
      session,
      run.target,
      request.nginxConfig.remotePath,
      run.config,
      request.nginxTestCommand,
      request.nginxCommandTimeoutMs,
      request.releaseId,
      run.lockToken,
    );
  }
}

/** The site config for one host, rendered before anything changes anywhere (a template error is an input error). */
function renderFor(run: HostRun, request: FrontendDeployRequest): string | undefined {
  return renderSiteConfig(request, run.target, run.host.name);
}

/**
 * The site config release `request.releaseId` goes live with on the host named `hostName` (as the
 * `host` input names it) whose base directory is `target`; undefined when the request installs none.
 * @throws Error naming the template when it uses an unknown placeholder, or `{{server_name}}` without server names.
 */
export function renderSiteConfig(
  request: Pick<FrontendDeployRequest, 'nginxConfig' | 'releaseId' | 'serverNames'>,
  target: string,
  hostName: string,
): string | undefined {
  if (!request.nginxConfig) return undefined;
  return renderNginxConfig(
    request.nginxConfig.template,
    {
      root: `${target}/current`,
      release: releasePath(target, request.releaseId),
      release_id: request.releaseId,
      target,
      server_name: request.serverNames?.join(' '),
      host: hostName,
    },
    request.nginxConfig.templateName,
  );
}

/** How this run's switch reaches the host, and how it is undone (see `revertSwitch`). */
function switchArgs(run: HostRun, request: FrontendDeployRequest): SwitchArgs {
  return {
    target: run.target,
    releaseId: request.releaseId,
    reloadCommand: request.nginxReloadCommand,
    timeoutMs: request.nginxCommandTimeoutMs,
    token: run.lockToken,
  };
}

/**
 * Undoes a host's config and switch after another host, its own reload or the smoke check failed.
 * A host whose switch outcome never arrived (the connection broke) is asked over a new connection:
 * the revert only acts where `current` points at this release by this run's switch, so it is safe
 * whether the switch happened or not. Sets `serving` to what the host serves afterwards.
 */
async function revertHost(run: HostRun, request: FrontendDeployRequest): Promise<boolean> {
  if (!run.configInstalled && !run.switched && !run.switchUnknown) return false;
  const revert = await putBack(run, switchArgs(run, request));
  run.report.serving = revert.current ?? '';
  return revert.reverted;
}

/**
 * The kept release new files are linked from: the live one when it is the build (or when no kept
 * release is), else the newest kept release that is the build (after a rollback), else the live one.
 */
function reuseSource(
  state: TargetState,
  build: FileManifest,
): { id: string; manifest: FileManifest; drift: DriftedFile[] } | undefined {
  const live =
    state.current && state.currentManifest
      ? { id: state.current, manifest: state.currentManifest, drift: state.drift }
      : undefined;
  if (state.currentIsBuild || !state.match) return live;
  return { id: state.match.id, manifest: build, drift: state.match.drift };
}

/** The releases a successful deploy prunes on the host of `run` (see releasesToPrune); needs the lock's state. */
function pruneAfter(run: HostRun, request: FrontendDeployRequest): string[] {
  if (!run.lock) return [];
  return releasesToPrune(
    [
      ...run.lock.state.releases.filter((release) => release.id !== request.releaseId),
      { id: request.releaseId, info: run.info },
    ],
    request.keepReleases,
    [request.releaseId, run.report.previousReleaseId],
  );
}

async function releaseLock(run: HostRun, prune: string[]): Promise<void> {
  if (run.pruned) {
    // The switch freed the lock already (see TargetLock.switchAndRelease).
    reportPruned(run, run.pruned);
    return;
  }
  if (!run.lock) {
    // The connection broke while the lock was being taken: the host may hold it for this run.
    if (run.lockStarted && run.host.reconnect) {
      const fresh = await run.host.reconnect();
      try {
        await TargetLock.freeIfHeld(fresh, run.target, run.lockToken);
      } finally {
        await fresh.close?.();
      }
    }
    return;
  }
  reportPruned(run, await releaseLockAnyhow(run.lock, prune, run.host.reconnect));
}

function reportPruned(run: HostRun, result: PruneResult): void {
  run.report.pruned = result.pruned;
  if (result.pruneFailed.length > 0) {
    run.report.warnings.push(
      `${run.report.label}: could not prune release(s) ${result.pruneFailed.join(', ')}; the next deploy tries again: ${result.pruneError ?? ''}`.trim(),
    );
  }
}

async function smokeCheck(url: URL, timeoutMs: number): Promise<{ ok: boolean; reason: string }> {
  const report = await runHealthCheck({
    urls: [url],
    expectedStatus: [{ from: 200, to: 299 }],
    method: 'GET',
    headers: [],
    intervalMs: 500,
    requestTimeoutMs: Math.min(5000, timeoutMs),
    timeoutMs,
    initialDelayMs: 0,
    successThreshold: 1,
    failureThreshold: 1,
    insecureTls: false,
  });
  return { ok: report.healthy, reason: report.reason };
}

/**
 * Puts every host that switched (or may have: its connection broke during the switch) back on the
 * release it served before, restores configs, and records in each host's report what it serves now.
 */
async function revertAll(runs: HostRun[], request: FrontendDeployRequest, failure: string): Promise<void> {
  await Promise.allSettled(
    runs.map(async (run) => {
      const wasSwitched = run.switched && !run.alreadyLive;
      const landing = run.landingAtCancel === true;
      const wasUnknown = run.switchUnknown && !landing;
      try {
        const reverted = await revertHost(run, request);
        if (landing) {
          if (reverted) run.report.outcome = 'rolled back';
          note(
            run,
            request,
            `its switch was landing when the run was cancelled: ${reverted ? 'put back on' : 'it still serves'} ${run.report.serving || 'nothing'}, as before this deploy`,
          );
        }
        if (wasSwitched) {
          run.report.outcome = 'rolled back';
          note(run, request, `put back on ${run.report.serving || 'nothing'}, as before this deploy`);
        }
        if (wasUnknown)
          run.report.error = `${run.report.error}; over a new connection the host was found serving ${run.report.serving || 'nothing'}, as before this deploy`;
      } catch (error) {
        const why = errorMessage(error);
        if (landing) {
          run.report.outcome = 'unknown';
          run.report.serving = undefined;
          run.report.error = `its switch was landing when the run was cancelled, and putting it back failed (${why}): it serves either ${request.releaseId} or ${run.report.previousReleaseId ?? 'what it served before'}; the post step tries again`;
        } else if (wasUnknown) {
          run.report.outcome = 'unknown';
          run.report.serving = undefined;
          run.report.error = `${run.report.error}; the host could not be reached again (${why}), so it serves either ${request.releaseId} or ${run.report.previousReleaseId ?? 'what it served before'}: the next deploy or rollback puts it right`;
        } else {
          run.report.error = `${run.report.error ?? failure}; putting the previous release back on ${run.report.label} failed: ${why}`;
        }
      }
    }),
  );
}

/**
 * The release flow over every host: prepare all hosts in parallel (lock, delta upload, config
 * test), switch only when every host is prepared, smoke-check, and undo the switch everywhere if
 * any host's switch, reload or the smoke check fails: everywhere or nowhere. A host whose
 * connection breaks during the switch is reached again to be put back; if it cannot be, its
 * report says so (outcome `unknown`). Each host's report says which release it serves at the end.
 * Locks are freed on every path.
 * @returns the report when the release went live on every host.
 * @throws ReleaseHostError when the release id could not be a release, Error when the nginx template
 *   cannot be rendered (both before anything is touched); FrontendDeployFailedError, carrying the
 *   report, when any host failed once the deploy began.
 */
export async function deployFrontend(
  request: FrontendDeployRequest,
  hosts: ReleaseHost[],
): Promise<FrontendDeployReport> {
  const report = await releaseEverywhere(request, hosts);
  if (report.error !== undefined) throw new FrontendDeployFailedError(report.error, report);
  return report;
}

async function releaseEverywhere(request: FrontendDeployRequest, hosts: ReleaseHost[]): Promise<FrontendDeployReport> {
  if (!RELEASE_ID_PATTERN.test(request.releaseId)) {
    throw new ReleaseHostError('', `"${request.releaseId}" cannot be a release id: ${RELEASE_ID_RULE}`);
  }
  const log = request.log ?? (() => undefined);
  const runs: HostRun[] = hosts.map((host) => ({
    host,
    target: host.target ?? request.target,
    startedAt: performance.now(),
    channelsAtStart: host.session.channelsOpened ?? 0,
    lockToken: request.lockToken ?? randomUUID(),
    lockStarted: false,
    configInstalled: false,
    switched: false,
    switchUnknown: false,
    alreadyLive: false,
    report: {
      host: host.name,
      label: host.session.label,
      releaseId: request.releaseId,
      releasePath: releasePath(host.target ?? request.target, request.releaseId),
      outcome: 'not switched',
      filesUploaded: 0,
      filesReused: 0,
      bytesUploaded: 0,
      seconds: 0,
      cleanedPartials: [],
      pruned: [],
      drifted: [],
      warnings: [],
      log: [],
    },
  }));
  for (const run of runs) run.config = renderFor(run, request);
  let failure: string | undefined;
  let cancelled: FrontendDeployReport['cancelled'];
  let switchBegan = false;
  const fail = (run: HostRun, error: unknown): void => {
    run.report.outcome = 'failed';
    run.report.error = errorMessage(error);
    failure ??= run.report.error;
  };
  const report = (): FrontendDeployReport => ({
    releaseId: request.releaseId,
    target: request.target,
    smokeUrl: request.smokeUrl?.href,
    hosts: runs.map((run) => run.report),
    error: failure,
    cancelled,
  });
  const { signal } = request;
  let provisional: Promise<void> | undefined;
  const heardCancel = (): void => {
    cancelled = switchBegan ? 'during switch' : 'before switch';
    failure = cancelledFailure(request, cancelled, false);
    const now = report();
    provisional = Promise.resolve(request.onCancelled?.(now)).catch(() => undefined);
  };
  if (signal?.aborted) heardCancel();
  else signal?.addEventListener('abort', heardCancel, { once: true });

  try {
    // Phase 1: every host prepared, or none switched.
    const prepared = await Promise.allSettled(runs.map((run) => prepareHost(run, request)));
    prepared.forEach((result, index) => {
      // A host stopped by the cancel did not fail: it is left as it was, like every other host.
      if (result.status === 'rejected' && !signal?.aborted) fail(runs[index], result.reason);
    });
    if (failure !== undefined) {
      log(
        cancelled
          ? 'Cancelled before the switch: no host is switched'
          : `Preparation failed on ${runs
              .filter((run) => run.report.outcome === 'failed')
              .map((run) => run.report.label)
              .join(', ')}: no host is switched`,
      );
      await Promise.allSettled(
        runs.filter((run) => run.report.outcome !== 'failed').map((run) => revertHost(run, request)),
      );
      return report();
    }

    // Phase 2: switch everywhere; one failed switch sends the others back.
    switchBegan = true;
    request.journal?.switching(
      Object.fromEntries(
        runs.map((run) => [run.report.label, { to: request.releaseId, previous: run.report.serving ?? '' }]),
      ),
    );
    // One host and no smoke check: nothing after its switch can send it back, so the switch also
    // prunes and frees the lock, and the unlock costs no round trip of its own.
    const unlockWithSwitch = runs.length === 1 && !request.smokeUrl;
    const switchErrors = await untilCancelled(
      signal,
      switchEveryHost(runs, async (run) => {
        let result: RunResult;
        if (unlockWithSwitch && run.lock) {
          const done = await run.lock.switchAndRelease(run.switcher!, pruneAfter(run, request));
          result = done.result;
          run.pruned = done.pruned;
        } else {
          result = await run.switcher!.start();
        }
        // An answer after the cancel: the put-back that began at the cancel owns this host now.
        signal?.throwIfAborted();
        const { previous } = completeSwitch(run.host.session, result);
        if (!run.alreadyLive) run.report.previousReleaseId = previous;
        run.report.outcome = 'live';
        run.report.serving = request.releaseId;
        note(run, request, `current now points at ${request.releaseId}`);
      }),
    );
    switchErrors?.forEach((error, index) => {
      if (error !== undefined) fail(runs[index], error);
    });
    const smoke =
      !signal?.aborted && failure === undefined && request.smokeUrl
        ? await untilCancelled(signal, smokeCheck(request.smokeUrl, request.smokeTimeoutMs ?? DEFAULT_SMOKE_TIMEOUT_MS))
        : undefined;
    if (signal?.aborted) {
      // Cancelled during the switch or the smoke check: every host goes back, as after a failed host.
      for (const run of runs) {
        if (!run.switched && !run.switchUnknown && run.report.outcome !== 'failed') {
          run.landingAtCancel = true;
          run.switchUnknown = true;
        }
      }
      await revertAll(runs, request, failure ?? cancelledFailure(request, 'during switch', false));
      failure = cancelledFailure(request, 'during switch', true, stuckAfterPutBack(runs));
    } else if (smoke && request.smokeUrl) {
      if (!smoke.ok) {
        failure = `Smoke check of ${request.smokeUrl.href} failed (${smoke.reason}); the previous release is live again and ${request.releaseId} is marked failed`;
        for (const run of runs) run.report.error = failure;
        await revertAll(runs, request, failure);
        const stuck = runs.filter((run) => !run.alreadyLive && run.report.outcome !== 'rolled back');
        if (stuck.length > 0) {
          failure = `Smoke check of ${request.smokeUrl.href} failed (${smoke.reason}); putting the previous release back failed on ${stuck
            .map((run) => run.report.label)
            .join(', ')} (see each host), and ${request.releaseId} is marked failed`;
        }
        for (const run of runs) {
          if (run.alreadyLive) run.report.outcome = 'failed';
          if (run.info && !run.alreadyLive)
            await markReleaseFailed(run.host.session, run.target, run.info, failure).catch(() => undefined);
        }
      }
    } else if (failure !== undefined) {
      await revertAll(runs, request, failure);
    }
    // A host still switched (or unknown) after a failure is left for the post step to put back; after a
    // cancel during the switch, every host is: a switch still landing could land after its put-back looked.
    if (
      failure === undefined ||
      (!signal?.aborted && runs.every((run) => !run.switchUnknown && (!run.switched || run.alreadyLive)))
    )
      request.journal?.settled();
    return report();
  } finally {
    await Promise.allSettled(
      runs.map(async (run) => {
        // Opened ahead and never needed (nothing to send, or the deploy stopped): closed unstarted.
        await Promise.all([run.upload?.abort(), run.switcher?.abort()]);
        const prune = failure === undefined && run.lock ? pruneAfter(run, request) : [];
        try {
          await releaseLock(run, prune);
          run.report.lockHeld = undefined;
        } catch (error) {
          note(
            run,
            request,
            `could not free the deploy lock (${errorMessage(error)}); the next deploy takes it over after lock-timeout`,
          );
        }
        run.report.seconds = Math.round((performance.now() - run.startedAt) / 10) / 100;
        run.report.channels = (run.host.session.channelsOpened ?? 0) - run.channelsAtStart;
      }),
    );
    signal?.removeEventListener('abort', heardCancel);
    await provisional;
  }
}

/** The hosts that the put-back after a cancel did not bring back (see revertAll: it clears `switched` once done). */
function stuckAfterPutBack(runs: HostRun[]): HostRun[] {
  return runs.filter((run) => run.report.outcome === 'unknown' || (run.switched && !run.alreadyLive));
}

/**
 * The deploy's error after a cancel, beginning with the signal's reason: before the switch, what
 * stops; during it, that every host is being (or, `done`, was) put back, naming the hosts `stuck`
 * that could not be.
 */
function cancelledFailure(
  request: FrontendDeployRequest,
  stage: NonNullable<FrontendDeployReport['cancelled']>,
  done: boolean,
  stuck: HostRun[] = [],
): string {
  const reason = errorMessage(request.signal?.reason ?? 'The run was cancelled');
  if (stage === 'before switch')
    return `${reason} before any host switched to ${request.releaseId}: the uploads stop, site configs go back and the deploy locks are freed; the live site is unchanged`;
  if (!done)
    return `${reason} during the switch to ${request.releaseId}: every host that switched, or whose switch was landing, is being put back on the release it served before`;
  if (stuck.length === 0)
    return `${reason} during the switch to ${request.releaseId}: every host is back on the release it served before`;
  return `${reason} during the switch to ${request.releaseId}: putting the previous release back failed on ${stuck
    .map((run) => run.report.label)
    .join(', ')} (see each host); the post step tries again`;
}

/**
 * `work`'s value, or undefined as soon as `signal` aborts (at once when it has already): the work
 * goes on unawaited, and what it does after the cancel must not touch the report (see the switch).
 */
async function untilCancelled<T>(signal: AbortSignal | undefined, work: Promise<T>): Promise<T | undefined> {
  if (!signal) return work;
  if (signal.aborted) return undefined;
  let stop: (() => void) | undefined;
  const aborted = new Promise<undefined>((resolve) => {
    stop = () => resolve(undefined);
    signal.addEventListener('abort', stop, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', stop!);
  }
}
