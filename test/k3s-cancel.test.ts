import { errorsOf, logStructureProblems, runBundledAction, type ActionRun } from '@sophia-testing/action-runner';
import { startLinkProxy, startSshHost, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import { startTestCluster, type TestCluster } from './fixtures/cluster.js';
import { imageOf, Workspace } from './fixtures/kube-kit.js';
import { cancelledRun, deployBackend } from './support/kube-runs.js';

/**
 * A Kubernetes deploy or rollback cancelled mid-rollout, as the runner cancels (SIGINT), through the
 * bundle: the cancel reaches kubectl, the deploy stops and runs the failed-deploy path (the cluster
 * put back as a failed deploy leaves it), and the step publishes its outputs and job summary before
 * it fails; no kubectl it started is left running.
 */
const BACKEND = 'ghcr.io/sophia-ai/backend';
let cluster: TestCluster;
let workspace: Workspace;
let sshHost: LocalSshHost;

beforeAll(async () => {
  [cluster, sshHost] = await Promise.all([startTestCluster(), startSshHost()]);
  workspace = new Workspace('backend');
  await cluster.createNamespace('sophia');
});
afterAll(async () => {
  await sshHost?.stop();
  await cluster?.stop();
  workspace?.remove();
});

const backendDeployment = () =>
  cluster.observer.get({ kind: 'Deployment', name: 'sophia-backend', namespace: 'sophia' });

const deploy = (inputs: Record<string, string> = {}) => deployBackend(cluster, workspace, inputs);

test('a deploy cancelled mid-rollout is put back, publishes its outputs and summary, and leaves no kubectl running', async () => {
  expect((await deploy()).code).toBe(0);
  expect(imageOf(await backendDeployment())).toBe(`${BACKEND}:1.4.0`);

  // The new image never pulls: the rollout is still going when the cancel comes (fail-fast is 12 s away).
  const { run, leftRunning } = await cancelledRun(
    cluster,
    workspace,
    'deploy-k3s-backend',
    {
      namespace: 'sophia',
      manifests: 'kubernetes/production',
      images: `${BACKEND}=${cluster.failingImage(`${BACKEND}:2.0.0`)}`,
      'rollout-timeout': '60s',
    },
    /Deployment\/sophia-backend configured/,
  );

  expect(run.cancelled).toBe(true);
  expect(run.code).not.toBe(0);
  // Ended on its own, put-back and all, before the runner's SIGTERM was due.
  expect(run.cancelSignals).toEqual(['SIGINT']);
  expect(errorsOf(run)).toEqual([
    expect.stringMatching(/^The deploy stopped after changing the cluster: The run was cancelled\. /),
  ]);
  expect(run.outputs['rolled-back']).toBe('true');
  expect(JSON.parse(run.outputs.changed)).toEqual(['sophia/Deployment/sophia-backend']);
  expect(run.summary).toContain('**Stopped after changing the cluster:** The run was cancelled');
  // Published at the cancel, inside the open "Apply and watch the rollouts" group, and again at the
  // end: each group, warning and error is written once, and no group opens inside another.
  expect(logStructureProblems(run.stdout)).toEqual([]);
  expect(run.stdout).toContain('::group::Apply and watch the rollouts');
  expect(imageOf(await backendDeployment())).toBe(`${BACKEND}:1.4.0`);
  expect(leftRunning).toEqual([]);
  expect(run.runnerTempLeft).toEqual([]);
});

test('a cancel before anything changed publishes a summary saying so', async () => {
  const { run, leftRunning } = await cancelledRun(
    cluster,
    workspace,
    'deploy-k3s-backend',
    { namespace: 'sophia', manifests: 'kubernetes/production' },
    /Loaded \d+ objects/,
  );
  expect(run.cancelled).toBe(true);
  expect(errorsOf(run)).toEqual(['The run was cancelled']);
  expect(run.outputs['rolled-back']).toBe('false');
  expect(run.summary).toContain('**Failed:** The run was cancelled');
  expect(leftRunning).toEqual([]);
});

test('a rollback cancelled mid-rollout publishes which workloads it rolled back, and leaves no kubectl running', async () => {
  // Revision 1 (the bad image, not marked failed: rollback-on-failure is off) is what the rollback goes back to.
  const bad = await deploy({
    images: `${BACKEND}=${cluster.failingImage(`${BACKEND}:0.9.0`)}`,
    'rollback-on-failure': 'false',
    'rollout-timeout': '5s',
  });
  expect(bad.code).toBe(1);
  expect((await deploy({ images: `${BACKEND}=${BACKEND}:1.5.0` })).code).toBe(0);

  const { run, leftRunning } = await cancelledRun(
    cluster,
    workspace,
    'rollback',
    { namespace: 'sophia', component: 'kubernetes', workloads: 'deployment/sophia-backend' },
    // Once the undo is done and its rollout is being watched.
    /sophia-backend: \d+ of \d+/,
  );

  expect(run.cancelled).toBe(true);
  expect(run.code).not.toBe(0);
  expect(errorsOf(run)).toEqual([
    expect.stringMatching(/^The rollback stopped: The run was cancelled\. Already rolled back/),
  ]);
  expect(Object.keys(JSON.parse(run.outputs.from))).toEqual(['sophia/Deployment/sophia-backend']);
  expect(run.summary).toMatch(/then the rollback stopped before its rollout was seen: The run was cancelled/);
  expect(leftRunning).toEqual([]);
  expect(run.runnerTempLeft).toEqual([]);
});

/**
 * The same cancel mid-rollout with kubectl run over SSH (`kubectl-command`) through a link with
 * `latencyMs` each way: the put-back may not fit before the step is ended, so what is known is
 * published at once, and published again over it when the put-back ends.
 */
async function cancelledOverSsh(latencyMs: number, image: string): Promise<ActionRun> {
  // From a healthy release, so that the failing image changes the pod template whatever ran before
  // (the image a put-back's undo wrote is kubectl's field: the deploys take it back).
  expect((await deploy({ images: `${BACKEND}=${BACKEND}:1.6.0`, 'force-conflicts': 'true' })).code).toBe(0);
  const proxy = await startLinkProxy({ targetHost: '127.0.0.1', targetPort: sshHost.sshPort, latencyMs });
  try {
    return await runBundledAction({
      action: 'deploy-k3s-backend',
      cwd: workspace.dir,
      inputs: {
        host: `127.0.0.1:${proxy.port}`,
        user: sshHost.user,
        'ssh-key': sshHost.privateKey,
        'insecure-skip-host-key-check': 'true',
        'kubectl-command': cluster.kubectlCommand,
        namespace: 'sophia',
        manifests: 'kubernetes/production',
        images: `${BACKEND}=${cluster.failingImage(image)}`,
        'rollout-timeout': '60s',
        'force-conflicts': 'true',
      },
      cancel: { when: ({ stdout }) => /Deployment\/sophia-backend configured/.test(stdout) },
      timeoutMs: 90_000,
    });
  } finally {
    await proxy.stop();
  }
}

test('a deploy cancelled over a slow SSH link publishes its outputs and summary before the put-back ends', async () => {
  const run = await cancelledOverSsh(200, `${BACKEND}:2.1.0`);
  expect(run.cancelled).toBe(true);
  expect(run.code).not.toBe(0);
  expect(JSON.parse(run.outputs.changed)).toEqual(['sophia/Deployment/sophia-backend']);
  expect(run.outputs['rolled-back']).toMatch(/^(true|false)$/);
  expect(run.summary).toMatch(
    /\*\*(Cancelled after changing the cluster; putting back what this run changed\.|Stopped after changing the cluster:)\*\* The run was cancelled/,
  );
  // One summary: the final one replaces the provisional one.
  expect(run.summary.match(/### deploy-k3s-backend/g)).toHaveLength(1);
});

test('a deploy cancelled over a fast SSH link publishes that it was put back', async () => {
  const run = await cancelledOverSsh(0, `${BACKEND}:2.2.0`);
  expect(run.cancelled).toBe(true);
  expect(run.outputs['rolled-back']).toBe('true');
  expect(JSON.parse(run.outputs.changed)).toEqual(['sophia/Deployment/sophia-backend']);
  expect(run.summary).toContain('**Stopped after changing the cluster:** The run was cancelled');
  expect(run.summary).not.toContain('putting back');
  expect(run.summary.match(/### deploy-k3s-backend/g)).toHaveLength(1);
  expect(logStructureProblems(run.stdout)).toEqual([]);
  expect(imageOf(await backendDeployment())).toBe(`${BACKEND}:1.6.0`);
});

test('a cancel as the apply starts, after which the cluster shows nothing changed, is reported as a cancel before any change', async () => {
  const { run } = await cancelledRun(
    cluster,
    workspace,
    'deploy-k3s-backend',
    {
      namespace: 'sophia',
      manifests: 'kubernetes/production',
      images: `${BACKEND}=${BACKEND}:2.3.0`,
      'rollout-timeout': '60s',
      'force-conflicts': 'true',
    },
    /::debug::kubectl apply(?!.*dry-run)/,
  );
  expect(run.cancelled).toBe(true);
  const changed = JSON.parse(run.outputs.changed) as string[];
  // The apply may have written before kubectl was ended; when it did not, no change is claimed.
  if (changed.length === 0) {
    expect(errorsOf(run)).toEqual(['The run was cancelled']);
    expect(run.summary).toContain('**Failed:** The run was cancelled');
    expect(run.summary).not.toContain('Stopped after changing the cluster');
  } else {
    expect(run.summary).toContain('sophia/Deployment/sophia-backend');
  }
});
