import { startSshHost, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import { runBundledAction } from '@sophia-testing/action-runner';
import { placeStrayPod, startTestCluster, type TestCluster } from './fixtures/cluster.js';
import { Workspace } from './fixtures/kube-kit.js';
import { FIXTURES_DIR } from '@sophia-testing/manifests';
import { basename } from 'node:path';
import type { KubernetesPlan } from '@sophia/kubernetes';

let cluster: TestCluster;
let sshHost: LocalSshHost;
let workspace: Workspace;

beforeAll(async () => {
  [cluster, sshHost] = await Promise.all([startTestCluster(), startSshHost()]);
  workspace = new Workspace('mcp');
  await cluster.observer.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mcp' } }], {
    serverSide: true,
    fieldManager: 'test',
  });
});

afterAll(async () => {
  await sshHost?.stop();
  await cluster?.stop();
  workspace?.remove();
});

/** The MCP action as a workflow uses it, kubectl running on the server over SSH. */
function mcp(inputs: Record<string, string>) {
  return runBundledAction({
    action: 'deploy-mcp-node',
    cwd: workspace.dir,
    inputs: {
      host: `127.0.0.1:${sshHost.sshPort}`,
      user: sshHost.user,
      'ssh-key': sshHost.privateKey,
      'known-hosts': sshHost.knownHosts,
      'kubectl-command': cluster.kubectlCommand,
      namespace: 'mcp',
      'rollout-timeout': '15s',
      ...inputs,
    },
    timeoutMs: 60_000,
  });
}

const mcpNode = () => cluster.observer.get({ kind: 'Node', name: 'mcp-node' });

test('audit of unpinned files with nothing running warns at each file and line, labelled as written, and touches nothing', async () => {
  const run = await mcp({ 'node-address': '104.171.202.117', mode: 'audit' });
  expect(run.code).toBe(0);
  const findings = JSON.parse(run.outputs.findings) as Array<{ workload: string; file: string; line: number }>;
  expect(findings.map((f) => `${f.file}:${f.line} ${f.workload}`)).toEqual([
    'kubernetes/production/mcp-ai-memory.yaml:19 mcp/Deployment/mcp-ai-memory',
    'kubernetes/production/mcp-github.yaml:19 mcp/Deployment/mcp-github',
    'kubernetes/production/mcp-github.yaml:64 mcp/CronJob/mcp-github-reindex',
    'kubernetes/production/mcp-slack.yaml:19 mcp/Deployment/mcp-slack',
  ]);
  const warnings = run.annotations.filter((a) => a.level === 'warning');
  expect(warnings[0].properties).toMatchObject({
    file: 'kubernetes/production/mcp-ai-memory.yaml',
    line: '19',
    title: 'Placement of the files as written',
  });
  expect(warnings[0].message).toMatch(/^As written: Deployment\/mcp-ai-memory: no nodeSelector sophia.ai\/pool=mcp/);
  expect(run.annotations.filter((a) => a.level === 'error')).toEqual([]);
  expect(JSON.parse(run.outputs.placement)).toEqual({});
  expect(run.outputs.node).toBe('mcp-node');
  expect(run.summary).toContain('#### The files as written (deploy mode pins them to the node)');
  expect(run.summary).toContain('| mcp/Deployment/mcp-slack | kubernetes/production/mcp-slack.yaml:19 |');
  expect(run.summary).toContain('#### Running now\n\nNo pods found for these workloads.');
  expect((await mcpNode())?.metadata.labels?.['sophia.ai/pool']).toBeUndefined();
  expect(await cluster.observer.list('deployments', { namespace: 'mcp' })).toEqual([]);
});

test('an address that matches no node fails before anything is applied, listing the nodes', async () => {
  const run = await mcp({ 'node-address': '104.171.202.200' });
  expect(run.code).toBe(1);
  expect(run.annotations.find((a) => a.level === 'error')?.message).toBe(
    'No node has address 104.171.202.200 (input "node-address"); nodes in the cluster: k3s-server (192.222.58.232, k3s-server); mcp-node (104.171.202.117, mcp-node)',
  );
  // The outputs and the summary are there all the same, saying nothing changed and why.
  expect(run.outputs).toMatchObject({
    node: '',
    workloads: '[]',
    applied: '[]',
    changed: '[]',
    'rolled-back': 'false',
  });
  expect(run.summary).toContain('Nothing was applied: neither the node nor the cluster was changed.');
  expect(run.summary).toContain('**Failed:** No node has address 104.171.202.200');
  expect(await cluster.observer.list('deployments', { namespace: 'mcp' })).toEqual([]);
});

test('a manifest pinned to another pool fails at its line before the node or the cluster is touched', async () => {
  const { cpSync } = await import('node:fs');
  cpSync(`${FIXTURES_DIR}/bad/mcp-pinned-elsewhere.yaml`, `${workspace.dir}/kubernetes/production/mcp-notion.yaml`);
  try {
    const run = await mcp({ 'node-address': '104.171.202.117' });
    expect(run.code).toBe(1);
    const [annotation, failure] = run.annotations.filter((a) => a.level === 'error');
    expect(annotation.properties).toMatchObject({ file: 'kubernetes/production/mcp-notion.yaml', line: '15' });
    expect(annotation.message).toBe(
      'Deployment/mcp-notion has nodeSelector sophia.ai/pool=general, which contradicts the placement sophia.ai/pool=mcp',
    );
    expect(failure.message).toMatch(/^1 placement problem, nothing was applied:/);
    expect((await mcpNode())?.metadata.labels?.['sophia.ai/pool']).toBeUndefined();
    expect(await cluster.observer.list('deployments', { namespace: 'mcp' })).toEqual([]);
  } finally {
    workspace.removeFile('kubernetes/production/mcp-notion.yaml');
  }
});

test('dry-run: true neither labels the node nor applies anything, and shows what would be created', async () => {
  const run = await mcp({ 'node-address': '104.171.202.117', 'dry-run': 'true' });
  expect(run.code).toBe(0);
  expect(run.log).toContain('Dry run: node mcp-node would be labelled sophia.ai/pool=mcp');
  // The object's name carries its namespace: no second column, no "(namespace mcp)" repeating it.
  expect(run.summary).toMatch(/^\| mcp\/Deployment\/mcp-slack +\| created +\|$/m);
  expect(run.log).toContain('mcp/Deployment/mcp-slack: would be created');
  expect(run.log).not.toContain('(namespace mcp)');
  expect(run.summary).toContain('+       nodeSelector:\n+         sophia.ai/pool: mcp');
  // The plan: every object created, on which node, and that the node would get its label.
  const plan = JSON.parse(run.outputs.plan) as KubernetesPlan;
  expect(plan.counts).toEqual({ created: plan.objects.length, configured: 0, unchanged: 0 });
  expect(plan.placement).toEqual({
    node: 'mcp-node',
    addresses: expect.arrayContaining(['104.171.202.117']),
    nodeSelector: 'sophia.ai/pool=mcp',
    label: 'added',
    workloads: [
      'mcp/Deployment/mcp-ai-memory',
      'mcp/Deployment/mcp-github',
      'mcp/CronJob/mcp-github-reindex',
      'mcp/Deployment/mcp-slack',
    ],
    nodeChanges: [
      { node: 'mcp-node', op: 'label', label: { key: 'sophia.ai/pool', value: 'mcp' } },
      { node: 'mcp-node', op: 'record', record: JSON.stringify({ label: 'sophia.ai/pool=mcp' }) },
    ],
  });
  // The runner's temporary directory is gone with the run: the file is found there by name.
  expect(run.runnerTempLeft).toContain(basename(run.outputs['plan-file']));
  expect(run.summary).toMatch(/^\| Node selector \| sophia\.ai\/pool=mcp \(the deploy would add it to the node\) \|$/m);
  expect((await mcpNode())?.metadata.labels?.['sophia.ai/pool']).toBeUndefined();
  expect(await cluster.observer.list('deployments', { namespace: 'mcp' })).toEqual([]);
});

test('deploy labels and taints the node found by address, and every MCP pod runs there', async () => {
  const run = await mcp({ 'node-address': '104.171.202.117', taint: 'sophia.ai/dedicated=mcp:NoSchedule' });
  expect(run.code).toBe(0);
  expect(run.outputs.node).toBe('mcp-node');
  expect(JSON.parse(run.outputs.workloads)).toEqual([
    'mcp/Deployment/mcp-ai-memory',
    'mcp/Deployment/mcp-github',
    'mcp/CronJob/mcp-github-reindex',
    'mcp/Deployment/mcp-slack',
  ]);
  const placement = JSON.parse(run.outputs.placement) as Record<string, string>;
  expect(Object.keys(placement)).toHaveLength(3);
  expect(new Set(Object.values(placement))).toEqual(new Set(['mcp-node']));
  const node = await mcpNode();
  expect(node?.metadata.labels?.['sophia.ai/pool']).toBe('mcp');
  expect(node?.spec?.taints).toEqual([{ key: 'sophia.ai/dedicated', value: 'mcp', effect: 'NoSchedule' }]);
  const cron = await cluster.observer.get({ kind: 'CronJob', name: 'mcp-github-reindex', namespace: 'mcp' });
  expect(
    (cron?.spec as { jobTemplate: { spec: { template: { spec: { nodeSelector: unknown } } } } }).jobTemplate.spec
      .template.spec.nodeSelector,
  ).toEqual({
    'sophia.ai/pool': 'mcp',
  });
  expect(run.summary).toContain('| On target |');
});

test('verify-placement fails naming a pod of an MCP workload that runs elsewhere', async () => {
  await placeStrayPod(cluster, {
    name: 'mcp-github-debug',
    namespace: 'mcp',
    labels: { 'app.kubernetes.io/name': 'mcp-github' },
    image: 'ghcr.io/sophia-ai/mcp-github:1.0.3',
    node: 'k3s-server',
  });
  const run = await mcp({ node: 'mcp-node', taint: 'sophia.ai/dedicated=mcp:NoSchedule' });
  expect(run.code).toBe(1);
  expect(run.annotations.find((a) => a.level === 'error')?.message).toBe(
    'Placement check failed: 1 pod not on node mcp-node: mcp-github-debug (mcp/Deployment/mcp-github) on k3s-server',
  );
  expect(JSON.parse(run.outputs.placement)['mcp-github-debug']).toBe('k3s-server');
  // The failed step still tells everything, once: the node, the deploy's outputs, one summary.
  expect(run.outputs.node).toBe('mcp-node');
  expect(run.outputs['rolled-back']).toBe('false');
  expect(JSON.parse(run.outputs.applied)).toContainEqual({ kind: 'Deployment', namespace: 'mcp', name: 'mcp-github' });
  expect(run.summary.match(/### deploy-mcp-node: mcp-node/g)).toHaveLength(1);
  expect(run.summary.match(/### Placement on node mcp-node/g)).toHaveLength(1);
  expect(run.summary).toContain('| mcp-github-debug | k3s-server | NO |');
});

test('placement is declarative: a run without taint takes off the taint the suite put there, and nothing else', async () => {
  await cluster.observer.run(['delete', 'pod', 'mcp-github-debug', '--namespace', 'mcp']);
  cluster.cluster.nodes.taint('mcp-node', { key: 'ops/maintenance', value: 'planned', effect: 'PreferNoSchedule' });
  expect(JSON.parse((await mcpNode())?.metadata.annotations?.['sophia.ai/placement'] ?? '{}')).toEqual({
    label: 'sophia.ai/pool=mcp',
    taint: 'sophia.ai/dedicated=mcp:NoSchedule',
  });
  const run = await mcp({ node: 'mcp-node' });
  expect(run.annotations.filter((a) => a.level === 'error')).toEqual([]);
  expect(run.log).toContain(
    'Removed taint sophia.ai/dedicated=mcp:NoSchedule from node mcp-node: an earlier run put it there, this one does not ask for it',
  );
  const node = await mcpNode();
  expect(node?.spec?.taints).toEqual([{ key: 'ops/maintenance', value: 'planned', effect: 'PreferNoSchedule' }]);
  expect(node?.metadata.labels?.['sophia.ai/pool']).toBe('mcp');
  expect(JSON.parse(node?.metadata.annotations?.['sophia.ai/placement'] ?? '{}')).toEqual({
    label: 'sophia.ai/pool=mcp',
  });
  expect(new Set(Object.values(JSON.parse(run.outputs.placement) as Record<string, string>))).toEqual(
    new Set(['mcp-node']),
  );
});

test('a taint someone else put on the node that the MCP pods do not tolerate stops the deploy before anything changes, naming the taint, each workload and the toleration to add', async () => {
  // Put there by a person with kubectl, as an operator would; the PreferNoSchedule one of the test above stays.
  await cluster.observer.run(['taint', 'nodes', 'mcp-node', 'gpu=true:NoSchedule']);
  try {
    const before = await mcpNode();
    const deployments = await cluster.observer.list('deployments', { namespace: 'mcp' });
    const run = await mcp({ node: 'mcp-node', taint: 'sophia.ai/dedicated=mcp:NoSchedule' });
    expect(run.code).toBe(1);
    const errors = run.annotations.filter((a) => a.level === 'error');
    const toleration =
      'Add the toleration {key: gpu, operator: Equal, value: true, effect: NoSchedule} to its pod template, or take the taint off the node (kubectl taint nodes mcp-node gpu=true:NoSchedule-)';
    expect(errors.slice(0, -1).map((a) => `${a.properties.file} ${a.message}`)).toEqual(
      ['Deployment/mcp-ai-memory', 'Deployment/mcp-github', 'CronJob/mcp-github-reindex', 'Deployment/mcp-slack'].map(
        (workload) =>
          `kubernetes/production/${workload.split('/')[1].replace('-reindex', '')}.yaml ${workload} does not tolerate taint gpu=true:NoSchedule of node mcp-node, which this action does not manage: no new pod of it could be scheduled there. ${toleration}`,
      ),
    );
    expect(errors[errors.length - 1].message).toMatch(/^4 placement problems, nothing was changed:/);
    // PreferNoSchedule only makes the scheduler look elsewhere, and the pods are pinned: a warning.
    expect(run.annotations.filter((a) => a.level === 'warning').map((a) => a.message)).toContain(
      'Deployment/mcp-slack does not tolerate taint ops/maintenance=planned:PreferNoSchedule of node mcp-node: the scheduler prefers other nodes, but the pods are pinned to this one',
    );
    const after = await mcpNode();
    expect(after?.spec?.taints).toEqual(before?.spec?.taints);
    expect(after?.metadata.labels).toEqual(before?.metadata.labels);
    expect(after?.metadata.annotations).toEqual(before?.metadata.annotations);
    expect(await cluster.observer.list('deployments', { namespace: 'mcp' })).toEqual(deployments);
  } finally {
    await cluster.observer.run(['taint', 'nodes', 'mcp-node', 'gpu=true:NoSchedule-']);
  }
});

test('audit after a pinned deploy reports the files as written and the running pods apart; a pod off the node fails it', async () => {
  const clean = await mcp({ node: 'mcp-node', mode: 'audit' });
  expect(clean.code).toBe(0);
  expect(clean.annotations.filter((a) => a.level === 'warning').length).toBeGreaterThan(0);
  const running = JSON.parse(clean.outputs.placement) as Record<string, string>;
  expect(Object.keys(running)).toHaveLength(3);
  expect(new Set(Object.values(running))).toEqual(new Set(['mcp-node']));
  expect(clean.summary).toMatch(/#### Running now\n\n\| Pod +\| Node +\| On target \|/);
  expect(clean.summary).not.toContain('| NO |');

  await placeStrayPod(cluster, {
    name: 'mcp-slack-debug',
    namespace: 'mcp',
    labels: { 'app.kubernetes.io/name': 'mcp-slack' },
    image: 'ghcr.io/sophia-ai/mcp-slack:1.2.0',
    node: 'k3s-server',
  });
  const stray = await mcp({ node: 'mcp-node', mode: 'audit' });
  expect(stray.code).toBe(1);
  expect(stray.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
    'Audit: running now, 1 pod not on node mcp-node: mcp-slack-debug (mcp/Deployment/mcp-slack) on k3s-server',
  ]);
  expect(stray.summary).toContain('| mcp-slack-debug | k3s-server | NO |');
});

test('a rollout that fails on the node still publishes the node, the workloads and the deploy, once', async () => {
  const memory = 'ghcr.io/sophia-ai/mcp-ai-memory';
  const run = await mcp({ node: 'mcp-node', images: `${memory}=${cluster.failingImage(`${memory}:0.9.3`)}` });
  expect(run.code).toBe(1);
  expect(run.annotations.find((a) => a.level === 'error')?.message).toMatch(
    /^Rollout failed: mcp\/Deployment\/mcp-ai-memory revision 3 cannot become ready: .*Rolled back mcp\/Deployment\/mcp-ai-memory to revision 2\.$/,
  );
  expect(run.outputs.node).toBe('mcp-node');
  expect(JSON.parse(run.outputs.workloads)).toContain('mcp/Deployment/mcp-ai-memory');
  expect(run.outputs['rolled-back']).toBe('true');
  expect(JSON.parse(run.outputs.changed)).toEqual(['mcp/Deployment/mcp-ai-memory']);
  // The placement is checked only after a deploy that went through.
  expect(run.outputs.placement).toBeUndefined();
  expect(run.summary.match(/### deploy-mcp-node: mcp-node/g)).toHaveLength(1);
  expect(run.summary).toContain('| mcp/Deployment/mcp-ai-memory | 3 |');
  expect(run.summary).not.toContain('### Placement on node');
});
