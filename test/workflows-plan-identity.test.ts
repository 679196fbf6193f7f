/**
 * deploy.yml's plan identity check through the local runner, against a real sshd and the cluster
 * simulator, with the plan environment (`production-plan`) holding its own secrets as on GitHub:
 * the warning says the plan runs as the deploy identity only when what grants the rights is the
 * deploy's. A kubeconfig-only caller whose plan kubeconfig authenticates otherwise (a client
 * certificate, the deploy a token) gets none; the same kubeconfig in both environments is warned
 * of by the deploy job, the only one that sees both; the deploy's SSH key given to the plan under
 * another user name is warned of by the plan job (the key logs in as the deploy's user), and a
 * key of its own is not.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startGitHubApi, type GitHubApi } from '@sophia-testing/github-api';
import { reply, startServer, type TestServer } from '@sophia-testing/http-servers';
import { apiDeployment } from '@sophia-testing/manifests';
import { startSshHost } from '@sophia-testing/ssh-hosts';
import { runWorkflow, type WorkflowRun } from '@sophia-testing/workflow-runner';
import { frontendHostInputs, repoRoot } from './support/workflows.js';
import { startTestCluster, type TestCluster } from './fixtures/cluster.js';

const TOKEN = 'ghs_planIdentity';
const NS = 'sophia-plan-identity';
let workspace: string;
let otherKey: string;
let api: GitHubApi;
let health: TestServer;
let host: Awaited<ReturnType<typeof startSshHost>>;
let cluster: TestCluster;

beforeAll(async () => {
  workspace = mkdtempSync(path.join(tmpdir(), 'plan-identity-'));
  mkdirSync(path.join(workspace, 'keys'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(workspace, 'keys', 'plan')]);
  otherKey = readFileSync(path.join(workspace, 'keys', 'plan'), 'utf8');
  rmSync(path.join(workspace, 'keys'), { recursive: true, force: true });
  writeFileSync(path.join(workspace, 'index.html'), '<p>Sophia</p>\n');
  api = await startGitHubApi({ tokens: { [TOKEN]: { deployments: 'write' } } });
  health = await startServer((_request, response) => reply(response, 200, 'ok'));
  host = await startSshHost();
  cluster = await startTestCluster();
  await cluster.createNamespace(NS);
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await cluster?.stop();
  await health?.stop();
  await api?.stop();
  rmSync(workspace, { recursive: true, force: true });
});

/** deploy.yml to production with a deploy plan under production-plan, whose secrets are `plan`. */
function deploy(
  components: string,
  plan: { SSH_KEY?: string; KUBECONFIG?: string },
  inputs: Record<string, string> = {},
): Promise<WorkflowRun> {
  writeFileSync(path.join(workspace, 'api.yaml'), apiDeployment(NS, 'ghcr.io/sophia/api:1'));
  return runWorkflow({
    file: path.join(repoRoot, '.github', 'workflows', 'deploy.yml'),
    workspace,
    event: 'workflow_call',
    secrets: { GITHUB_TOKEN: TOKEN },
    environments: {
      production: {
        secrets: { SSH_KEY: host.privateKey, SSH_KNOWN_HOSTS: host.knownHosts, KUBECONFIG: cluster.kubeconfig },
      },
      'production-plan': { secrets: { SSH_KNOWN_HOSTS: host.knownHosts, ...plan } },
    },
    github: { sha: 'a'.repeat(40), api_url: api.url, repository: 'sophia/sophia-app' },
    inputs: {
      environment: 'production',
      components,
      'plan-environment': 'production-plan',
      'backend-manifests': 'api.yaml',
      'frontend-build-command': 'mkdir -p dist && cp index.html dist/',
      'health-urls': health.origin,
      'health-interval': '100ms',
      'health-timeout': '5s',
      ...frontendHostInputs(host),
      ...inputs,
    },
  });
}

/** What every plan identity warning ends with (its title is not kept by the runner's records). */
const PLAN_IDENTITY = /give the plan its own read-and-dry-run identity/i;

/** Every plan identity warning of the run, as `job: message`. */
function identityWarnings(run: WorkflowRun): string[] {
  return run.jobs.flatMap((job) =>
    job.steps.flatMap((step) =>
      (step.annotations ?? [])
        .filter((annotation) => annotation.level === 'warning' && PLAN_IDENTITY.test(annotation.message))
        .map((annotation) => `${job.id}: ${annotation.message}`),
    ),
  );
}

const result = (run: WorkflowRun, id: string) => run.jobs.find((job) => job.id === id)?.result;

test('a kubeconfig-only caller whose plan kubeconfig has credentials of its own gets no warning', async () => {
  const run = await deploy('backend', { KUBECONFIG: cluster.cluster.kubeconfigFor({ auth: 'certificate' }) });
  expect(result(run, 'deploy-plan')).toBe('success');
  expect(result(run, 'backend')).toBe('success');
  expect(identityWarnings(run)).toEqual([]);
}, 300_000);

test('the deploy kubeconfig in the plan environment too: the deploy job, which sees both, warns', async () => {
  const run = await deploy('backend', { KUBECONFIG: cluster.kubeconfig });
  expect(result(run, 'deploy-plan')).toBe('success');
  expect(result(run, 'backend')).toBe('success');
  expect(identityWarnings(run)).toEqual([
    expect.stringMatching(/^backend: The deploy plan ran with this deploy's own kubeconfig credentials/),
  ]);
  const compare = run.jobs
    .find((job) => job.id === 'backend')
    ?.steps.find((step) => step.name === 'Compare with the plan identity');
  expect(compare?.summary).toContain('> [!WARNING]');
  // Neither credential nor its digest is written anywhere a reader sees.
  const token = /token: (\S+)/.exec(cluster.kubeconfig)?.[1] ?? '';
  expect(token).not.toBe('');
  expect(JSON.stringify(run.jobs)).not.toContain(token);
}, 300_000);

test("the deploy's SSH key under another user name: the plan job warns that it logs in as the deploy's user", async () => {
  const run = await deploy('frontend', { SSH_KEY: host.privateKey }, { 'plan-ssh-user': 'sophia-plan' });
  const check = run.jobs
    .find((job) => job.id === 'deploy-plan')
    ?.steps.find((step) => step.name === 'Check the plan identity');
  expect(check?.result).toBe('success');
  expect(identityWarnings(run)).toEqual([
    expect.stringMatching(
      new RegExp(
        `^deploy-plan: The plan's SSH key \\(SHA256:\\S+\\) also logs in as the deploy's user ${host.user} on 127\\.0\\.0\\.1:${host.sshPort}`,
      ),
    ),
  ]);
  expect(check?.summary).toContain('> [!WARNING]');
  expect(JSON.stringify(run.jobs)).not.toContain(host.privateKey.trim().split('\n')[1]);
}, 300_000);

test('a plan key of its own under another user name: no warning', async () => {
  const run = await deploy('frontend', { SSH_KEY: otherKey }, { 'plan-ssh-user': 'sophia-plan' });
  const check = run.jobs
    .find((job) => job.id === 'deploy-plan')
    ?.steps.find((step) => step.name === 'Check the plan identity');
  expect(check?.result).toBe('success');
  expect(identityWarnings(run)).toEqual([]);
  // The user sophia-plan does not exist on this host: the plan itself is refused, not the check.
  expect(result(run, 'deploy-plan')).toBe('failure');
}, 300_000);
