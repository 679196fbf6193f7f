import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readlink, stat, unlink } from 'node:fs/promises';
import { connectSsh } from '@sophia/ssh';
import { startSshHost, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import { deployFrontend, rollbackFrontend, type FrontendDeployReport, type ReleaseTarget } from '@sophia/releases';
import { join, rm, servedDifferences, startPoller, tempDir, writeVersionedSite } from './frontend-helpers.js';
import { releaseRequest } from './fixtures/frontend-bed.js';

/**
 * Unchanged files are hard links shared by every release that kept them, so an edit made on the
 * server through any one path (an older release's included) changes the bytes of all of them.
 * Against a real sshd and nginx: whatever was edited in any kept release, a deploy serves exactly
 * its build's bytes, and a rollback never switches to a release whose bytes are no longer its
 * build's. The edits keep the length and put the mtime back, the hardest kind to see; the poller
 * (which never fetches the edited file) sees only whole releases and 200s throughout.
 */
let sshHost: LocalSshHost;
let work: string;
let poller: ReturnType<typeof startPoller>;
const versions: string[] = [];
const LOGO = 'stable/logo.svg';

async function site(version: string): Promise<string> {
  const source = join(work, `site-${version}`);
  if (!versions.includes(version)) versions.push(version);
  await writeVersionedSite(source, version);
  return source;
}

async function deploy(source: string, releaseId: string): Promise<FrontendDeployReport> {
  const session = await connectSsh(sshHost.sshTarget());
  try {
    return await deployFrontend(await releaseRequest(sshHost, source, releaseId), [
      { name: '127.0.0.1', session, reconnect: () => connectSsh(sshHost.sshTarget()) },
    ]);
  } finally {
    await session.close();
  }
}

async function rollback(to: ReleaseTarget): Promise<ReturnType<typeof rollbackFrontend>> {
  const session = await connectSsh(sshHost.sshTarget());
  try {
    return await rollbackFrontend(
      {
        target: sshHost.siteDir,
        to,
        markFailed: false,
        nginxReloadCommand: sshHost.nginxReloadCommand,
        lockTimeoutMs: 10 * 60_000,
        origin: { commit: 'rollback', ref: 'main', runUrl: '', actor: 'tester', runId: 'run-rollback' },
      },
      [{ name: '127.0.0.1', session }],
    );
  } finally {
    await session.close();
  }
}

const release = (id: string, path = LOGO) => join(sshHost.siteDir, 'releases', id, path);
const live = () => readlink(join(sshHost.siteDir, 'current'));

/** Rewrites a file in place: same inode, same length, and its mtime put back to the nanosecond. */
function editInPlace(file: string, bytes: Buffer): void {
  const times = join(work, 'times');
  execFileSync('cp', ['-p', file, times]);
  execFileSync('dd', [`of=${file}`, 'conv=notrunc', 'status=none'], { input: bytes });
  execFileSync('touch', ['-r', times, file]);
}

beforeAll(async () => {
  sshHost = await startSshHost();
  work = await tempDir('frontend-shared-inode-');
  expect((await deploy(await site('a'), 'a')).error).toBeUndefined();
  poller = startPoller(sshHost.siteUrl, () => versions);
});

afterAll(async () => {
  await poller?.stop();
  await sshHost?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('an edit through an inode an older release shares', () => {
  test('is not carried into the next release: the deploy serves exactly its build', async () => {
    const b = await site('b');
    expect((await deploy(b, 'b')).error).toBeUndefined();
    // The logo is the same in both builds: one inode, linked into b from a.
    expect((await stat(release('a'))).ino).toBe((await stat(release('b'))).ino);
    const built = await readFile(join(b, LOGO));
    editInPlace(release('a'), Buffer.alloc(built.length, 'x'));
    expect(await readFile(release('b'))).not.toEqual(built);

    const report = await deploy(b, 'c');
    expect(report.error).toBeUndefined();
    expect(report.hosts[0].drifted).toEqual([LOGO]);
    expect(report.hosts[0].filesUploaded).toBe(1);
    expect(await readFile(release('c'))).toEqual(built);
    expect((await stat(release('c'))).ino).not.toBe((await stat(release('a'))).ino);
    expect(await servedDifferences(sshHost.siteUrl, b)).toEqual([]);
  });

  test('a rollback to a release sharing the edited inode is refused, naming it; a redeploy of that id rebuilds it', async () => {
    await expect(rollback({ kind: 'release', releaseId: 'b' })).rejects.toThrow(
      /release b has 1 file\(s\) changed on the server since it was built \(stable\/logo\.svg\).*nothing was changed/,
    );
    await expect(rollback({ kind: 'previous' })).rejects.toThrow(/release b has 1 file/);
    expect(await live()).toBe('releases/c');
    expect(existsSync(join(sshHost.siteDir, '.deploy/lock'))).toBe(false);

    // Deploying b's build under its own id rebuilds it from the build rather than trusting it.
    const b = join(work, 'site-b');
    const again = await deploy(b, 'b');
    expect(again.error).toBeUndefined();
    expect(await live()).toBe('releases/b');
    expect(await readFile(release('b'))).toEqual(await readFile(join(b, LOGO)));
    expect(await servedDifferences(sshHost.siteUrl, b)).toEqual([]);
    // c was never touched by the edit: going back to it is allowed.
    const [rolled] = await rollback({ kind: 'release', releaseId: 'c' });
    expect(rolled).toMatchObject({ from: 'b', to: 'c' });
    expect(await servedDifferences(sshHost.siteUrl, b)).toEqual([]);
  });
});

describe('a release whose stat record predates change times', () => {
  test('has every file hashed: an edit whose mtime was put back, or a removed file, is sent again', async () => {
    const d = await site('d');
    expect((await deploy(d, 'd')).error).toBeUndefined();
    // As a release built before the record existed: only its manifest says what it should hold.
    await rm(join(sshHost.siteDir, '.deploy/records/d/file-stat'));
    const built = await readFile(join(d, LOGO));
    editInPlace(release('d'), Buffer.alloc(built.length, 'y'));
    const edited = await deploy(d, 'e');
    expect(edited.error).toBeUndefined();
    expect(edited.hosts[0].drifted).toEqual([LOGO]);
    expect(await readFile(release('e'))).toEqual(built);
    expect(await servedDifferences(sshHost.siteUrl, d)).toEqual([]);

    await rm(join(sshHost.siteDir, '.deploy/records/e/file-stat'));
    await unlink(release('e'));
    const removed = await deploy(d, 'f');
    expect(removed.error).toBeUndefined();
    expect(removed.hosts[0].drifted).toEqual([LOGO]);
    expect(await servedDifferences(sshHost.siteUrl, d)).toEqual([]);
  });
});

test('the poller saw only whole releases, always 200', async () => {
  const verdict = await poller.stop();
  expect(verdict.problems).toEqual([]);
  expect(verdict.requests).toBeGreaterThan(20);
});
