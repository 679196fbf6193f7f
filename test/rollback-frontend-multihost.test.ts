import { existsSync } from 'node:fs';
import { readFile, readlink, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { startLinkProxy, startSshHost, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import { connectSsh, type SshSession } from '@sophia/ssh';
import { rollbackFrontend, scanSource, type ReleaseOrigin, type ReleaseHost } from '@sophia/releases';
import { deployReport, join, rm, tempDir, writeVersionedSite } from './frontend-helpers.js';

/**
 * Two real hosts: a rollback decides on every host before switching any, and a switch that fails
 * on one host puts the other back. The reload command finds each host's nginx relative to the
 * target directory it runs in (the host keeps nginx two levels above it).
 */
const RELOAD =
  'd=$(cd ../../nginx && pwd) && /usr/sbin/nginx -p "$d" -c "$d/nginx.conf" -e "$d/logs/error.log" -s reload';
const origin: ReleaseOrigin = { commit: 'abc', ref: 'main', runUrl: '', actor: 'tester', runId: '8.1' };

let sshHosts: LocalSshHost[];
let sessions: SshSession[];
let work: string;

function hosts(): ReleaseHost[] {
  return sessions.map((session, index) => ({ name: `web-${index + 1}`, session, target: sshHosts[index].siteDir }));
}

async function live(): Promise<string[]> {
  return Promise.all(sshHosts.map((sshHost) => readlink(join(sshHost.siteDir, 'current'))));
}

async function status(index: number, id: string): Promise<string> {
  const text = await readFile(join(sshHosts[index].siteDir, '.deploy/records', id, 'release.json'), 'utf8');
  return (JSON.parse(text) as { status: string }).status;
}

async function markFailedByHand(index: number, id: string): Promise<void> {
  const path = join(sshHosts[index].siteDir, '.deploy/records', id, 'release.json');
  const info = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  await writeFile(path, JSON.stringify({ ...info, status: 'failed', failedReason: 'health gate failed' }));
}

beforeAll(async () => {
  sshHosts = await Promise.all([startSshHost(), startSshHost()]);
  sessions = await Promise.all(sshHosts.map((sshHost) => connectSsh(sshHost.sshTarget())));
  work = await tempDir('rollback-multihost-');
  for (const version of ['r1', 'r2']) {
    const source = join(work, version);
    await writeVersionedSite(source, version);
    const report = await deployReport(
      {
        sourceRoot: source,
        manifest: await scanSource(source),
        target: '/unused-every-host-names-its-own',
        releaseId: version,
        keepReleases: 5,
        nginxReloadCommand: RELOAD,
        lockTimeoutMs: 5000,
        origin,
      },
      hosts(),
    );
    expect(report.error).toBeUndefined();
  }
});
afterAll(async () => {
  await Promise.all((sessions ?? []).map((session) => session.close()));
  await Promise.all((sshHosts ?? []).map((sshHost) => sshHost.stop()));
  await rm(work, { recursive: true, force: true });
});

const request = {
  target: '/unused-every-host-names-its-own',
  markFailed: true,
  nginxReloadCommand: RELOAD,
  lockTimeoutMs: 5000,
  origin,
};

test('one host that cannot go back stops the rollback on every host, and nothing changes', async () => {
  await markFailedByHand(1, 'r1');
  await expect(rollbackFrontend({ ...request, to: { kind: 'previous' } }, hosts())).rejects.toThrow(
    `${sessions[1].label}: no complete release older than the live r2 that is not marked failed (releases: r2 (live), r1 (failed)); nothing was changed`,
  );
  expect(await live()).toEqual(['releases/r2', 'releases/r2']);
  expect(await status(0, 'r2')).toBe('complete');
});

test('a release named explicitly goes live on every host, with a warning where it is marked failed', async () => {
  const warnings: string[] = [];
  const result = await rollbackFrontend(
    { ...request, to: { kind: 'release', releaseId: 'r1' }, warn: (line) => warnings.push(line) },
    hosts(),
  );
  expect(result.map(({ host, from, to, markedFailed }) => ({ host, from, to, markedFailed }))).toEqual([
    { host: 'web-1', from: 'r2', to: 'r1', markedFailed: true },
    { host: 'web-2', from: 'r2', to: 'r1', markedFailed: true },
  ]);
  expect(warnings).toEqual([
    `${sessions[1].label}: release r1 is marked failed (health gate failed); switching to it because "to" names it explicitly`,
  ]);
  expect(await live()).toEqual(['releases/r1', 'releases/r1']);
  expect([await status(0, 'r2'), await status(1, 'r2')]).toEqual(['failed', 'failed']);
});

test('a switch that fails on one host puts the other back', async () => {
  const config = join(sshHosts[1].siteDir, '..', '..', 'nginx', 'nginx.conf');
  await rename(config, `${config}.away`);
  try {
    await expect(rollbackFrontend({ ...request, to: { kind: 'release', releaseId: 'r2' } }, hosts())).rejects.toThrow(
      /^Rollback failed: Reloading nginx failed on .*; every host is back on the release it had$/s,
    );
  } finally {
    await rename(`${config}.away`, config);
  }
  expect(await live()).toEqual(['releases/r1', 'releases/r1']);
  // nothing went live, so nothing was marked failed
  expect(await status(0, 'r1')).toBe('complete');
});

test('hosts left on different releases (a switch cut on one) converge on the release before the newest live one', async () => {
  // web-1 alone goes ahead to r3, as when the connection to it broke during a switch and it could not be reached again.
  const source = join(work, 'r3');
  await writeVersionedSite(source, 'r3');
  const ahead = await deployReport(
    {
      sourceRoot: source,
      manifest: await scanSource(source),
      target: '/unused-every-host-names-its-own',
      releaseId: 'r3',
      keepReleases: 5,
      nginxReloadCommand: RELOAD,
      lockTimeoutMs: 5000,
      origin,
    },
    hosts().slice(0, 1),
  );
  expect(ahead.error).toBeUndefined();
  expect(await live()).toEqual(['releases/r3', 'releases/r1']);

  const warnings: string[] = [];
  const result = await rollbackFrontend(
    { ...request, markFailed: false, to: { kind: 'previous' }, warn: (line) => warnings.push(line) },
    hosts(),
  );
  // r2 is marked failed, so the release before r3 is r1, which web-2 already serves.
  expect(result.map(({ from, to, alreadyLive }) => ({ from, to, alreadyLive }))).toEqual([
    { from: 'r3', to: 'r1', alreadyLive: false },
    { from: 'r1', to: 'r1', alreadyLive: true },
  ]);
  expect(warnings).toEqual([
    expect.stringContaining('every host goes to r1, the release before the newest live one (r3)'),
  ]);
  expect(await live()).toEqual(['releases/r1', 'releases/r1']);
});

test("a connection cut during one host's switch: that host is reached again and every host is back where it was", async () => {
  const proxy = await startLinkProxy({ targetHost: '127.0.0.1', targetPort: sshHosts[1].sshPort });
  const viaProxy = () =>
    connectSsh(
      sshHosts[1].sshTarget({ port: proxy.port, hostKeyAlias: { host: '127.0.0.1', port: sshHosts[1].sshPort } }),
    );
  const cutSession = await viaProxy();
  const pauseDir = dirname(sshHosts[1].baseDir);
  await writeFile(join(pauseDir, 'switch-pause'), '');
  try {
    const rollingBack = rollbackFrontend(
      {
        ...request,
        markFailed: false,
        to: { kind: 'release', releaseId: 'r2' },
        nginxReloadCommand: `if [ -e ../../switch-pause ]; then : > ../../switching; sleep 2; fi; ${RELOAD}`,
      },
      [hosts()[0], { name: 'web-2', session: cutSession, target: sshHosts[1].siteDir, reconnect: viaProxy }],
    );
    const settled = rollingBack.catch((error: Error) => error);
    while (!existsSync(join(pauseDir, 'switching'))) await new Promise((resolve) => setTimeout(resolve, 20));
    proxy.cut();
    const error = await settled;
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /^Rollback failed: .*connection lost.*; every host is back on the release it had$/s,
    );
  } finally {
    await rm(join(pauseDir, 'switch-pause'), { force: true });
    await rm(join(pauseDir, 'switching'), { force: true });
    await cutSession.close();
    await proxy.stop();
  }
  expect(await live()).toEqual(['releases/r1', 'releases/r1']);
  for (const sshHost of sshHosts) expect(existsSync(join(sshHost.siteDir, '.deploy/lock'))).toBe(false);
});
