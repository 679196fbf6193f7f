import { createHash } from 'node:crypto';
import { runContext } from '@sophia/action-runtime';
import { keepDocument, restoreKeptDocument, runnerCacheAvailable } from './runner-cache.js';
import { manifestDigest, parseManifest, type FileManifest, type FrontendDeployReport } from '@sophia/releases';
import type { Log } from '@sophia/reporting';

/**
 * Bumped whenever the kept document's shape or the manifest format changes: entries of another format are
 * never restored (their keys start differently).
 */
const FORMAT = 'v1';

/** One target: a host (`host:port`, its hostLabel) and the deploy directory on it. */
export interface ManifestTarget {
  label: string;
  target: string;
}

/** The document kept per target: which target it is for, and the manifest live there after the deploy. */
interface KeptManifest {
  format: typeof FORMAT;
  label: string;
  target: string;
  manifest: FileManifest;
}

/** Every kept manifest of one target starts with this key: the newest of them is restored. */
function keyPrefix(target: ManifestTarget): string {
  const id = createHash('sha256').update(`${target.label}\0${target.target}`).digest('hex').slice(0, 32);
  return `sophia-frontend-manifest-${FORMAT}-${id}-`;
}

function parseKept(value: unknown, target: ManifestTarget): FileManifest | undefined {
  const kept = value as Partial<KeptManifest> | undefined;
  if (kept?.format !== FORMAT || kept.label !== target.label || kept.target !== target.target) return undefined;
  // Re-parsed as a manifest read from a host would be: anything else is not offered.
  return parseManifest(JSON.stringify(kept.manifest));
}

/**
 * The runner's cache as a store of each target's last live manifest, so a redeploy need not read it
 * back over SSH. Only an optimisation, and never trusted: the deploy offers a restored manifest to the
 * host by its digest, computed here from the content (TargetLock.acquire's `known`), and uses it only
 * when the host's recorded digest of its live release is the same. Every cache failure is a warning.
 */
export class ManifestCache {
  private readonly restored = new Map<string, FileManifest>();

  private constructor(
    private readonly log: Log,
    readonly enabled: boolean,
  ) {}

  /**
   * Restores the kept manifest of every target, one after the other (@actions/cache restores into one
   * fixed path). `enabled: false`, or a runner without a cache service, restores nothing.
   */
  static async restore(targets: ManifestTarget[], enabled: boolean, log: Log): Promise<ManifestCache> {
    const available = enabled && (await runnerCacheAvailable());
    if (enabled && !available) log.info('No cache service on this runner: each live manifest is read from its host');
    const store = new ManifestCache(log, available);
    if (!available) return store;
    for (const target of targets) {
      const { value, key, warning } = await restoreKeptDocument<KeptManifest>(keyPrefix(target));
      if (warning) log.warning(`${target.label}: ${warning}`);
      if (key === undefined) continue;
      const manifest = parseKept(value, target);
      if (manifest) {
        store.restored.set(store.slot(target), manifest);
        log.info(
          `${target.label}: restored the manifest an earlier deploy kept (${key}); the host is asked whether it is live`,
        );
      } else log.info(`${target.label}: the cache entry ${key} is not a kept manifest of this target; it is not used`);
    }
    return store;
  }

  /** The kept manifest of `label`'s `target`, for FrontendDeployRequest.knownManifest; undefined when none. */
  readonly known = (label: string, target: string): FileManifest | undefined =>
    this.restored.get(this.slot({ label, target }));

  /**
   * Keeps `manifest` for every host the report shows live on it, under a key naming the target, the
   * manifest's digest and the run (entries are immutable, and a restore takes the newest entry of the
   * target: the same build deployed again by a later run must be newer than what was deployed between).
   */
  async keep(report: FrontendDeployReport, targetOf: (label: string) => string, manifest: FileManifest): Promise<void> {
    if (!this.enabled) return;
    for (const host of report.hosts) {
      if (host.outcome !== 'live') continue;
      const target: ManifestTarget = { label: host.label, target: targetOf(host.label) };
      const kept: KeptManifest = { format: FORMAT, ...target, manifest };
      const { runId, runAttempt } = runContext();
      const key = `${keyPrefix(target)}${manifestDigest(manifest)}-${runId || 'local'}.${runAttempt || '1'}`;
      const saved = await keepDocument(key, kept);
      if (saved.warning) this.log.warning(`${host.label}: ${saved.warning}`);
      if (saved.key) this.log.info(`${host.label}: kept the live manifest in the runner's cache (${saved.key})`);
    }
  }

  private slot(target: ManifestTarget): string {
    return `${target.label}\0${target.target}`;
  }
}
