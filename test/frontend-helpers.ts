import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  deployFrontend,
  FrontendDeployFailedError,
  scanSource,
  type FileManifest,
  type FrontendDeployReport,
} from '@sophia/releases';
import { httpGet, type HttpAnswer } from '@sophia-testing/http-servers';

export { httpGet, type HttpAnswer };

/** Shared by the frontend end-to-end tests: sites to deploy and checks of what nginx serves. */

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function writeTree(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

/** A small site whose every page names its version, so a response shows which release served it. */
export async function writeVersionedSite(
  root: string,
  version: string,
  extra: Record<string, string | Buffer> = {},
): Promise<void> {
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  await writeTree(root, {
    ...versionedContent(version),
    'stable/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
    ...extra,
  });
}

function encodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

/** Fetches every file of the build over HTTP and compares the bytes; returns the paths that differ. */
export async function servedDifferences(siteUrl: string, source: string, manifest?: FileManifest): Promise<string[]> {
  const scanned = manifest ?? (await scanSource(source));
  const differing: string[] = [];
  for (const entry of scanned.entries) {
    if (entry.type !== 'file') continue;
    const answer = await httpGet(new URL(encodePath(entry.path), siteUrl).href);
    const expected = await readFile(join(source, entry.path));
    if (answer.status !== 200 || !answer.body.equals(expected)) differing.push(entry.path);
  }
  return differing;
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export { chmod, symlink, rm, mkdir, writeFile, readFile, join };

/** Paths every versioned site has, with the content each version serves there. */
export function versionedContent(version: string): Record<string, Buffer> {
  return {
    'index.html': Buffer.from(`<!doctype html><title>${version}</title><script src="app.js"></script>`),
    'app.js': Buffer.from(`console.log(${JSON.stringify(version)});\n`),
    'assets/style.css': Buffer.from(`body::after { content: ${JSON.stringify(version)} }\n`),
    'assets/big.bin': Buffer.alloc(256 * 1024, version),
  };
}

export interface PollerVerdict {
  requests: number;
  /** Responses that were not 200 or matched no single release's content, with what was wrong. */
  problems: string[];
  versionsSeen: Set<string>;
}

/**
 * Requests the site without pause while deploys happen. Every answer must be 200 and byte-equal
 * to the file of exactly one known version: a torn file or a missing one is a problem.
 */
export function startPoller(siteUrl: string, versions: () => string[]): { stop: () => Promise<PollerVerdict> } {
  let running = true;
  const verdict: PollerVerdict = { requests: 0, problems: [], versionsSeen: new Set() };
  const loop = async (): Promise<void> => {
    const paths = Object.keys(versionedContent('x'));
    while (running) {
      for (const path of paths) {
        let answer: HttpAnswer;
        try {
          answer = await httpGet(new URL(path, siteUrl).href, 3000);
        } catch (error) {
          verdict.problems.push(`${path}: ${(error as Error).message}`);
          continue;
        }
        verdict.requests += 1;
        const matching = versions().filter((version) => versionedContent(version)[path].equals(answer.body));
        if (answer.status !== 200) verdict.problems.push(`${path}: status ${answer.status}`);
        else if (matching.length !== 1)
          verdict.problems.push(`${path}: body of ${answer.body.length} bytes matches no single release`);
        else verdict.versionsSeen.add(matching[0]);
      }
    }
  };
  const loops = [loop(), loop()];
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return verdict;
    },
  };
}

/**
 * `deployFrontend`, resolving with the report whether the release went live or failed on a host
 * (`FrontendDeployFailedError` carries it), so a test looks at both the same way; other errors reject.
 */
export async function deployReport(...args: Parameters<typeof deployFrontend>): Promise<FrontendDeployReport> {
  try {
    return await deployFrontend(...args);
  } catch (error) {
    if (error instanceof FrontendDeployFailedError) return error.report;
    throw error;
  }
}
