import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { connectSsh, type SshSession } from '@sophia/ssh';
import { startLinkProxy, startSshHost, type LinkProxy, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import type { ReleaseHost, FrontendDeployReport } from '@sophia/releases';
import {
  deployReport,
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
 * Three real targets. The reload command is one input for every host, so it finds each host's
 * nginx relative to the target directory it runs in (the host keeps nginx two levels above).
 */
const RELOAD =
  'd=$(cd ../../nginx && pwd) && /usr/sbin/nginx -p "$d" -c "$d/nginx.conf" -e "$d/logs/error.log" -s reload';
/**
 * The same reload, except that on a host whose host holds a `switch-pause` file it first says
 * `switching` and waits: the switch (already done) is in flight while the test cuts the connection.
 */
const PAUSING_RELOAD = `if [ -e ../../switch-pause ]; then : > ../../switching; sleep 2; fi; ${RELOAD}`;

let sshHosts: LocalSshHost[];
let proxy: LinkProxy;
let work: string;

/** The third host is reached through the link proxy, where the tests cut its connection. */
function connectHost(index: number): Promise<SshSession> {
  const sshHost = sshHosts[index];
  return connectSsh(
    index === 2
      ? sshHost.sshTarget({ port: proxy.port, hostKeyAlias: { host: '127.0.0.1', port: sshHost.sshPort } })
      : sshHost.sshTarget(),
  );
}

async function connectAll(): Promise<SshSession[]> {
  return Promise.all(sshHosts.map((_sshHost, index) => connectHost(index)));
}

async function deployAll(version: string): Promise<FrontendDeployReport> {
  if (!existsSync(join(work, version)))
    await writeVersionedSite(join(work, version), version, { 'assets/noise.bin': randomBytes(1024 * 1024) });
  const source = join(work, version);
  const sessions = await connectAll();
  try {
    const hosts: ReleaseHost[] = sessions.map((session, index) => ({
      name: `web-${index + 1}`,
      session,
      target: sshHosts[index].siteDir,
      reconnect: () => connectHost(index),
    }));
    return await deployReport(
      await releaseRequest(sshHosts[0], source, version, {
        target: '/unused-every-host-names-its-own',
        keepReleases: 5,
        nginxReloadCommand: PAUSING_RELOAD,
        nginxTestCommand: undefined,
        lockTimeoutMs: 5000,
      }),
      hosts,
    );
  } finally {
    await Promise.all(sessions.map((session) => session.close()));
  }
}

async function liveEverywhere(): Promise<string[]> {
  return Promise.all(
    sshHosts.map(
      async (sshHost) => /<title>(.*)<\/title>/.exec((await httpGet(sshHost.siteUrl)).body.toString())?.[1] ?? '',
    ),
  );
}

beforeAll(async () => {
  sshHosts = await Promise.all([startSshHost(), startSshHost(), startSshHost()]);
  proxy = await startLinkProxy({ targetHost: '127.0.0.1', targetPort: sshHosts[2].sshPort });
  work = await tempDir('frontend-multihost-');
  for (const version of ['v1', 'v2', 'v3']) {
    await writeVersionedSite(join(work, version), version, { 'assets/noise.bin': randomBytes(1024 * 1024) });
  }
});
afterAll(async () => {
  await proxy?.stop();
  await Promise.all((sshHosts ?? []).map((sshHost) => sshHost.stop()));
  await rm(work, { recursive: true, force: true });
});

test('all three hosts go live together, each reported', async () => {
  const report = await deployAll('v1');
  expect(report.error).toBeUndefined();
  expect(report.hosts.map((host) => [host.host, host.outcome, host.filesUploaded])).toEqual([
    ['web-1', 'live', 6],
    ['web-2', 'live', 6],
    ['web-3', 'live', 6],
  ]);
  for (const sshHost of sshHosts) expect(await servedDifferences(sshHost.siteUrl, join(work, 'v1'))).toEqual([]);
});

test('one host failing during preparation: no host is switched', async () => {
  proxy.cutAfter(300_000);
  const report = await deployAll('v2');
  proxy.cutAfter(undefined);
  expect(report.error).toBeDefined();
  expect(report.hosts.map((host) => host.outcome)).toEqual(['not switched', 'not switched', 'failed']);
  expect(report.hosts[2].error).toMatch(/upload and build the release/);
  expect(await liveEverywhere()).toEqual(['v1', 'v1', 'v1']);
  for (const sshHost of sshHosts) expect(await readlink(join(sshHost.siteDir, 'current'))).toBe('releases/v1');
});

test('one host failing its switch (nginx refuses to reload): the others are switched back', async () => {
  const broken = join(sshHosts[1].nginxConfigDir, 'broken.conf');
  await writeFile(broken, 'this is not nginx syntax;\n');
  try {
    const report = await deployAll('v3');
    // The cut host's lock was freed over a new connection, so nobody waited for it to go stale.
    expect(report.hosts.map((host) => host.tookOverLockFrom)).toEqual([undefined, undefined, undefined]);
    expect(await readdir(join(sshHosts[2].siteDir, 'releases'))).not.toContain('.v2.partial');
    expect(report.error).toContain('Reloading nginx failed');
    expect(report.hosts.map((host) => host.outcome)).toEqual(['rolled back', 'failed', 'rolled back']);
    for (const sshHost of sshHosts) expect(await readlink(join(sshHost.siteDir, 'current'))).toBe('releases/v1');
  } finally {
    await rm(broken);
  }
  expect(await liveEverywhere()).toEqual(['v1', 'v1', 'v1']);
  const retry = await deployAll('v3');
  expect(retry.error).toBeUndefined();
  expect(retry.hosts.map((host) => host.previousReleaseId)).toEqual(['v1', 'v1', 'v1']);
  expect(await liveEverywhere()).toEqual(['v3', 'v3', 'v3']);
});

describe('the connection of one host breaks during the switch', () => {
  /** The third host's host directory, where the pausing reload looks for its files. */
  const pauseDir = () => dirname(sshHosts[2].baseDir);

  async function deployCuttingTheSwitch(
    version: string,
    whileCut: () => Promise<void> = async () => undefined,
  ): Promise<FrontendDeployReport> {
    await writeFile(join(pauseDir(), 'switch-pause'), '');
    try {
      const running = deployAll(version);
      while (!existsSync(join(pauseDir(), 'switching'))) await new Promise((resolve) => setTimeout(resolve, 20));
      await whileCut();
      proxy.cut();
      return await running;
    } finally {
      await rm(join(pauseDir(), 'switch-pause'), { force: true });
      await rm(join(pauseDir(), 'switching'), { force: true });
    }
  }

  test('everywhere or nowhere: the host is reached again and put back with the others', async () => {
    const pollers = sshHosts.map((sshHost) => startPoller(sshHost.siteUrl, () => ['v3', 'v4']));
    const report = await deployCuttingTheSwitch('v4');
    const verdicts = await Promise.all(pollers.map((poller) => poller.stop()));
    for (const verdict of verdicts) expect(verdict.problems).toEqual([]);

    expect(report.error).toMatch(/switch the live release failed on .*connection lost/);
    expect(report.hosts.map((host) => [host.outcome, host.serving])).toEqual([
      ['rolled back', 'v3'],
      ['rolled back', 'v3'],
      ['failed', 'v3'],
    ]);
    expect(report.hosts[2].error).toContain(
      'over a new connection the host was found serving v3, as before this deploy',
    );
    expect(await liveEverywhere()).toEqual(['v3', 'v3', 'v3']);
    for (const sshHost of sshHosts) expect(existsSync(join(sshHost.siteDir, '.deploy/lock'))).toBe(false);

    const retry = await deployAll('v4');
    expect(retry.error).toBeUndefined();
    expect(retry.hosts.map((host) => [host.outcome, host.serving, host.tookOverLockFrom])).toEqual([
      ['live', 'v4', undefined],
      ['live', 'v4', undefined],
      ['live', 'v4', undefined],
    ]);
    expect(await liveEverywhere()).toEqual(['v4', 'v4', 'v4']);
  });

  test('a host that cannot be reached again is reported as unknown; the next run puts it right', async () => {
    const report = await deployCuttingTheSwitch('v5', () => sshHosts[2].stopSshd());
    expect(report.hosts.map((host) => [host.outcome, host.serving])).toEqual([
      ['rolled back', 'v4'],
      ['rolled back', 'v4'],
      ['unknown', undefined],
    ]);
    expect(report.hosts[2].error).toMatch(
      /could not be reached again .* so it serves either v5 or v4: the next deploy or rollback puts it right/,
    );
    // The cut host did switch before its connection broke: it alone serves v5.
    expect(await liveEverywhere()).toEqual(['v4', 'v4', 'v5']);

    await sshHosts[2].startSshd();
    const retry = await deployAll('v5');
    expect(retry.error).toBeUndefined();
    expect(retry.hosts.map((host) => [host.outcome, host.serving])).toEqual([
      ['live', 'v5'],
      ['live', 'v5'],
      ['live', 'v5'],
    ]);
    expect(await liveEverywhere()).toEqual(['v5', 'v5', 'v5']);
  });
});
