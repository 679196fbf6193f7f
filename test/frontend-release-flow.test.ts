import {
  completeSwitch,
  listReleases,
  openSwitch,
  scanSource,
  TargetLock,
  type FrontendDeployRequest,
  type ReleaseInfo,
} from '@sophia/releases';
import { access, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { deployReport, httpGet, join, servedDifferences, writeVersionedSite } from './frontend-helpers.js';
import { useFrontendTestBed } from './fixtures/frontend-bed.js';

const bed = useFrontendTestBed('frontend-flow-');

async function deploy(version: string, overrides: Partial<FrontendDeployRequest> = {}) {
  const source = join(bed.work, 'site');
  const manifest = await scanSource(source);
  const request: FrontendDeployRequest = {
    sourceRoot: source,
    manifest,
    target: bed.sshHost.siteDir,
    releaseId: version,
    keepReleases: 3,
    nginxReloadCommand: bed.sshHost.nginxReloadCommand,
    nginxTestCommand: bed.sshHost.nginxTestCommand,
    lockTimeoutMs: 5000,
    origin: {
      commit: 'abc',
      ref: 'refs/heads/main',
      runUrl: 'https://example.test/run/1',
      actor: 'tester',
      runId: '1.1',
    },
    ...overrides,
  };
  return deployReport(request, [{ name: '127.0.0.1', session: bed.session }]);
}

test('first deploy, changed redeploy and no-change redeploy serve exactly the source each time', async () => {
  const source = join(bed.work, 'site');
  await writeVersionedSite(source, 'v1');
  const first = await deploy('r1');
  expect(first.error).toBeUndefined();
  expect(first.hosts[0]).toMatchObject({ outcome: 'live', filesReused: 0, filesUploaded: 5 });
  expect(await servedDifferences(bed.sshHost.siteUrl, source)).toEqual([]);

  await writeVersionedSite(source, 'v2');
  const second = await deploy('r2');
  expect(second.error).toBeUndefined();
  expect(second.hosts[0]).toMatchObject({ outcome: 'live', previousReleaseId: 'r1', filesUploaded: 4, filesReused: 1 });
  expect(await servedDifferences(bed.sshHost.siteUrl, source)).toEqual([]);

  const third = await deploy('r3');
  expect(third.hosts[0]).toMatchObject({ outcome: 'live', previousReleaseId: 'r2', filesUploaded: 0, filesReused: 5 });
  expect(await servedDifferences(bed.sshHost.siteUrl, source)).toEqual([]);
  expect(third.hosts[0].channels).toBeLessThanOrEqual(5);
  expect(await readlink(join(bed.sshHost.siteDir, 'current'))).toBe('releases/r3');
  // Unchanged files are the same inode in both releases: linked, not copied.
  expect((await stat(join(bed.sshHost.siteDir, 'releases/r3/app.js'))).ino).toBe(
    (await stat(join(bed.sshHost.siteDir, 'releases/r2/app.js'))).ino,
  );

  const again = await deploy('r3');
  expect(again.error).toBeUndefined();
  expect(again.hosts[0]).toMatchObject({ outcome: 'live', filesUploaded: 0 });

  await deploy('r4');
  await deploy('r5');
  const listing = await listReleases(bed.session, bed.sshHost.siteDir);
  expect(listing.current).toBe('r5');
  expect(listing.releases.map((release) => release.id).sort()).toEqual(['r3', 'r4', 'r5']);
  expect((await httpGet(bed.sshHost.siteUrl)).body.toString()).toContain('v2');
});

test('a switch that also frees the lock prunes what it is given but never the release it replaced; a failed one leaves the lock held', async () => {
  const source = join(bed.work, 'site');
  await writeVersionedSite(source, 'switch-unlock');
  for (const id of ['s1', 's2', 's3']) expect((await deploy(id)).error).toBeUndefined();
  const lockDir = join(bed.sshHost.siteDir, '.deploy/lock');
  const owner = { runId: 'switch-unlock' };

  const lock = await TargetLock.acquire(bed.session, bed.sshHost.siteDir, { timeoutMs: 5000, owner });
  const args = {
    target: bed.sshHost.siteDir,
    releaseId: 's2',
    reloadCommand: bed.sshHost.nginxReloadCommand,
    token: lock.token,
  };
  // s3 is what the switch replaces: asked to prune it, the host keeps it.
  const { result, pruned } = await lock.switchAndRelease(openSwitch(bed.session, args), ['s1', 's3']);
  expect(completeSwitch(bed.session, result)).toEqual({ previous: 's3' });
  expect(pruned).toEqual({ pruned: ['s1'], pruneFailed: [] });
  await expect(access(lockDir)).rejects.toThrow();
  expect((await listReleases(bed.session, bed.sshHost.siteDir)).releases.map((release) => release.id).sort()).toEqual([
    's2',
    's3',
  ]);
  // Freed by the switch: releasing it again changes nothing, and a new lock can be taken at once.
  expect(await lock.release(['s2'])).toEqual({ pruned: [], pruneFailed: [] });

  const second = await TargetLock.acquire(bed.session, bed.sshHost.siteDir, { timeoutMs: 5000, owner });
  const missing = { ...args, releaseId: 'no-such-release', token: second.token };
  const failed = await second.switchAndRelease(openSwitch(bed.session, missing), ['s3']);
  expect(() => completeSwitch(bed.session, failed.result)).toThrow('release no-such-release does not exist');
  expect(failed.pruned).toBeUndefined();
  await access(lockDir);
  expect(await second.release()).toEqual({ pruned: [], pruneFailed: [] });
  await expect(access(lockDir)).rejects.toThrow();
  expect(await readlink(join(bed.sshHost.siteDir, 'current'))).toBe('releases/s2');
});

test('a lock asked with the new release record clones the live build when none of its files changed since it was built, and only then', async () => {
  const source = join(bed.work, 'site');
  await writeVersionedSite(source, 'clone-in-lock');
  expect((await deploy('k1')).error).toBeUndefined();
  const manifest = await scanSource(source);
  const owner = { runId: 'clone-in-lock' };
  const record = (id: string): ReleaseInfo => ({
    id,
    status: 'complete',
    commit: 'abc',
    ref: 'refs/heads/main',
    runUrl: '',
    actor: 'tester',
    createdAt: '2026-12-01T00:00:00.000Z',
    files: 5,
    bytes: 1,
  });
  const site = bed.sshHost.siteDir;

  const lock = await TargetLock.acquire(bed.session, site, {
    timeoutMs: 5000,
    owner,
    releaseId: 'k2',
    manifest,
    record: record('k2'),
  });
  expect(lock.state).toMatchObject({ current: 'k1', currentIsBuild: true, clonedFrom: 'k1', drift: [] });
  expect((await stat(join(site, 'releases/k2/app.js'))).ino).toBe((await stat(join(site, 'releases/k1/app.js'))).ino);
  expect(JSON.parse(await readFile(join(site, '.deploy/records/k2/release.json'), 'utf8'))).toEqual(record('k2'));
  expect(await readFile(join(site, '.deploy/records/k2/manifest.sha256'), 'utf8')).toBe(
    await readFile(join(site, '.deploy/records/k1/manifest.sha256'), 'utf8'),
  );
  await access(join(site, '.deploy/records/k2/file-stat'));
  expect(await readlink(join(site, 'current'))).toBe('releases/k1');
  await lock.release();

  // A live file edited on the server: the host clones nothing, the deploy sends that file again.
  await writeFile(join(site, 'releases/k1/app.js'), 'edited on the server');
  const edited = await TargetLock.acquire(bed.session, site, {
    timeoutMs: 5000,
    owner,
    releaseId: 'k3',
    manifest,
    record: record('k3'),
  });
  expect(edited.state.clonedFrom).toBeUndefined();
  expect(edited.state.drift.map((file) => file.path)).toContain('app.js');
  await expect(access(join(site, 'releases/k3'))).rejects.toThrow();
  await edited.release();
  const redeploy = await deploy('k3');
  expect(redeploy.error).toBeUndefined();
  expect(redeploy.hosts[0]).toMatchObject({ outcome: 'live', filesUploaded: 1 });
  expect(await servedDifferences(bed.sshHost.siteUrl, source)).toEqual([]);
});
