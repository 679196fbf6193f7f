import { randomBytes } from 'node:crypto';
import { readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { connectSsh, type SshSession } from '@sophia/ssh';
import { startLinkProxy, startSshHost, type LinkProxy, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import { listReleases, type FrontendDeployReport, type FrontendDeployRequest } from '@sophia/releases';
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
 * Faults against a real sshd and nginx, with a poller hitting the site the whole time: whatever
 * fails, the live site keeps answering 200 with the files of exactly one release.
 */
let sshHost: LocalSshHost;
let proxy: LinkProxy;
let work: string;
let poller: ReturnType<typeof startPoller>;
const versions: string[] = [];

async function connectViaProxy(via: LinkProxy = proxy): Promise<SshSession> {
  return connectSsh(sshHost.sshTarget({ port: via.port, hostKeyAlias: { host: '127.0.0.1', port: sshHost.sshPort } }));
}

async function site(version: string): Promise<string> {
  const source = join(work, `site-${version}`);
  versions.push(version);
  // Incompressible and different in every version, so each upload really carries megabytes.
  await writeVersionedSite(source, version, { 'assets/noise.bin': randomBytes(3 * 1024 * 1024) });
  return source;
}

async function deploy(
  source: string,
  releaseId: string,
  session: SshSession,
  overrides: Partial<FrontendDeployRequest> = {},
): Promise<FrontendDeployReport> {
  const request = await releaseRequest(sshHost, source, releaseId, {
    lockTimeoutMs: 10_000,
    smokeTimeoutMs: 1500,
    ...overrides,
  });
  return deployToOneHost(() => connectViaProxy(), request, session);
}

async function deployOnce(
  source: string,
  releaseId: string,
  overrides: Partial<FrontendDeployRequest> = {},
  via: LinkProxy = proxy,
): Promise<FrontendDeployReport> {
  const session = await connectViaProxy(via);
  try {
    return await deploy(source, releaseId, session, overrides);
  } finally {
    await session.close();
  }
}

async function liveVersion(): Promise<string> {
  return /<title>(.*)<\/title>/.exec((await httpGet(sshHost.siteUrl)).body.toString())?.[1] ?? '';
}

beforeAll(async () => {
  sshHost = await startSshHost();
  proxy = await startLinkProxy({ targetHost: '127.0.0.1', targetPort: sshHost.sshPort });
  work = await tempDir('frontend-faults-');
  const first = await deployOnce(await site('v1'), 'v1');
  expect(first.error).toBeUndefined();
  poller = startPoller(sshHost.siteUrl, () => versions);
});

afterAll(async () => {
  await proxy?.stop();
  await sshHost?.stop();
  await rm(work, { recursive: true, force: true });
});

test.each([
  ['while locking', 600],
  ['early in the upload', 100_000],
  ['late in the upload', 2_500_000],
])(
  'a connection cut %s leaves the live site unchanged, and the next run cleans up and succeeds',
  async (_when, bytes) => {
    const version = `cut-${bytes}`;
    const source = await site(version);
    const session = await connectViaProxy();
    proxy.cutAfter(bytes);
    const report = await deploy(source, version, session).finally(() => session.close());
    proxy.cutAfter(undefined);
    expect(report.error).toMatch(/connection lost|connection was closed|failed/);
    expect(report.hosts[0].outcome).toBe('failed');
    expect(await liveVersion()).toBe('v1');

    const retry = await deployOnce(source, version);
    expect(retry.error).toBeUndefined();
    expect(retry.hosts[0].tookOverLockFrom).toBeUndefined();
    // The partial release is gone: removed by the failed build itself, or by the retry when the cut killed the build first.
    expect(await readdir(join(sshHost.siteDir, 'releases'))).not.toContain(`.${version}.partial`);
    expect(await servedDifferences(sshHost.siteUrl, source)).toEqual([]);
    // Back to v1 so every case starts from the same live release.
    expect((await deployOnce(join(work, 'site-v1'), 'v1')).error).toBeUndefined();
  },
);

test('nginx -t refusing the new config restores the old file and leaves the live site alone', async () => {
  const configPath = join(sshHost.nginxConfigDir, 'site.conf');
  await writeFile(configPath, '# the config before this deploy\n');
  const source = await site('bad-config');
  const report = await deployOnce(source, 'bad-config', {
    nginxConfig: {
      template: 'server { root {{root}}; this_is_not_a_directive on; }\n',
      templateName: 'site.conf.tpl',
      remotePath: configPath,
    },
  });
  expect(report.error).toContain('nginx refused the new config');
  expect(report.error).toContain('unknown directive "this_is_not_a_directive"');
  expect(await readFile(configPath, 'utf8')).toBe('# the config before this deploy\n');
  expect(await liveVersion()).toBe('v1');
  expect(await readlink(join(sshHost.siteDir, 'current'))).toBe('releases/v1');
});

test('a rendered config that nginx accepts is installed and serves the release', async () => {
  const configPath = join(sshHost.nginxConfigDir, 'site.conf');
  const source = await site('with-config');
  const template = `server {\n  listen 127.0.0.1:${sshHost.nginxPort};\n  server_name {{server_name}};\n  root {{root}};\n  add_header X-Release {{release_id}};\n}\n`;
  const nginxConfig = { template, templateName: 'site.conf.tpl', remotePath: configPath };
  // The SSH address is not the site's name: without server names the template is refused before anything changes.
  const before = await readFile(configPath, 'utf8').catch(() => 'absent');
  await expect(deployOnce(source, 'with-config', { nginxConfig })).rejects.toThrow(
    'Input "nginx-config" (site.conf.tpl) uses {{server_name}}, but input "server-names" is empty',
  );
  expect(await readFile(configPath, 'utf8').catch(() => 'absent')).toBe(before);
  expect(await liveVersion()).toBe('v1');
  const report = await deployOnce(source, 'with-config', { nginxConfig, serverNames: ['sophia.example', '127.0.0.1'] });
  expect(report.error).toBeUndefined();
  expect(await readFile(configPath, 'utf8')).toContain(`root ${sshHost.siteDir}/current;`);
  expect(await readFile(configPath, 'utf8')).toContain('server_name sophia.example 127.0.0.1;');
  expect(await servedDifferences(sshHost.siteUrl, source)).toEqual([]);
  await rm(configPath);
  expect((await deployOnce(join(work, 'site-v1'), 'v1')).error).toBeUndefined();
});

test('a failing smoke check puts the previous release back and marks this one failed', async () => {
  const source = await site('smoke-fails');
  // The poller's pages are all there; only the health page the smoke check asks for is missing.
  const report = await deployOnce(source, 'smoke-fails', { smokeUrl: new URL('healthz.txt', sshHost.siteUrl) });
  expect(report.error).toContain('Smoke check');
  expect(report.hosts[0].outcome).toBe('rolled back');
  expect(await liveVersion()).toBe('v1');
  const session = await connectViaProxy();
  const listing = await listReleases(session, sshHost.siteDir).finally(() => session.close());
  expect(listing.current).toBe('v1');
  const failed = listing.releases.find((release) => release.id === 'smoke-fails');
  expect(failed?.info?.status).toBe('failed');
  expect(failed?.info?.failedReason).toContain('Smoke check');
});

test('two deploys at once are serialised by the lock; a short lock-timeout fails naming the holder', async () => {
  const [a, b] = [await site('conc-a'), await site('conc-b')];
  const [first, second] = await Promise.all([deployOnce(a, 'conc-a'), deployOnce(b, 'conc-b')]);
  expect(first.error).toBeUndefined();
  expect(second.error).toBeUndefined();
  const ids = [first.hosts[0].previousReleaseId, second.hosts[0].previousReleaseId];
  // One ran after the other: the later one replaced the earlier one.
  expect(ids).toContain('v1');
  expect(ids.includes('conc-a') || ids.includes('conc-b')).toBe(true);

  const slow = await site('conc-slow');
  const quick = await site('conc-quick');
  // 8 Mbit/s: the 3 MB upload holds the lock for about three seconds.
  const slowLink = await startLinkProxy({
    targetHost: '127.0.0.1',
    targetPort: sshHost.sshPort,
    bandwidthBitsPerSecond: 8_000_000,
  });
  const slowRun = deployOnce(slow, 'conc-slow', {}, slowLink).finally(() => slowLink.stop());
  // Wait until the slow deploy holds the lock, then try with a timeout shorter than its upload.
  const lockOwner = join(sshHost.siteDir, '.deploy/lock/owner');
  for (let i = 0; i < 100 && !(await readFile(lockOwner, 'utf8').catch(() => '')).includes('conc-slow'); i++)
    await new Promise((r) => setTimeout(r, 20));
  const quickReport = await deployOnce(quick, 'conc-quick', { lockTimeoutMs: 1000 });
  const slowReport = await slowRun;
  expect(slowReport.error).toBeUndefined();
  expect(quickReport.error ?? '').toMatch(/locked by another deploy: run run-conc-slow /);
  expect((await deployOnce(join(work, 'site-v1'), 'v1')).error).toBeUndefined();
});

test('the poller saw only whole releases, always 200', async () => {
  const verdict = await poller.stop();
  expect(verdict.problems).toEqual([]);
  expect(verdict.requests).toBeGreaterThan(50);
  expect(verdict.versionsSeen.size).toBeGreaterThan(2);
});
