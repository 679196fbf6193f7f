/**
 * rollback.yml as a person starts it (Actions → Rollback → Run workflow), run job by job with its
 * real expressions and the bundled rollback action, against a real sshd + nginx and the cluster
 * simulator: the variables and choices it reads must reach the action as the action needs them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runBundledAction } from '@sophia-testing/action-runner';
import { startSshHost, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import { runWorkflow } from '@sophia-testing/workflow-runner';
import { startTestCluster, type TestCluster } from './fixtures/cluster.js';
import { imageOf, Workspace } from './fixtures/kube-kit.js';
import { workflowsDir } from './support/workflows.js';

const BACKEND = 'ghcr.io/sophia-ai/backend';
let cluster: TestCluster;
let site: LocalSshHost;
let workspace: Workspace;

beforeAll(async () => {
  [cluster, site] = await Promise.all([startTestCluster(), startSshHost()]);
  workspace = new Workspace('backend');
  await cluster.observer.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sophia' } }], {
    serverSide: true,
    fieldManager: 'test',
  });
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([cluster?.stop(), site?.stop()]);
  workspace?.remove();
});

async function served(): Promise<string> {
  return (await fetch(new URL('version.txt', site.siteUrl))).text();
}

async function deployFrontend(release: string): Promise<void> {
  const source = path.join(workspace.dir, `site-${release}`);
  mkdirSync(source, { recursive: true });
  writeFileSync(path.join(source, 'version.txt'), release);
  const run = await runBundledAction({
    action: 'deploy-frontend-nginx',
    cwd: workspace.dir,
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
    cwd: workspace.dir,
    inputs: {
      kubeconfig: cluster.kubeconfig,
      manifests: 'kubernetes/production',
      namespace: 'sophia',
      images: `${BACKEND}=${BACKEND}:${tag}`,
      'rollout-timeout': '20s',
    },
  });
  expect(run.code).toBe(0);
}

/** Repository variables as docs/getting-started.md lists them, pointing at this machine's stand-ins. */
function vars(): Record<string, string> {
  return {
    STAGING_URL: site.siteUrl,
    STAGING_FRONTEND_HOST: `127.0.0.1:${site.sshPort}`,
    FRONTEND_TARGET: site.siteDir,
    NGINX_RELOAD_COMMAND: site.nginxReloadCommand,
    SSH_USER: site.user,
    NAMESPACE: 'sophia',
  };
}

function rollback(inputs: Record<string, string>) {
  return runWorkflow({
    file: path.join(workflowsDir, 'rollback.yml'),
    inputs,
    vars: vars(),
    secrets: { SSH_KEY: site.privateKey, SSH_KNOWN_HOSTS: site.knownHosts, KUBECONFIG: cluster.kubeconfig },
    workspace: workspace.dir,
  });
}

test('rolling back the frontend of staging puts the previous release live, under the environment', async () => {
  await deployFrontend('r1');
  await deployFrontend('r2');
  expect(await served()).toBe('r2');

  const run = await rollback({ environment: 'staging', component: 'frontend', to: 'previous' });
  expect(run.result).toBe('success');
  const [job] = run.jobs;
  expect(job.name).toBe('Roll back frontend in staging');
  expect(job.environment).toEqual({ name: 'staging', url: site.siteUrl });
  expect(job.steps.map((step) => [step.name, step.result])).toEqual([
    ['actions/checkout@v4', 'success'],
    ['Roll back the frontend', 'success'],
    ['Roll back the frontend workloads', 'skipped'],
  ]);
  expect(job.steps[1].outputs).toMatchObject({ from: 'r2', to: 'r1' });
  expect(await served()).toBe('r1');
});

test('rolling back the backend finds its workloads by label and restores the previous revision', async () => {
  await deployBackend('1.5.0');
  await deployBackend('1.6.0');
  const live = await cluster.observer.get({ kind: 'Deployment', name: 'sophia-backend', namespace: 'sophia' });
  expect(imageOf(live)).toBe(`${BACKEND}:1.6.0`);

  const run = await rollback({ environment: 'staging', component: 'backend', to: 'previous' });
  expect(run.result).toBe('success');
  const step = run.jobs[0].steps.find((s) => s.uses === './actions/rollback' && s.result !== 'skipped');
  expect(step?.name).toBe('Roll back the backend workloads');
  expect(JSON.parse(step?.outputs.from ?? '{}')).toEqual({ 'sophia/Deployment/sophia-backend': '2' });
  const after = await cluster.observer.get({ kind: 'Deployment', name: 'sophia-backend', namespace: 'sophia' });
  expect(imageOf(after)).toBe(`${BACKEND}:1.5.0`);
});

test('a choice that is not offered is refused before anything runs', async () => {
  await expect(rollback({ environment: 'prod', component: 'frontend', to: 'previous' })).rejects.toThrow(
    'rollback.yml: input "environment" must be one of staging, production, got "prod"',
  );
});
