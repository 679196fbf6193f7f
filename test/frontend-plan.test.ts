/**
 * The frontend deploy plan against a real sshd and nginx host: a plan changes nothing on the host
 * (every file, link and directory of the target, with its inode, mode, times and bytes, and the
 * site config are the same after it; no lock is left), and the deploy right after it does what it
 * said: the paths it named as added, changed and removed are exactly what changed in the served
 * tree, and the nginx config changed when, and only when, it said so.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { basename } from 'node:path';
import { renderMarkdown } from '@sophia-testing/github-api';
import {
  planFrontend,
  scanSource,
  type FrontendDeployRequest,
  type FrontendPlan,
  type HostPlan,
} from '@sophia/releases';
import {
  chmod,
  deployReport,
  join,
  mkdir,
  readFile,
  rm,
  symlink,
  tempDir,
  writeFile,
  writeVersionedSite,
} from './frontend-helpers.js';
import { plansMarkdown } from '../actions/plan-comment/src/plans.js';
import { runFrontendDeploy, useFrontendTestBed } from './fixtures/frontend-bed.js';

const bed = useFrontendTestBed('frontend-plan-');

const configPath = () => join(bed.sshHost.nginxConfigDir, 'plan-site.conf');
// The release id in the config: each release changes it, a redeploy of the same release does not.
const template = () =>
  `# release {{release_id}}\nserver {\n  listen 127.0.0.1:${bed.sshHost.nginxPort};\n  server_name 127.0.0.1;\n  root {{root}};\n}\n`;

async function request(source: string, releaseId: string): Promise<FrontendDeployRequest> {
  return {
    sourceRoot: source,
    manifest: await scanSource(source),
    target: bed.sshHost.siteDir,
    releaseId,
    keepReleases: 5,
    nginxConfig: { template: template(), templateName: 'site.conf.tpl', remotePath: configPath() },
    nginxReloadCommand: bed.sshHost.nginxReloadCommand,
    nginxTestCommand: bed.sshHost.nginxTestCommand,
    lockTimeoutMs: 5000,
    origin: { commit: releaseId, ref: 'main', runUrl: '', actor: 'tester', runId: `run-${releaseId}` },
  };
}

async function plan(source: string, releaseId: string, pathLimit = 1000): Promise<HostPlan> {
  const before = await hostSnapshot();
  const made = await planFrontend({ ...(await request(source, releaseId)), pathLimit }, [
    { name: '127.0.0.1', session: bed.session },
  ]);
  expect(await hostSnapshot()).toEqual(before);
  expect(made.schema).toBe('sophia.deploy-plan/v1');
  expect(JSON.parse(JSON.stringify(made))).toEqual(made);
  return made.hosts[0];
}

/** Everything under the target and the site config, as the file system has it (access times aside). */
async function hostSnapshot(): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  const walk = async (dir: string, relative: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const key = relative ? `${relative}/${name}` : name;
      const stat = await lstat(path);
      const times = `${stat.ino} ${stat.mode} ${stat.mtimeMs} ${stat.ctimeMs} ${stat.nlink}`;
      if (stat.isSymbolicLink()) found[key] = `link ${await readlink(path)} ${times}`;
      else if (stat.isDirectory()) {
        found[key] = `dir ${times}`;
        await walk(path, key);
      } else found[key] = `file ${times} ${hash(await readFile(path))}`;
    }
  };
  if (existsSync(bed.sshHost.siteDir)) await walk(bed.sshHost.siteDir, '');
  found['(config)'] = existsSync(configPath()) ? await readFile(configPath(), 'utf8') : '(none)';
  return found;
}

const hash = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The served tree (`current`), each file and link as its content, mode or target. */
async function servedTree(): Promise<Map<string, string>> {
  const tree = new Map<string, string>();
  const root = join(bed.sshHost.siteDir, 'current');
  if (!existsSync(root)) return tree;
  const walk = async (dir: string, relative: string): Promise<void> => {
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      const key = relative ? `${relative}/${name}` : name;
      const stat = await lstat(path);
      if (stat.isSymbolicLink()) tree.set(key, `link ${await readlink(path)}`);
      else if (stat.isDirectory()) await walk(path, key);
      else tree.set(key, `${(stat.mode & 0o7777).toString(8)} ${hash(await readFile(path))}`);
    }
  };
  await walk(root + '/', '');
  return tree;
}

/** What the deploy changed in the served tree, as sorted path lists. */
function difference(before: Map<string, string>, after: Map<string, string>) {
  const sorted = (paths: string[]) => paths.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return {
    added: sorted([...after.keys()].filter((path) => !before.has(path))),
    changed: sorted([...after.keys()].filter((path) => before.has(path) && before.get(path) !== after.get(path))),
    removed: sorted([...before.keys()].filter((path) => !after.has(path))),
  };
}

async function deployAndCompare(source: string, releaseId: string, planned: HostPlan): Promise<void> {
  const before = await servedTree();
  const configBefore = existsSync(configPath()) ? await readFile(configPath(), 'utf8') : undefined;
  const report = await deployReport(await request(source, releaseId), [{ name: '127.0.0.1', session: bed.session }]);
  expect(report.error).toBeUndefined();
  const after = await servedTree();
  expect(difference(before, after)).toEqual({
    added: planned.added.paths,
    changed: planned.changed.paths,
    removed: planned.removed.paths,
  });
  const configAfter = await readFile(configPath(), 'utf8');
  const change = configBefore === undefined ? 'created' : configBefore === configAfter ? 'unchanged' : 'changed';
  expect(planned.nginxConfig).toEqual({ path: configPath(), change });
}

test('a first plan names every file as added and the config as created, changes nothing, and the deploy does that', async () => {
  const source = join(bed.work, 'v1');
  await writeVersionedSite(source, 'v1', { 'docs/old.html': 'going away' });
  const planned = await plan(source, 'r1');
  expect(planned).toMatchObject({
    host: '127.0.0.1',
    liveRelease: '',
    liveKnown: true,
    alreadyLive: false,
    changed: { count: 0, bytes: 0, paths: [] },
    removed: { count: 0, bytes: 0, paths: [] },
    unchanged: { count: 0, bytes: 0 },
    blockers: [],
  });
  const manifest = await scanSource(source);
  const files = manifest.entries.filter((entry) => entry.type === 'file');
  expect(planned.added.count).toBe(files.length);
  expect(planned.added.bytes).toBe(files.reduce((sum, entry) => sum + (entry.type === 'file' ? entry.size : 0), 0));
  expect(planned.upload).toEqual({ files: planned.added.count, bytes: planned.added.bytes });
  await deployAndCompare(source, 'r1', planned);
});

test('a plan against the live release lists added, changed (content, mode, a link) and removed paths, and files changed on the server; the deploy changes exactly those', async () => {
  const source = join(bed.work, 'v2');
  await writeVersionedSite(source, 'v2', { 'docs/new.html': 'new page' });
  // Same bytes as v1's logo, new mode; a link that is new.
  await chmod(join(source, 'stable/logo.svg'), 0o755);
  await symlink('../index.html', join(source, 'docs/home.html'));
  // Someone edited a file of the live release on the server: it is compared as it is now.
  const edited = join(bed.sshHost.siteDir, 'current/docs/old.html');
  await writeFile(edited, 'edited on the server');

  const planned = await plan(source, 'r2');
  expect(planned.liveRelease).toBe('r1');
  expect(planned.added.paths).toEqual(['docs/home.html', 'docs/new.html']);
  expect(planned.changed.paths).toEqual([
    'app.js',
    'assets/big.bin',
    'assets/style.css',
    'index.html',
    'stable/logo.svg',
  ]);
  expect(planned.removed).toEqual({ count: 1, bytes: 'edited on the server'.length, paths: ['docs/old.html'] });
  expect(planned.drifted).toEqual(['docs/old.html']);
  expect(planned.unchanged).toEqual({ count: 0, bytes: 0 });
  // Every new or changed file crosses the wire, the logo too: a hard link would share the old mode.
  expect(planned.upload.files).toBe(6);

  // A short list names the first paths only; counts and bytes still cover all.
  const short = await plan(source, 'r2', 2);
  expect(short.changed).toEqual({ ...planned.changed, paths: planned.changed.paths.slice(0, 2) });

  await deployAndCompare(source, 'r2', planned);
});

test('the live release planned again changes nothing; a lock held now and a live id with other content are named as blockers', async () => {
  const source = join(bed.work, 'v2');
  const again = await plan(source, 'r2');
  expect(again).toMatchObject({
    liveRelease: 'r2',
    alreadyLive: true,
    added: { count: 0 },
    changed: { count: 0 },
    removed: { count: 0 },
    upload: { files: 0, bytes: 0 },
    nginxConfig: { change: 'unchanged' },
    blockers: [],
  });
  expect(again.unchanged.count).toBe((await servedTree()).size);

  await mkdir(join(bed.sshHost.siteDir, '.deploy/lock'));
  await writeFile(join(bed.sshHost.siteDir, '.deploy/lock/owner'), 'run=99.1\nurl=\nrunner=ci-7\ntime=now\ntoken=t\n');
  try {
    await writeVersionedSite(join(bed.work, 'v2-other'), 'v2-other');
    const refused = await plan(join(bed.work, 'v2-other'), 'r2');
    expect(refused.alreadyLive).toBe(false);
    expect(refused.blockers).toEqual([
      'release r2 is live with different content (or files changed on the server): the deploy would refuse it; use a new release-id',
      expect.stringMatching(
        /^another deploy holds the lock now \(run 99\.1 on ci-7 since now\): the deploy would wait/,
      ),
    ]);
  } finally {
    await rm(join(bed.sshHost.siteDir, '.deploy/lock'), { recursive: true, force: true });
  }
});

test('dry-run: true through the bundled action publishes the plan and its summary and changes nothing', async () => {
  const workspace = await tempDir('frontend-plan-action-');
  try {
    await writeVersionedSite(join(workspace, 'dist'), 'v3');
    await writeFile(join(workspace, 'site.conf.tpl'), template());
    const before = await hostSnapshot();
    const run = await runFrontendDeploy(bed.sshHost, workspace, {
      'release-id': 'r3',
      'nginx-config': 'site.conf.tpl',
      'nginx-config-path': configPath(),
      'dry-run': 'true',
    });
    expect(run.code).toBe(0);
    expect(await hostSnapshot()).toEqual(before);
    const published = JSON.parse(run.outputs.plan) as FrontendPlan;
    expect(published).toMatchObject({ schema: 'sophia.deploy-plan/v1', target: 'frontend', releaseId: 'r3' });
    const host = published.hosts[0];
    expect(host).toMatchObject({ liveRelease: 'r2', nginxConfig: { change: 'changed' } });
    expect(host.changed.paths).toEqual([
      'app.js',
      'assets/big.bin',
      'assets/style.css',
      'index.html',
      'stable/logo.svg',
    ]);
    expect(host.removed.paths).toEqual(['docs/home.html', 'docs/new.html']);
    expect(run.runnerTempLeft).toContain(basename(run.outputs['plan-file']));
    expect(run.summary).toContain('### Frontend plan for release r3 (dry run: nothing was changed)');
    expect(run.summary).toMatch(
      /^\| 127\.0\.0\.1:\d+ \| r2 \| - \| 5 \([\d.]+ KiB\) \| 2 \(8 B\) \| - \| 5 files \([\d.]+ KiB\) \| changed \(.*plan-site\.conf\) \|$/m,
    );
    expect(run.summary).toContain('- `docs/new.html`');
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
});

test('a build whose file names would hide the rest of a plan comment: every planned path reads as text, production keeps its section, and the deploy does what the plan said', async () => {
  const workspace = await tempDir('frontend-plan-names-');
  try {
    const source = join(workspace, 'dist');
    // Names that end a code span, open an HTML comment at a line's start, or read as tags.
    await writeVersionedSite(source, 'v4', {
      'x`<!--.js': 'a',
      '<!-- a.js': 'b',
      'docs/<b>c</b>&amp;.html': 'c',
      '``d``.js': 'd',
      'e|f.js': 'e',
    });
    await writeFile(join(workspace, 'site.conf.tpl'), template());
    const before = await hostSnapshot();
    const run = await runFrontendDeploy(bed.sshHost, workspace, {
      source: 'dist',
      'release-id': 'r4',
      'nginx-config': 'site.conf.tpl',
      'nginx-config-path': configPath(),
      'dry-run': 'true',
    });
    expect(run.code).toBe(0);
    expect(await hostSnapshot()).toEqual(before);
    const planned = JSON.parse(run.outputs.plan) as FrontendPlan;
    const host = planned.hosts[0];
    const paths = [...host.added.paths, ...host.changed.paths, ...host.removed.paths];
    expect(host.added.paths).toEqual(expect.arrayContaining(['x`<!--.js', '<!-- a.js', '``d``.js', 'e|f.js']));

    // The pull request's comment: staging's plan first, then production's.
    const { body } = plansMarkdown(
      [
        { environment: 'staging', component: 'frontend', plan: planned },
        { environment: 'production', component: 'frontend', plan: planned },
      ],
      [],
      [],
      '',
      65_536,
    );
    for (const markdown of [run.summary, body]) {
      expect(markdown.split('\n').filter((line) => line.trimStart().startsWith('<!--'))).toEqual([]);
      const { html, codeSpans } = renderMarkdown(markdown);
      expect(html).not.toContain('<!--');
      for (const path of paths) expect(codeSpans).toContain(path);
    }
    const { html } = renderMarkdown(body);
    expect(html).toContain('<h2>production</h2>');
    expect(html).toContain('<h3>production: frontend</h3>');
    // Production's own list of paths, after staging's, is whole.
    const production = html.slice(html.indexOf('<h2>production</h2>'));
    expect(production).toContain('<code>e|f.js</code>');
    expect(production).toContain('<code>``d``.js</code>');

    await deployAndCompare(source, 'r4', host);
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
});
