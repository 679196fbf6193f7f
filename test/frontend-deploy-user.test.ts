import { readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { actionDir, runBundledAction, type ActionRun } from '@sophia-testing/action-runner';
import { startDeployUserHost, type DeployUserHost } from '@sophia-testing/ssh-hosts';
import {
  mkdir,
  rm,
  servedDifferences,
  startPoller,
  tempDir,
  writeFile,
  writeVersionedSite,
} from './frontend-helpers.js';

/**
 * What the site still serves differently from `source`, polled for up to 10 s until it has served
 * `source` five reads in a row: `nginx -s reload` returns before the new workers answer, and for a
 * moment after the first of them does, old workers still accept connections with the old config
 * (before the first deploy: no site at all, so a 404).
 */
async function servedOnceReloaded(siteUrl: string, source: string): Promise<string[]> {
  let differences = await servedDifferences(siteUrl, source);
  let inARow = differences.length === 0 ? 1 : 0;
  for (let attempt = 0; attempt < 100 && inARow < 5; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    differences = await servedDifferences(siteUrl, source);
    inARow = differences.length === 0 ? inARow + 1 : 0;
  }
  return differences;
}

/**
 * The deploy as the docs tell an administrator to set it up: a non-root `deploy` user, the target
 * and the one site file made over to it, and exactly the sudoers rule of the README's "Host setup"
 * (run verbatim, only the example target path replaced), against the system nginx (workers as
 * www-data) and a real sshd. The bundled actions run with their default nginx commands, so the
 * defaults, the documented rule and the code are proven together: deploys, a config nginx refuses,
 * a failed smoke check, and a rollback.
 */
const README = join(actionDir('deploy-frontend-nginx'), 'README.md');
const DOCUMENTED_TARGET = '/var/www/sophia';
const SITE_CONFIG = '/etc/nginx/sites-enabled/sophia.conf';

let host: DeployUserHost;
let work: string;
let target: string;
let template: string;
const versions: string[] = [];

/** The fenced block of `language` that follows `heading` in the action's README. */
async function readmeBlock(heading: string, language: string): Promise<string> {
  const text = await readFile(README, 'utf8');
  const start = text.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const match = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(text.slice(start));
  expect(match).not.toBeNull();
  return match![1];
}

function action(name: 'deploy-frontend-nginx' | 'rollback', inputs: Record<string, string>): Promise<ActionRun> {
  return runBundledAction({
    action: name,
    cwd: work,
    timeoutMs: 60_000,
    inputs: {
      host: '127.0.0.1',
      port: String(host.sshPort),
      user: host.user,
      'ssh-key': host.privateKey,
      'known-hosts': host.knownHosts,
      'connect-attempts': '1',
      target,
      // nginx-test-command and nginx-reload-command stay at their defaults: sudo -n nginx ...
      ...inputs,
    },
  });
}

async function deploy(version: string, inputs: Record<string, string> = {}): Promise<ActionRun> {
  if (!versions.includes(version)) versions.push(version);
  await writeVersionedSite(join(work, 'dist'), version);
  return action('deploy-frontend-nginx', {
    source: 'dist',
    'release-id': version,
    'nginx-config': 'site.conf.template',
    'nginx-config-path': SITE_CONFIG,
    'server-names': '127.0.0.1',
    ...inputs,
  });
}

const siteConfig = () => readFile(join(host.etcNginxDir, 'sites-enabled/sophia.conf'), 'utf8');
const errorsOf = (run: ActionRun) =>
  run.annotations.filter((note) => note.level === 'error').map((note) => note.message);

beforeAll(async () => {
  host = await startDeployUserHost();
  work = await tempDir('frontend-deploy-user-');
  target = join(host.baseDir, 'www/sophia');
  await mkdir(join(host.baseDir, 'www'), { mode: 0o755 });
  const setup = await readmeBlock('## Host setup', 'sh');
  expect(setup).toContain(DOCUMENTED_TARGET);
  await host.runAsRoot(setup.replaceAll(DOCUMENTED_TARGET, target));
  // The README's example template, listening where this host's nginx does.
  const example = await readmeBlock('{{server_name}}', 'nginx');
  expect(example).toContain('listen 80;');
  template = example.replace('listen 80;', `listen 127.0.0.1:${host.nginxPort};`);
  await writeFile(join(work, 'site.conf.template'), template);
});

afterAll(async () => {
  await host?.stop();
  await rm(work, { recursive: true, force: true });
});

test('the documented setup gives the deploy user the target, the site file and two nginx commands, nothing more', async () => {
  const rule = (await readFile(join(host.sudoersDir, 'sophia-deploy'), 'utf8')).trim();
  expect(rule).toBe('deploy ALL=(root) NOPASSWD: /usr/sbin/nginx -t, /usr/sbin/nginx -s reload');
  const listed = await host.runAsRoot(`sudo -l -U ${host.user}`);
  expect(listed).toContain('(root) NOPASSWD: /usr/sbin/nginx -t, /usr/sbin/nginx -s reload');
  expect((await stat(target)).uid).toBe(host.uid);
  expect((await stat(join(host.etcNginxDir, 'sites-enabled/sophia.conf'))).uid).toBe(host.uid);
  expect((await stat(join(host.etcNginxDir, 'sites-enabled'))).uid).toBe(0);
});

describe('deploys and rolls back as the non-root deploy user', () => {
  let poller: ReturnType<typeof startPoller>;

  test('a first and a second deploy install the site config and switch, with the default sudo commands', async () => {
    const first = await deploy('one');
    expect(errorsOf(first)).toEqual([]);
    expect(first.code).toBe(0);
    expect(await siteConfig()).toContain(`root ${target}/current;`);
    expect(await servedOnceReloaded(host.siteUrl, join(work, 'dist'))).toEqual([]);
    // Every file of the release belongs to the deploy user (disable_symlinks if_not_owner relies on it).
    expect((await stat(join(target, 'releases/one/index.html'))).uid).toBe(host.uid);
    poller = startPoller(host.siteUrl, () => versions);

    const second = await deploy('two');
    expect(errorsOf(second)).toEqual([]);
    expect(second.code).toBe(0);
    expect(await readlink(join(target, 'current'))).toBe('releases/two');
    expect(await servedOnceReloaded(host.siteUrl, join(work, 'dist'))).toEqual([]);
  });

  test('a config nginx refuses fails before the switch and the previous site file stays', async () => {
    const before = await siteConfig();
    await writeFile(
      join(work, 'broken.conf.template'),
      template.replace('root {{root}};', 'root {{root}};\n  no_such_directive on;'),
    );
    const run = await deploy('three', { 'nginx-config': 'broken.conf.template' });
    expect(run.code).not.toBe(0);
    expect(errorsOf(run).join('\n')).toContain('unknown directive "no_such_directive"');
    expect(await siteConfig()).toBe(before);
    expect(await readlink(join(target, 'current'))).toBe('releases/two');
  });

  test('a failed smoke check reloads the previous release back through sudo', async () => {
    const run = await deploy('four', {
      // The example template answers every path with index.html: a port nothing listens on fails for sure.
      'smoke-url': 'http://127.0.0.1:9/healthz',
    });
    expect(run.code).not.toBe(0);
    expect(errorsOf(run).join('\n')).toContain('Smoke check');
    expect(await readlink(join(target, 'current'))).toBe('releases/two');
    await writeVersionedSite(join(work, 'dist'), 'two');
    expect(await servedOnceReloaded(host.siteUrl, join(work, 'dist'))).toEqual([]);
  });

  test('rollback goes to the release before, reloading through sudo', async () => {
    const run = await action('rollback', { component: 'frontend' });
    expect(errorsOf(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ from: 'two', to: 'one' });
    await writeVersionedSite(join(work, 'dist'), 'one');
    expect(await servedOnceReloaded(host.siteUrl, join(work, 'dist'))).toEqual([]);
    // Every run freed its lock.
    await expect(stat(join(target, '.deploy/lock'))).rejects.toThrow('ENOENT');
  });

  test('the poller saw only whole releases, always 200', async () => {
    const verdict = await poller.stop();
    expect(verdict.problems).toEqual([]);
    expect(verdict.requests).toBeGreaterThan(20);
  });
});
