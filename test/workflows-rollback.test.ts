/**
 * The example application's manual rollback (Actions → Rollback → Run workflow), which calls
 * sophia/deploy-actions/.github/workflows/rollback.yml@v1: run as a person starts it, with the
 * real expressions and the bundled rollback action, against a real sshd + nginx and the cluster
 * simulator. The choices it offers and the variables it reads must reach the action as it needs them.
 */
import { runBundledAction } from '@sophia-testing/action-runner';
import { startSshHost, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import { checkOutExampleApp, runWorkflow, type ExampleApp } from '@sophia-testing/workflow-runner';
import { startTestCluster, type TestCluster } from './fixtures/cluster.js';
import { imageOf } from './fixtures/kube-kit.js';

let cluster: TestCluster;
let site: LocalSshHost;
let app: ExampleApp;

beforeAll(async () => {
  [cluster, site] = await Promise.all([startTestCluster(), startSshHost()]);
  await cluster.createNamespace('sophia');
  app = checkOutExampleApp(
    {
      frontendHost: `127.0.0.1:${site.sshPort}`,
      siteUrl: site.siteUrl,
      siteDir: site.siteDir,
      sshUser: site.user,
      privateKey: site.privateKey,
      knownHosts: site.knownHosts,
      nginxTestCommand: site.nginxTestCommand,
      nginxReloadCommand: site.nginxReloadCommand,
      kubeconfig: cluster.kubeconfig,
    },
    { rollout: '20s', healthInterval: '200ms', healthTimeout: '3s' },
  );
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([cluster?.stop(), site?.stop()]);
  app?.remove();
});

async function served(): Promise<string> {
  return (await fetch(new URL('version.txt', site.siteUrl))).text();
}

async function deployFrontend(release: string): Promise<void> {
  app.write(`site-${release}/version.txt`, release);
  const run = await runBundledAction({
    action: 'deploy-frontend-nginx',
    cwd: app.workspace,
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
    cwd: app.workspace,
    inputs: {
      kubeconfig: cluster.kubeconfig,
      manifests: 'kubernetes/backend',
      images: `chat-api=ghcr.io/sophia-ai/chat-api:${tag}`,
      'rollout-timeout': '20s',
    },
  });
  expect(run.code).toBe(0);
}

function rollback(inputs: Record<string, string>) {
  return runWorkflow({ ...app.settings, file: '.github/workflows/rollback.yml', event: 'workflow_dispatch', inputs });
}

test('rolling back the frontend of staging puts the previous release live, under the environment', async () => {
  await deployFrontend('r1');
  await deployFrontend('r2');
  expect(await served()).toBe('r2');

  const run = await rollback({ environment: 'staging', component: 'frontend', to: 'previous' });
  expect(run.result).toBe('success');
  const [job] = run.jobs;
  expect(job.name).toBe('Rollback / Roll back frontend in staging');
  expect(job.environment).toEqual({ name: 'staging', url: site.siteUrl.replace(/\/$/, '') });
  expect(job.steps.map((step) => [step.name, step.result])).toEqual([
    ['Check the component', 'success'],
    ['Roll back the frontend', 'success'],
    ['Roll back the frontend workloads', 'skipped'],
  ]);
  expect(job.outputs).toEqual({ from: 'r2', to: 'r1' });
  expect(await served()).toBe('r1');
});

test('rolling back the backend finds its workloads by their labels and restores the previous revision', async () => {
  await deployBackend('1.5.0');
  await deployBackend('1.6.0');
  const run = await rollback({ environment: 'staging', component: 'backend', to: 'previous' });
  expect(run.result).toBe('success');
  expect(JSON.parse(run.jobs[0].outputs.from)).toEqual({ 'Deployment/chat-api': '2' });
  const after = await cluster.observer.get({ kind: 'Deployment', name: 'chat-api', namespace: 'sophia' });
  expect(imageOf(after)).toBe('ghcr.io/sophia-ai/chat-api:1.5.0');
});

test('a choice that is not offered is refused before anything runs', async () => {
  await expect(rollback({ environment: 'prod', component: 'frontend', to: 'previous' })).rejects.toThrow(
    'input "environment" must be one of staging, production, got "prod"',
  );
});
