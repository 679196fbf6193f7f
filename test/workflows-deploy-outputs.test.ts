/**
 * What deploy.yml tells its caller in `frontend-release-id` (docs/workflows.md: "the release this
 * run made live and left live; empty when the frontend deploy failed, was not run, or was rolled
 * back"). Run by the local workflow runner as a workflow_call: against an SSH address nothing
 * listens on (the deploy fails), and against a real sshd + nginx whose gate fails after the
 * release went live (the run switches the host back, so the release it made is no longer live).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSshHost } from '@sophia-testing/ssh-hosts';
import { runWorkflow } from '@sophia-testing/workflow-runner';
import { repoRoot } from './support/workflows.js';
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
 * `sha` the commit deployed (its release id).
 */
function deployFrontend(page: string, inputs: Record<string, string>, secrets: Record<string, string>, sha?: string) {
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
  });
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
    const deploy = (version: string, healthUrl: string) =>
      deployFrontend(
        `<p>Sophia ${version}</p>\n`,
        {
          'frontend-url': host.siteUrl,
          'frontend-host': `127.0.0.1:${host.sshPort}`,
          'frontend-target': host.sitePath,
          'frontend-nginx-test-command': host.nginxTestCommand,
          'frontend-nginx-reload-command': host.nginxReloadCommand,
          'ssh-user': host.user,
          'health-urls': healthUrl,
        },
        { SSH_KEY: host.privateKey, SSH_KNOWN_HOSTS: host.knownHosts },
        version.repeat(40),
      );
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
    expect(rollback?.outputs['switched-to']).toBe(live);
    expect(second.outputs['frontend-release-id']).toBe('');
    // What nginx serves is the first run's release again.
    const served = await httpGet(host.siteUrl);
    expect(served.status).toBe(200);
    expect(served.body.toString()).toBe('<p>Sophia a</p>\n');
  } finally {
    await host.stop();
  }
}, 120_000);
