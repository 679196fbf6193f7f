import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { scanSource, type Manifest } from '@sophia/releases';

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
    'index.html': `<!doctype html><title>${version}</title><script src="app.js"></script>`,
    'app.js': `console.log(${JSON.stringify(version)});\n`,
    'assets/style.css': `body::after { content: ${JSON.stringify(version)} }\n`,
    'assets/big.bin': Buffer.alloc(256 * 1024, version),
    'stable/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
    ...extra,
  });
}

export interface HttpAnswer {
  status: number;
  body: Buffer;
}

export function httpGet(url: string, timeoutMs = 5000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

function encodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

/** Fetches every file of the build over HTTP and compares the bytes; returns the paths that differ. */
export async function servedDifferences(siteUrl: string, source: string, manifest?: Manifest): Promise<string[]> {
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
