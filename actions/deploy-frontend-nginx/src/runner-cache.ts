import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { workspaceDir } from '@sophia/action-runtime';

/**
 * @actions/cache is loaded when first used: it brings the Azure Storage SDK (megabytes of bundle) that a
 * step which keeps nothing (a plan, a post step, `cache: false`) should not parse at start-up. It lives
 * in this action, its only user, so that no other action's bundle carries it.
 */
const toolkitCache = () => import('@actions/cache');

/*
 * A cache outage must not put an error annotation on a deploy that succeeded. @actions/cache 6.3
 * calls core.error for an HttpClientError with a 5xx status, but none reaches it: every request it
 * makes goes through its retry helpers (requestUtils.retry, the Twirp client's retries), which
 * rethrow a plain Error, and the storage SDK throws its RestError; a 5xx of the service or of the
 * storage is a warning (or, for a failed reservation, a line of the log). So it is used unpatched;
 * test/frontend-action-cache.test.ts checks it with the service and the storage answering 500.
 */

/**
 * Where a kept document sits while it is saved or restored, relative to the workspace. @actions/cache
 * hashes the paths it is given, as given, into the entry's version, and a restore finds only entries
 * of the same version: a path under RUNNER_TEMP would differ between runners (and between runs of the
 * local runner), so a fixed relative path is used, and removed again at once.
 */
const KEPT_DIR = '.sophia-kept-document';
const KEPT_FILE = 'document.json';

/** What a keep or restore did, for the step's log: `warning` set when the cache service failed. */
export interface KeptDocumentResult<T> {
  /** The restored document (restore only); undefined on a miss, a failure or an unreadable entry. */
  value?: T;
  /** The key of the entry restored or saved. */
  key?: string;
  /** Why the cache could not be used; the step goes on without it. */
  warning?: string;
}

function keptPaths(workspace: string): { dir: string; file: string; paths: string[] } {
  const dir = resolve(workspace, KEPT_DIR);
  return { dir, file: join(dir, KEPT_FILE), paths: [KEPT_DIR] };
}

/**
 * Whether the runner gives this step a cache service (ACTIONS_RESULTS_URL for the v2 service
 * github.com serves, ACTIONS_CACHE_URL for GHES's v1): without one, nothing is kept or restored.
 */
export async function runnerCacheAvailable(): Promise<boolean> {
  return (await toolkitCache()).isFeatureAvailable();
}

/**
 * Restores the newest JSON document kept in the runner's cache under a key starting with `keyPrefix`
 * (GitHub's cache: an exact key, else the newest entry whose key starts with it). The cache is an
 * optimisation: every failure (service down, refused, an entry that is not JSON) is a miss with a
 * `warning`, never an error. The caller must check the document before trusting it: an entry is only
 * what some earlier run of this repository saved.
 */
export async function restoreKeptDocument<T>(
  keyPrefix: string,
  workspace = workspaceDir(),
): Promise<KeptDocumentResult<T>> {
  const { dir, file, paths } = keptPaths(workspace);
  try {
    await rm(dir, { recursive: true, force: true });
    // The library reports its own failures as warnings and returns undefined (a miss).
    const cache = await toolkitCache();
    const key = await cache.restoreCache(paths, keyPrefix, [keyPrefix], {}, false);
    if (key === undefined) return {};
    return { key, value: JSON.parse(await readFile(file, 'utf8')) as T };
  } catch (error) {
    return { warning: `the runner's cache could not be read (${(error as Error).message}); going on without it` };
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * Saves `value` as JSON in the runner's cache under `key` (at most 512 characters, no commas). Entries
 * are immutable: a key already saved keeps its first document, so a key must name its content (a digest).
 * Never throws: a failure is a `warning` and the next run simply finds nothing newer.
 */
export async function keepDocument(
  key: string,
  value: unknown,
  workspace = workspaceDir(),
): Promise<KeptDocumentResult<never>> {
  const { dir, file, paths } = keptPaths(workspace);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(file, JSON.stringify(value));
    const cache = await toolkitCache();
    // -1: not saved (the key exists already, or the service failed; the library logged which).
    const id = await cache.saveCache(paths, key, {}, false);
    return id === -1 ? {} : { key };
  } catch (error) {
    return {
      warning: `the runner's cache could not be written (${(error as Error).message}); the next run reads more`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
