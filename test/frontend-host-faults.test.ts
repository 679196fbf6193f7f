import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, readdir, readFile, readlink, rename, stat, symlink, writeFile } from 'node:fs/promises';
import { connectSsh } from '@sophia/ssh';
import { startSshHost, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import {
  listReleases,
  rollbackFrontend,
  type FrontendDeployReport,
  type FrontendDeployRequest,
} from '@sophia/releases';
import {
  deployToOneHost,
  httpGet,
  join,
  releaseRequest,
  rm,
  servedDifferences,
  startPoller,
  tempDir,
  writeVersionedSite,
} from './fixtures/frontend-bed.js';

/**
 * What a host can do to a deploy, against a real sshd and nginx whose target is a small tmpfs
 * (the tests run as root): a login shell that talks, a full disk, a read-only target, a reload that
 * fails, files edited on the server, releases from before the records moved out. A poller hits the
 * site the whole time: a release is live from the start, so every answer must be a 200 with the
 * files of exactly one release. After every fault the lock is free and the next run does not wait.
 */
const DISK_BYTES = 24 * 1024 * 1024;
// Far longer than any test may take: a run that waited for a lock instead of failing would time out.
const LOCK_TIMEOUT_MS = 10 * 60_000;

let sshHost: LocalSshHost;
let work: string;
let poller: ReturnType<typeof startPoller>;
const versions: string[] = [];

async function site(version: string, extra: Record<string, string | Buffer> = {}): Promise<string> {
  const source = join(work, `site-${version}`);
  if (!versions.includes(version)) versions.push(version);
  await writeVersionedSite(source, version, extra);
  return source;
}

async function deploy(
  source: string,
  releaseId: string,
  overrides: Partial<FrontendDeployRequest> = {},
): Promise<FrontendDeployReport> {
  const request = await releaseRequest(sshHost, source, releaseId, { keepReleases: 3, ...overrides });
  return deployToOneHost(() => connectSsh(sshHost.sshTarget()), request);
}

async function live(): Promise<string> {
  return readlink(join(sshHost.siteDir, 'current'));
}

/** The fault is over: nothing holds the lock, and the next deploy goes through without waiting or taking over. */
async function expectRecovered(): Promise<void> {
  expect(existsSync(join(sshHost.siteDir, '.deploy/lock'))).toBe(false);
  const back = await deploy(join(work, 'site-v1'), 'v1');
  expect(back.error).toBeUndefined();
  expect(back.hosts[0].tookOverLockFrom).toBeUndefined();
  expect(await live()).toBe('releases/v1');
}

beforeAll(async () => {
  sshHost = await startSshHost();
  await sshHost.mountSmallDisk(DISK_BYTES);
  work = await tempDir('frontend-host-faults-');
  expect((await deploy(await site('v1'), 'v1')).error).toBeUndefined();
  poller = startPoller(sshHost.siteUrl, () => versions);
});

afterAll(async () => {
  await sshHost?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('a login shell that prints a banner', () => {
  // Shaped like the product's own records, NULs included: it must still never be read as one.
  const banner = 'Welcome to web-1\ncurrent\0releases/nothing\0release\0ghost\0';
  beforeAll(() => sshHost.setLoginBanner(banner));
  afterAll(() => sshHost.setLoginBanner(undefined));

  test('hides nothing: the live release is seen, unchanged files are linked, a failed smoke check puts it back', async () => {
    const report = await deploy(await site('banner'), 'banner');
    expect(report.error).toBeUndefined();
    expect(report.hosts[0].previousReleaseId).toBe('v1');
    // Only what differs from v1 crosses the wire (the shared logo is linked).
    expect(report.hosts[0].filesReused).toBe(1);

    const failing = await deploy(await site('banner-bad'), 'banner-bad', {
      smokeUrl: new URL('healthz.txt', sshHost.siteUrl),
    });
    expect(failing.error).toContain('Smoke check');
    expect(failing.hosts[0]).toMatchObject({ outcome: 'rolled back', serving: 'banner' });
    expect(await live()).toBe('releases/banner');

    const session = await connectSsh(sshHost.sshTarget());
    try {
      const listing = await listReleases(session, sshHost.siteDir);
      expect(listing.current).toBe('banner');
      expect(listing.releases.map((release) => release.id)).not.toContain('ghost');
      const [rolled] = await rollbackFrontend(
        {
          target: sshHost.siteDir,
          to: { kind: 'previous' },
          markFailed: false,
          nginxReloadCommand: sshHost.nginxReloadCommand,
          lockTimeoutMs: LOCK_TIMEOUT_MS,
          origin: { commit: '', ref: '', runUrl: '', actor: 'tester', runId: 'rollback-1' },
        },
        [{ name: '127.0.0.1', session }],
      );
      expect(rolled).toMatchObject({ from: 'banner', to: 'v1' });
    } finally {
      await session.close();
    }
    expect(await live()).toBe('releases/v1');
  });
});

describe('release ids and scratch names never meet', () => {
  test('an id shaped like a leftover is refused before anything changes', async () => {
    await expect(deploy(await site('v1'), '.x.partial')).rejects.toThrow(
      '".x.partial" cannot be a release id: 1 to 64 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit',
    );
    expect(await live()).toBe('releases/v1');
  });

  test('a live release that an older version let take a scratch name is never removed, and a failure goes back to it', async () => {
    await cp(join(sshHost.siteDir, 'releases/v1'), join(sshHost.siteDir, 'releases/.x.partial'), {
      recursive: true,
      verbatimSymlinks: true,
    });
    await symlink('releases/.x.partial', join(sshHost.siteDir, 'current.new'));
    await rename(join(sshHost.siteDir, 'current.new'), join(sshHost.siteDir, 'current'));

    const failing = await deploy(await site('after-x'), 'after-x', {
      smokeUrl: new URL('healthz.txt', sshHost.siteUrl),
    });
    expect(failing.error).toContain('Smoke check');
    expect(await live()).toBe('releases/.x.partial');
    expect(await servedDifferences(sshHost.siteUrl, join(work, 'site-v1'))).toEqual([]);
    await expectRecovered();
  });
});

describe('the lock is freed on every path, and errors name the real cause', () => {
  test('current is a real directory: refused, and the lock is free at once', async () => {
    const other = join(sshHost.baseDir, 'other-target');
    await writeVersionedSite(join(other, 'current'), 'v1');
    const first = await deploy(join(work, 'site-v1'), 'v1', { target: other });
    expect(first.error).toContain('current exists and is not a symlink');
    expect(existsSync(join(other, '.deploy/lock'))).toBe(false);
    const again = await deploy(join(work, 'site-v1'), 'v1', { target: other });
    expect(again.error).toContain('current exists and is not a symlink');
    await rm(other, { recursive: true, force: true });
  });

  test('a read-only target fails at once naming the file system, not a lock, and nothing is left behind', async () => {
    await sshHost.setSmallDiskReadOnly(true);
    try {
      const report = await deploy(await site('ro'), 'ro');
      expect(report.error).toContain('Read-only file system');
      expect(report.error).not.toContain('locked by another deploy');
      expect(await live()).toBe('releases/v1');
    } finally {
      await sshHost.setSmallDiskReadOnly(false);
    }
    await expectRecovered();
  });

  test('a release that cannot be pruned is a warning; the lock is still freed', async () => {
    for (const id of ['p1', 'p2']) expect((await deploy(await site(id), id)).error).toBeUndefined();
    // A busy mount point inside p1: rm -rf cannot remove it, even as root.
    const busy = join(sshHost.siteDir, 'releases/p1/busy');
    await sshHost.mountSmallDisk(1024 * 1024, busy);
    try {
      const report = await deploy(join(work, 'site-v1'), 'v1', { keepReleases: 1 });
      expect(report.error).toBeUndefined();
      expect(report.hosts[0].pruned).not.toContain('p1');
      expect(report.hosts[0].warnings).toEqual([expect.stringMatching(/could not prune release\(s\) p1.*busy/s)]);
      expect(existsSync(join(sshHost.siteDir, '.deploy/lock'))).toBe(false);
    } finally {
      await sshHost.unmountSmallDisk(busy);
    }
    await expectRecovered();
  });
});

describe('a full disk', () => {
  test('a release larger than the free space: the partial release is removed, the error says needed vs free', async () => {
    const big = await site('too-big', { 'assets/noise.bin': randomBytes(DISK_BYTES) });
    const report = await deploy(big, 'too-big');
    expect(report.hosts[0].outcome).toBe('failed');
    expect(report.error).toMatch(
      /Not enough space in .* for release too-big: its new files need \d+ bytes, \d+ bytes are free \(after removing the partial release\); nothing was changed/,
    );
    expect(report.error).toContain('No space left on device');
    expect(await readdir(join(sshHost.siteDir, 'releases'))).not.toContain('.too-big.partial');
    expect(await readdir(join(sshHost.siteDir, '.deploy/records'))).not.toContain('.too-big.partial');
    expect(await live()).toBe('releases/v1');
    await expectRecovered();
  });

  test('no byte free at all: the error names the space, and no lock is left', async () => {
    const filler = join(sshHost.siteDir, 'filler');
    await writeFile(filler, Buffer.alloc(DISK_BYTES)).catch(() => undefined);
    try {
      const report = await deploy(await site('no-space'), 'no-space');
      expect(report.error).toMatch(/No space left on device|free space in .*: 0 KiB/);
      expect(report.error).toMatch(/free space in .*: 0 KiB|0 bytes are free/);
      expect(existsSync(join(sshHost.siteDir, '.deploy/lock'))).toBe(false);
      expect(await live()).toBe('releases/v1');
    } finally {
      await rm(filler, { force: true });
    }
    await expectRecovered();
  });
});

describe('nginx', () => {
  const configPath = () => join(sshHost.nginxConfigDir, 'site.conf');
  const template = () =>
    `server {\n  listen 127.0.0.1:${sshHost.nginxPort};\n  server_name 127.0.0.1;\n  root {{root}};\n}\n`;

  test('a reload that fails (saying nothing) restores the config backup and gives the exit status', async () => {
    await writeFile(configPath(), '# the config before this deploy\n');
    try {
      const report = await deploy(await site('reload-fails'), 'reload-fails', {
        nginxConfig: { template: template(), templateName: 'site.conf.tpl', remotePath: configPath() },
        nginxReloadCommand: 'exit 3',
      });
      expect(report.error).toBe(
        `Reloading nginx failed on ${report.hosts[0].label}, so the previous release stays live: the reload command exited with status 3`,
      );
      expect(report.hosts[0]).toMatchObject({ outcome: 'failed', serving: 'v1' });
      expect(await readFile(configPath(), 'utf8')).toBe('# the config before this deploy\n');
      expect(await live()).toBe('releases/v1');
    } finally {
      await rm(configPath(), { force: true });
    }
    await expectRecovered();
  });
  test.each([
    ['reload', { nginxReloadCommand: 'sleep 600' }, 'Reloading nginx failed', 'the previous release stays live'],
    [
      'test',
      { nginxTestCommand: 'sleep 600' },
      'Testing the new nginx config did not finish',
      'the previous config was restored',
    ],
  ])(
    'a %s command that never ends is stopped at its bound: config and release as before, lock free',
    async (kind, command, verdict, outcome) => {
      await writeFile(configPath(), '# the config before this deploy\n');
      try {
        const report = await deploy(await site(`hangs-${kind}`), `hangs-${kind}`, {
          nginxConfig: { template: template(), templateName: 'site.conf.tpl', remotePath: configPath() },
          nginxCommandTimeoutMs: 1000,
          ...command,
        });
        expect(report.error).toContain(`${verdict} on ${report.hosts[0].label}`);
        expect(report.error).toContain(outcome);
        expect(report.error).toContain(`the ${kind} command timed out: sleep 600 did not finish within 1 s`);
        expect(report.hosts[0]).toMatchObject({ outcome: 'failed', serving: 'v1' });
        expect(await readFile(configPath(), 'utf8')).toBe('# the config before this deploy\n');
        expect(await live()).toBe('releases/v1');
        expect(await servedDifferences(sshHost.siteUrl, join(work, 'site-v1'))).toEqual([]);
      } finally {
        await rm(configPath(), { force: true });
      }
      await expectRecovered();
    },
  );
});

describe('release records are not served', () => {
  test('records live beside the release; a release from before that has its records moved out by the next run', async () => {
    for (const name of ['.release.json', '.release-manifest.json'])
      expect((await httpGet(new URL(name, sshHost.siteUrl).href)).status).toBe(404);
    // v1 as an older version built it: its records inside the served tree.
    const records = join(sshHost.siteDir, '.deploy/records/v1');
    await cp(join(records, 'release.json'), join(sshHost.siteDir, 'releases/v1/.release.json'));
    await cp(join(records, 'manifest.json'), join(sshHost.siteDir, 'releases/v1/.release-manifest.json'));
    await rm(records, { recursive: true });
    expect((await httpGet(new URL('.release.json', sshHost.siteUrl).href)).status).toBe(200);

    const failing = await deploy(await site('migrate'), 'migrate', {
      smokeUrl: new URL('healthz.txt', sshHost.siteUrl),
    });
    expect(failing.error).toContain('Smoke check');
    expect(await live()).toBe('releases/v1');
    for (const name of ['.release.json', '.release-manifest.json'])
      expect((await httpGet(new URL(name, sshHost.siteUrl).href)).status).toBe(404);
    expect(JSON.parse(await readFile(join(records, 'release.json'), 'utf8'))).toMatchObject({ id: 'v1' });
    // The moved manifest still serves reuse: only changed files are sent.
    const next = await deploy(await site('after-migrate'), 'after-migrate');
    expect(next.hosts[0].filesReused).toBe(1);
    await expectRecovered();
  });
});

describe('files changed on the server', () => {
  test('an edit of the same length whose mtime was put back is still detected (by the change time) and sent again', async () => {
    // A file only this build has, so the edit reaches no other release through a shared inode.
    const c1 = await site('c1', { 'stable/terms.txt': 'terms of the c1 build\n' });
    expect((await deploy(c1, 'c1')).error).toBeUndefined();
    const file = join(sshHost.siteDir, 'releases/c1/stable/terms.txt');
    const built = await readFile(join(c1, 'stable/terms.txt'));
    expect(await readFile(file)).toEqual(built);
    // cp -p and touch -r carry the times to the nanosecond, as find's %T@ records them.
    const times = join(work, 'terms-times');
    execFileSync('cp', ['-p', file, times]);
    await writeFile(file, Buffer.alloc(built.length, 'x'));
    execFileSync('touch', ['-r', times, file]);
    expect((await stat(file)).size).toBe(built.length);

    const report = await deploy(c1, 'c1-again');
    expect(report.error).toBeUndefined();
    // Only the edited file: files whose ctime moved because later releases linked or pruned them are not drift.
    expect(report.hosts[0].drifted).toEqual(['stable/terms.txt']);
    expect(report.hosts[0].filesUploaded).toBe(1);
    expect(await live()).toBe('releases/c1-again');
    expect(await readFile(join(sshHost.siteDir, 'releases/c1-again/stable/terms.txt'))).toEqual(built);
    expect(await servedDifferences(sshHost.siteUrl, c1)).toEqual([]);
    await expectRecovered();
  });

  test('are detected and sent again, so every release is byte-identical to its build', async () => {
    const d1 = await site('d1');
    expect((await deploy(d1, 'd1')).error).toBeUndefined();
    // Edited in place (the poller does not fetch this file, so it does not see the edit itself).
    await writeFile(join(sshHost.siteDir, 'releases/d1/stable/logo.svg'), '<svg>edited on the server</svg>');
    const report = await deploy(d1, 'd1-again');
    expect(report.error).toBeUndefined();
    expect(report.hosts[0].drifted).toEqual(['stable/logo.svg']);
    expect(report.hosts[0].filesUploaded).toBe(1);
    expect(await servedDifferences(sshHost.siteUrl, d1)).toEqual([]);
    // Going back to the edited release by its id rebuilds it from the build, rather than trusting it.
    const back = await deploy(d1, 'd1');
    expect(back.error).toBeUndefined();
    expect(await live()).toBe('releases/d1');
    expect(await servedDifferences(sshHost.siteUrl, d1)).toEqual([]);
    await expectRecovered();
  });
});

test('the poller saw only whole releases, always 200', async () => {
  const verdict = await poller.stop();
  expect(verdict.problems).toEqual([]);
  expect(verdict.requests).toBeGreaterThan(50);
});
