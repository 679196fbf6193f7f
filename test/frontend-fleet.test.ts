import { readFile, readlink, rename } from 'node:fs/promises';
import { logGroups, runBundledAction, type ActionRun } from '@sophia-testing/action-runner';
import { startFleet, type LocalFleet } from '@sophia-testing/ssh-hosts';
import { join, rm, tempDir, writeVersionedSite } from './frontend-helpers.js';

/**
 * The bundled deploy and rollback over two real hosts (sshd + nginx each) that one run reaches with
 * one target, one key and one nginx command: outputs, job summary and one log group per host, on
 * success and on every way of failing.
 */
let fleet: LocalFleet;
let workspace: string;
let labels: string[];

beforeAll(async () => {
  fleet = await startFleet(2);
  workspace = await tempDir('frontend-fleet-');
  labels = fleet.hosts.map((host) => `127.0.0.1:${host.sshPort}`);
});
afterAll(async () => {
  await fleet?.stop();
  await rm(workspace, { recursive: true, force: true });
});

function sshInputs(): Record<string, string> {
  return {
    ...fleet.sshInputs(),
    'connect-timeout': '5s',
    target: fleet.sitePath,
    'nginx-reload-command': fleet.nginxReloadCommand,
    'lock-timeout': '5s',
  };
}

function deploy(releaseId: string, overrides: Record<string, string> = {}): Promise<ActionRun> {
  return runBundledAction({
    action: 'deploy-frontend-nginx',
    cwd: workspace,
    inputs: {
      ...sshInputs(),
      'nginx-test-command': fleet.nginxTestCommand,
      source: releaseId,
      'release-id': releaseId,
      ...overrides,
    },
    timeoutMs: 60_000,
  });
}

function rollback(inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runBundledAction({
    action: 'rollback',
    inputs: { component: 'frontend', ...sshInputs(), ...inputs },
    timeoutMs: 60_000,
  });
}

async function live(): Promise<string[]> {
  return Promise.all(fleet.hosts.map((host) => readlink(join(host.siteDir, 'current'))));
}

/** Makes one host's nginx reload (and config test) fail while `work` runs: its config is moved away. */
async function withBrokenNginx<T>(index: number, work: () => Promise<T>): Promise<T> {
  const config = join(fleet.hosts[index].baseDir, '..', 'nginx', 'nginx.conf');
  await rename(config, `${config}.away`);
  try {
    return await work();
  } finally {
    await rename(`${config}.away`, config);
  }
}

test('a release goes to every host of the fleet: outputs name each host, and each host has its log group', async () => {
  for (const id of ['r1', 'r2']) await writeVersionedSite(join(workspace, id), id);
  expect((await deploy('r1')).code).toBe(0);
  const run = await deploy('r2');
  expect(run.code).toBe(0);
  expect(run.outputs).toMatchObject({ 'release-id': 'r2', 'previous-release-id': 'r1', hosts: JSON.stringify(labels) });
  for (const label of labels) expect(run.summary).toContain(`| ${label} | live | r2 | r2 | r1 |`);
  const groups = logGroups(run.log);
  for (const label of labels) {
    expect(groups[label]).toEqual(expect.arrayContaining([expect.stringMatching(/^sending \d+ new or changed file/)]));
    expect(groups[label].at(-1)).toMatch(/^live; \d+ uploaded, \d+ reused/);
  }
  expect(await live()).toEqual(['releases/r2', 'releases/r2']);
});

test('a deploy that fails on one host after both prepared publishes outputs, summary and log groups', async () => {
  await writeVersionedSite(join(workspace, 'r3'), 'r3');
  const run = await withBrokenNginx(1, () => deploy('r3', { 'nginx-test-command': '' }));
  expect(run.code).toBe(1);
  expect(run.outputs).toMatchObject({ 'release-id': 'r3', hosts: JSON.stringify(labels) });
  expect(run.summary).toContain(`| ${labels[0]} | rolled back | r2 | r3 |`);
  expect(run.summary).toContain(`| ${labels[1]} | failed | r2 | r3 |`);
  expect(run.summary).toMatch(/\*\*Failed:\*\* .*Reloading nginx failed/);
  expect(logGroups(run.log)[labels[0]]).toContain('put back on r2, as before this deploy');
  expect(await live()).toEqual(['releases/r2', 'releases/r2']);
});

test('a deploy that fails before any host changed (one host unreachable) still publishes outputs and summary', async () => {
  await fleet.hosts[1].stopSshd();
  try {
    const run = await deploy('r3');
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({
      'release-id': 'r3',
      'files-uploaded': '0',
      hosts: JSON.stringify(labels),
    });
    expect(run.summary).toContain('No host was changed.');
    expect(run.summary).toContain(`**Failed:** Could not connect to ${labels[1]} after 1 attempt`);
  } finally {
    await fleet.hosts[1].startSshd();
  }
  expect(await live()).toEqual(['releases/r2', 'releases/r2']);
});

test('a rollback that fails on one host after the other switched puts it back and publishes every host', async () => {
  const run = await withBrokenNginx(1, () => rollback({ to: 'r1' }));
  expect(run.code).toBe(1);
  expect(run.annotations.filter((annotation) => annotation.level === 'error')).toEqual([
    expect.objectContaining({
      message: expect.stringMatching(
        /^Rollback failed: .*Reloading nginx failed.*; every host is back on the release it had$/s,
      ),
    }),
  ]);
  expect(run.outputs).toEqual({ from: 'r2', to: 'r1', live: 'r2', switched: 'false' });
  expect(run.summary).toContain(`| ${labels[0]} | r2 | r1 | switched, then put back on r2 (another host failed) |`);
  expect(run.summary).toMatch(new RegExp(`\\| ${labels[1]} \\| r2 \\| r1 \\| not switched: .*Reloading nginx failed`));
  const groups = logGroups(run.log);
  expect(groups[labels[0]]).toEqual([
    'switching current from r2 to r1',
    'back on r2, as before this rollback',
    'switched, then put back on r2 (another host failed)',
  ]);
  expect(groups[labels[1]][0]).toBe('switching current from r2 to r1');
  expect(await live()).toEqual(['releases/r2', 'releases/r2']);
  for (const host of fleet.hosts) {
    const record = JSON.parse(await readFile(join(host.siteDir, '.deploy/records/r2/release.json'), 'utf8'));
    expect(record.status).toBe('complete');
  }
});

test('a rollback refused before any host changed publishes empty outputs and why', async () => {
  const run = await rollback({ to: 'r9' });
  expect(run.code).toBe(1);
  expect(run.outputs).toEqual({ from: '', to: '', live: '', switched: 'false' });
  expect(run.summary).toContain('No host was changed.');
  expect(run.summary).toContain(`${labels[0]}: there is no release r9`);
});

test('hosts serving different releases roll back to one, and the outputs say per host where each came from', async () => {
  const run = await rollback({ to: 'r1', 'mark-failed': 'false' });
  expect(run.code).toBe(0);
  expect(run.outputs).toEqual({ from: 'r2', to: 'r1', live: 'r1', switched: 'true' });
  const again = await rollback({ to: 'r2', 'mark-failed': 'false', host: `${labels[0]}` });
  expect(again.code).toBe(0);
  const split = await rollback({ to: 'r1', 'mark-failed': 'false' });
  expect(split.code).toBe(0);
  expect(JSON.parse(split.outputs.from)).toEqual({ [labels[0]]: 'r2', [labels[1]]: 'r1' });
  expect(split.outputs.to).toBe('r1');
  expect(split.summary).toContain(`| ${labels[1]} | r1 | r1 | already live |`);
  expect(await live()).toEqual(['releases/r1', 'releases/r1']);
});
