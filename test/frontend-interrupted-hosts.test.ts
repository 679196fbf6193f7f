import { chown, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Log } from '@sophia/reporting';
import { connectSsh, type SshTarget } from '@sophia/ssh';
import { startDeployUserHost, startSshHost, type DeployUserHost, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import { deployFrontend, freeLocksLeftBehind, rememberDeployLock, scanSource, TargetLock } from '@sophia/releases';
import { rm, tempDir, writeVersionedSite } from './frontend-helpers.js';

/**
 * A run cancelled during the switch exits at once; on two hosts one can end on the new release and
 * the other on the old. Its post step frees the locks it left and states, per host, the release that
 * host serves, with a warning when they differ. Two real hosts with the same target path: a root
 * host, and a deploy-user host (login shell dash) whose namespace mounts a directory of its own there.
 */
let root: LocalSshHost;
let other: DeployUserHost;
let work: string;
let target: string;

async function deploy(ssh: SshTarget, version: string): Promise<void> {
  const source = join(work, version);
  await writeVersionedSite(source, version);
  const session = await connectSsh(ssh);
  try {
    const report = await deployFrontend(
      {
        sourceRoot: source,
        manifest: await scanSource(source),
        target,
        releaseId: version,
        keepReleases: 3,
        lockTimeoutMs: 60_000,
        origin: { commit: version, ref: 'main', runUrl: '', actor: 'tester', runId: `run-${version}` },
      },
      [{ name: '127.0.0.1', session }],
    );
    expect(report.error).toBeUndefined();
  } finally {
    await session.close();
  }
}

beforeAll(async () => {
  // The second host's deploy user logs in with Debian's /bin/sh (dash), not bash: every command still parses.
  [root, other] = await Promise.all([startSshHost(), startDeployUserHost({ loginShell: '/bin/sh' })]);
  work = await tempDir('frontend-interrupted-');
  // The root host deploys into this directory itself; the other host sees its own directory there.
  target = join(other.baseDir, 'site');
  const own = join(other.baseDir, 'site-of-the-other-host');
  for (const dir of [target, own]) {
    await mkdir(dir);
    await chown(dir, other.uid, other.uid);
  }
  await other.runAsRoot(`mount --bind '${own}' '${target}'`);
});

afterAll(async () => {
  await Promise.all([root?.stop(), other?.stop()]);
  await rm(work, { recursive: true, force: true });
});

test('the post step of a run cut during the switch frees each lock and says which release each host serves', async () => {
  const hosts = [root.sshTarget(), other.sshTarget()];
  for (const ssh of hosts) await deploy(ssh, 'one');
  // The run switched the first host and was cancelled before the second.
  await deploy(hosts[0], 'two');
  const saved = new Map<string, string>();
  const state = {
    save: (name: string, value: string) => saved.set(name, value),
    get: (name: string) => saved.get(name) ?? '',
  };
  const token = rememberDeployLock(state, target).lockToken;
  for (const ssh of hosts) {
    // Taken, then abandoned as a killed run abandons it (its connection gone, the heartbeat stopped).
    const session = await connectSsh(ssh);
    await TargetLock.acquire(session, target, { timeoutMs: 5000, owner: { runId: 'cancelled' }, token });
    await session.close();
  }
  expect(existsSync(join(target, '.deploy/lock'))).toBe(true);

  const lines: string[] = [];
  const warnings: string[] = [];
  const log: Log = {
    info: (line) => lines.push(line),
    warning: (message) => warnings.push(message),
    debug: () => undefined,
    group: (_title, work) => work(),
  };
  const cleanups = await freeLocksLeftBehind(state, () => ({ targets: hosts }), log);
  expect(cleanups.map(({ freed, serving }) => ({ freed, serving }))).toEqual([
    { freed: true, serving: 'two' },
    { freed: true, serving: 'one' },
  ]);
  // The hosts are reached in parallel: their lines come in either order.
  const freedLines = lines.filter((line) => line.includes('freed the deploy lock'));
  expect(freedLines).toHaveLength(2);
  expect(freedLines).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^127\.0\.0\.1:\d+: freed the deploy lock the interrupted run left behind; it serves one$/),
      expect.stringMatching(/^127\.0\.0\.1:\d+: freed the deploy lock the interrupted run left behind; it serves two$/),
    ]),
  );
  expect(warnings).toEqual([
    expect.stringMatching(
      /^The interrupted run left the hosts serving different releases \(127\.0\.0\.1:\d+: two, 127\.0\.0\.1:\d+: one\); the next deploy, or a rollback to previous, brings them together$/,
    ),
  ]);
  expect(existsSync(join(target, '.deploy/lock'))).toBe(false);
  // The next deploy takes both hosts to one release without waiting for a lock.
  for (const ssh of hosts) await deploy(ssh, 'three');
});
