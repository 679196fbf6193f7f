import { execFileSync } from 'node:child_process';
import { readFile, writeFile, utimes, stat } from 'node:fs/promises';
import { mkdir, join, servedDifferences, writeTree } from './frontend-helpers.js';
import { deployToOneHost, releaseRequest, useFrontendTestBed } from './fixtures/frontend-bed.js';
import { connectSsh } from '@sophia/ssh';

/**
 * Steady use prunes old releases, and removing a release removes a hard link to every file the live
 * release still shares with it: the kernel moves those files' ctime (inode(7)). The deploy that
 * prunes takes the live release's stat again, so the next redeploy hashes nothing and clones a
 * build the host holds. When ctimes moved otherwise (hard links made and removed outside a deploy,
 * a backup with `cp -al`), every shared file is a candidate of the drift check, hashed under the
 * lock: the host must do that with a fixed number of processes, whatever the number of files.
 * Processes are counted by wrappers ahead of the system's commands on the login PATH (the
 * heartbeat's own commands are not among them, so the count does not depend on how long a deploy takes).
 */
const bed = useFrontendTestBed('drift-processes-');
const FILES = 400;
/** Per-file processes would be thousands here; the batched check needs a few per release it reads. */
const BOUND = 60;
const COUNTED = ['sha256sum', 'stat', 'wc', 'cut', 'find', 'xargs', 'awk', 'sort', 'comm'];
/**
 * File names a per-word or escaping reading would break: spaces, a leading dash, a backslash (which
 * sha256sum escapes in its output unless it is NUL-ended), quotes. The source refuses control
 * characters (a newline) before anything reaches a host.
 */
const ODD = ['-lead dash.txt', 'with space/a b.css', "back\\slash 'quoted' *.js"];
let log: string;

function content(index: number, version: string): string {
  return `file ${index} of the site, ${version === 'v1' || index % 100 !== 0 ? 'as first built' : `changed in ${version}`}\n`;
}

async function site(version: string): Promise<string> {
  const root = join(bed.work, `site-${version}`);
  const files: Record<string, string> = { 'index.html': `<p>${version}</p>\n` };
  for (let index = 0; index < FILES; index++) files[`assets/${index % 10}/file-${index}.js`] = content(index, version);
  for (const name of ODD) files[name] = `odd ${name}\n`;
  await writeTree(root, files);
  return root;
}

async function deployCounted(source: string, releaseId: string) {
  await writeFile(log, '');
  const report = await deployToOneHost(
    () => connectSsh(bed.sshHost.sshTarget()),
    await releaseRequest(bed.sshHost, source, releaseId, { keepReleases: 2 }),
  );
  const counted = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
  return {
    report,
    host: report.hosts[0],
    processes: counted.length,
    hashes: counted.filter((name) => name === 'sha256sum'),
  };
}

beforeAll(async () => {
  const bin = join(bed.work, 'counted-bin');
  log = join(bed.work, 'counted.log');
  await mkdir(bin, { recursive: true });
  for (const name of COUNTED) {
    const real = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    await writeFile(join(bin, name), `#!/bin/sh\nprintf '%s\\n' ${name} >> '${log}'\nexec ${real} "$@"\n`, {
      mode: 0o755,
    });
  }
  await bed.sshHost.setLoginScript(`export PATH='${bin}':"$PATH"\n`);
});

test('after pruning, a no-change redeploy hashes nothing on the host and clones the build while locking', async () => {
  const v1 = await site('v1');
  const v2 = await site('v2');
  for (const id of ['r1', 'r2', 'r3'])
    expect((await deployCounted(id === 'r2' ? v2 : v1, id)).host.outcome).toBe('live');

  // r1 was pruned when r3 went live, which moved the ctime of every file r3 shares with it.
  const noChange = await deployCounted(v1, 'r4');
  expect(noChange.host.outcome).toBe('live');
  expect(noChange.host.drifted).toEqual([]);
  expect(noChange.hashes).toEqual([]);
  expect(noChange.host).toMatchObject({ filesUploaded: 0 });
  expect(noChange.host.log).toContainEqual(expect.stringMatching(/^release r3 holds this build unchanged: linked all/));
  expect(noChange.processes).toBeLessThanOrEqual(BOUND);
});

test('when hard links made outside a deploy moved every ctime, a redeploy checks every shared file with a bounded number of processes', async () => {
  const v2 = join(bed.work, 'site-v2');
  // A backup made with hard links, then removed: the ctime of every file of r4 moved twice.
  const backup = join(bed.sshHost.siteDir, 'backup');
  execFileSync('cp', ['-al', join(bed.sshHost.siteDir, 'releases/r4'), backup]);
  execFileSync('rm', ['-rf', backup]);

  const changed = await deployCounted(v2, 'r5');
  expect(changed.host.outcome).toBe('live');
  expect(changed.host.drifted).toEqual([]);
  expect(changed.hashes.length).toBeGreaterThan(0);
  expect(changed.processes).toBeLessThanOrEqual(BOUND);
  expect(await servedDifferences(bed.sshHost.siteUrl, v2)).toEqual([]);
});

test('an edit of an oddly named file that puts back its mtime is still drift, and is repaired', async () => {
  const v2 = join(bed.work, 'site-v2');
  for (const name of ODD) {
    const path = join(bed.sshHost.siteDir, 'current', name);
    const before = await stat(path);
    const bytes = await readFile(path, 'utf8');
    await writeFile(path, bytes.replace('odd', 'ODD'));
    await utimes(path, before.atime, before.mtime);
  }
  const again = await deployCounted(v2, 'r6');
  expect(again.host.outcome).toBe('live');
  expect([...again.host.drifted].sort()).toEqual([...ODD].sort());
  expect(again.processes).toBeLessThanOrEqual(BOUND);
  expect(await servedDifferences(bed.sshHost.siteUrl, v2)).toEqual([]);
});
