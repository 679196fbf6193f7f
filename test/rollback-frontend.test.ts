import { readdir, readFile, readlink } from 'node:fs/promises';
import { startSshHost, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import { connectSsh, type SshSession } from '@sophia/ssh';
import { scanSource, type ReleaseOrigin } from '@sophia/releases';
import { runBundledAction, type ActionRun, errorsOf } from '@sophia-testing/action-runner';
import { deployReport, httpGet, join, mkdir, rm, tempDir, writeFile, writeVersionedSite } from './frontend-helpers.js';

/** Frontend rollback on a real sshd + nginx: releases r1, r2, r3 serve v1, v2, v3. */
let sshHost: LocalSshHost;
let session: SshSession;
let work: string;
const origin: ReleaseOrigin = { commit: 'abc', ref: 'refs/heads/main', runUrl: '', actor: 'tester', runId: '7.1' };

async function deploy(version: string): Promise<void> {
  const source = join(work, 'site');
  await writeVersionedSite(source, `v${version}`);
  const report = await deployReport(
    {
      sourceRoot: source,
      manifest: await scanSource(source),
      target: sshHost.siteDir,
      releaseId: `r${version}`,
      keepReleases: 5,
      nginxReloadCommand: sshHost.nginxReloadCommand,
      lockTimeoutMs: 5000,
      origin,
    },
    [{ name: '127.0.0.1', session }],
  );
  expect(report.error).toBeUndefined();
}

beforeAll(async () => {
  sshHost = await startSshHost();
  session = await connectSsh(sshHost.sshTarget());
  work = await tempDir('rollback-frontend-');
  for (const version of ['1', '2', '3']) await deploy(version);
});
afterAll(async () => {
  await session?.close();
  await sshHost?.stop();
  await rm(work, { recursive: true, force: true });
});

function rollback(inputs: Record<string, string> = {}, node: 'node20' | 'node24' = 'node24'): Promise<ActionRun> {
  return runBundledAction({
    action: 'rollback',
    node,
    inputs: {
      component: 'frontend',
      target: sshHost.siteDir,
      ...sshHost.sshInputs(),
      'nginx-reload-command': sshHost.nginxReloadCommand,
      ...inputs,
    },
  });
}

/** The versions a page names: exactly one when it came from one release. */
function versionsIn(body: string): string[] {
  return [...body.matchAll(/<title>(v\d)<\/title>/g)].map((match) => match[1]);
}

async function served(): Promise<string> {
  const answer = await httpGet(sshHost.siteUrl);
  expect(answer.status).toBe(200);
  return versionsIn(answer.body.toString()).join(',');
}

async function releaseStatus(id: string): Promise<string> {
  return (
    JSON.parse(await readFile(join(sshHost.siteDir, '.deploy/records', id, 'release.json'), 'utf8')) as {
      status: string;
    }
  ).status;
}

describe('rollback of the frontend (bundled action, real sshd and nginx)', () => {
  it('goes back to r2 atomically: a poller sees only 200s, each from one release, r3 then r2 and never back', async () => {
    expect(await served()).toBe('v3');
    const seen: Array<{ status: number; versions: string[] }> = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const answer = await httpGet(sshHost.siteUrl);
        seen.push({ status: answer.status, versions: versionsIn(answer.body.toString()) });
      }
    })();
    const run = await rollback();
    await new Promise((resolve) => setTimeout(resolve, 100));
    polling = false;
    await poller;

    expect(errorsOf(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs).toEqual({ from: 'r3', to: 'r2', live: 'r2', switched: 'true' });
    expect(await served()).toBe('v2');
    expect(await readlink(join(sshHost.siteDir, 'current'))).toBe('releases/r2');
    expect(await releaseStatus('r3')).toBe('failed');
    expect(run.summary).toContain(`| 127.0.0.1:${sshHost.sshPort} | r3 | r2 |`);
    expect(run.summary).toContain('switched, r3 marked failed');

    expect(seen.length).toBeGreaterThan(5);
    expect(seen.filter((answer) => answer.status !== 200)).toEqual([]);
    expect(seen.filter((answer) => answer.versions.length !== 1)).toEqual([]);
    const sequence = seen
      .map((answer) => answer.versions[0])
      .filter((version, index, all) => version !== all[index - 1]);
    expect(sequence).toEqual(['v3', 'v2']);
  });

  it('goes on to r1 when rolled back again, never to the newer r3 (on Node 20 too)', async () => {
    const run = await rollback({}, 'node20');
    expect(run.code).toBe(0);
    expect(run.outputs).toEqual({ from: 'r2', to: 'r1', live: 'r1', switched: 'true' });
    expect(await served()).toBe('v1');
    expect(await releaseStatus('r2')).toBe('failed');
  });

  it('honours a failed release named explicitly, with a warning', async () => {
    const run = await rollback({ to: 'r3' });
    expect(run.code).toBe(0);
    expect(run.outputs).toEqual({ from: 'r1', to: 'r3', live: 'r3', switched: 'true' });
    expect(run.annotations).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        message: expect.stringMatching(
          /release r3 is marked failed \(rolled back to r2 by https:\/\/github\.com\/sophia\/sophia-ai\/actions\/runs\/1658821493\); switching to it because "to" names it explicitly$/,
        ),
      }),
    );
    expect(await served()).toBe('v3');
  });

  it('refuses, changing nothing, when no earlier release is good or the named one does not exist', async () => {
    const none = await rollback();
    expect(none.code).toBe(1);
    expect(errorsOf(none)).toEqual([
      expect.stringMatching(
        /: no complete release older than the live r3 that is not marked failed \(releases: r3 \(live\), r2 \(failed\), r1 \(failed\)\); nothing was changed$/,
      ),
    ]);
    const unknown = await rollback({ to: 'r9' });
    expect(unknown.code).toBe(1);
    expect(errorsOf(unknown)[0]).toMatch(
      /: there is no release r9; available releases: r3 \(live\), r2 \(failed\), r1 \(failed\)$/,
    );
    expect(await readlink(join(sshHost.siteDir, 'current'))).toBe('releases/r3');
    expect(await served()).toBe('v3');
  });

  it('refuses a target that holds no releases and leaves it untouched', async () => {
    const wrong = join(work, 'not-a-deploy-target');
    const run = await rollback({ target: wrong });
    expect(run.code).toBe(1);
    expect(errorsOf(run)).toEqual([
      `127.0.0.1:${sshHost.sshPort}: ${wrong} holds no releases (is "target" the directory deploys go to?); nothing was changed`,
    ]);
    await expect(readdir(wrong)).rejects.toThrow(/ENOENT/);
  });

  it('waits for a deploy holding the lock and gives up at lock-timeout without switching', async () => {
    const lock = join(sshHost.siteDir, '.deploy', 'lock');
    await mkdir(lock, { recursive: true });
    await writeFile(
      join(lock, 'owner'),
      'run=99.1\nurl=https://example.test/run/99\nrunner=builder\ntime=now\ntoken=t\n',
    );
    // A heartbeat in the future stays fresh for the whole test, like a deploy that is alive.
    await writeFile(join(lock, 'heartbeat'), `${Math.floor(Date.now() / 1000) + 3600}\n`);
    try {
      const started = Date.now();
      const run = await rollback({ to: 'r1', 'lock-timeout': '1s' });
      expect(run.code).toBe(1);
      expect(errorsOf(run).join('\n')).toMatch(
        /is locked by another deploy: run 99\.1 \(https:\/\/example\.test\/run\/99\)/,
      );
      // It waited about the second it was given, not the 10-minute default.
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(await readlink(join(sshHost.siteDir, 'current'))).toBe('releases/r3');
      expect(await readFile(join(lock, 'owner'), 'utf8')).toContain('run=99.1');
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  });

  it('leaves the release it left alone with mark-failed false, and frees the lock', async () => {
    await deploy('4');
    const run = await rollback({ to: 'r2', 'mark-failed': 'false' });
    expect(run.code).toBe(0);
    expect(run.outputs).toEqual({ from: 'r4', to: 'r2', live: 'r2', switched: 'true' });
    expect(await served()).toBe('v2');
    expect(await releaseStatus('r4')).toBe('complete');
    expect(run.summary).toContain('| r4 | r2 | switched |');
    await expect(readFile(join(sshHost.siteDir, '.deploy', 'lock', 'owner'))).rejects.toThrow(/ENOENT/);
  });
});
