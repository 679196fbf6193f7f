import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { planDelta, sameManifest } from '../src/delta.js';
import { SourceError } from '../src/errors.js';
import { parseManifest, RELEASE_INFO_FILE, resolveInBuild, scanSource, type FileManifest } from '../src/manifest.js';
import { memberLevel, releaseStream } from '../src/release-stream.js';

const WEIRD_NAMES = [
  'with space.txt',
  `quote'single".txt`,
  'ünïcødé-文件.txt',
  // Names that would end a code span or open an HTML comment in a plan: deployed as they are.
  'x`<!--.js',
  '<!-- a.js',
  '-leading-dash',
  '--rf',
  '$(id)',
  'a\\b',
  'x'.repeat(150),
];

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'releases-archive-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function makeSite(root: string): Promise<void> {
  await mkdir(join(root, 'assets/deep/a/b/c/d/e/f/g/h/i/j'), { recursive: true });
  await mkdir(join(root, 'empty-dir'));
  await writeFile(join(root, 'index.html'), '<h1>v1</h1>');
  await writeFile(join(root, 'zero-bytes'), '');
  await writeFile(join(root, 'assets/deep/a/b/c/d/e/f/g/h/i/j/leaf.js'), 'leaf');
  await writeFile(join(root, 'run.sh'), '#!/bin/sh\necho hi\n');
  await chmod(join(root, 'run.sh'), 0o755);
  for (const name of WEIRD_NAMES) await writeFile(join(root, 'assets', name), `content of ${name}`);
  await symlink('index.html', join(root, 'home.html'));
  await symlink('../index.html', join(root, 'assets/up.html'));
}

async function extract(archive: NodeJS.ReadableStream, into: string): Promise<void> {
  const file = join(work, 'archive.tgz');
  await pipeline(archive, createWriteStream(file));
  execFileSync('tar', ['-xzf', file, '-C', into, '--no-same-owner', '-p']);
}

test('a scanned build round-trips through the archive into real tar: names, modes, links, empty dirs, 0-byte files', async () => {
  const site = join(work, 'site');
  await makeSite(site);
  const manifest = await scanSource(site);
  const target = join(work, 'target');
  await mkdir(target);
  const plan = planDelta(manifest, undefined);
  expect(plan.reuse).toHaveLength(0);
  const { stream, sentBytes } = releaseStream({
    sourceRoot: site,
    manifest,
    plan,
    releaseDir: 'releases/r1',
    recordsDir: '.deploy/records/r1',
    releaseInfo: { id: 'r1' },
  });
  await extract(stream, target);
  expect(sentBytes()).toBeGreaterThan(0);
  const release = join(target, 'releases/r1');
  for (const name of WEIRD_NAMES)
    expect(await readFile(join(release, 'assets', name), 'utf8')).toBe(`content of ${name}`);
  expect((await stat(join(release, 'run.sh'))).mode & 0o777).toBe(0o755);
  expect((await stat(join(release, 'index.html'))).mode & 0o777).toBe(0o644);
  expect((await stat(join(release, 'empty-dir'))).isDirectory()).toBe(true);
  expect((await stat(join(release, 'zero-bytes'))).size).toBe(0);
  expect(await readlink(join(release, 'home.html'))).toBe('index.html');
  expect(await readlink(join(release, 'assets/up.html'))).toBe('../index.html');
  // The records land beside the release, never in the tree nginx serves.
  const records = join(target, '.deploy/records/r1');
  expect(JSON.parse(await readFile(join(records, 'release.json'), 'utf8'))).toEqual({ id: 'r1' });
  expect(sameManifest(parseManifest(await readFile(join(records, 'manifest.json'), 'utf8')), manifest)).toBe(true);
  // Scanning the extracted release gives the same manifest: nothing lost, altered or added.
  expect(sameManifest(await scanSource(release), manifest)).toBe(true);
});

test('unchanged files become hard links to the live release; changed, renamed and removed files are handled', async () => {
  const site = join(work, 'site');
  await makeSite(site);
  const target = join(work, 'target');
  await mkdir(target);
  const first = await scanSource(site);
  await extract(
    releaseStream({
      sourceRoot: site,
      manifest: first,
      plan: planDelta(first, undefined),
      releaseDir: 'releases/r1',
      recordsDir: '.deploy/records/r1',
      releaseInfo: {},
    }).stream,
    target,
  );

  await writeFile(join(site, 'index.html'), '<h1>v2</h1>');
  await rm(join(site, 'zero-bytes'));
  await writeFile(join(site, 'renamed.sh'), await readFile(join(site, 'run.sh')));
  await chmod(join(site, 'renamed.sh'), 0o755);
  await rm(join(site, 'run.sh'));
  await chmod(join(site, 'assets/with space.txt'), 0o600);
  const second = await scanSource(site);
  const plan = planDelta(second, first);
  expect(plan.upload.map((file) => file.path).sort()).toEqual(['assets/with space.txt', 'index.html']);
  expect(plan.reuse.find((item) => item.entry.path === 'renamed.sh')?.from).toBe('run.sh');
  await extract(
    releaseStream({
      sourceRoot: site,
      manifest: second,
      plan,
      releaseDir: 'releases/r2',
      recordsDir: '.deploy/records/r2',
      reuseDir: 'releases/r1',
      releaseInfo: {},
    }).stream,
    target,
  );

  const r1 = join(target, 'releases/r1');
  const r2 = join(target, 'releases/r2');
  expect((await stat(join(r2, 'assets/ünïcødé-文件.txt'))).ino).toBe(
    (await stat(join(r1, 'assets/ünïcødé-文件.txt'))).ino,
  );
  expect((await stat(join(r2, 'renamed.sh'))).ino).toBe((await stat(join(r1, 'run.sh'))).ino);
  expect((await stat(join(r2, 'index.html'))).ino).not.toBe((await stat(join(r1, 'index.html'))).ino);
  expect(await readFile(join(r1, 'index.html'), 'utf8')).toBe('<h1>v1</h1>');
  expect(await readFile(join(r2, 'index.html'), 'utf8')).toBe('<h1>v2</h1>');
  expect((await stat(join(r1, 'assets/with space.txt'))).mode & 0o777).toBe(0o644);
  expect((await stat(join(r2, 'assets/with space.txt'))).mode & 0o777).toBe(0o600);
  await expect(lstat(join(r2, 'zero-bytes'))).rejects.toThrow();
  await expect(lstat(join(r2, 'run.sh'))).rejects.toThrow();
});

test('a no-change build reuses every file and uploads nothing', async () => {
  const site = join(work, 'site');
  await makeSite(site);
  const manifest = await scanSource(site);
  const plan = planDelta(await scanSource(site), manifest);
  expect(plan.upload).toHaveLength(0);
  expect(plan.uploadBytes).toBe(0);
  expect(plan.reuse.length).toBe(manifest.entries.filter((entry) => entry.type === 'file').length);
});

describe('resolveInBuild follows links as the kernel does on the server', () => {
  const links = new Map([
    ['root', '.'],
    ['up', '..'],
    ['d/self', '../d'],
    ['d/loop', 'loop'],
    ['d/abs', '/etc'],
  ]);
  it.each([
    [[], 'index.html', ['index.html']],
    [['d'], '../index.html', ['index.html']],
    [['d'], 'self/self/x', ['d', 'x']],
    [[], 'root/root/d/self/../x', ['x']],
    [['d'], 'missing/../../x', ['x']],
  ])('from %j, %j stays inside at %j', (start, target, resolved) => {
    expect(resolveInBuild(start, target, links)).toEqual({ kind: 'inside', path: resolved });
  });
  it.each([
    [[], '../x'],
    [[], 'up/x'],
    [['d'], 'self/../../..'],
    [['d'], 'abs/passwd'],
    [[], '/etc/passwd'],
    [[], ''],
  ])('from %j, %j leaves the build', (start, target) => {
    expect(resolveInBuild(start, target, links)).toEqual({ kind: 'outside' });
  });
  it.each([
    [['d'], 'loop', ['d/loop']],
    [[], 'd/loop/x', ['d/loop']],
    // Each link is fine alone; 41 hops through one of them are more than the kernel follows.
    [[], `${'root/'.repeat(41)}index.html`, ['root']],
  ])('from %j, %j is a loop through %j', (start, target, through) => {
    expect(resolveInBuild(start, target, links)).toEqual({ kind: 'loop', links: through });
  });
});

test('a symlink loop is refused as a loop, naming the links that form it, not as a link leaving the build', async () => {
  const site = join(work, 'loops');
  await mkdir(join(site, 'sub'), { recursive: true });
  await writeFile(join(site, 'index.html'), 'home');
  await symlink('b', join(site, 'a'));
  await symlink('a', join(site, 'b'));
  const error = await scanSource(site).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(SourceError);
  expect((error as Error).message).toMatch(
    /^Symlink "a" is a loop: .* through "b" -> "a", "a" -> "b"; fix or remove these links$/,
  );
  expect((error as Error).message).not.toContain('outside');
  await rm(join(site, 'a'));
  await rm(join(site, 'b'));
  // A link to itself, deeper down.
  await symlink('self', join(site, 'sub/self'));
  await expect(scanSource(site)).rejects.toThrow(
    'Symlink "sub/self" is a loop: resolving it follows more than 40 links',
  );
  await rm(join(site, 'sub/self'));
  // A link that ends inside through other links is still kept.
  await symlink('../index.html', join(site, 'sub/home'));
  expect((await scanSource(site)).entries.map((entry) => entry.path)).toContain('sub/home');
});

test('a name with a control character is refused, naming its path as JSON writes it', async () => {
  const site = join(work, 'site');
  await mkdir(join(site, 'js'), { recursive: true });
  await writeFile(join(site, 'index.html'), 'home');
  for (const name of ['x\n<!-- hidden.js', 'cr\r.js', 'tab\t.js', 'esc\u001b.js', 'c1\u0085.js', 'del\u007f.js']) {
    await writeFile(join(site, 'js', name), 'x');
    const error = await scanSource(site).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as Error).message).toBe(
      `The source contains ${JSON.stringify(`js/${name}`)}, a name with a control character: rename it (a site's names never need one, and a plan or log could not show it as it is)`,
    );
    await rm(join(site, 'js', name));
  }
  // Line and paragraph separators are not control characters: deployed, and plans show them escaped.
  await writeFile(join(site, 'js', 'sep\u2028.js'), 'x');
  expect((await scanSource(site)).entries.map((entry) => entry.path)).toContain('js/sep\u2028.js');
});

test('links leaving the build, missing and empty sources and reserved names are refused', async () => {
  const site = join(work, 'site');
  await mkdir(site);
  await expect(scanSource(site)).rejects.toThrow('is empty: there is nothing to deploy');
  await expect(scanSource(join(work, 'missing'))).rejects.toThrow('does not exist');
  await writeFile(join(site, 'a'), 'a');
  await expect(scanSource(join(site, 'a'))).rejects.toThrow('must be a directory');
  await symlink('/etc/passwd', join(site, 'passwd'));
  await expect(scanSource(site)).rejects.toThrow(SourceError);
  await rm(join(site, 'passwd'));
  await mkdir(join(site, 'sub'));
  await symlink('../../outside', join(site, 'sub/escape'));
  await expect(scanSource(site)).rejects.toThrow('Symlink "sub/escape" points outside the build');
  await rm(join(site, 'sub/escape'));
  // Each link harmless on its own; together they climb out: X is the build root, leak goes four levels above X.
  await mkdir(join(site, 'p/q/r'), { recursive: true });
  await symlink('../../..', join(site, 'p/q/r/X'));
  await symlink('X/../../../../etc/hostname', join(site, 'p/q/r/leak'));
  await expect(scanSource(site)).rejects.toThrow('Symlink "p/q/r/leak" points outside the build');
  await rm(join(site, 'p/q/r/leak'));
  // A chain that stays inside is kept.
  await symlink('X/p/q/r/X/index.html', join(site, 'p/q/r/home'));
  await writeFile(join(site, 'index.html'), 'home');
  expect((await scanSource(site)).entries.map((entry) => entry.path)).toContain('p/q/r/home');
  await rm(join(site, 'p'), { recursive: true });
  await writeFile(join(site, RELEASE_INFO_FILE), '{}');
  await expect(scanSource(site)).rejects.toThrow('reserves for its own release record');
});

/** The archive stream of a first deploy (every file sent) of the build scanned as `manifest` from `site`, as release r1. */
function firstDeployStream(site: string, manifest: FileManifest) {
  return releaseStream({
    sourceRoot: site,
    manifest,
    plan: planDelta(manifest, undefined),
    releaseDir: 'releases/r1',
    recordsDir: '.deploy/records/r1',
    releaseInfo: { id: 'r1' },
  });
}

/** The archive of a first deploy of the build at `site` as release r1, written to a file. */
async function firstDeployArchive(site: string) {
  const manifest = await scanSource(site);
  const { stream, sentBytes } = firstDeployStream(site, manifest);
  const file = join(work, 'archive.tgz');
  await pipeline(stream, createWriteStream(file));
  return { manifest, file, sentBytes };
}

/** Extracts the archive `file` with real tar and checks that release r1 is the build `manifest` describes. */
async function expectReleaseOf(file: string, manifest: FileManifest): Promise<void> {
  const target = join(work, 'target');
  await rm(target, { recursive: true, force: true });
  await mkdir(target);
  execFileSync('tar', ['-xzf', file, '-C', target, '--no-same-owner', '-p']);
  expect(sameManifest(await scanSource(join(target, 'releases/r1')), manifest)).toBe(true);
}

/**
 * The gzip level flag of each member of an archive, from each member's header: Node's gzip header
 * (magic, deflate, no flags, no time: 8 bytes that compressed or random data repeats by chance
 * about once in 2^64 positions), then XFL (RFC 1952), which zlib writes as 4 for levels 0 and 1,
 * 2 for level 9 and 0 for the levels between.
 */
function memberFlags(archive: Buffer): number[] {
  const header = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0]);
  const flags: number[] = [];
  for (let at = archive.indexOf(header); at !== -1; at = archive.indexOf(header, at + 1)) flags.push(archive[at + 8]);
  return flags;
}

test('a build of several megabytes travels as several gzip members that real tar reads whole; text is still compressed', async () => {
  const site = join(work, 'big');
  await mkdir(join(site, 'media'), { recursive: true });
  // Already-compressed media (random bytes) between text that compresses well.
  const media = randomBytes(3 * 1024 * 1024);
  const text = Buffer.from('export const answer = 42; '.repeat(100_000));
  await writeFile(join(site, 'a-app.js'), text);
  await writeFile(join(site, 'media/video.mp4'), media);
  await writeFile(join(site, 'z-app.js'), text);
  const { manifest, file, sentBytes } = await firstDeployArchive(site);
  const archive = await readFile(file);
  expect(archive.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
  expect(memberFlags(archive).length).toBeGreaterThanOrEqual(3);
  expect(sentBytes()).toBe(archive.length);
  expect(archive.length).toBeLessThan(media.length + text.length / 4);
  await expectReleaseOf(file, manifest);
});

test('directories come first, then large new files, then the rest, and real tar builds the same tree from it', async () => {
  const site = join(work, 'ordered');
  await mkdir(join(site, 'b-media'), { recursive: true });
  await mkdir(join(site, 'a-pages'), { recursive: true });
  await writeFile(join(site, 'a-pages/page.html'), '<h1>locked</h1>');
  await writeFile(join(site, 'a-app.js'), 'export {};');
  await writeFile(join(site, 'b-media/video.mp4'), randomBytes(2 * 1024 * 1024));
  await writeFile(join(site, 'z-small.js'), 'export {};');
  const { manifest, file } = await firstDeployArchive(site);
  const names = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).trim().split('\n');
  expect(names.slice(0, 6)).toEqual([
    'releases/r1/',
    'releases/r1/a-pages/',
    'releases/r1/b-media/',
    'releases/r1/b-media/video.mp4',
    'releases/r1/a-app.js',
    'releases/r1/a-pages/page.html',
  ]);
  await expectReleaseOf(file, manifest);
});

/**
 * Reads `stream` at most `bytesPerSecond` (a link of that speed; Infinity: as fast as it comes) until
 * its end or `limit` bytes; stopping at the limit leaves the stream open, to be read on or destroyed.
 */
async function readAtPace(stream: Readable, bytesPerSecond: number, limit = Infinity): Promise<Buffer> {
  const parts: Buffer[] = [];
  let taken = 0;
  for await (const chunk of stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    parts.push(chunk);
    taken += chunk.length;
    if (taken >= limit) break;
    if (Number.isFinite(bytesPerSecond))
      await new Promise((resolve) => setTimeout(resolve, (chunk.length / bytesPerSecond) * 1000));
  }
  return Buffer.concat(parts);
}

/** A build of `files` files of base64 text (768 KiB of random bytes each: about 1 MiB, which gzip takes to about 0.76 MiB). */
async function base64Build(name: string, files: number): Promise<{ site: string; manifest: FileManifest }> {
  const site = join(work, name);
  await mkdir(site, { recursive: true });
  for (let index = 0; index < files; index++)
    await writeFile(join(site, `chunk-${index}.js`), randomBytes(768 * 1024).toString('base64'));
  return { site, manifest: await scanSource(site) };
}

describe("each member's gzip level follows the upload", () => {
  test('a link that keeps up gets level 6 for the first 8 MiB, then level 1, and real tar reads the mix whole', async () => {
    const { site, manifest } = await base64Build('fast', 24);
    const archive = await readAtPace(firstDeployStream(site, manifest).stream, Infinity);
    const flags = memberFlags(archive);
    expect(flags.length).toBeGreaterThanOrEqual(24);
    // About 8 MiB of compressed data (some ten members) at level 6 before the pace counts.
    expect(flags.slice(0, 8).every((flag) => flag === 0)).toBe(true);
    // A busy machine may hold a burst of members back from the reader, and the link then counts as
    // behind for a member or two: most, not all, of the last ones are level 1.
    expect(flags.slice(-6).filter((flag) => flag === 4).length).toBeGreaterThanOrEqual(4);
    const file = join(work, 'fast.tgz');
    await writeFile(file, archive);
    await expectReleaseOf(file, manifest);
  });

  test('an archive smaller than 8 MiB gets level 6 whatever the link', async () => {
    const { site, manifest } = await base64Build('small', 9);
    const flags = memberFlags(await readAtPace(firstDeployStream(site, manifest).stream, Infinity));
    expect(flags.length).toBeGreaterThanOrEqual(9);
    expect(flags.every((flag) => flag === 0)).toBe(true);
  });

  test('a slow link (2 MB/s) gets level 6 from the start', async () => {
    const { site, manifest } = await base64Build('slow', 12);
    const { stream } = firstDeployStream(site, manifest);
    const flags = memberFlags(await readAtPace(stream, 2_000_000, 4 * 1024 * 1024));
    stream.destroy();
    expect(flags.length).toBeGreaterThanOrEqual(5);
    expect(flags.every((flag) => flag === 0)).toBe(true);
  });

  test('a link that stops taking past the first 8 MiB gets level 6 once 4 MiB wait for it', async () => {
    const { site, manifest } = await base64Build('stalled', 24);
    const { stream } = firstDeployStream(site, manifest);
    const first = await readAtPace(stream, Infinity, 10 * 1024 * 1024);
    // The link stops for 3 s (the rest of the 18 MiB archive is compressed meanwhile), then takes the rest.
    const rest = new Promise<Buffer>((resolve) =>
      setTimeout(() => void readAtPace(stream, Infinity).then(resolve), 3000),
    );
    const flags = memberFlags(Buffer.concat([first, await rest]));
    const afterPace = flags.slice(flags.indexOf(4));
    expect(afterPace.length).toBeGreaterThan(0);
    expect(afterPace).toContain(0);
  });

  test('past the first 8 MiB, level 1 only while less than four members of compressed data wait for the link', () => {
    const text = Buffer.from(randomBytes(768 * 1024).toString('base64'));
    const MiB = 1024 * 1024;
    expect(memberLevel(text, 6, { takenBytes: 9 * MiB, readyBytes: 0 })).toBe(1);
    expect(memberLevel(text, 6, { takenBytes: 9 * MiB, readyBytes: 4 * MiB - 1 })).toBe(1);
    expect(memberLevel(text, 6, { takenBytes: 9 * MiB, readyBytes: 4 * MiB })).toBe(6);
    expect(memberLevel(text, 6, { takenBytes: 8 * MiB - 1, readyBytes: 0 })).toBe(6);
    // A configured level below 1 is kept; already-compressed data is stored.
    expect(memberLevel(text, 0, { takenBytes: 9 * MiB, readyBytes: 0 })).toBe(0);
    expect(memberLevel(randomBytes(MiB), 6, { takenBytes: 0, readyBytes: 10 * MiB })).toBe(0);
  });
});
