import { existsSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { runBundledAction, type ActionRun } from '@sophia-testing/action-runner';
import { startFleet, type LocalFleet, type SwitchHold } from '@sophia-testing/ssh-hosts';
import { join, rm, startPoller, tempDir, writeFile, writeVersionedSite } from './frontend-helpers.js';

/**
 * Everywhere or nowhere, through a cancel: a run cancelled (SIGINT, as GitHub's cancel sends) after
 * the first host switched and while the second host's switch is held leaves, once its post step ran,
 * every host on the release it served before, with the site config as it was, and no lock. Two real
 * hosts (sshd + nginx each) reached as one fleet by the bundled action, a poller on each live site.
 */
let fleet: LocalFleet;
let workspace: string;

const configPath = (): string => join(fleet.sitePath, 'site.conf');

beforeAll(async () => {
  fleet = await startFleet(2);
  workspace = await tempDir('frontend-cancel-switch-');
  for (const version of ['v1', 'v2']) await writeVersionedSite(join(workspace, version), version);
  // A config nginx accepts that names its release, so each host shows which one it holds.
  await writeFile(join(workspace, 'site.conf.tpl'), '# release {{release_id}}\n');
});
afterAll(async () => {
  await fleet?.stop();
  await rm(workspace, { recursive: true, force: true });
});

function deploy(releaseId: string, cancel?: () => boolean): Promise<ActionRun> {
  return runBundledAction({
    action: 'deploy-frontend-nginx',
    cwd: workspace,
    inputs: {
      ...fleet.sshInputs(),
      source: releaseId,
      target: fleet.sitePath,
      'release-id': releaseId,
      'nginx-config': 'site.conf.tpl',
      'nginx-config-path': configPath(),
      'nginx-test-command': fleet.nginxTestCommand,
      'nginx-reload-command': fleet.nginxReloadCommand,
      'lock-timeout': '1m',
    },
    cancel: cancel && { when: cancel },
    post: true,
    timeoutMs: 90_000,
  });
}

const live = (index: number): string => readlinkSync(join(fleet.hosts[index].siteDir, 'current'));

/**
 * Runs `start` with the second host's switch held, cancelling it once the first host serves
 * `to` and the second host's switch is waiting. The held switch goes on once the post step has
 * put the first host back on `from`: it lands after the cancel, as a switch in flight when the
 * runner's signal comes does, and the post step waits for it. A poller on each live site the whole time.
 */
async function cancelledBetweenHosts(
  from: string,
  to: string,
  start: (cancel: () => boolean) => Promise<ActionRun>,
): Promise<ActionRun> {
  const hold: SwitchHold = await fleet.hosts[1].holdSwitch();
  const pollers = fleet.hosts.map((host) => startPoller(host.siteUrl, () => [from, to]));
  let released: Promise<void> | undefined;
  let cancelled = false;
  const releaseWhenPutBack = setInterval(() => {
    if (released === undefined && cancelled && live(0) === `releases/${from}`) released = hold.release();
  }, 20);
  const fallback = setTimeout(() => (released ??= hold.release()), 30_000);
  const run = await start(() => {
    cancelled = live(0) === `releases/${to}` && hold.reached();
    return cancelled;
  });
  clearInterval(releaseWhenPutBack);
  clearTimeout(fallback);
  await (released ?? hold.release());
  const verdicts = await Promise.all(pollers.map((poller) => poller.stop()));

  expect(run.cancelled).toBe(true);
  expect(run.code).not.toBe(0);
  expect(run.post?.code).toBe(0);
  for (const verdict of verdicts) expect(verdict.problems).toEqual([]);
  expect(run.post?.log).toMatch(
    new RegExp(`127\\.0\\.0\\.1:\\d+: put back on ${from}: the interrupted run had switched it to ${to}`),
  );
  for (const [index, host] of fleet.hosts.entries()) {
    expect(live(index)).toBe(`releases/${from}`);
    expect(await readFile(join(host.siteDir, 'site.conf'), 'utf8')).toBe(`# release ${from}\n`);
    expect(existsSync(join(host.siteDir, '.deploy/lock'))).toBe(false);
  }
  return run;
}

test('a deploy cancelled between one host switch and the next leaves every host on the previous release', async () => {
  const first = await deploy('v1');
  expect(first.code).toBe(0);

  await cancelledBetweenHosts('v1', 'v2', (cancel) => deploy('v2', cancel));

  // Nothing is left waiting: the next run takes both hosts to v2 at once.
  const retry = await deploy('v2');
  expect(retry.code).toBe(0);
  expect(retry.log).not.toContain('took over a stale lock');
  for (const index of fleet.hosts.keys()) expect(live(index)).toBe('releases/v2');
});

test('a rollback cancelled between one host switch and the next leaves every host on the release it had', async () => {
  // Both hosts serve v2 (the test above); v1 went live with its own config, which the rollback installs again.
  await cancelledBetweenHosts('v2', 'v1', (cancel) =>
    runBundledAction({
      action: 'rollback',
      inputs: {
        component: 'frontend',
        ...fleet.sshInputs(),
        target: fleet.sitePath,
        'nginx-test-command': fleet.nginxTestCommand,
        'nginx-reload-command': fleet.nginxReloadCommand,
        'lock-timeout': '1m',
      },
      cancel: { when: cancel },
      post: true,
      timeoutMs: 90_000,
    }),
  );
});
