/**
 * The production environment's deployment records stay true to what is live, through deploy.yml
 * and rollback.yml run by the local runner against a real sshd + nginx and GitHub's REST API
 * stand-in (a token with `deployments: write` only): a good deploy goes in_progress then success
 * with the run's log and the site, and replaces the one before (inactive: GitHub does not do it in
 * production); a deploy whose gate fails and is rolled back is marked failure and the one before
 * it live again; a deploy whose gate fails after it changed only objects no rollback undoes (a
 * ConfigMap) is marked failure and then live, the one before inactive; a manual rollback is a deployment of its own (task rollback) naming what each
 * component serves, and the one it replaced goes inactive, whatever component and `to` it was
 * given. At every point exactly one deployment is live, and it names what nginx serves and the
 * cluster runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startGitHubApi, type GitHubApi, type RepositoryState } from '@sophia-testing/github-api';
import { apiDeployment } from '@sophia-testing/manifests';
import { startSshHost } from '@sophia-testing/ssh-hosts';
import { runWorkflow } from '@sophia-testing/workflow-runner';
import { frontendHostInputs, repoRoot } from './support/workflows.js';
import { startTestCluster, type TestCluster } from './fixtures/cluster.js';
import { imageOf } from './fixtures/kube-kit.js';
import { httpGet } from './frontend-helpers.js';

const TOKEN = 'ghs_deploymentsOnly';
let workspace: string;
let api: GitHubApi;
let repository: RepositoryState;
let host: Awaited<ReturnType<typeof startSshHost>>;
let cluster: TestCluster;
const NS = 'sophia-records';

beforeAll(async () => {
  workspace = mkdtempSync(path.join(tmpdir(), 'deployment-records-'));
  mkdirSync(path.join(workspace, 'keys'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(workspace, 'keys', 'id')]);
  api = await startGitHubApi({ tokens: { [TOKEN]: { deployments: 'write' } } });
  repository = api.repository('sophia/sophia-app');
  host = await startSshHost();
  cluster = await startTestCluster();
  await cluster.createNamespace(NS);
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await cluster?.stop();
  await api?.stop();
  rmSync(workspace, { recursive: true, force: true });
});

/** What the hosts and the run share: the host, the API stand-in and the run's token. */
function common(sha: string) {
  return {
    workspace,
    event: 'workflow_call' as const,
    secrets: {
      SSH_KEY: host.privateKey,
      SSH_KNOWN_HOSTS: host.knownHosts,
      KUBECONFIG: cluster.kubeconfig,
      GITHUB_TOKEN: TOKEN,
    },
    environments: { production: {} },
    github: { sha, api_url: api.url, repository: 'sophia/sophia-app' },
  };
}

/**
 * deploy.yml of the production `components` (the frontend alone unless told): `<p>Sophia {version}</p>`
 * and the api at image tag `image` (the version unless told) at commit version×40, with a ConfigMap
 * `api-config` whose LOG_LEVEL is `logLevel` when given; `cancelAtGate` cancels the run as the
 * health gate's step starts.
 */
function deploy(
  version: string,
  healthUrl: string,
  cancelAtGate = false,
  components = 'frontend',
  image = version,
  logLevel?: string,
) {
  writeFileSync(path.join(workspace, 'index.html'), `<p>Sophia ${version}</p>\n`);
  const config = logLevel
    ? `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api-config\n  namespace: ${NS}\ndata:\n  LOG_LEVEL: ${logLevel}\n`
    : '';
  writeFileSync(path.join(workspace, 'api.yaml'), apiDeployment(NS, `ghcr.io/sophia/api:${image}`) + config);
  return runWorkflow({
    file: path.join(repoRoot, '.github', 'workflows', 'deploy.yml'),
    ...common(version.repeat(40)),
    inputs: {
      environment: 'production',
      components,
      'backend-manifests': 'api.yaml',
      'frontend-build-command': 'mkdir -p dist && cp index.html dist/',
      'health-urls': healthUrl,
      'health-interval': '100ms',
      'health-timeout': '500ms',
      ...frontendHostInputs(host),
    },
    ...(cancelAtGate ? { cancelAt: (jobId: string) => jobId === 'health-gate' } : {}),
  });
}

function rollback(component = 'frontend', to = 'previous', workloads = '') {
  return runWorkflow({
    file: path.join(repoRoot, '.github', 'workflows', 'rollback.yml'),
    ...common('f'.repeat(40)),
    inputs: { environment: 'production', component, to, workloads, ...frontendHostInputs(host) },
  });
}

/**
 * Per deployment its states, newest first, as the Environments page reads them: a deploy by the
 * commit it deployed, a rollback as `rollback <n>` (the n-th rollback recorded).
 */
function records(): Record<string, string[]> {
  let rollbacks = 0;
  return Object.fromEntries(
    repository.deployments.map((deployment) => [
      deployment.task === 'rollback' ? `rollback ${++rollbacks}` : deployment.sha[0],
      [...deployment.statuses].sort((a, b) => b.id - a.id).map((status) => status.state),
    ]),
  );
}

/** The one live deployment (the test fails when there is not exactly one). */
function liveDeployment() {
  const current = repository.deployments.filter(
    (deployment) => [...deployment.statuses].sort((a, b) => b.id - a.id)[0]?.state === 'success',
  );
  expect(current).toHaveLength(1);
  return current[0];
}

/** The image the cluster runs for the api Deployment. */
async function runningImage(): Promise<string> {
  return imageOf(await cluster.observer.get({ kind: 'Deployment', name: 'api', namespace: NS })) ?? '';
}

const live = () =>
  Object.entries(records())
    .filter(([, states]) => states[0] === 'success')
    .map(([version]) => version);

async function served(): Promise<string> {
  return (await httpGet(host.siteUrl)).body.toString();
}

test('good deploys, a deploy rolled back by its gate, a manual rollback: one live record, the release served', async () => {
  const first = await deploy('a', host.siteUrl);
  expect(first.result).toBe('success');
  expect(records()).toEqual({ a: ['success', 'in_progress'] });
  const [deployment] = repository.deployments;
  expect(deployment).toMatchObject({ environment: 'production', ref: 'a'.repeat(40), task: 'deploy' });
  for (const status of deployment.statuses) {
    expect(status.log_url).toMatch(/^https:\/\/github\.com\/sophia\/sophia-app\/actions\/runs\/\S+$/);
    expect(status.environment_url).toBe(host.siteUrl);
  }
  // Every job naming the environment says deployment: false: the run's record is the only one.
  expect(repository.deployments).toHaveLength(1);

  expect((await deploy('b', host.siteUrl)).result).toBe('success');
  // Production: the one replaced is marked inactive explicitly.
  expect(records()).toEqual({ a: ['inactive', 'success', 'in_progress'], b: ['success', 'in_progress'] });
  expect(await served()).toBe('<p>Sophia b</p>\n');

  // The gate reads a URL nothing answers on: the run switches the host back to b.
  const failed = await deploy('c', 'http://127.0.0.1:9/healthz');
  expect(failed.jobs.find((job) => job.id === 'rollback-frontend')?.result).toBe('success');
  expect(failed.jobs.find((job) => job.id === 'record')?.result).toBe('success');
  expect(records()).toMatchObject({ b: ['success', 'success', 'in_progress'], c: ['failure', 'in_progress'] });
  expect(live()).toEqual(['b']);
  const c = repository.deployments.find((each) => each.sha === 'c'.repeat(40))!;
  expect(c.statuses.at(-1)?.description).toMatch(/Health gate failed/);
  expect(await served()).toBe('<p>Sophia b</p>\n');

  // A manual rollback goes one release back: to a's release, skipping c's (never live). It is
  // recorded as its own deployment naming that release; b, which it replaced, goes inactive.
  const back = await rollback();
  expect(back.result).toBe('success');
  const aRelease = first.jobs.find((job) => job.id === 'frontend')?.outputs['release-id'];
  expect(back.jobs[0].outputs).toMatchObject({ from: expect.any(String), to: aRelease, 'frontend-live': aRelease });
  expect(live()).toEqual(['rollback 1']);
  expect(records()).toMatchObject({
    a: ['inactive', 'success', 'in_progress'],
    b: ['inactive', 'success', 'success', 'in_progress'],
    c: ['failure', 'in_progress'],
    'rollback 1': ['success', 'in_progress'],
  });
  const b = repository.deployments.find((each) => each.sha === 'b'.repeat(40) && each.task === 'deploy')!;
  expect(liveDeployment()).toMatchObject({ task: 'rollback', payload: { components: { frontend: aRelease } } });
  expect(liveDeployment().description).toBe(`Rolled back frontend: ${aRelease}; rest as deployment ${b.id}`);
  expect(await served()).toBe('<p>Sophia a</p>\n');
  expect(new Set(api.requests.map((request) => request.token))).toEqual(new Set([TOKEN]));
}, 300_000);

test('a run cancelled during the health gate, after the switch, records the new release as live, not checked', async () => {
  // The gate reads a URL nothing answers on: had it finished, it would have failed and rolled back.
  const run = await deploy('d', 'http://127.0.0.1:9/healthz', true);
  expect(run.result).toBe('cancelled');
  const result = (id: string) => run.jobs.find((job) => job.id === id)?.result;
  expect(result('frontend')).toBe('success');
  expect(result('health-gate')).toBe('cancelled');
  expect(run.jobs.find((job) => job.id === 'health-gate')?.steps[0].result).toBe('cancelled');
  // Rollback jobs run on a failed gate only; the record job (always()) runs on cancel, as on GitHub.
  expect(result('rollback-frontend')).toBe('skipped');
  expect(result('record')).toBe('success');
  expect(await served()).toBe('<p>Sophia d</p>\n');
  // What serves is d: its record is the live one, and no earlier one was marked live again.
  expect(live()).toEqual(['d']);
  expect(records()['rollback 1'][0]).toBe('inactive');
  const d = repository.deployments.find((each) => each.sha === 'd'.repeat(40))!;
  const newest = [...d.statuses].sort((a, b) => b.id - a.id)[0];
  expect(newest.description).toMatch(/without a finished health gate \(run cancelled/);
}, 300_000);

test('rollbacks of one component, to previous, a release id or a revision, are recorded as what each component serves', async () => {
  // Deploy e of everything, then 9 of the backend alone (commits e…e and 9…9).
  const g = await deploy('e', host.siteUrl, false, 'frontend,backend');
  expect(g.result).toBe('success');
  const h = await deploy('9', host.siteUrl, false, 'backend');
  expect(h.result).toBe('success');
  expect(await served()).toBe('<p>Sophia e</p>\n');
  expect(await runningImage()).toBe('ghcr.io/sophia/api:9');
  const hRecord = liveDeployment();
  expect(hRecord).toMatchObject({ sha: '9'.repeat(40), task: 'deploy' });

  // The frontend goes back to what served before e (d); the backend stays 9's.
  const frontendBack = await rollback('frontend', 'previous');
  expect(frontendBack.result).toBe('success');
  const dRelease = frontendBack.jobs[0].outputs['frontend-live'];
  expect(await served()).toBe('<p>Sophia d</p>\n');
  expect(await runningImage()).toBe('ghcr.io/sophia/api:9');
  const first = liveDeployment();
  expect(first).toMatchObject({
    task: 'rollback',
    sha: '9'.repeat(40),
    payload: {
      components: { frontend: dRelease },
      rollback: { component: 'frontend', replaced: hRecord.id, base: hRecord.id },
    },
    description: `Rolled back frontend: ${dRelease}; rest as deployment ${hRecord.id}`,
  });
  expect(records()['e'][0]).toBe('inactive');
  expect(records()['9'][0]).toBe('inactive');

  // To a named release: e's. The record names it, not one step back.
  const eRelease = g.jobs.find((job) => job.id === 'frontend')?.outputs['release-id'];
  expect(eRelease).toBeTruthy();
  const named = await rollback('frontend', eRelease!);
  expect(named.result).toBe('success');
  expect(await served()).toBe('<p>Sophia e</p>\n');
  const second = liveDeployment();
  expect(second.payload).toMatchObject({ components: { frontend: eRelease } });
  // The backend still runs 9's release: the record names that deploy, not the rollback it replaced.
  expect(second.description).toBe(`Rolled back frontend: ${eRelease}; rest as deployment ${hRecord.id}`);
  expect(second.payload).toMatchObject({ rollback: { replaced: first.id, base: hRecord.id } });

  // The backend to revision 1 (e's image): the record adds it and keeps the frontend's.
  const workloads = h.jobs.find((job) => job.id === 'backend')?.outputs.changed ?? '';
  const revision = await rollback('backend', '1', workloads);
  expect(revision.result).toBe('success');
  expect(await runningImage()).toBe('ghcr.io/sophia/api:e');
  expect(await served()).toBe('<p>Sophia e</p>\n');
  const third = liveDeployment();
  // kubectl's undo renumbers revision 1's template as the newest revision (3): the record names
  // the revision that runs, as the rollback reports it.
  expect(JSON.parse(revision.jobs[0].outputs.to)).toEqual({ [`${NS}/Deployment/api`]: '3' });
  expect(third.payload).toMatchObject({
    components: { frontend: eRelease, backend: revision.jobs[0].outputs.to },
  });
  expect(third.description).toBe(
    `Rolled back backend: ${revision.jobs[0].outputs.to}; rest as deployment ${hRecord.id}`,
  );
  for (const replaced of [first, second]) {
    expect([...replaced.statuses].sort((a, b) => b.id - a.id)[0].state).toBe('inactive');
  }
}, 600_000);

test('a backend-only deploy of a new commit whose manifests change nothing is recorded live, and the one before inactive', async () => {
  // Commits 7…7 (everything, the api at image 7) and 8…8 (the backend alone, still image 7).
  expect((await deploy('7', host.siteUrl, false, 'frontend,backend')).result).toBe('success');
  expect(live()).toEqual(['7']);
  const same = await deploy('8', host.siteUrl, false, 'backend', '7');
  expect(same.result).toBe('success');
  expect(same.jobs.find((job) => job.id === 'backend')?.outputs.changed).toBe('[]');
  // The Deployment took this run's commit and run URL annotations, nothing else: not a change.
  expect(same.jobs.find((job) => job.id === 'backend')?.outputs['changed-objects']).toBe('[]');
  expect(records()).toMatchObject({ 7: ['inactive', 'success', 'in_progress'], 8: ['success', 'in_progress'] });
  expect(liveDeployment()).toMatchObject({ sha: '8'.repeat(40), task: 'deploy' });
  const eight = repository.deployments.find((each) => each.sha === '8'.repeat(40))!;
  expect([...eight.statuses].sort((a, b) => b.id - a.id)[0].description).toBe(
    'Deployed: every component was already as asked',
  );
  expect(await runningImage()).toBe('ghcr.io/sophia/api:7');
  expect(await served()).toBe('<p>Sophia 7</p>\n');
}, 300_000);

test('backend deploys that change no workload but create or change a ConfigMap are never recorded as changing nothing', async () => {
  // Runs after the test above: deployment 8 is live, the api at image 7, no ConfigMap yet.
  expect(live()).toEqual(['8']);
  const newestDescription = (version: string) => {
    const deployment = repository.deployments.find((each) => each.sha === version.repeat(40))!;
    return [...deployment.statuses].sort((a, b) => b.id - a.id)[0].description;
  };
  const logLevel = async () =>
    (
      (await cluster.observer.get({ kind: 'ConfigMap', name: 'api-config', namespace: NS })) as
        { data?: Record<string, string> } | undefined
    )?.data?.LOG_LEVEL;

  // 5: the same api, a new ConfigMap, a passing gate: deployed, not "already as asked".
  const created = await deploy('5', host.siteUrl, false, 'backend', '7', 'info');
  expect(created.result).toBe('success');
  const createdOutputs = created.jobs.find((job) => job.id === 'backend')?.outputs ?? {};
  expect(createdOutputs.changed).toBe('[]');
  expect(JSON.parse(createdOutputs['changed-objects'])).toEqual([`${NS}/ConfigMap/api-config`]);
  expect(live()).toEqual(['5']);
  expect(newestDescription('5')).toBe('Deployed');

  // 6: only the ConfigMap changes, and the gate fails. No workload revision moved: the rollback
  // job has nothing it can undo, and the ConfigMap stays as 6 left it. The record must neither say
  // the run changed nothing nor leave 5 shown live: 6 is what serves, and its gate failed.
  const configOnly = await deploy('6', 'http://127.0.0.1:9/healthz', false, 'backend', '7', 'debug');
  expect(configOnly.result).toBe('failure');
  const result = (id: string) => configOnly.jobs.find((job) => job.id === id)?.result;
  expect(result('health-gate')).toBe('failure');
  expect(result('rollback-backend')).toBe('skipped');
  expect(result('record')).toBe('success');
  const outputs = configOnly.jobs.find((job) => job.id === 'backend')?.outputs ?? {};
  expect(outputs.changed).toBe('[]');
  expect(JSON.parse(outputs['changed-objects'])).toEqual([`${NS}/ConfigMap/api-config`]);
  expect(await logLevel()).toBe('debug');
  expect(await runningImage()).toBe('ghcr.io/sophia/api:7');
  // Newest first: 6's gate failed (failure), and 6 serves all the same (success, the only state
  // GitHub shows as active); 5 no longer serves (inactive).
  expect(records()).toMatchObject({
    5: ['inactive', 'success', 'in_progress'],
    6: ['success', 'failure', 'in_progress'],
  });
  expect(live()).toEqual(['6']);
  expect(liveDeployment()).toMatchObject({ sha: '6'.repeat(40), task: 'deploy' });
  const six = repository.deployments.find((each) => each.sha === '6'.repeat(40))!;
  expect([...six.statuses].sort((a, b) => b.id - a.id).map((status) => status.description)).toEqual([
    "Live with a failed health gate: this run's backend serves (nothing rolled it back)",
    "Health gate failed, not rolled back (a rollback undoes workload revisions only): this run's backend serves",
    expect.any(String),
  ]);
  const five = repository.deployments.find((each) => each.sha === '5'.repeat(40))!;
  expect([...five.statuses].sort((a, b) => b.id - a.id)[0].description).toBe(`Replaced by deployment ${six.id}`);
}, 300_000);
