import { errorsOf, runBundledAction } from '@sophia-testing/action-runner';
import { startTestCluster, type TestCluster } from './fixtures/cluster.js';
import { imageOf, Workspace } from './fixtures/kube-kit.js';
import { cancelledRun } from './support/kube-runs.js';

/**
 * deploy-mcp-node cancelled mid-rollout, as the runner cancels (SIGINT), through the bundle: the
 * workload is put back, the node's label this run added is taken back, and the step publishes its
 * outputs and job summary at once (the runner may end it before the put-back ends), then again over
 * them when the put-back ends.
 */
const MEMORY = 'ghcr.io/sophia-ai/mcp-ai-memory';
const POOL_LABEL = 'sophia.ai/pool';
let cluster: TestCluster;
let workspace: Workspace;

beforeAll(async () => {
  cluster = await startTestCluster();
  workspace = new Workspace('mcp');
  await cluster.createNamespace('mcp');
});
afterAll(async () => {
  await cluster?.stop();
  workspace?.remove();
});

const memoryDeployment = () => cluster.observer.get({ kind: 'Deployment', name: 'mcp-ai-memory', namespace: 'mcp' });
const poolLabel = async () =>
  (await cluster.observer.get({ kind: 'Node', name: 'mcp-node' }))?.metadata.labels?.[POOL_LABEL];

test('a deploy cancelled mid-rollout puts the workload and the node label back, publishing at once and again after', async () => {
  const inputs = { namespace: 'mcp', 'node-address': '104.171.202.117', 'rollout-timeout': '60s' };
  const first = await runBundledAction({
    action: 'deploy-mcp-node',
    cwd: workspace.dir,
    inputs: { kubeconfig: cluster.kubeconfig, ...inputs },
    timeoutMs: 60_000,
  });
  expect(first.code).toBe(0);
  const released = imageOf(await memoryDeployment());
  expect(released).toMatch(new RegExp(`^${MEMORY}:`));
  // Taken off by hand, so that the cancelled run is the one that labels the node.
  await cluster.observer.run(['label', 'nodes', 'mcp-node', `${POOL_LABEL}-`]);
  expect(await poolLabel()).toBeUndefined();

  // The new image never pulls: the rollout is still going when the cancel comes.
  const { run, leftRunning } = await cancelledRun(
    cluster,
    workspace,
    'deploy-mcp-node',
    { ...inputs, images: `${MEMORY}=${cluster.failingImage(`${MEMORY}:2.0.0`)}` },
    /Deployment\/mcp-ai-memory configured/,
    // Time for the whole put-back even on a loaded machine: that the runner may end the step
    // first is k3s-cancel's slow-link case; here the put-back's end is what is checked.
    { sigtermAfterMs: 60_000 },
  );

  expect(run.cancelled).toBe(true);
  expect(run.code).not.toBe(0);
  expect(run.log).toContain(`Labelled node mcp-node ${POOL_LABEL}=mcp`);
  expect(errorsOf(run)).toEqual([
    expect.stringMatching(/^The deploy stopped after changing the cluster: The run was cancelled\. /),
  ]);
  expect(run.outputs.node).toBe('mcp-node');
  expect(run.outputs['rolled-back']).toBe('true');
  expect(JSON.parse(run.outputs.changed)).toEqual(['mcp/Deployment/mcp-ai-memory']);
  // Published twice: what was known at the cancel, then the outcome over it (the later value wins).
  const rolledBack = run.outputEntries.filter((entry) => entry.name === 'rolled-back').map((entry) => entry.value);
  expect(rolledBack).toEqual(['false', 'true']);
  expect(run.summary.match(/### deploy-mcp-node: mcp-node/g)).toHaveLength(1);
  expect(run.summary).toContain('**Stopped after changing the cluster:** The run was cancelled');
  expect(run.summary).not.toContain('putting back');

  expect(imageOf(await memoryDeployment())).toBe(released);
  expect(await poolLabel()).toBeUndefined();
  expect(leftRunning).toEqual([]);
  expect(run.runnerTempLeft).toEqual([]);
});
