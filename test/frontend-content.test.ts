import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, open, readdir, readlink, stat, truncate } from 'node:fs/promises';
import { connectSsh, type SshSession } from '@sophia/ssh';
import { startSshHost, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import { scanSource, type FrontendDeployReport } from '@sophia/releases';
import {
  chmod,
  deployReport,
  httpGet,
  join,
  mkdir,
  rm,
  servedDifferences,
  sha256,
  symlink,
  tempDir,
  writeFile,
  writeTree,
} from './frontend-helpers.js';

/** What a build may contain, deployed for real and read back over HTTP and from the release directory. */
let sshHost: LocalSshHost;
let session: SshSession;
let work: string;

async function deploy(source: string, releaseId: string): Promise<FrontendDeployReport> {
  const report = await deployReport(
    {
      sourceRoot: source,
      manifest: await scanSource(source),
      target: sshHost.siteDir,
      releaseId,
      keepReleases: 2,
      nginxReloadCommand: sshHost.nginxReloadCommand,
      lockTimeoutMs: 5000,
      origin: { commit: releaseId, ref: 'main', runUrl: '', actor: 'tester', runId: releaseId },
    },
    [{ name: '127.0.0.1', session }],
  );
  expect(report.error).toBeUndefined();
  return report;
}

/**
 * Trees of 50,000 files and a 200 MB file live in memory (tmpfs) when the machine has one: what
 * is tested is the deploy, and on a busy virtual disk creating 50,000 files alone takes minutes.
 */
const MEMORY_DISK = '/dev/shm';
let targetDir: string | undefined;

beforeAll(async () => {
  sshHost = await startSshHost();
  session = await connectSsh(sshHost.sshTarget());
  const inMemory = existsSync(MEMORY_DISK);
  work = inMemory ? await mkdtemp(join(MEMORY_DISK, 'frontend-content-')) : await tempDir('frontend-content-');
  if (inMemory) {
    // nginx serves <siteDir>/current; the site directory itself is a link into memory.
    targetDir = await mkdtemp(join(MEMORY_DISK, 'frontend-target-'));
    await symlink(targetDir, sshHost.siteDir);
  }
});
afterAll(async () => {
  await session?.close();
  await sshHost?.stop();
  await rm(work, { recursive: true, force: true });
  if (targetDir) await rm(targetDir, { recursive: true, force: true });
});

const WEIRD = [
  'with space.html',
  `it's "quoted".txt`,
  'ünïcødé-文件.txt',
  // A newline or other control character in a name is refused before any host is touched
  // (release-archive.test.ts); a Unicode line separator is deployed.
  'line\u2028separator.txt',
  '-leading-dash.txt',
  '--',
  '$(id).txt',
  '`id`.txt',
  '*.txt',
  'back\\slash.txt',
];

test('odd names, deep trees, empty dirs, 0-byte files, exec bits and symlinks inside the build arrive intact', async () => {
  const source = join(work, 'odd');
  const deep = Array.from({ length: 40 }, (_, index) => `d${index}`).join('/');
  await writeTree(source, {
    'index.html': 'odd site',
    [`${deep}/leaf.txt`]: 'deep leaf',
    'zero.txt': '',
    'bin/tool.sh': '#!/bin/sh\necho tool\n',
    ...Object.fromEntries(WEIRD.map((name) => [`files/${name}`, `content of ${name}`])),
    [`files/${'long-name-'.repeat(20)}.txt`]: 'long name',
  });
  await chmod(join(source, 'bin/tool.sh'), 0o755);
  await mkdir(join(source, 'empty/nested-empty'), { recursive: true });
  await symlink('index.html', join(source, 'alias.html'));
  await symlink('../files', join(source, 'bin/files-link'));
  await deploy(source, 'odd');

  expect(await servedDifferences(sshHost.siteUrl, source)).toEqual([]);
  expect((await httpGet(new URL('alias.html', sshHost.siteUrl).href)).body.toString()).toBe('odd site');
  const release = join(sshHost.siteDir, 'releases/odd');
  expect(await readlink(join(release, 'alias.html'))).toBe('index.html');
  expect(await readlink(join(release, 'bin/files-link'))).toBe('../files');
  expect((await stat(join(release, 'bin/tool.sh'))).mode & 0o777).toBe(0o755);
  expect((await stat(join(release, 'index.html'))).mode & 0o777).toBe(0o644);
  expect(await readdir(join(release, 'empty'))).toEqual(['nested-empty']);
  expect((await stat(join(release, 'zero.txt'))).size).toBe(0);
  for (const name of WEIRD) expect((await stat(join(release, 'files', name))).isFile()).toBe(true);
});

test('a symlink leaving the build is refused before anything is sent', async () => {
  const source = join(work, 'escape');
  await writeTree(source, { 'index.html': 'x' });
  await symlink('/etc/passwd', join(source, 'passwd'));
  await expect(scanSource(source)).rejects.toThrow('Symlink "passwd" points outside the build');
  await rm(join(source, 'passwd'));
  // Through another link: X is the build's root, and four levels above it is the host.
  await mkdir(join(source, 'a/b/c'), { recursive: true });
  await symlink('../../..', join(source, 'a/b/c/X'));
  await symlink('X/../../../../etc/hostname', join(source, 'a/b/c/leak'));
  await expect(scanSource(source)).rejects.toThrow('Symlink "a/b/c/leak" points outside the build');
});

test('a ~200 MB file streams through and is served byte for byte', async () => {
  const source = join(work, 'large');
  await mkdir(source, { recursive: true });
  const big = join(source, 'video.bin');
  // Mostly a hole (cheap to make and to compress) with incompressible blocks spread through it.
  await writeFile(big, '');
  await truncate(big, 200 * 1024 * 1024);
  const handle = await open(big, 'r+');
  for (let offset = 0; offset < 200 * 1024 * 1024; offset += 20 * 1024 * 1024)
    await handle.write(randomBytes(64 * 1024), 0, 64 * 1024, offset);
  await handle.close();
  const report = await deploy(source, 'large');
  expect(report.hosts[0].filesUploaded).toBe(1);
  const served = await httpGet(new URL('video.bin', sshHost.siteUrl).href, 30_000);
  expect(served.body.length).toBe(200 * 1024 * 1024);
  const expected = createHash('sha256');
  for await (const chunk of createReadStream(big)) expected.update(chunk as Buffer);
  expect(sha256(served.body)).toBe(expected.digest('hex'));
});

test('50,000 files deploy, and redeploy unchanged with zero files and the same number of SSH channels', async () => {
  const source = join(work, 'many');
  // Written synchronously: 50,000 tiny async writes spend their time in the thread pool, not on the disk.
  for (let dir = 0; dir < 100; dir++) {
    mkdirSync(join(source, `d${dir}`), { recursive: true });
    for (let file = 0; file < 500; file++) writeFileSync(join(source, `d${dir}`, `f${file}.txt`), `${dir}/${file}`);
  }
  const first = await deploy(source, 'many-1');
  expect(first.hosts[0]).toMatchObject({ filesUploaded: 50_000, filesReused: 0 });
  const second = await deploy(source, 'many-2');
  expect(second.hosts[0]).toMatchObject({ filesUploaded: 0, filesReused: 50_000 });
  expect(second.hosts[0].channels).toBe(first.hosts[0].channels);
  const release = join(sshHost.siteDir, 'releases/many-2');
  expect((await readdir(release, { recursive: true })).length).toBe(50_100);
  for (const [dir, file] of [
    [0, 0],
    [57, 321],
    [99, 499],
  ]) {
    expect((await httpGet(new URL(`d${dir}/f${file}.txt`, sshHost.siteUrl).href)).body.toString()).toBe(
      `${dir}/${file}`,
    );
  }
  // Unchanged files are links to the previous release's inodes, not copies.
  expect((await stat(join(release, 'd57/f321.txt'))).nlink).toBe(2);
});
