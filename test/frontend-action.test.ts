import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  actionDefaults,
  actionDir,
  inputVariableName,
  logGroups,
  runBundledAction,
} from '@sophia-testing/action-runner';
import { startLinkProxy, startSshHost, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import { httpGet, mkdir, rm, servedDifferences, tempDir, writeTree, writeVersionedSite } from './frontend-helpers.js';

/** The bundled action (dist/index.js), run as the runner runs it, against a real sshd and nginx. */
let sshHost: LocalSshHost;
let workspace: string;
let keys: string;

function inputs(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ...sshHost.sshInputs(),
    'connect-timeout': '5s',
    source: 'dist',
    target: sshHost.siteDir,
    'nginx-test-command': sshHost.nginxTestCommand,
    'nginx-reload-command': sshHost.nginxReloadCommand,
    'lock-timeout': '3s',
    ...overrides,
  };
}

function deploy(overrides: Record<string, string> = {}) {
  return runBundledAction({
    action: 'deploy-frontend-nginx',
    inputs: inputs(overrides),
    cwd: workspace,
    timeoutMs: 30_000,
  });
}

async function sessionsStarted(): Promise<number> {
  return (await sshHost.sshdLog()).split('\n').filter((line) => line.includes('Starting session')).length;
}

async function treeOf(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

function newKeyPair(name: string): { privateKey: string; publicKey: string } {
  const path = join(keys, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path]);
  return {
    privateKey: execFileSync('cat', [path]).toString(),
    publicKey: execFileSync('cat', [`${path}.pub`])
      .toString()
      .trim(),
  };
}

beforeAll(async () => {
  sshHost = await startSshHost();
  workspace = await tempDir('frontend-action-');
  keys = await mkdtemp(join(workspace, 'keys-'));
});
afterAll(async () => {
  await sshHost?.stop();
  await rm(workspace, { recursive: true, force: true });
});

test('the bundle deploys, redeploys changes and uploads nothing when nothing changed; outputs and summary per host', async () => {
  const dist = join(workspace, 'dist');
  await writeVersionedSite(dist, 'one');
  const first = await deploy();
  expect(first.code).toBe(0);
  expect(first.outputs['release-id']).toMatch(/^\d{14}-3f78685$/);
  expect(first.outputs).toMatchObject({
    'previous-release-id': '',
    'files-uploaded': '5',
    'files-reused': '0',
    hosts: `["127.0.0.1:${sshHost.sshPort}"]`,
  });
  expect(Number(first.outputs['bytes-uploaded'])).toBeGreaterThan(0);
  expect(first.outputs['release-path']).toBe(`${sshHost.siteDir}/releases/${first.outputs['release-id']}`);
  expect(first.summary).toContain(
    '| Host | Outcome | Serving | Release | Previous | Files uploaded | Files reused | Bytes sent | Seconds |',
  );
  expect(first.summary).toContain(
    `| 127.0.0.1:${sshHost.sshPort} | live | ${first.outputs['release-id']} | ${first.outputs['release-id']} |`,
  );
  expect(await servedDifferences(sshHost.siteUrl, dist)).toEqual([]);
  // The log folds per phase, then per host, and ends with the outcome, outside any group.
  const groups = logGroups(first.log);
  const host = `127.0.0.1:${sshHost.sshPort}`;
  expect(Object.keys(groups)).toEqual(['Connect 1 host', 'Check the build', host]);
  expect(groups['Check the build']).toContain('5 files in dist');
  expect(groups['Connect 1 host']).toContain(`Connected to ${host}`);
  expect(groups[host].at(-1)).toMatch(/^live; 5 uploaded, 0 reused/);
  const lines = first.log.trimEnd().split('\n');
  expect(lines.at(-1)).toBe(`${first.outputs['release-id']} is live on 1 host`);
  expect(lines.lastIndexOf('::endgroup::')).toBeLessThan(lines.length - 1);
  // The record lives beside the release, out of what nginx serves.
  expect((await httpGet(new URL('.release.json', sshHost.siteUrl).href)).status).toBe(404);
  const record = JSON.parse(
    await readFile(join(sshHost.siteDir, '.deploy/records', first.outputs['release-id'], 'release.json'), 'utf8'),
  );
  expect(record).toMatchObject({
    id: first.outputs['release-id'],
    status: 'complete',
    commit: '3f786850e387550fdab836ed7e6dc881de23001b',
    ref: 'refs/heads/main',
    runUrl: 'https://github.com/sophia/sophia-ai/actions/runs/1658821493',
    actor: 'sophia-bot',
  });

  await writeVersionedSite(dist, 'two');
  const second = await deploy({ 'release-id': 'two', 'smoke-url': sshHost.siteUrl });
  expect(second.code).toBe(0);
  expect(second.outputs).toMatchObject({
    'previous-release-id': first.outputs['release-id'],
    'files-uploaded': '4',
    'files-reused': '1',
  });
  expect(second.summary).toContain(`Site: ${sshHost.siteUrl}`);
  expect(await servedDifferences(sshHost.siteUrl, dist)).toEqual([]);

  const third = await deploy({ 'release-id': 'three' });
  expect(third.code).toBe(0);
  expect(third.outputs).toMatchObject({ 'previous-release-id': 'two', 'files-uploaded': '0', 'files-reused': '5' });
  expect(await servedDifferences(sshHost.siteUrl, dist)).toEqual([]);
});

test('bad inputs, unverifiable hosts and injection attempts are refused before anything runs on the target', async () => {
  await writeVersionedSite(join(workspace, 'dist'), 'three');
  await mkdir(join(workspace, 'empty-build'), { recursive: true });
  // A file name that would read as two lines (the second opening an HTML comment) in a plan or a log.
  await writeVersionedSite(join(workspace, 'control-build'), 'three', { 'js/x\n<!-- hidden.js': 'x' });
  const stranger = newKeyPair('stranger');
  const before = { sessions: await sessionsStarted(), tree: await treeOf(sshHost.baseDir) };
  const cases: Array<[Record<string, string>, RegExp]> = [
    [
      { 'known-hosts': `[127.0.0.1]:${sshHost.sshPort} ${stranger.publicKey.split(' ').slice(0, 2).join(' ')}` },
      /host key/i,
    ],
    [{ 'known-hosts': '', 'host-fingerprint': `SHA256:${'A'.repeat(43)}` }, /fingerprint/i],
    [{ 'ssh-key': stranger.privateKey }, /refused|authentication/i],
    [{ target: '/' }, /Input "target" must be a directory below \/ \(not \/ itself\)/],
    [{ target: 'srv/site' }, /Input "target" must be an absolute path/],
    [{ target: '/srv/../etc' }, /Input "target" must be an absolute path without "." or ".." segments/],
    [{ source: 'no-such-dir' }, /Input "source" names ".*no-such-dir", which does not exist/],
    [{ source: 'empty-build' }, /which is empty: there is nothing to deploy/],
    [{ source: 'control-build' }, /The source contains "js\/x\\n<!-- hidden\.js", a name with a control character/],
    [
      { source: 'control-build', 'dry-run': 'true' },
      /The source contains "js\/x\\n<!-- hidden\.js", a name with a control character/,
    ],
    [{ 'release-id': 'a/b' }, /Input "release-id" must be a release id/],
    [{ 'release-id': '..' }, /Input "release-id" must be a release id/],
    [{ target: '/srv/site; touch pwned' }, /Input "target" must be an absolute path of letters/],
    [{ target: `${sshHost.siteDir}$(touch pwned)` }, /Input "target" must be an absolute path of letters/],
    [{ 'release-id': '$(id)' }, /Input "release-id" must be a release id/],
    [{ 'release-id': '`touch pwned`' }, /Input "release-id" must be a release id/],
    [{ user: 'root; touch pwned' }, /Input "user" must be a user name/],
    [{ host: '127.0.0.1;touch pwned' }, /Input "host" must be/],
    [{ port: '22 && touch pwned' }, /Input "port" must be an integer/],
    [{ 'keep-releases': '$(id)' }, /Input "keep-releases" must be an integer/],
    [
      { 'nginx-config': 'site.conf', 'nginx-config-path': '/etc/nginx/x.conf; touch pwned' },
      /Input "nginx-config-path" must be an absolute path of letters/,
    ],
  ];
  const runs = await Promise.all(cases.map(([overrides]) => deploy(overrides)));
  runs.forEach((run, index) => {
    const [overrides, message] = cases[index];
    const error = run.annotations.find((annotation) => annotation.level === 'error')?.message ?? '';
    expect({ overrides, code: run.code, error }).toEqual({ overrides, code: 1, error: expect.stringMatching(message) });
  });
  // Refused inputs and refused hosts never get a command (a bad build is found while the host is connected, before
  // anything runs on it): no session was started anywhere.
  expect(await sessionsStarted()).toBe(before.sessions);
  expect(await treeOf(sshHost.baseDir)).toEqual(before.tree);
  for (const dir of [workspace, sshHost.baseDir, process.env.HOME ?? '/root'])
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
});

test('a deploy killed with SIGKILL leaves a stale lock that the next run takes over', async () => {
  const dist = join(workspace, 'dist');
  await writeVersionedSite(dist, 'before-kill');
  expect((await deploy({ 'release-id': 'before-kill' })).code).toBe(0);
  await writeTree(dist, { 'assets/noise.bin': randomBytes(4 * 1024 * 1024) });
  // A slow link keeps the killed deploy in the middle of its upload.
  const link = await startLinkProxy({
    targetHost: '127.0.0.1',
    targetPort: sshHost.sshPort,
    bandwidthBitsPerSecond: 8_000_000,
  });
  const values = {
    ...actionDefaults('deploy-frontend-nginx'),
    ...inputs({
      port: String(link.port),
      'known-hosts': '',
      'host-fingerprint': sshHost.hostFingerprint,
      'release-id': 'killed',
    }),
  };
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    GITHUB_WORKSPACE: workspace,
    GITHUB_RUN_ID: '777',
  };
  for (const [name, value] of Object.entries(values)) env[inputVariableName(name) as keyof typeof env] = value;
  const child = spawn(process.execPath, [join(actionDir('deploy-frontend-nginx'), 'dist', 'index.js')], {
    cwd: workspace,
    env,
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  try {
    const deadline = Date.now() + 15_000;
    // Killed in the middle of the upload: the partial release is being written.
    const partial = join(sshHost.siteDir, 'releases/.killed.partial/assets');
    while (Date.now() < deadline && !existsSync(partial)) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await readFile(join(sshHost.siteDir, '.deploy/lock/owner'), 'utf8')).toContain('run=777.1');
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
  } finally {
    child.kill('SIGKILL');
    await link.stop();
  }
  expect(existsSync(join(sshHost.siteDir, '.deploy/lock'))).toBe(true);
  expect(await readlink(join(sshHost.siteDir, 'current'))).toBe('releases/before-kill');

  const next = await deploy({ 'release-id': 'after-kill' });
  expect(next.code).toBe(0);
  expect(next.log).toMatch(/took over a stale lock of run 777\.1/);
  // The build removes its own partial release when its input ends early; a run killed harder leaves it to the next run.
  expect(existsSync(join(sshHost.siteDir, 'releases/.killed.partial'))).toBe(false);
  expect(await servedDifferences(sshHost.siteUrl, dist)).toEqual([]);
  expect(existsSync(join(sshHost.siteDir, '.deploy/lock'))).toBe(false);
});
