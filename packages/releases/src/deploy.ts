import { performance } from 'node:perf_hooks';
import { runHealthCheck } from '@sophia/health-check';
import { planDelta, sameManifest } from './delta.js';
import { manifestTotals, type FileManifest } from './manifest.js';
import { renderNginxConfig } from './nginx-template.js';
import {
  completeSwitch,
  DeployError,
  type GatedScript,
  installNginxConfig,
  markReleaseFailed,
  restoreNginxConfig,
  sortReleasesNewestFirst,
  openSwitch,
  openUpload,
  switchRelease,
  TargetLock,
  writeReleaseInfo,
  type ReleaseEntry,
  type ReleaseSession,
} from './release-host.js';
import type { ReleaseInfo, ReleaseOrigin } from './release-info.js';
import { releaseStream } from './release-stream.js';

export interface FrontendDeployRequest {
  sourceRoot: string;
  /** The scanned build (scanned before any connection, so a bad source changes nothing). */
  manifest: FileManifest;
  target: string;
  releaseId: string;
  keepReleases: number;
  nginxConfig?: { template: string; templateName: string; remotePath: string };
  nginxTestCommand?: string;
  nginxReloadCommand?: string;
  smokeUrl?: URL;
  smokeTimeoutMs?: number;
  lockTimeoutMs: number;
  /** The deploy lock's token on every host (random when left out): see LockOwner.token. */
  lockToken?: string;
  origin: ReleaseOrigin;
  gzipLevel?: number;
  log?: (line: string) => void;
}

export interface DeployHost {
  /** The host as the user named it (used in the nginx template and the summary). */
  name: string;
  session: ReleaseSession & { channelsOpened?: number };
  /** This host's base directory when it differs from the request's (hosts sharing one machine, as in tests). */
  target?: string;
  /** A fresh session, to free the lock when the first one was lost mid-deploy. */
  reconnect?: () => Promise<ReleaseSession & { close?: () => Promise<void> }>;
}

export type HostOutcome = 'live' | 'not switched' | 'failed' | 'rolled back';

export interface HostReport {
  host: string;
  label: string;
  releaseId: string;
  previousReleaseId?: string;
  releasePath: string;
  outcome: HostOutcome;
  filesUploaded: number;
  filesReused: number;
  /** Compressed bytes of the release archive sent to this host. */
  bytesUploaded: number;
  seconds: number;
  /** Why this host failed, if it did. */
  error?: string;
  cleanedPartials: string[];
  pruned: string[];
  tookOverLockFrom?: string;
  /** SSH exec channels this deploy opened on the host. */
  channels?: number;
}

export interface FrontendDeployReport {
  releaseId: string;
  hosts: HostReport[];
  /** Undefined when every host went live; the first failure's message otherwise. */
  error?: string;
}

interface HostRun {
  host: DeployHost;
  target: string;
  report: HostReport;
  startedAt: number;
  channelsAtStart: number;
  lock?: TargetLock;
  /** Opened at the start, started when needed (see GatedScript). */
  upload?: GatedScript;
  switcher?: GatedScript;
  info?: ReleaseInfo;
  configInstalled: boolean;
  switched: boolean;
  alreadyLive: boolean;
}

const DEFAULT_SMOKE_TIMEOUT_MS = 5000;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
  const log = request.log ?? (() => undefined);
  run.upload = openUpload(session, run.target, request.releaseId);
  run.switcher = openSwitch(session, run.target, request.releaseId, request.nginxReloadCommand);
  const lock = await TargetLock.acquire(session, run.target, {
    timeoutMs: request.lockTimeoutMs,
    owner: { runId: request.origin.runId, runUrl: request.origin.runUrl, token: request.lockToken },
    releaseId: request.releaseId,
  });
  run.lock = lock;
  const state = lock.state;
  run.report.tookOverLockFrom = state.tookOverFrom;
  run.report.cleanedPartials = state.cleaned;
  if (state.tookOverFrom) log(`${session.label}: took over a stale lock of ${state.tookOverFrom}`);
  for (const partial of state.cleaned)
    log(`${session.label}: removed ${partial}, left behind by an interrupted deploy`);
  run.report.previousReleaseId = state.current !== request.releaseId ? state.current : undefined;

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
  const existingIsSame = sameManifest(state.existingManifest, request.manifest);
  if (state.current === request.releaseId) {
    if (!existingIsSame) {
      throw new DeployError(
        session.label,
        `Release ${request.releaseId} is live on ${session.label} with different content; a live release is never rebuilt in place. Use a new release-id.`,
      );
    }
    run.alreadyLive = true;
    run.report.filesReused = totals.files;
    log(`${session.label}: release ${request.releaseId} is already live with the same content`);
  } else if (existingIsSame && state.releases.some((release) => release.id === request.releaseId && release.info)) {
    // A re-run after a failure later in the flow: the release is built already; only its record is renewed.
    await writeReleaseInfo(session, run.target, info);
    run.report.filesReused = totals.files;
    log(`${session.label}: release ${request.releaseId} is already built with the same content`);
  } else {
    const reuseFrom = state.currentManifest && state.current ? state.currentManifest : undefined;
    const plan = planDelta(request.manifest, reuseFrom);
    const archive = releaseStream({
      sourceRoot: request.sourceRoot,
      manifest: request.manifest,
      plan,
      releaseDir: `releases/.${request.releaseId}.partial`,
      reuseDir: reuseFrom ? `releases/${state.current}` : undefined,
      releaseInfo: info,
      gzipLevel: request.gzipLevel,
    });
    log(
      `${session.label}: sending ${plan.upload.length} new or changed file(s), linking ${plan.reuse.length} unchanged`,
    );
    await run.upload.start(archive.stream);
    run.report.filesUploaded = plan.upload.length;
    run.report.filesReused = plan.reuse.length;
    run.report.bytesUploaded = archive.sentBytes();
  }

  if (request.nginxConfig) {
    const config = renderNginxConfig(
      request.nginxConfig.template,
      {
        root: `${run.target}/current`,
        release: `${run.target}/releases/${request.releaseId}`,
        release_id: request.releaseId,
        target: run.target,
        server_name: run.host.name,
        host: run.host.name,
      },
      request.nginxConfig.templateName,
    );
    run.configInstalled = true;
    await installNginxConfig(session, run.target, request.nginxConfig.remotePath, config, request.nginxTestCommand);
  }
}

/** Undoes a host's switch (and config) after another host or the smoke check failed. */
async function revertHost(run: HostRun, request: FrontendDeployRequest): Promise<void> {
  const { session } = run.host;
  if (run.configInstalled && request.nginxConfig)
    await restoreNginxConfig(session, run.target, request.nginxConfig.remotePath);
  if (run.switched && !run.alreadyLive) {
    await switchRelease(session, run.target, run.report.previousReleaseId ?? '', request.nginxReloadCommand);
    run.switched = false;
  }
}

async function releaseLock(run: HostRun, prune: string[]): Promise<void> {
  if (!run.lock) return;
  try {
    run.report.pruned = await run.lock.release(prune);
  } catch (error) {
    if (!run.host.reconnect) throw error;
    // The deploy's connection is gone (e.g. cut mid-upload): free the lock over a new one so the next run need not wait.
    const fresh = await run.host.reconnect();
    try {
      const again = await TargetLock.reclaim(fresh, run.lock);
      run.report.pruned = await again.release(prune);
    } finally {
      await fresh.close?.();
    }
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
 * The release flow over every host: prepare all hosts in parallel (lock, delta upload, config
 * test), switch only when every host is prepared, smoke-check, and undo the switch everywhere if
 * any host's switch or the smoke check fails. Locks are freed on every path.
 */
export async function deployFrontend(
  request: FrontendDeployRequest,
  hosts: DeployHost[],
): Promise<FrontendDeployReport> {
  const log = request.log ?? (() => undefined);
  const runs: HostRun[] = hosts.map((host) => ({
    host,
    target: host.target ?? request.target,
    startedAt: performance.now(),
    channelsAtStart: host.session.channelsOpened ?? 0,
    configInstalled: false,
    switched: false,
    alreadyLive: false,
    report: {
      host: host.name,
      label: host.session.label,
      releaseId: request.releaseId,
      releasePath: `${host.target ?? request.target}/releases/${request.releaseId}`,
      outcome: 'not switched',
      filesUploaded: 0,
      filesReused: 0,
      bytesUploaded: 0,
      seconds: 0,
      cleanedPartials: [],
      pruned: [],
    },
  }));
  let failure: string | undefined;
  const fail = (run: HostRun, error: unknown): void => {
    run.report.outcome = 'failed';
    run.report.error = errorMessage(error);
    failure ??= run.report.error;
  };

  try {
    // Phase 1: every host prepared, or none switched.
    const prepared = await Promise.allSettled(runs.map((run) => prepareHost(run, request)));
    prepared.forEach((result, index) => {
      if (result.status === 'rejected') fail(runs[index], result.reason);
    });
    if (failure !== undefined) {
      log(
        `Preparation failed on ${runs
          .filter((run) => run.report.outcome === 'failed')
          .map((run) => run.report.label)
          .join(', ')}: no host is switched`,
      );
      await Promise.allSettled(
        runs.filter((run) => run.report.outcome !== 'failed').map((run) => revertHost(run, request)),
      );
      return { releaseId: request.releaseId, hosts: runs.map((run) => run.report), error: failure };
    }

    // Phase 2: switch everywhere; one failed switch sends the others back.
    const switched = await Promise.allSettled(
      runs.map(async (run) => {
        const { previous } = completeSwitch(run.host.session, await run.switcher!.start());
        run.switched = true;
        if (!run.alreadyLive) run.report.previousReleaseId = previous;
        run.report.outcome = 'live';
      }),
    );
    switched.forEach((result, index) => {
      if (result.status === 'rejected') fail(runs[index], result.reason);
    });
    if (failure === undefined && request.smokeUrl) {
      const smoke = await smokeCheck(request.smokeUrl, request.smokeTimeoutMs ?? DEFAULT_SMOKE_TIMEOUT_MS);
      if (!smoke.ok) {
        failure = `Smoke check of ${request.smokeUrl.href} failed (${smoke.reason}); the previous release is live again and ${request.releaseId} is marked failed`;
        for (const run of runs) {
          run.report.error = failure;
          await revertHost(run, request).then(
            () => (run.report.outcome = run.alreadyLive ? 'failed' : 'rolled back'),
            (error) =>
              (run.report.error = `${failure}; rolling back on ${run.report.label} failed too: ${errorMessage(error)}`),
          );
          if (run.info && !run.alreadyLive)
            await markReleaseFailed(run.host.session, run.target, run.info, failure).catch(() => undefined);
        }
      }
    } else if (failure !== undefined) {
      await Promise.allSettled(
        runs
          .filter((run) => run.switched)
          .map(async (run) => {
            await revertHost(run, request);
            run.report.outcome = 'rolled back';
          }),
      );
    }
    return { releaseId: request.releaseId, hosts: runs.map((run) => run.report), error: failure };
  } finally {
    await Promise.allSettled(
      runs.map(async (run) => {
        // Opened ahead and never needed (nothing to send, or the deploy stopped): closed unstarted.
        await Promise.all([run.upload?.abort(), run.switcher?.abort()]);
        const prune =
          failure === undefined && run.lock
            ? releasesToPrune(
                [
                  ...run.lock.state.releases.filter((release) => release.id !== request.releaseId),
                  { id: request.releaseId, info: run.info },
                ],
                request.keepReleases,
                [request.releaseId, run.report.previousReleaseId],
              )
            : [];
        try {
          await releaseLock(run, prune);
        } catch (error) {
          log(
            `${run.report.label}: could not free the deploy lock (${errorMessage(error)}); the next deploy takes it over after lock-timeout`,
          );
        }
        run.report.seconds = Math.round((performance.now() - run.startedAt) / 10) / 100;
        run.report.channels = (run.host.session.channelsOpened ?? 0) - run.channelsAtStart;
      }),
    );
  }
}
