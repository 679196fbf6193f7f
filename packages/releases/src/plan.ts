import { PLAN_SCHEMA } from '@sophia/reporting';
import { asFoundOnServer, planDelta } from './delta.js';
import { renderSiteConfig, type FrontendDeployRequest } from './deploy.js';
import { manifestTotals, type FileManifest, type ManifestEntry } from './manifest.js';
import { readLiveRelease, type LiveRelease } from './release-host.js';
import type { ReleaseHost } from './release-hosts.js';

/** How many paths each list of a host's plan names when the request does not say (the counts and bytes cover all). */
export const PLAN_PATH_LIMIT = 20;

/** Paths of the served tree (files and symlinks; directories follow from them) that a deploy would add, change or remove. */
export interface PathChanges {
  count: number;
  /** Bytes of those files: the new size for added and changed ones, the live size for removed ones. Symlinks count 0. */
  bytes: number;
  /** The first paths in byte order, at most the request's path limit (PLAN_PATH_LIMIT by default). */
  paths: string[];
}

/**
 * What a deploy would do on one host, against the live release as its files are now on the server
 * (a file edited there since it was deployed is compared as it is now).
 */
export interface HostPlan {
  /** The host as the user named it. */
  host: string;
  /** `host:port`: how outputs, summaries and logs name the host. */
  label: string;
  /** Its base directory. */
  target: string;
  /** The release live now; '' when none. */
  liveRelease: string;
  /** False when the live release has no manifest on record (not built by a deploy): every file then counts as added. */
  liveKnown: boolean;
  /** The release id is live already with the same content: the deploy would change nothing. */
  alreadyLive: boolean;
  added: PathChanges;
  changed: PathChanges;
  removed: PathChanges;
  /** Files (and symlinks) the new release keeps as they are. */
  unchanged: { count: number; bytes: number };
  /**
   * Files the deploy would send, at most: new or changed content not found in the live release
   * (the deploy may also link some from other kept releases, and compresses what it sends).
   */
  upload: { files: number; bytes: number };
  /** Files of the live release changed on the server since it was deployed (they are compared as they are now). */
  drifted: string[];
  /** With `nginx-config`: the site config path and whether the deploy would create it, change it or leave it as it is. */
  nginxConfig?: { path: string; change: 'created' | 'changed' | 'unchanged' };
  /** What would stop or hold up the deploy on this host (not a symlink, the release id live with other content, a lock held now). */
  blockers: string[];
}

/** What a frontend deploy would do on every host, read without changing anything: the `plan` output of deploy-frontend-nginx. */
export interface FrontendPlan {
  schema: typeof PLAN_SCHEMA;
  target: 'frontend';
  releaseId: string;
  /** Files and bytes of the build. */
  build: { files: number; bytes: number };
  /** In the order of the `host` input. */
  hosts: HostPlan[];
}

/** The request of a plan: the deploy's own request (the parts a plan reads), and how many paths each list names. */
export type FrontendPlanRequest = Pick<
  FrontendDeployRequest,
  'manifest' | 'target' | 'releaseId' | 'nginxConfig' | 'serverNames'
> & { pathLimit?: number };

type Served = Exclude<ManifestEntry, { type: 'dir' }>;

function served(manifest: FileManifest | undefined): Map<string, Served> {
  const entries = new Map<string, Served>();
  for (const entry of manifest?.entries ?? []) if (entry.type !== 'dir') entries.set(entry.path, entry);
  return entries;
}

function sameEntry(a: Served, b: Served): boolean {
  if (a.type === 'symlink' || b.type === 'symlink')
    return a.type === 'symlink' && b.type === 'symlink' && a.target === b.target;
  return a.sha256 === b.sha256 && a.size === b.size && a.mode === b.mode;
}

const sizeOf = (entry: Served) => (entry.type === 'file' ? entry.size : 0);

function pathChanges(entries: Served[], limit: number): PathChanges {
  return {
    count: entries.length,
    bytes: entries.reduce((sum, entry) => sum + sizeOf(entry), 0),
    paths: entries.slice(0, limit).map((entry) => entry.path),
  };
}

/** The plan of one host from what was read there (pure: see readLiveRelease for the reading). */
export function hostPlan(
  request: FrontendPlanRequest,
  host: Pick<HostPlan, 'host' | 'label' | 'target'>,
  live: LiveRelease,
  config: string | undefined,
): HostPlan {
  const limit = request.pathLimit ?? PLAN_PATH_LIMIT;
  const now = live.manifest ? asFoundOnServer(live.manifest, live.drift) : undefined;
  const before = served(now);
  const after = served(request.manifest);
  const added: Served[] = [];
  const changed: Served[] = [];
  const kept: Served[] = [];
  for (const [path, entry] of after) {
    const old = before.get(path);
    if (!old) added.push(entry);
    else if (sameEntry(old, entry)) kept.push(entry);
    else changed.push(entry);
  }
  const removed = [...before].filter(([path]) => !after.has(path)).map(([, entry]) => entry);
  const delta = planDelta(request.manifest, now);
  const alreadyLive = live.current === request.releaseId && live.isBuild && live.drift.length === 0;
  const blockers: string[] = [];
  if (live.notSymlink)
    blockers.push(`${host.target}/current exists and is not a symlink: the deploy would refuse the target`);
  if (live.current === request.releaseId && !alreadyLive)
    blockers.push(
      `release ${request.releaseId} is live with different content (or files changed on the server): the deploy would refuse it; use a new release-id`,
    );
  if (live.lockedBy)
    blockers.push(`another deploy holds the lock now (${live.lockedBy}): the deploy would wait for it`);
  const path = request.nginxConfig?.remotePath;
  return {
    ...host,
    liveRelease: live.current,
    liveKnown: live.current === '' || live.manifest !== undefined,
    alreadyLive,
    added: pathChanges(alreadyLive ? [] : added, limit),
    changed: pathChanges(alreadyLive ? [] : changed, limit),
    removed: pathChanges(alreadyLive ? [] : removed, limit),
    unchanged: {
      count: kept.length,
      bytes: kept.reduce((sum, entry) => sum + sizeOf(entry), 0),
    },
    upload: alreadyLive ? { files: 0, bytes: 0 } : { files: delta.upload.length, bytes: delta.uploadBytes },
    drifted: live.drift.map((file) => file.path),
    ...(path !== undefined && config !== undefined
      ? {
          nginxConfig: {
            path,
            change: live.config === null ? 'created' : live.config === config ? 'unchanged' : 'changed',
          },
        }
      : {}),
    blockers,
  };
}

/**
 * What deploying `request` would do on each host, read without changing anything: no lock is taken
 * (a deploy running now may change what is live before the next one), nothing is written, nginx is
 * neither tested nor reloaded. The hosts are read in parallel, one round trip each.
 * @throws Error naming the template when the site config cannot be rendered; what a session
 *   throws when a host cannot be read.
 */
export async function planFrontend(request: FrontendPlanRequest, hosts: ReleaseHost[]): Promise<FrontendPlan> {
  const plans = await Promise.all(
    hosts.map(async (host) => {
      const target = host.target ?? request.target;
      const config = renderSiteConfig(request, target, host.name);
      const live = await readLiveRelease(host.session, target, request.manifest, request.nginxConfig?.remotePath);
      return hostPlan(request, { host: host.name, label: host.session.label, target }, live, config);
    }),
  );
  return {
    schema: PLAN_SCHEMA,
    target: 'frontend',
    releaseId: request.releaseId,
    build: manifestTotals(request.manifest),
    hosts: plans,
  };
}
