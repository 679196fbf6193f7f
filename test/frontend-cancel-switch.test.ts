import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { chmod, mkdir, readFile, symlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { runBundledAction, type ActionRun } from '@sophia-testing/action-runner';
import { startFleet, startLinkProxy, type LocalFleet, type SwitchHold } from '@sophia-testing/ssh-hosts';
import { join, rm, startPoller, tempDir, writeFile, writeVersionedSite } from './frontend-helpers.js';

/**
 * Everywhere or nowhere, through a cancel: a run cancelled (SIGINT, as GitHub's cancel sends) after
 * the first host switched and while the second host's switch is held leaves, once its main step
 * (a deploy puts hosts back itself within the runner's grace) and its post step ran,
 * every host on the release it served before, with the site config as it was, and no lock. Two real
 * hosts (sshd + nginx each) reached as one fleet by the bundled action, a poller on each live site.
 */
let fleet: LocalFleet;
let workspace: string;

const configPath = (): string => join(fleet.sitePath, 'site.conf');

beforeAll(async () => {
  fleet = await startFleet(2);
  workspace = await tempDir('frontend-cancel-switch-');
  for (const version of ['v1', 'v2', 'v3']) await writeVersionedSite(join(workspace, version), version);
  // A config nginx accepts that names its release, so each host shows which one it holds.
  await writeFile(join(workspace, 'site.conf.tpl'), '# release {{release_id}}\n');
});
afterAll(async () => {
  await fleet?.stop();
  await rm(workspace, { recursive: true, force: true });
});

function deploy(releaseId: string, cancel?: () => boolean, inputs: Record<string, string> = {}): Promise<ActionRun> {
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
      ...inputs,
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
  // Put back by the main step within its grace (a deploy listens to the cancel), else by the post step.
  expect(`${run.log}\n${run.post?.log}`).toMatch(
    new RegExp(
      `127\\.0\\.0\\.1:\\d+: put back on ${from}: the interrupted run had switched it to ${to}|put back on ${from}, as before this deploy`,
    ),
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
  const run = await cancelledBetweenHosts('v2', 'v1', (cancel) =>
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
  // What the step knew at the cancel, and what its post step then did, each in its own summary.
  expect(run.outputs).toEqual({ switched: 'false' });
  expect(run.summary).toContain('The run was cancelled before this step finished');
  expect(run.summary).toContain(`The frontend rollback of ${fleet.sitePath} on 2 host(s) was under way`);
  expect(run.post?.summary).toContain('### rollback: clean-up after the interrupted run');
  for (const host of fleet.hosts)
    expect(run.post?.summary).toMatch(
      new RegExp(`\\| 127\\.0\\.0\\.1:${host.sshPort} \\| freed \\| (yes|no) \\| v2 \\|`),
    );
});

test('a connection dropped while the post step puts a host back still leaves it whole on the previous release, unlocked', async () => {
  // Both hosts serve v2 (the tests above). Host 1 is reached through a link the test cuts.
  const host = fleet.hosts[1];
  const proxy = await startLinkProxy({ targetHost: '127.0.0.1', targetPort: host.sshPort });
  const hosts = fleet
    .sshInputs()
    .host.split('\n')
    .map((line) => (line.endsWith(`:${host.sshPort}`) ? `127.0.0.1:${proxy.port}` : line))
    .join('\n');
  // The revert on host 1 is held between putting the config back and putting the link back (the
  // `rm` of the config-run note between them), the link cut there, and the hold let go a second later.
  const dir = join(workspace, 'revert-hold');
  await mkdir(join(dir, 'bin'), { recursive: true });
  await writeFile(join(dir, 'holding'), '');
  await writeFile(
    join(dir, 'bin', 'rm'),
    [
      '#!/bin/sh',
      `if [ "$1" = -f ] && [ "$2" = .deploy/nginx-config.run ] && [ -e ${dir}/holding ]; then : > ${dir}/reached; while [ -e ${dir}/holding ]; do sleep 0.05; done; fi`,
      'exec /bin/rm "$@"',
      '',
    ].join('\n'),
  );
  await chmod(join(dir, 'bin', 'rm'), 0o755);
  await host.setLoginScript(`export PATH=${dir}/bin:"$PATH"\n`);
  const cutWhileReverting = setInterval(() => {
    if (!existsSync(join(dir, 'reached'))) return;
    clearInterval(cutWhileReverting);
    proxy.cut();
    setTimeout(() => void rm(join(dir, 'holding'), { force: true }), 1000);
  }, 20);
  // The run is cancelled during its smoke check, once every host serves v3: a smoke URL that never answers.
  let asked = false;
  const smoke: Server = createServer(() => (asked = true));
  await new Promise<void>((resolve) => smoke.listen(0, '127.0.0.1', resolve));
  const smokeUrl = `http://127.0.0.1:${(smoke.address() as { port: number }).port}/`;
  try {
    const run = await deploy('v3', () => asked, {
      host: hosts,
      'known-hosts': '',
      'insecure-skip-host-key-check': 'true',
      'smoke-url': smokeUrl,
    });
    expect(existsSync(join(dir, 'reached'))).toBe(true);
    expect(proxy.cuts).toBeGreaterThan(0);
    expect(run.cancelled).toBe(true);
    expect(run.post?.code).toBe(0);
    expect(run.post?.log).not.toContain('could not free a deploy lock');
    for (const [index, each] of fleet.hosts.entries()) {
      expect(live(index)).toBe('releases/v2');
      expect(await readFile(join(each.siteDir, 'site.conf'), 'utf8')).toBe('# release v2\n');
      expect(existsSync(join(each.siteDir, '.deploy/lock'))).toBe(false);
    }
  } finally {
    clearInterval(cutWhileReverting);
    smoke.closeAllConnections();
    smoke.close();
    await rm(join(dir, 'holding'), { force: true });
    await host.setLoginScript(undefined);
    await proxy.stop();
  }
}, 150_000);

test('a host without flock fails the deploy before any host switches, naming the missing command', async () => {
  // Both hosts serve v2 (the tests above). Host 1's deploy user sees every command but flock.
  const host = fleet.hosts[1];
  const bin = join(workspace, 'no-flock-bin');
  await mkdir(bin, { recursive: true });
  for (const dir of ['/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    for (const name of existsSync(dir) ? readdirSync(dir) : []) {
      if (name === 'flock' || existsSync(join(bin, name))) continue;
      await symlink(join(dir, name), join(bin, name));
    }
  }
  await host.setLoginScript(`export PATH=${bin}\n`);
  try {
    const run = await deploy('v3');
    expect(run.code).not.toBe(0);
    // What the user reads (the debug lines carry the scripts' text, messages included).
    const shown = run.log
      .split('\n')
      .filter((line) => !line.startsWith('::debug::'))
      .join('\n');
    expect(shown).toMatch(/127\.0\.0\.1:\d+ \(exit code 1\):\s+this host has no flock command/);
    expect(shown).not.toContain('still running after');
    expect(shown).not.toContain('putting the previous release back');
    for (const [index, each] of fleet.hosts.entries()) {
      expect(live(index)).toBe('releases/v2');
      expect(await readFile(join(each.siteDir, 'site.conf'), 'utf8')).toBe('# release v2\n');
      expect(existsSync(join(each.siteDir, '.deploy/lock'))).toBe(false);
    }
  } finally {
    await host.setLoginScript(undefined);
  }
  // With flock back, the next run goes through without waiting for a lock.
  const retry = await deploy('v3');
  expect(retry.code).toBe(0);
  for (const index of fleet.hosts.keys()) expect(live(index)).toBe('releases/v3');
}, 150_000);

test('a switch whose run was killed without a post step puts its host back by itself once it lands', async () => {
  // Both hosts serve v3 (the test above). The runner dies (SIGKILL, no post step: nothing on the
  // runner side undoes anything) while host 1's switch to v1 is held; the held switch then lands
  // with its client gone, and the switch script itself must put v3 back.
  const hold: SwitchHold = await fleet.hosts[1].holdSwitch();
  let run: ActionRun;
  try {
    run = await runBundledAction({
      action: 'deploy-frontend-nginx',
      cwd: workspace,
      inputs: {
        ...fleet.sshInputs(),
        source: 'v1',
        target: fleet.sitePath,
        'release-id': 'v1',
        'nginx-config': 'site.conf.tpl',
        'nginx-config-path': configPath(),
        'nginx-test-command': fleet.nginxTestCommand,
        'nginx-reload-command': fleet.nginxReloadCommand,
        'lock-timeout': '1m',
      },
      cancel: { when: () => live(0) === 'releases/v1' && hold.reached(), firstSignal: 'SIGKILL' },
      post: false,
      timeoutMs: 60_000,
    });
  } finally {
    await hold.release();
  }
  expect(run.signal).toBe('SIGKILL');
  // The switch script holds the switch lock from before its move until it has put the link back:
  // once the lock is free, the script is done.
  const switchLock = join(fleet.hosts[1].siteDir, '.deploy/switch.lock');
  const free = () => spawnSync('flock', ['-n', switchLock, 'true']).status === 0;
  for (let waited = 0; waited < 20_000 && !free(); waited += 100) await sleep(100);
  expect(free()).toBe(true);
  expect(live(1)).toBe('releases/v3');
}, 120_000);
