import { randomBytes } from 'node:crypto';
import { existsSync, readlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { errorsOf, logGroups, logStructureProblems } from '@sophia-testing/action-runner';
import { startSshHost, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import { join, rm, startPoller, tempDir, writeVersionedSite } from './frontend-helpers.js';
import { runFrontendDeploy } from './fixtures/frontend-bed.js';

/**
 * A frontend deploy cancelled as the runner cancels (SIGINT, SIGTERM 7.5 s later), through the
 * bundle: the step publishes its outputs and job summary, saying what it knew and did (before the
 * switch: the upload stopped and the lock freed; during the switch: the hosts being put back, the
 * lock left to the post step when the put-back outlasts the grace), fails with the cancel's message,
 * and the live site keeps serving the release it served before the whole time.
 */
let sshHost: LocalSshHost;
let workspace: string;

const live = (): string => readlinkSync(join(sshHost.siteDir, 'current'));
const lockDir = (): string => join(sshHost.siteDir, '.deploy', 'lock');
/** The host's own nginx test and reload commands, `inputs` on top. */
const withNginx = (inputs: Record<string, string>): Record<string, string> => ({
  'nginx-test-command': sshHost.nginxTestCommand,
  'nginx-reload-command': sshHost.nginxReloadCommand,
  ...inputs,
});

beforeAll(async () => {
  sshHost = await startSshHost();
  workspace = await tempDir('frontend-cancel-report-');
  await writeVersionedSite(join(workspace, 'dist'), 'one');
  const first = await runFrontendDeploy(sshHost, workspace, withNginx({ 'release-id': 'one' }));
  expect(first.code).toBe(0);
});
afterAll(async () => {
  await sshHost?.stop();
  await rm(workspace, { recursive: true, force: true });
});

test('a deploy cancelled during its upload stops it, frees the lock, publishes its report and leaves the site as it was', async () => {
  await writeVersionedSite(join(workspace, 'dist'), 'two', { 'noise.bin': randomBytes(1024 * 1024) });
  // The host's tar (which unpacks the upload) waits while `holding` exists: the upload is under way
  // (its archive flowing into the channel) when the cancel comes.
  const dir = join(workspace, 'upload-hold');
  await mkdir(join(dir, 'bin'), { recursive: true });
  await writeFile(join(dir, 'holding'), '');
  const tar = execFileSync('sh', ['-c', 'command -v tar'], { encoding: 'utf8' }).trim();
  await writeFile(
    join(dir, 'bin', 'tar'),
    `#!/bin/sh\nif [ "$1" = -xzf ]; then : > ${dir}/reached; while [ -e ${dir}/holding ]; do sleep 0.05; done; fi\nexec ${tar} "$@"\n`,
  );
  await chmod(join(dir, 'bin', 'tar'), 0o755);
  await sshHost.setLoginScript(`export PATH=${dir}/bin:"$PATH"\n`);
  const poller = startPoller(sshHost.siteUrl, () => ['one', 'two']);
  try {
    const run = await runFrontendDeploy(sshHost, workspace, withNginx({ 'release-id': 'two', 'lock-timeout': '1m' }), {
      cancel: { when: () => existsSync(join(dir, 'reached')) },
      post: true,
      timeoutMs: 60_000,
    });
    const verdict = await poller.stop();
    expect(run.cancelled).toBe(true);
    expect(run.code).not.toBe(0);
    expect(run.annotations).toContainEqual(
      expect.objectContaining({ level: 'error', message: expect.stringMatching(/^The run was cancelled/) }),
    );
    expect(run.outputs).toMatchObject({
      'release-id': 'two',
      'previous-release-id': 'one',
      'files-uploaded': '0',
      'bytes-uploaded': '0',
      hosts: JSON.stringify([`127.0.0.1:${sshHost.sshPort}`]),
    });
    expect(run.summary).toContain('The run was cancelled before any host switched to two');
    // The main step freed its lock (the summary is the final one, not the one published at the cancel).
    expect(run.summary).not.toContain('still held');
    expect(existsSync(lockDir())).toBe(false);
    // The post step found nothing left and adds nothing.
    expect(run.post?.code).toBe(0);
    expect(run.post?.summary).toBe('');
    expect(live()).toBe('releases/one');
    expect(verdict.problems).toEqual([]);
    expect([...verdict.versionsSeen]).toEqual(['one']);
  } finally {
    await rm(join(dir, 'holding'), { force: true });
    await sshHost.setLoginScript(undefined);
  }
}, 90_000);

test('a deploy cancelled during a reload that outlasts the grace publishes at once, and its post step puts the host back and frees the lock', async () => {
  await writeVersionedSite(join(workspace, 'dist'), 'three');
  const poller = startPoller(sshHost.siteUrl, () => ['one', 'three']);
  const run = await runFrontendDeploy(
    sshHost,
    workspace,
    withNginx({ 'release-id': 'three', 'nginx-reload-command': 'sleep 20', 'lock-timeout': '1m' }),
    { cancel: { when: () => live() === 'releases/three' }, post: true, timeoutMs: 60_000 },
  );
  const verdict = await poller.stop();
  expect(run.cancelled).toBe(true);
  expect(run.code).toBe(130);
  expect(run.annotations).toContainEqual(
    expect.objectContaining({ level: 'error', message: expect.stringMatching(/^The run was cancelled/) }),
  );
  // Published at the cancel: the put-back (its own reload sleeps 20 s too) outlasts the runner's grace.
  expect(run.outputs).toMatchObject({ 'release-id': 'three', 'previous-release-id': 'one' });
  expect(run.summary).toContain('The run was cancelled during the switch to three');
  expect(run.summary).toContain('is being put back');
  expect(run.summary).toMatch(/deploy lock is still held on 127\.0\.0\.1:\d+: the post step frees it/);
  expect(run.post?.code).toBe(0);
  expect(run.post?.summary).toMatch(
    /clean-up after the interrupted run[\s\S]*\| 127\.0\.0\.1:\d+ \| freed \| (yes|no) \| one \|/,
  );
  expect(live()).toBe('releases/one');
  expect(existsSync(lockDir())).toBe(false);
  expect(verdict.problems).toEqual([]);
}, 90_000);

test('a deploy cancelled during a slow reload whose put-back ends within the grace puts the host back itself, and writes each log line once', async () => {
  await writeVersionedSite(join(workspace, 'dist'), 'four');
  const poller = startPoller(sshHost.siteUrl, () => ['one', 'four']);
  // Every reload takes 3 s: the cancel comes during the switch's, and the put-back's ends within the grace.
  const run = await runFrontendDeploy(
    sshHost,
    workspace,
    withNginx({
      'release-id': 'four',
      'nginx-reload-command': `sleep 3; ${sshHost.nginxReloadCommand}`,
      'lock-timeout': '1m',
    }),
    { cancel: { when: () => live() === 'releases/four' }, post: true, timeoutMs: 60_000 },
  );
  const verdict = await poller.stop();
  expect(run.cancelled).toBe(true);
  expect(run.code).toBe(1);
  // Ended on its own, put-back and all, before the runner's SIGTERM was due.
  expect(run.cancelSignals).toEqual(['SIGINT']);
  expect(run.outputs).toMatchObject({ 'release-id': 'four', 'previous-release-id': 'one' });
  // The summary is the final one: the host is back, the lock freed.
  expect(run.summary).toContain('The run was cancelled during the switch to four');
  expect(run.summary).not.toContain('is being put back');
  expect(run.summary).not.toContain('still held');
  expect(run.summary.match(/^### Frontend release/gm)).toHaveLength(1);
  expect(logGroups(run.log)[`127.0.0.1:${sshHost.sshPort}`]).toContainEqual(
    expect.stringMatching(/put back on one, as before this deploy/),
  );
  // Published at the cancel and again at the end: each group, warning and error is written once.
  expect(logStructureProblems(run.stdout)).toEqual([]);
  expect(run.stdout.match(/^::group::/gm)?.length).toBeGreaterThan(0);
  expect(errorsOf(run)).toHaveLength(1);
  // The main step left nothing for the post step.
  expect(run.post?.code).toBe(0);
  expect(run.post?.summary).toBe('');
  expect(live()).toBe('releases/one');
  expect(existsSync(lockDir())).toBe(false);
  expect(verdict.problems).toEqual([]);
}, 90_000);
