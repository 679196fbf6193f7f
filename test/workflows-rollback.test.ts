/**
 * The example application's manual rollback (Actions → Rollback → Run workflow), which calls
 * sophia/deploy-actions/.github/workflows/rollback.yml@v1: run as a person starts it, with the
 * real expressions and the bundled rollback action, against a real sshd + nginx and the cluster
 * simulator. The choices it offers and the variables it reads must reach the action as it needs them.
 */
import { runBundledAction } from '@sophia-testing/action-runner';
import { startGitHubApi, type GitHubApi } from '@sophia-testing/github-api';
import { runWorkflow } from '@sophia-testing/workflow-runner';
import { startExampleApp, type ExampleAppMachines } from './fixtures/example-app.js';
import { imageOf } from './fixtures/kube-kit.js';
import { httpGet } from './frontend-helpers.js';

let machines: ExampleAppMachines;
/** GitHub's REST API, where the rollback records itself on the environment's deployments. */
let github: GitHubApi;

beforeAll(async () => {
  machines = await startExampleApp();
  github = await startGitHubApi();
  // The application's repository (the runner's github.repository), known to the API.
  github.repository('sophia/sophia-app');
}, 60_000);

afterAll(async () => {
  await github?.stop();
  await machines?.stop();
});

/** The release a frontend host serves (default: staging's). */
async function served(site = machines.site): Promise<string> {
  // No keep-alive: nginx's old workers close idle connections on a reload (see httpGet).
  return (await httpGet(new URL('version.txt', site.siteUrl).href)).body.toString();
}

async function deployFrontend(release: string, site = machines.site): Promise<void> {
  machines.app.write(`site-${release}/version.txt`, release);
  const run = await runBundledAction({
    action: 'deploy-frontend-nginx',
    cwd: machines.app.workspace,
    inputs: {
      host: `127.0.0.1:${site.sshPort}`,
      user: site.user,
      'ssh-key': site.privateKey,
      'known-hosts': site.knownHosts,
      source: `site-${release}`,
      target: site.siteDir,
      'release-id': release,
      'nginx-test-command': site.nginxTestCommand,
      'nginx-reload-command': site.nginxReloadCommand,
    },
  });
  expect(run.code).toBe(0);
}

async function deployBackend(tag: string): Promise<void> {
  const run = await runBundledAction({
    action: 'deploy-k3s-backend',
    cwd: machines.app.workspace,
    inputs: {
      kubeconfig: machines.cluster.kubeconfig,
      // As the example's deploy workflow names them: the Namespace comes with the manifests.
      manifests: 'kubernetes/namespace.yaml\nkubernetes/backend',
      images: `chat-api=ghcr.io/sophia/chat-api:${tag}`,
      'rollout-timeout': '20s',
    },
  });
  expect(run.code).toBe(0);
}

function rollback(inputs: Record<string, string>) {
  return runWorkflow({
    ...machines.app.settings,
    file: '.github/workflows/rollback.yml',
    event: 'workflow_dispatch',
    inputs,
    github: { api_url: github.url },
  });
}

test('rolling back the frontend of staging puts the previous release live, under the environment', async () => {
  await deployFrontend('r1');
  await deployFrontend('r2');
  expect(await served()).toBe('r2');

  const run = await rollback({ environment: 'staging', component: 'frontend', to: 'previous' });
  expect(run.result).toBe('success');
  const [job] = run.jobs;
  expect(job.name).toBe('Rollback / Roll back frontend in staging');
  expect(job.environment).toEqual({ name: 'staging', url: machines.site.siteUrl.replace(/\/$/, '') });
  expect(job.steps.map((step) => [step.name, step.result])).toEqual([
    ['Check the component', 'success'],
    ['Roll back the frontend', 'success'],
    ['Roll back the frontend workloads', 'skipped'],
    ['Record the rollback', 'success'],
  ]);
  expect(job.outputs).toEqual({ from: 'r2', to: 'r1', 'frontend-live': 'r1' });
  expect(await served()).toBe('r1');
});

test('rolling back the backend finds its workloads by their labels and restores the previous revision', async () => {
  await deployBackend('1.5.0');
  await deployBackend('1.6.0');
  const run = await rollback({ environment: 'staging', component: 'backend', to: 'previous' });
  expect(run.result).toBe('success');
  expect(JSON.parse(run.jobs[0].outputs.from)).toEqual({ 'sophia/Deployment/chat-api': '2' });
  const after = await machines.cluster.observer.get({ kind: 'Deployment', name: 'chat-api', namespace: 'sophia' });
  expect(imageOf(after)).toBe('ghcr.io/sophia/chat-api:1.5.0');
});

test('a choice that is not offered is refused before anything runs', async () => {
  await expect(rollback({ environment: 'prod', component: 'frontend', to: 'previous' })).rejects.toThrow(
    "Provided value 'prod' for input 'environment' not in the list of allowed values",
  );
});

test("each setting comes from the chosen environment's own variable: an empty production host never falls through to staging's", async () => {
  await deployFrontend('r3', machines.productionSite);
  await deployFrontend('r4', machines.productionSite);
  const stagingLive = await served();
  const vars = machines.app.settings.vars ?? {};
  const dispatch = (overrides: Record<string, string>) =>
    runWorkflow({
      ...machines.app.settings,
      file: '.github/workflows/rollback.yml',
      event: 'workflow_dispatch',
      inputs: { environment: 'production', component: 'frontend', to: 'previous' },
      vars: { ...vars, PRODUCTION_SITE_URL: 'https://sophia.example', ...overrides },
    });

  // Production's host is unset; staging's answers. The production rollback must not reach
  // staging's machine: it stops, naming the input it lacks.
  const unset = await dispatch({ PRODUCTION_FRONTEND_HOST: '' });
  expect(unset.result).toBe('failure');
  const [job] = unset.jobs;
  expect(job.environment).toEqual({ name: 'production', url: 'https://sophia.example' });
  const step = job.steps.find((s) => s.name === 'Roll back the frontend');
  expect(step?.result).toBe('failure');
  expect(step?.annotations.map((a) => a.message).join('\n')).toMatch(/"host"/);
  expect(await served(machines.productionSite)).toBe('r4');

  // Production's own host and target, with staging's host a port nothing listens on.
  const own = await dispatch({ STAGING_FRONTEND_HOST: '127.0.0.1:1' });
  expect(own.result).toBe('success');
  expect(own.jobs[0].outputs).toEqual({ from: 'r4', to: 'r3', 'frontend-live': 'r3' });
  expect(await served(machines.productionSite)).toBe('r3');
  expect(await served()).toBe(stagingLive);
});
