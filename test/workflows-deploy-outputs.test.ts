/**
 * What deploy.yml tells its caller in `frontend-release-id` (docs/workflows.md: "the release this
 * run made live and left live; empty when the frontend deploy failed, was not run, or was rolled
 * back"). Run by the local workflow runner as a workflow_call: against an SSH address nothing
 * listens on (the deploy fails), and against a real sshd + nginx whose gate fails after the
 * release went live (the run switches the host back, so the release it made is no longer live).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSshHost } from '@sophia-testing/ssh-hosts';
import { runWorkflow, type RunWorkflowOptions } from '@sophia-testing/workflow-runner';
import { frontendHostInputs, repoRoot } from './support/workflows.js';
import { httpGet } from './frontend-helpers.js';

let workspace: string;

beforeAll(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'deploy-outputs-'));
  mkdirSync(path.join(workspace, 'keys'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(workspace, 'keys', 'id')]);
});

afterAll(() => rmSync(workspace, { recursive: true, force: true }));

/**
 * deploy.yml called for the staging frontend alone: `page` built as the site (index.html), the
 * gate short; `inputs` name the host and health URLs, `secrets` its SSH key and known_hosts,
 * `sha` the commit deployed (its release id), `onJob` is told as each job ends.
 */
function deployFrontend(
  page: string,
  inputs: Record<string, string>,
  secrets: Record<string, string>,
  sha?: string,
  onJob?: RunWorkflowOptions['onJob'],
) {
  writeFileSync(path.join(workspace, 'index.html'), page);
  return runWorkflow({
    file: path.join(repoRoot, '.github', 'workflows', 'deploy.yml'),
    workspace,
    event: 'workflow_call',
    inputs: {
      environment: 'staging',
      components: 'frontend',
      'frontend-build-command': 'mkdir -p dist && cp index.html dist/',
      'health-interval': '100ms',
      'health-timeout': '500ms',
      ...inputs,
    },
    secrets,
    environments: { staging: {} },
    ...(sha ? { github: { sha } } : {}),
    onJob,
  });
}

/**
 * deployFrontend of `<p>Sophia {version}</p>` to one local host (its URL, address, target, nginx
 * commands, SSH user and keys), the gate reading `healthUrl`, with `inputs` over those.
 */
function deployToHost(
  host: Awaited<ReturnType<typeof startSshHost>>,
  version: string,
  healthUrl: string,
  inputs: Record<string, string> = {},
  onJob?: RunWorkflowOptions['onJob'],
) {
  return deployFrontend(
    `<p>Sophia ${version}</p>\n`,
    {
      ...frontendHostInputs(host),
      'health-urls': healthUrl,
      ...inputs,
    },
    { SSH_KEY: host.privateKey, SSH_KNOWN_HOSTS: host.knownHosts },
    version.repeat(40),
    onJob,
  );
}

test('a frontend deploy that fails names no release: frontend-release-id is empty', async () => {
  const hostKey = readFileSync(path.join(workspace, 'keys', 'id.pub'), 'utf8')
    .split(' ')
    .slice(0, 2)
    .join(' ');
  const run = await deployFrontend(
    '<p>Sophia</p>\n',
    {
      'frontend-url': 'http://127.0.0.1:9/',
      // An address nothing listens on: the deploy cannot reach its host and changes nothing.
      'frontend-host': '127.0.0.1:9',
      'health-urls': 'http://127.0.0.1:9/healthz',
    },
    {
      SSH_KEY: readFileSync(path.join(workspace, 'keys', 'id'), 'utf8'),
      SSH_KNOWN_HOSTS: `[127.0.0.1]:9 ${hostKey}\n`,
    },
  );
  const frontend = run.jobs.find((job) => job.id === 'frontend');
  expect(frontend?.result).toBe('failure');
  // The action itself names the release it prepared...
  expect(frontend?.steps.find((step) => step.name === 'Deploy to nginx')?.outputs['release-id']).toMatch(/\S/);
  // ...but neither the job nor the workflow passes it on as deployed.
  expect(frontend?.outputs['release-id']).toBe('');
  expect(run.outputs['frontend-release-id']).toBe('');
}, 120_000);

test('a release the gate rolled back is not live: frontend-release-id is empty, the earlier release serves', async () => {
  const host = await startSshHost();
  try {
    const deploy = (version: string, healthUrl: string) => deployToHost(host, version, healthUrl);
    const first = await deploy('a', host.siteUrl);
    expect(first.result).toBe('success');
    const live = first.outputs['frontend-release-id'];
    expect(live).toMatch(/\S/);

    // The gate reads a URL nothing answers on: the release this run made live is switched back.
    const second = await deploy('b', 'http://127.0.0.1:9/healthz');
    const frontend = second.jobs.find((job) => job.id === 'frontend');
    const rollback = second.jobs.find((job) => job.id === 'rollback-frontend');
    expect(frontend?.result).toBe('success');
    expect(frontend?.outputs['release-id']).toMatch(/\S/);
    expect(frontend?.outputs['release-id']).not.toBe(live);
    expect(second.jobs.find((job) => job.id === 'health-gate')?.result).toBe('failure');
    expect(rollback?.result).toBe('success');
    expect(rollback?.outputs).toMatchObject({ live, switched: 'true' });
    expect(second.outputs['frontend-release-id']).toBe('');
    // What nginx serves is the first run's release again.
    const served = await httpGet(host.siteUrl);
    expect(served.status).toBe(200);
    expect(served.body.toString()).toBe('<p>Sophia a</p>\n');
  } finally {
    await host.stop();
  }
}, 120_000);

/** A directory the host's unprivileged users (sshd's deploy user, nginx) can write flags into. */
function sharedDirectory(): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'deploy-outputs-flags-'));
  chmodSync(directory, 0o777);
  return directory;
}

test("a gate rollback that fails puts this run's release back: frontend-release-id names it, it serves", async () => {
  const host = await startSshHost();
  const flags = sharedDirectory();
  // Refuses one reload once the flag is there: the rollback's reload, set up as the deploy job ends.
  const refuseReload = path.join(flags, 'refuse-next-reload');
  try {
    const deploy = (version: string, healthUrl: string, onJob?: RunWorkflowOptions['onJob']) =>
      deployToHost(
        host,
        version,
        healthUrl,
        {
          'frontend-nginx-reload-command': `if [ -e ${refuseReload} ]; then rm -f ${refuseReload}; echo reload refused >&2; exit 1; fi; ${host.nginxReloadCommand}`,
        },
        onJob,
      );
    expect((await deploy('a', host.siteUrl)).result).toBe('success');

    const second = await deploy('b', 'http://127.0.0.1:9/healthz', (job) => {
      if (job.id === 'frontend') writeFileSync(refuseReload, '');
    });
    const released = second.jobs.find((job) => job.id === 'frontend')?.outputs['release-id'];
    const rollback = second.jobs.find((job) => job.id === 'rollback-frontend');
    expect(released).toMatch(/\S/);
    expect(second.jobs.find((job) => job.id === 'health-gate')?.result).toBe('failure');
    expect(rollback?.result).toBe('failure');
    expect(existsSync(refuseReload)).toBe(false);
    // The release the rollback aimed for is not what serves: the host was put back on this run's.
    expect(rollback?.steps.find((step) => step.name.startsWith('Switch back'))?.outputs.to).not.toBe(released);
    expect(rollback?.outputs).toMatchObject({ live: released, switched: 'false' });
    expect(second.outputs['frontend-release-id']).toBe(released);
    expect((await httpGet(host.siteUrl)).body.toString()).toBe('<p>Sophia b</p>\n');
  } finally {
    await host.stop();
    rmSync(flags, { recursive: true, force: true });
  }
}, 180_000);

test('the gate rollback tests the site config it installs again with frontend-nginx-test-command', async () => {
  const host = await startSshHost();
  const flags = sharedDirectory();
  const tested = path.join(flags, 'tested');
  const configPath = path.join(host.nginxConfigDir, 'site.conf');
  writeFileSync(
    path.join(workspace, 'site.conf.tpl'),
    `server {\n  listen 127.0.0.1:${host.nginxPort};\n  server_name 127.0.0.1;\n  index index.html;\n  root {{release}};\n}\n`,
  );
  const testRuns = () => (existsSync(tested) ? readFileSync(tested, 'utf8').trim().split('\n').length : 0);
  try {
    const deploy = (version: string, healthUrl: string) =>
      deployToHost(host, version, healthUrl, {
        'frontend-nginx-config': 'site.conf.tpl',
        'frontend-nginx-config-path': configPath,
        // The default (sudo -n nginx -t) cannot run on this host: only the caller's command can pass.
        'frontend-nginx-test-command': `echo tested >> ${tested}; ${host.nginxTestCommand}`,
      });
    const first = await deploy('a', host.siteUrl);
    expect(first.result).toBe('success');
    const afterDeploys = testRuns();
    const second = await deploy('b', 'http://127.0.0.1:9/healthz');
    const deployTests = testRuns() - afterDeploys;
    expect(second.jobs.find((job) => job.id === 'rollback-frontend')?.result).toBe('success');
    expect(second.outputs['frontend-release-id']).toBe('');
    expect(readFileSync(configPath, 'utf8')).toContain(first.outputs['frontend-release-id']);
    // The second deploy tested its config, and the rollback tested the first release's again.
    expect(deployTests).toBeGreaterThanOrEqual(2);
    expect(afterDeploys).toBeGreaterThanOrEqual(1);
  } finally {
    rmSync(configPath, { force: true });
    rmSync(path.join(workspace, 'site.conf.tpl'), { force: true });
    await host.stop();
    rmSync(flags, { recursive: true, force: true });
  }
}, 180_000);
