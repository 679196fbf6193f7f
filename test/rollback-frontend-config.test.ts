import { readlink } from 'node:fs/promises';
import { runBundledAction, type ActionRun } from '@sophia-testing/action-runner';
import { startSshHost, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import { httpGet, join, readFile, rm, tempDir, writeFile, writeVersionedSite } from './frontend-helpers.js';
import { runFrontendDeploy } from './fixtures/frontend-bed.js';

/**
 * A deploy with `nginx-config` installs a site config rendered for its release; a rollback to an
 * earlier release must put back the config that release went live with, or a config naming the
 * release directory (`{{release}}`) keeps serving the release rolled back from. Real sshd and nginx,
 * through the bundled actions as the pipeline runs them: `plain` (no config), `a` (v1) and `b` (v2)
 * with a template whose root is `{{release}}`.
 */
let sshHost: LocalSshHost;
let workspace: string;
const configPath = (): string => join(sshHost.nginxConfigDir, 'site.conf');
const installed = (): Promise<string> => readFile(configPath(), 'utf8');

async function deploy(releaseId: string, version: string, withConfig: boolean): Promise<void> {
  await writeVersionedSite(join(workspace, 'dist'), version);
  const run = await runFrontendDeploy(sshHost, workspace, {
    'release-id': releaseId,
    'nginx-test-command': sshHost.nginxTestCommand,
    'nginx-reload-command': sshHost.nginxReloadCommand,
    ...(withConfig ? { 'nginx-config': 'site.conf.tpl', 'nginx-config-path': configPath() } : {}),
  });
  expect(run.annotations.filter((annotation) => annotation.level === 'error')).toEqual([]);
  expect(run.code).toBe(0);
}

function rollback(inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runBundledAction({
    action: 'rollback',
    inputs: {
      component: 'frontend',
      target: sshHost.siteDir,
      ...sshHost.sshInputs(),
      'nginx-test-command': sshHost.nginxTestCommand,
      'nginx-reload-command': sshHost.nginxReloadCommand,
      ...inputs,
    },
  });
}

function versionServed(body: string): string {
  return [...body.matchAll(/<title>(v\d)<\/title>/g)].map((match) => match[1]).join(',');
}

/**
 * What the site serves once nginx has taken up its config: `nginx -s reload` returns when the signal
 * is sent, and the old worker answers until the new ones run, so the answer is awaited for up to 5 s.
 */
async function served(expected: string): Promise<string> {
  let last = '';
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const answer = await httpGet(sshHost.siteUrl);
    last = `${answer.status} ${versionServed(answer.body.toString())}`;
    if (last === `200 ${expected}`) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return last;
}

const rootOf = (releaseId: string): string => `root ${sshHost.siteDir}/releases/${releaseId};`;

beforeAll(async () => {
  sshHost = await startSshHost();
  workspace = await tempDir('rollback-config-');
  await writeFile(
    join(workspace, 'site.conf.tpl'),
    `server {\n  listen 127.0.0.1:${sshHost.nginxPort};\n  server_name 127.0.0.1;\n  index index.html;\n  root {{release}};\n}\n`,
  );
  await deploy('plain', 'v0', false);
  await deploy('a', 'v1', true);
  await deploy('b', 'v2', true);
});
afterAll(async () => {
  await rm(configPath(), { force: true });
  await sshHost?.stop();
  await rm(workspace, { recursive: true, force: true });
});

test('the deploys installed configs naming their own release, and b serves', async () => {
  expect(await installed()).toContain(rootOf('b'));
  expect(await served('v2')).toBe('200 v2');
});

test('a config the test command refuses stops the rollback before the switch: b and its config stay', async () => {
  const run = await rollback({ 'nginx-test-command': 'echo no such directive; exit 3' });
  expect(run.code).not.toBe(0);
  expect(run.annotations.map((annotation) => annotation.message).join('\n')).toContain(
    'nginx refused the config of release a',
  );
  expect(await installed()).toContain(rootOf('b'));
  expect(await readlink(join(sshHost.siteDir, 'current'))).toBe('releases/b');
  expect(await served('v2')).toBe('200 v2');
  expect(await readFile(join(sshHost.siteDir, '.deploy/lock/owner'), 'utf8').catch(() => 'free')).toBe('free');
});

test('a reload that fails after the config went in puts back both the release and the config', async () => {
  const run = await rollback({ 'nginx-reload-command': 'exit 3' });
  expect(run.code).not.toBe(0);
  expect(run.annotations.map((annotation) => annotation.message).join('\n')).toContain(
    'the reload command exited with status 3',
  );
  expect(await installed()).toContain(rootOf('b'));
  expect(await readlink(join(sshHost.siteDir, 'current'))).toBe('releases/b');
  expect(await served('v2')).toBe('200 v2');
});

test('rollback to a puts back the config a went live with: the site serves a and the config names it', async () => {
  const run = await rollback();
  expect(run.code).toBe(0);
  expect(run.outputs).toEqual({ from: 'b', to: 'a', live: 'a', switched: 'true' });
  expect(await readlink(join(sshHost.siteDir, 'current'))).toBe('releases/a');
  expect(await installed()).toContain(rootOf('a'));
  expect(await installed()).not.toContain(rootOf('b'));
  expect(await served('v1')).toBe('200 v1');
});

test('a release deployed without a config leaves the installed config alone', async () => {
  const before = await installed();
  const run = await rollback({ to: 'plain' });
  expect(run.code).toBe(0);
  expect(await readlink(join(sshHost.siteDir, 'current'))).toBe('releases/plain');
  expect(await installed()).toBe(before);
});
