import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { PassThrough, type Readable } from 'node:stream';
import { SshConnectionLostError, type RunResult, type SshSession } from '@sophia/ssh';
import { manifestDigest, parseManifest, type FileEntry, type FileManifest } from './manifest.js';
import { RELEASE_ID_PATTERN } from './release-id.js';
import { ReleaseHostError } from './errors.js';
import { parseReleaseInfo, releaseIdFromLink, serializeReleaseInfo, type ReleaseInfo } from './release-info.js';
import {
  BEGIN_SCRIPT,
  EXIT,
  FINISH_SCRIPT,
  gated,
  HEARTBEAT_SCRIPT,
  LIST_SCRIPT,
  NGINX_INSTALL_SCRIPT,
  NGINX_REINSTALL_SCRIPT,
  NGINX_RESTORE_SCRIPT,
  parseRecords,
  PLAN_SCRIPT,
  RELEASE_DRIFT_SCRIPT,
  REVERT_SCRIPT,
  SWITCH_SCRIPT,
  UPLOAD_SCRIPT,
  WRITE_INFO_SCRIPT,
} from './remote-scripts.js';

/** What the session must offer: the SSH layer's script runner. */
export type ReleaseSession = Pick<SshSession, 'runScript' | 'label'>;

/**
 * A remote script opened ahead of time that runs only when started (see `gated`): on a link with
 * 40 ms round trips, each channel opened early takes two of them off the deploy's critical path.
 */
export class GatedScript {
  private readonly input = new PassThrough();
  private opened = false;
  readonly result: Promise<RunResult>;

  /** `signal`, once aborted, kills the remote script (started or not) and rejects `result` with its reason. */
  constructor(
    session: ReleaseSession,
    purpose: string,
    script: string,
    args: string[],
    okExitCodes?: number[],
    signal?: AbortSignal,
  ) {
    // A script that ends early (connection lost) closes its stdin; late writes must not throw.
    this.input.on('error', () => undefined);
    this.result = session.runScript(purpose, gated(script), args, { stdin: this.input, okExitCodes, signal });
    this.result.catch(() => undefined);
  }

  /** Lets the script run, with `header` (lines the script reads first) then `input` as the rest of its stdin. */
  start(input?: string | Readable, header = ''): Promise<RunResult> {
    this.opened = true;
    this.input.write(`go\n${header}`);
    if (input === undefined || typeof input === 'string') {
      this.input.end(input);
    } else {
      input.on('error', (error) => this.input.destroy(error));
      input.pipe(this.input);
      this.result.finally(() => input.destroy()).catch(() => undefined);
    }
    return this.result;
  }

  /**
   * Closes it unstarted: the remote script exits at its gate without doing anything, so this does not
   * wait for its channel to close (a round trip nobody needs; the result settles in the background,
   * at the latest when the session closes). A script already started is waited for.
   */
  async abort(): Promise<void> {
    if (!this.opened) {
      this.opened = true;
      this.input.end();
      return;
    }
    await this.result.catch(() => undefined);
  }

  /** True once `start` has sent `go` (or `abort` closed it). */
  get started(): boolean {
    return this.opened;
  }
}

/** A release directory on a host. */
export interface ReleaseEntry {
  id: string;
  /** Undefined when the release has no readable `.release.json` (not built by a deploy, or damaged). */
  info?: ReleaseInfo;
}

/** The releases on a host and which one is live. */
export interface ReleaseListing {
  /** The live release (from the `current` symlink), if any. */
  current?: string;
  /** Every release directory, in the order the remote shell listed them. */
  releases: ReleaseEntry[];
}

function listingFrom(records: Array<[string, string]>): ReleaseListing & { records: Array<[string, string]> } {
  const listing: ReleaseListing & { records: Array<[string, string]> } = { releases: [], records };
  for (const [key, value] of records) {
    if (key === 'current') listing.current = releaseIdFromLink(value);
    if (key === 'release' && RELEASE_ID_PATTERN.test(value)) listing.releases.push({ id: value });
    if (key === 'release-info' && listing.releases.length > 0) {
      const last = listing.releases[listing.releases.length - 1];
      if (last.info === undefined) last.info = parseReleaseInfo(value);
    }
  }
  return listing;
}

/** The releases on a target and which one is live. Read-only, no lock: for rollback's planning and for reports. */
export async function listReleases(session: ReleaseSession, target: string): Promise<ReleaseListing> {
  const { stdout } = await session.runScript('list releases', LIST_SCRIPT, [target]);
  const { current, releases } = listingFrom(parseRecords(stdout));
  return { current, releases };
}

/** Newest first by build time; ids break ties (the default ids sort by time too). */
export function sortReleasesNewestFirst(releases: ReleaseEntry[]): ReleaseEntry[] {
  return [...releases].sort((a, b) => {
    const byTime = (b.info?.createdAt ?? '').localeCompare(a.info?.createdAt ?? '');
    return byTime !== 0 ? byTime : b.id.localeCompare(a.id);
  });
}

/** Who holds a deploy lock, as written in the lock's owner file: for the message when another run holds it. */
export interface LockOwner {
  runId: string;
  runUrl?: string;
  /** The machine the deploy runs on. */
  runner?: string;
}

/** A file of the live release that is not as it was written (edited, replaced or removed on the server). */
export interface DriftedFile {
  path: string;
  /** What the file is now; undefined when it is gone. sha256 is hex, size in bytes, mode the permission bits. */
  now?: { sha256: string; size: number; mode: number };
}

/**
 * What a deploy learns of a host when it takes the host's lock: the releases, the live one's manifest, and a kept
 * release it can clone or link from.
 */
export interface TargetState extends ReleaseListing {
  /**
   * The live release's manifest (undefined on a first deploy or a release not built by a deploy).
   * When the host found its recorded digest equal to the build's, this is the build's own manifest
   * (`currentIsBuild`) and nothing was read back.
   */
  currentManifest?: FileManifest;
  /** The live release's manifest is the build's (its digest, compared on the host). */
  currentIsBuild: boolean;
  /**
   * The live release's manifest is the kept copy the lock was asked with (`known`, its digest compared
   * on the host): `currentManifest` is that copy and nothing was read back.
   */
  currentIsKnown: boolean;
  /**
   * When the live release is not the build: the newest kept release that is (same manifest digest,
   * compared on the host), with its files changed on the server since it was built.
   */
  match?: { id: string; drift: DriftedFile[] };
  /**
   * Without a `match`: the kept releases built after the live one (it was rolled back to), newest
   * first, with their manifests and drift: files only they hold can be linked from them.
   */
  newer: Array<{ id: string; manifest: FileManifest; drift: DriftedFile[] }>;
  /**
   * Files of the live release whose bytes or mode differ from when they were written, or that are
   * gone. Not checked (empty) when `match` is set: the deploy then links from the match, not the live release.
   */
  drift: DriftedFile[];
  /** The same for a release already built under the requested id, when it is not the live one. */
  existingDrift: DriftedFile[];
  /** Releases whose records were moved out of the served tree (built before records lived beside them). */
  migrated: string[];
  /** The manifest of a release already built under the requested id (a re-run). */
  existingManifest?: FileManifest;
  /** Partial releases of crashed runs that were removed. */
  cleaned: string[];
  /** The holder whose stale lock was taken over, as its owner record reads. */
  tookOverFrom?: string;
  /**
   * The kept release (live or `match`) the host cloned the new release from while taking the lock
   * (see `TargetLock.acquire`'s `record`): the release is built, with that record, and needs no upload.
   */
  clonedFrom?: string;
}

/**
 * `<key> <path>` followed by `<key>-now <sha256> <size> <mode>` (empty when the file is gone). The
 * server reports every file whose stat moved; one whose bytes and mode are still the release's (as
 * `manifest` records them) is not drift: its ctime moved because a hard link to it was made or removed.
 * After `<key>-full` the server hashed every file (no usable stat record): a file of the manifest it
 * did not report is gone.
 */
function driftFrom(records: Array<[string, string]>, name: string, manifest: FileManifest | undefined): DriftedFile[] {
  const built = new Map<string, FileEntry>();
  for (const entry of manifest?.entries ?? []) if (entry.type === 'file') built.set(entry.path, entry);
  const drift: DriftedFile[] = [];
  const reported = new Set<string>();
  records.forEach(([key, value], index) => {
    if (key !== name) return;
    reported.add(value);
    const next = records[index + 1];
    const [sha256, size, mode] = (next?.[0] === `${name}-now` ? next[1] : '').split(' ');
    const now = sha256 ? { sha256, size: Number(size), mode: Number.parseInt(mode, 8) } : undefined;
    const entry = built.get(value);
    if (now && entry && entry.sha256 === now.sha256 && entry.size === now.size && entry.mode === now.mode) return;
    drift.push({ path: value, now });
  });
  if (records.some(([key]) => key === `${name}-full`)) {
    for (const path of built.keys()) if (!reported.has(path)) drift.push({ path });
  }
  return drift;
}

/** The `newer` releases of a lock's records, each followed by its manifest and drift (`newer-drift:<id>`). */
function newerReleases(records: Array<[string, string]>): TargetState['newer'] {
  const newer: TargetState['newer'] = [];
  records.forEach(([key, id], index) => {
    if (key !== 'newer') return;
    const manifest = parseManifest(records[index + 1]?.[0] === 'newer-manifest' ? records[index + 1][1] : '');
    if (manifest) newer.push({ id, manifest, drift: driftFrom(records, `newer-drift:${id}`, manifest) });
  });
  return newer;
}

/** The first few drifted paths, for a message: `a, b (removed) and 3 more`. */
export function describeDrift(drift: DriftedFile[]): string {
  const shown = drift.slice(0, 5).map((file) => (file.now ? file.path : `${file.path} (removed)`));
  return drift.length > shown.length ? `${shown.join(', ')} and ${drift.length - shown.length} more` : shown.join(', ');
}

/**
 * The files of release `releaseId` on the target whose bytes or mode are no longer its build's, or
 * that are gone: for a rollback about to switch to it, which has no build to send them again from.
 * Call it holding the lock. Reads every candidate on the server (at most the release's bytes).
 * @throws ReleaseHostError when the release does not exist on the target.
 */
export async function releaseDrift(session: ReleaseSession, target: string, releaseId: string): Promise<DriftedFile[]> {
  const result = await session.runScript(
    'check the release for files changed on the server',
    RELEASE_DRIFT_SCRIPT,
    [target, releaseId],
    {
      okExitCodes: [0, EXIT.missingRelease],
    },
  );
  if (result.code === EXIT.missingRelease)
    throw new ReleaseHostError(session.label, `${session.label}: ${result.stderr.trim()}`);
  const records = parseRecords(result.stdout);
  return driftFrom(records, 'drift', parseManifest(records.find(([key]) => key === 'manifest')?.[1] ?? ''));
}

/** What a deploy plan found on one target (PLAN_SCRIPT), read without taking the lock. */
export interface LiveRelease {
  /** The live release's id ('' when nothing is live; the link's text when it is not a release of this target). */
  current: string;
  /**
   * The live release's manifest, as recorded when it was built; undefined on a first deploy or
   * for a release not built by a deploy. The build's own manifest when the host found their digests equal.
   */
  manifest?: FileManifest;
  /** The host found the live release's recorded digest equal to the build's. */
  isBuild: boolean;
  /** Files of the live release changed on the server since it was built (see DriftedFile). */
  drift: DriftedFile[];
  /** Another run holds the deploy lock now (its owner, as describeHolder words it): a deploy would wait for it. */
  lockedBy?: string;
  /** `<target>/current` exists and is not a symlink: a deploy would refuse the target. */
  notSymlink: boolean;
  /** The site config installed at the path asked for; null when there is none; undefined when no path was asked for. */
  config?: string | null;
}

/**
 * Reads, without the lock and without changing anything, what a plan compares the build with: the
 * live release, its manifest (not sent back when its digest is the build's), its files changed on
 * the server, a lock held now, and the site config at `configPath` when given. One round trip.
 * @throws what the session throws when the script cannot run (a lost connection).
 */
export async function readLiveRelease(
  session: ReleaseSession,
  target: string,
  build: FileManifest,
  configPath?: string,
): Promise<LiveRelease> {
  const { stdout } = await session.runScript('read the live release', PLAN_SCRIPT, [
    target,
    manifestDigest(build),
    configPath ?? '',
  ]);
  const records = parseRecords(stdout);
  const value = (name: string) => records.find(([key]) => key === name)?.[1];
  const isBuild = value('current-same') !== undefined;
  const manifest = isBuild ? build : parseManifest(value('current-manifest') ?? '');
  const link = value('current');
  const locked = value('locked');
  const config = value('config');
  return {
    current: link === undefined ? '' : (releaseIdFromLink(link) ?? link),
    manifest,
    isBuild,
    drift: driftFrom(records, 'drift', manifest),
    ...(locked !== undefined ? { lockedBy: describeHolder(locked) } : {}),
    notSymlink: value('not-symlink') !== undefined,
    ...(configPath ? { config: config ?? null } : {}),
  };
}

function describeHolder(record: string): string {
  const fields = new Map(
    record
      .split('\n')
      .map((line) => line.split('='))
      .filter((parts) => parts.length >= 2)
      .map(([key, ...rest]) => [key, rest.join('=')] as [string, string]),
  );
  if (fields.size === 0) return 'an unknown deploy';
  const url = fields.get('url') ? ` (${fields.get('url')})` : '';
  return `run ${fields.get('run') ?? '?'}${url} on ${fields.get('runner') ?? '?'} since ${fields.get('time') ?? '?'}`;
}

/**
 * The lock of one target (`<target>/.deploy/lock`), held for one deploy or rollback. While held, a
 * heartbeat channel keeps it fresh; if this process dies, the heartbeat stops and another deploy
 * takes the lock over after the lock timeout.
 */
export class TargetLock {
  private heartbeat?: { input: PassThrough; done: Promise<unknown> };
  private released = false;

  private constructor(
    readonly session: ReleaseSession,
    readonly target: string,
    readonly token: string,
    readonly state: TargetState,
    private readonly finish?: GatedScript,
  ) {}

  /**
   * Waits up to `timeoutMs` for the lock, then fails naming the holder. The same round trip reads
   * what a deploy needs to plan (live release, manifests, releases) and cleans partial releases.
   */
  static async acquire(
    session: ReleaseSession,
    target: string,
    options: {
      timeoutMs: number;
      owner: LockOwner;
      releaseId?: string;
      token?: string;
      /** The build about to be deployed: manifests the host holds with its digest are not read back. */
      manifest?: FileManifest;
      /**
       * A manifest the runner kept from an earlier deploy to this target (a cache entry). Its digest is
       * computed here from its content, never taken from where it was kept, and the host compares it with
       * the live release's recorded digest: only when they are equal is this copy used instead of reading
       * the live manifest back, so a stale, damaged or foreign copy costs a read, never a wrong release.
       */
      known?: FileManifest;
      /**
       * The new release's record. With it (and `releaseId` and `manifest`), a host that holds the
       * build in a kept release none of whose files changed since it was built clones that release
       * under `releaseId` in the same round trip (`state.clonedFrom`), so nothing is uploaded.
       */
      record?: ReleaseInfo;
      /** Once aborted, waiting for the lock stops (the remote wait is killed) and the call rejects with its reason. */
      signal?: AbortSignal;
    },
  ): Promise<TargetLock> {
    const token = options.token ?? randomUUID();
    const owner = [
      `run=${options.owner.runId}`,
      `url=${options.owner.runUrl ?? ''}`,
      `runner=${options.owner.runner ?? hostname()}`,
      `time=${new Date().toISOString()}`,
      `token=${token}`,
    ].join('\n');
    const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
    // The unlock is opened now, beside the lock: freeing the lock later costs no channel set-up.
    const finish = new GatedScript(session, 'prune releases and unlock', FINISH_SCRIPT, [target, token]);
    let result: RunResult;
    try {
      result = await session.runScript(
        'lock and inspect the target',
        BEGIN_SCRIPT,
        [
          target,
          String(seconds),
          options.releaseId ?? '',
          options.manifest ? manifestDigest(options.manifest) : '',
          owner,
          options.known ? manifestDigest(options.known) : '',
          options.record && options.manifest ? serializeReleaseInfo(options.record) : '',
        ],
        { okExitCodes: [0, EXIT.lockTimeout, EXIT.notSymlink], signal: options.signal },
      );
    } catch (error) {
      await finish.abort();
      throw error;
    }
    if (result.code !== 0) await finish.abort();
    if (result.code === EXIT.lockTimeout) {
      throw new ReleaseHostError(
        session.label,
        `${target} on ${session.label} is locked by another deploy: ${describeHolder(result.stderr)}; waited ${seconds}s (lock-timeout). ` +
          `If that run is gone, the lock is taken over once its heartbeat is older than lock-timeout.`,
      );
    }
    if (result.code === EXIT.notSymlink)
      throw new ReleaseHostError(session.label, `${session.label}: ${result.stderr.trim()}`);
    const records = parseRecords(result.stdout);
    const listing = listingFrom(records);
    const has = (key: string) => records.some(([name]) => name === key);
    const manifestOf = (same: string, sent: string) =>
      has(same) ? options.manifest : parseManifest(records.find(([key]) => key === sent)?.[1] ?? '');
    const currentIsKnown = has('current-known') && options.known !== undefined;
    const currentManifest = currentIsKnown ? options.known : manifestOf('current-same', 'current-manifest');
    const existingManifest = manifestOf('existing-same', 'existing-manifest');
    const matchId = records.find(([key]) => key === 'match')?.[1];
    const state: TargetState = {
      current: listing.current,
      releases: listing.releases,
      cleaned: records.filter(([key]) => key === 'cleaned').map(([, value]) => value),
      migrated: records.filter(([key]) => key === 'migrated').map(([, value]) => value),
      drift: driftFrom(records, 'drift', currentManifest),
      existingDrift: driftFrom(records, 'existing-drift', existingManifest),
      currentManifest,
      currentIsBuild: has('current-same'),
      currentIsKnown,
      match:
        matchId !== undefined && options.manifest
          ? { id: matchId, drift: driftFrom(records, 'match-drift', options.manifest) }
          : undefined,
      newer: newerReleases(records),
      existingManifest,
      tookOverFrom: records.find(([key]) => key === 'took-over')?.[1],
      clonedFrom: records.find(([key]) => key === 'cloned')?.[1],
    };
    if (state.tookOverFrom !== undefined) state.tookOverFrom = describeHolder(state.tookOverFrom);
    const lock = new TargetLock(session, target, token, state, finish);
    lock.startHeartbeat();
    return lock;
  }

  /**
   * Frees the lock taken under `token`, if it is still that one, over any session: for a run whose
   * connection broke while it was taking the lock, so it cannot know whether it holds it, or for an
   * action's post step after its main step was killed. A lock taken over by another run is left alone.
   * A site config the run installed for a release it did not switch to is put back as it was.
   * @returns whether a lock was freed, the release the host serves now (undefined: none), the path
   *   of a site config put back (`configRestored`), or the path and why it could not be (`configRestoreFailed`).
   */
  static async freeIfHeld(
    session: ReleaseSession,
    target: string,
    token: string,
  ): Promise<{ freed: boolean; serving?: string; configRestored?: string; configRestoreFailed?: string }> {
    const { stdout } = await session.runScript('free the deploy lock', FINISH_SCRIPT, [target, token], { stdin: '' });
    const records = parseRecords(stdout);
    const link = records.find(([key]) => key === 'current')?.[1];
    return {
      freed: records.some(([key]) => key === 'unlocked'),
      serving: link === undefined ? undefined : releaseIdFromLink(link),
      configRestored: records.find(([key]) => key === 'config-restored')?.[1],
      configRestoreFailed: records.find(([key]) => key === 'config-restore-failed')?.[1],
    };
  }

  /** The same lock (same token) over another session, e.g. to free it after the first connection was lost. */
  static async reclaim(session: ReleaseSession, lock: TargetLock): Promise<TargetLock> {
    return new TargetLock(session, lock.target, lock.token, lock.state);
  }

  /** The lock directory (`<target>/.deploy/lock`), created atomically by `mkdir`. */
  get lockDir(): string {
    return `${this.target}/.deploy/lock`;
  }

  private startHeartbeat(): void {
    const input = new PassThrough();
    const done = this.session
      .runScript('keep the deploy lock alive', HEARTBEAT_SCRIPT, [this.lockDir, this.token], { stdin: input })
      // The heartbeat only matters while the lock is held; its end (or a lost connection) is reported by the deploy's own commands.
      .catch(() => undefined);
    this.heartbeat = { input, done };
  }

  /**
   * Ends the heartbeat, prunes `prune` and frees the lock (only if still ours) in one round trip.
   * A release that cannot be pruned is listed in `pruneFailed` (with the remote words in
   * `pruneError`); it never keeps the lock.
   */
  async release(prune: string[] = []): Promise<PruneResult> {
    if (this.released) return { pruned: [], pruneFailed: [] };
    this.released = true;
    const beat = this.heartbeat;
    this.heartbeat = undefined;
    beat?.input.end();
    try {
      const { stdout, stderr } = this.finish
        ? await this.finish.start(pruneList(prune))
        : await this.session.runScript('prune releases and unlock', FINISH_SCRIPT, [this.target, this.token], {
            stdin: pruneList(prune),
          });
      return pruneResult(stdout, stderr);
    } finally {
      await beat?.done;
    }
  }

  /**
   * Starts `switcher` (opened by `openSwitch`) so that, once the switch went through, the host also
   * prunes `prune` and frees this lock in the same round trip (see SWITCH_SCRIPT): for a run where
   * nothing after the switch can send the host back (one host, no smoke check). When the switch
   * freed the lock, the heartbeat ends and the unlock opened ahead is closed unstarted; otherwise
   * (a failed switch) the lock stays held and `release` frees it as usual.
   * @returns the switch's outcome (for `completeSwitch`) and what was pruned when the lock was freed.
   */
  async switchAndRelease(switcher: GatedScript, prune: string[]): Promise<{ result: RunResult; pruned?: PruneResult }> {
    const result = await switcher.start(pruneList(prune), 'unlock\n');
    if (!parseRecords(result.stdout).some(([key]) => key === 'unlocked')) return { result };
    this.released = true;
    // The lock is gone: the heartbeat stops on its own (its loop ends with the lock) and the unlock
    // opened ahead exits unstarted. Their channels close in the background; waiting for that would
    // only add a round trip to the deploy (both promises settle, the session's close included).
    this.heartbeat?.input.end();
    this.heartbeat = undefined;
    await this.finish?.abort();
    return { result, pruned: pruneResult(result.stdout, result.stderr) };
  }
}

/** Release ids as FINISH_SCRIPT reads them on stdin: one per line. */
function pruneList(prune: string[]): string {
  return prune.map((id) => `${id}\n`).join('');
}

/** What finish_run printed (see FINISH_SCRIPT): releases pruned, and those that could not be, with the remote words. */
function pruneResult(stdout: string, stderr: string): PruneResult {
  const records = parseRecords(stdout);
  const pick = (name: string) => records.filter(([key]) => key === name).map(([, value]) => value);
  const pruneFailed = pick('prune-failed');
  return { pruned: pick('pruned'), pruneFailed, pruneError: pruneFailed.length > 0 ? stderr.trim() : undefined };
}

/** A fresh session to the same host, for when the first one was lost mid-run. */
export type Reconnect = () => Promise<ReleaseSession & { close?: () => Promise<void> }>;

/**
 * Runs `work` over `session`, or, when that connection is gone (cut mid-run), over a fresh one
 * from `reconnect`, closed afterwards.
 * @throws the lost connection's error when there is no `reconnect`, or what `work` throws.
 */
export async function onAnySession<T>(
  session: ReleaseSession,
  reconnect: Reconnect | undefined,
  work: (session: ReleaseSession) => Promise<T>,
): Promise<T> {
  try {
    return await work(session);
  } catch (error) {
    if (!(error instanceof SshConnectionLostError) || !reconnect) throw error;
    const fresh = await reconnect();
    try {
      return await work(fresh);
    } finally {
      await fresh.close?.();
    }
  }
}

/** Frees `lock` (pruning `prune`), over a fresh connection if its own is gone, so the next run need not wait. */
export function releaseLockAnyhow(
  lock: TargetLock,
  prune: string[],
  reconnect: Reconnect | undefined,
): Promise<PruneResult> {
  return onAnySession(lock.session, reconnect, async (session) =>
    session === lock.session ? lock.release(prune) : (await TargetLock.reclaim(session, lock)).release(prune),
  );
}

/** What freeing a lock pruned. */
export interface PruneResult {
  pruned: string[];
  /** Releases that could not be removed (still there, still recorded: a later run tries again). */
  pruneFailed: string[];
  /** What the remote `rm` said about them. */
  pruneError?: string;
}

/**
 * Opens the upload ahead of time; finish it with `completeUpload(...)` on what `start(archive)` returns.
 * `signal`, once aborted, kills the upload where it is: the partial release it leaves is removed by the
 * next deploy (see BEGIN_SCRIPT), and nothing live changed.
 */
export function openUpload(
  session: ReleaseSession,
  target: string,
  releaseId: string,
  signal?: AbortSignal,
): GatedScript {
  return new GatedScript(
    session,
    'upload and build the release',
    UPLOAD_SCRIPT,
    [target, releaseId],
    [0, EXIT.buildFailed],
    signal,
  );
}

/**
 * Starts an upload opened by `openUpload` with the release archive; `cloneFrom` names a kept release
 * the host clones whole instead (see UPLOAD_SCRIPT): the archive then holds only the records.
 */
export function startUpload(upload: GatedScript, archive: Readable, cloneFrom?: string): Promise<RunResult> {
  return upload.start(archive, `${cloneFrom ?? ''}\n`);
}

/**
 * Reads a build's outcome. A failed build has removed what it wrote; the error says why, and when
 * the disk filled up, how much the release needed (`neededBytes`: the bytes of the files sent,
 * before compression) against what the file system of `target` has free.
 */
export function completeUpload(
  session: ReleaseSession,
  target: string,
  releaseId: string,
  result: RunResult,
  neededBytes: number,
): void {
  if (result.code !== EXIT.buildFailed) return;
  const freeKib = Number(parseRecords(result.stdout).find(([key]) => key === 'available-kib')?.[1] ?? NaN);
  const free = Number.isFinite(freeKib) ? `${freeKib * 1024} bytes are free` : 'the free space could not be read';
  const words = result.stderr.trim();
  if (/No space left on device|Disk quota exceeded/i.test(words)) {
    throw new ReleaseHostError(
      session.label,
      `Not enough space in ${target} on ${session.label} for release ${releaseId}: its new files need ${neededBytes} bytes, ${free} (after removing the partial release); nothing was changed:\n${words}`,
    );
  }
  throw new ReleaseHostError(
    session.label,
    `Building release ${releaseId} in ${target} on ${session.label} failed; the partial release was removed and nothing was changed (${free}):\n${words}`,
  );
}

const SWITCH_EXITS = [0, EXIT.reloadFailed, EXIT.missingRelease];

/**
 * How long (milliseconds) the nginx test and reload commands may run before they are stopped and
 * count as failed: a command that never ends (a hung sudo prompt, a stuck nginx) must not hold the
 * deploy and its lock forever. `nginx -t` and `nginx -s reload` take well under a second.
 */
export const NGINX_COMMAND_TIMEOUT_MS = 60_000;

/** The bound as the remote scripts take it: seconds, fractions allowed (GNU timeout's DURATION). */
function boundSeconds(timeoutMs: number | undefined): string {
  return String((timeoutMs ?? NGINX_COMMAND_TIMEOUT_MS) / 1000);
}

/** How a switch or its revert reaches one host: where, which release, the reload and its bound, and whose run it is. */
export interface SwitchArgs {
  target: string;
  releaseId: string;
  reloadCommand?: string;
  /** The reload command's bound in milliseconds (NGINX_COMMAND_TIMEOUT_MS when left out). */
  timeoutMs?: number;
  /** The token of the lock the run holds: a revert undoes only the switch (and site config) made under it. */
  token: string;
}

/** The arguments of the scripts that move `current` and reload nginx (SWITCH_SCRIPT, REVERT_SCRIPT). */
function switchingArgs(args: SwitchArgs): string[] {
  return [args.target, args.releaseId, args.reloadCommand ?? '', boundSeconds(args.timeoutMs), args.token];
}

/** Points `current` at `releases/<id>` atomically and reloads; returns the release that was live before. */
export async function switchRelease(session: ReleaseSession, args: SwitchArgs): Promise<{ previous?: string }> {
  const result = await session.runScript('switch the live release', SWITCH_SCRIPT, switchingArgs(args), {
    okExitCodes: SWITCH_EXITS,
  });
  return completeSwitch(session, result);
}

/** Opens the switch ahead of time; finish it with `completeSwitch(session, await gate.start())`. */
export function openSwitch(session: ReleaseSession, args: SwitchArgs): GatedScript {
  return new GatedScript(session, 'switch the live release', SWITCH_SCRIPT, switchingArgs(args), SWITCH_EXITS);
}

/** Reads a switch's outcome: the previous release, or the error naming why the switch was undone. */
export function completeSwitch(session: ReleaseSession, result: RunResult): { previous?: string } {
  if (result.code === EXIT.missingRelease)
    throw new ReleaseHostError(session.label, `${session.label}: ${result.stderr.trim()}`);
  if (result.code === EXIT.reloadFailed) {
    throw new ReleaseHostError(
      session.label,
      `Reloading nginx failed on ${session.label}, so the previous release stays live: ${result.stderr.trim()}`,
    );
  }
  const previousLink = parseRecords(result.stdout).find(([key]) => key === 'previous')?.[1];
  return { previous: releaseIdFromLink(previousLink) };
}

/** What undoing a run's switch on one host did. */
export interface SwitchRevert {
  /** The release live afterwards (undefined: none). */
  current?: string;
  /** The link went back (false: the host was not on the run's release, or another run switched it since). */
  reverted: boolean;
  /** The path of the site config the run had installed, put back as it was. */
  configRestored?: string;
}

/**
 * Undoes run `token`'s switch to `releaseId` on one host: the site config that run installed goes
 * back, then exactly the link the switch replaced (nothing live before: `current` is removed), then
 * the reload. A switch of that run still landing (its client is gone) is waited for, up to the
 * bound, and undone too. A host where `current` does not point at `releaseId`, or that another run
 * switched since, keeps its link: the revert is safe to run whether the switch happened or not.
 * @throws ReleaseHostError when the reload fails after the link went back; Error when a switch is still
 *   running after the bound.
 */
export async function revertSwitch(session: ReleaseSession, args: SwitchArgs): Promise<SwitchRevert> {
  const result = await session.runScript('put the previous release back', REVERT_SCRIPT, switchingArgs(args), {
    okExitCodes: [0, EXIT.reloadFailed],
  });
  if (result.code === EXIT.reloadFailed) {
    throw new ReleaseHostError(
      session.label,
      `The previous release is back in place on ${session.label}, but reloading nginx failed: ${result.stderr.trim()}`,
    );
  }
  const records = parseRecords(result.stdout);
  return {
    current: releaseIdFromLink(records.find(([key]) => key === 'current')?.[1]),
    reverted: records.some(([key]) => key === 'reverted'),
    configRestored: records.find(([key]) => key === 'config-restored')?.[1],
  };
}

/** Replaces a release's record (`.deploy/records/<id>/release.json`). */
export async function writeReleaseInfo(session: ReleaseSession, target: string, info: ReleaseInfo): Promise<void> {
  await session.runScript('write the release record', WRITE_INFO_SCRIPT, [target, info.id], {
    stdin: serializeReleaseInfo(info),
  });
}

/** Marks a release failed, keeping the rest of its record: rollback and prune skip failed releases. */
export async function markReleaseFailed(
  session: ReleaseSession,
  target: string,
  info: ReleaseInfo,
  reason: string,
): Promise<ReleaseInfo> {
  const failed: ReleaseInfo = { ...info, status: 'failed', failedReason: reason, failedAt: new Date().toISOString() };
  await writeReleaseInfo(session, target, failed);
  return failed;
}

/**
 * Installs a rendered nginx config for release `releaseId`, tests it, and restores the previous file
 * when nginx refuses it. The config and `configPath` are kept in the release's records, so that a
 * rollback to the release installs it again (`reinstallNginxConfig`).
 * @throws ReleaseHostError when the file cannot be written or the test command fails or outlives its bound.
 */
export async function installNginxConfig(
  session: ReleaseSession,
  target: string,
  configPath: string,
  config: string,
  testCommand: string | undefined,
  /** The test command's bound (NGINX_COMMAND_TIMEOUT_MS when left out). */
  timeoutMs: number | undefined,
  releaseId: string,
  /** The token of the lock this run holds: freeing the lock puts the config back if the run never switched to `releaseId`. */
  lockToken: string,
): Promise<void> {
  const result = await session.runScript(
    'install and test the nginx config',
    NGINX_INSTALL_SCRIPT,
    [target, configPath, testCommand ?? '', boundSeconds(timeoutMs), releaseId, lockToken],
    {
      stdin: config,
      okExitCodes: [0, EXIT.nginxTest],
    },
  );
  refusedConfig(session, result, 'Testing the new nginx config did not finish', 'nginx refused the new config');
}

/**
 * Installs again the site config release `releaseId` went live with (kept in its records by
 * `installNginxConfig`), tests it, and restores the previous file when nginx refuses it: for a
 * rollback to that release. A release deployed without a config leaves the installed one alone.
 * @returns the path the config was installed to; undefined when the release has no config recorded.
 * @throws ReleaseHostError when the file cannot be written or the test command fails or outlives its bound.
 */
export async function reinstallNginxConfig(
  session: ReleaseSession,
  target: string,
  releaseId: string,
  testCommand: string | undefined,
  /** The test command's bound (NGINX_COMMAND_TIMEOUT_MS when left out). */
  timeoutMs: number | undefined,
  /** The token of the lock this run holds: freeing the lock puts the config back if the run never switched to `releaseId`. */
  lockToken: string,
): Promise<string | undefined> {
  const result = await session.runScript(
    'install and test the nginx config of the release',
    NGINX_REINSTALL_SCRIPT,
    [target, releaseId, testCommand ?? '', boundSeconds(timeoutMs), lockToken],
    { okExitCodes: [0, EXIT.nginxTest] },
  );
  refusedConfig(
    session,
    result,
    `Testing the nginx config of release ${releaseId} did not finish`,
    `nginx refused the config of release ${releaseId}`,
  );
  return parseRecords(result.stdout).find(([key]) => key === 'config-path')?.[1];
}

/** The error of a config test that failed (`timedOut` or `refused` as the verdict), or nothing when it passed. */
function refusedConfig(session: ReleaseSession, result: RunResult, timedOut: string, refused: string): void {
  if (result.code !== EXIT.nginxTest) return;
  const words = result.stderr.trim();
  const verdict = words.startsWith('the test command timed out') ? timedOut : refused;
  throw new ReleaseHostError(
    session.label,
    `${verdict} on ${session.label}; the previous config was restored and the live site is unchanged: ${words}`,
  );
}

/** Puts back the config that was installed before this run's `installNginxConfig` or `reinstallNginxConfig`. */
export async function restoreNginxConfig(session: ReleaseSession, target: string, configPath: string): Promise<void> {
  await session.runScript('restore the previous nginx config', NGINX_RESTORE_SCRIPT, [target, configPath]);
}
