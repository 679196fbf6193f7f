import {
  auditPlacement,
  checkPlacement,
  deployManifests,
  isWorkload,
  loadManifests,
  nodeChangeText,
  pinNode,
  prepareManifests,
  resolveNode,
  type Placement,
} from '@sophia/kubernetes';
import { placeStrayPod, useClusterTestBed } from './fixtures/cluster.js';
import { FAST_DEPLOY } from './fixtures/kube-kit.js';

const MCP_ADDRESS = '104.171.202.117';
const settings = FAST_DEPLOY;
const pool = { key: 'sophia.ai/pool', value: 'mcp' };
const taint = { key: 'sophia.ai/dedicated', value: 'mcp', effect: 'NoSchedule' as const };

const bed = useClusterTestBed({ fixtures: ['mcp', 'backend'] });

function manifests(patterns: string[], placement?: Placement) {
  const loaded = loadManifests({ patterns, cwd: bed.workspace.dir, namespace: 'mcp' });
  return placement ? prepareManifests(loaded, { placement }) : loaded;
}

test('the node is found by its address, and clear errors name what exists when it is not', async () => {
  const node = await resolveNode(bed.kubectl, { address: MCP_ADDRESS });
  expect(node.name).toBe('mcp-node');
  await expect(resolveNode(bed.kubectl, { address: '10.9.9.9' })).rejects.toThrow(
    'No node has address 10.9.9.9 (input "node-address"); nodes in the cluster: k3s-server (192.222.58.232',
  );
  await expect(resolveNode(bed.kubectl, { name: 'gpu-node' })).rejects.toThrow(
    /^Node "gpu-node" \(input "node"\) does not exist; nodes in the cluster: k3s-server/,
  );
});

test('the audit of the unpinned manifests lists every MCP workload, and changes nothing', async () => {
  const node = await resolveNode(bed.kubectl, { address: MCP_ADDRESS });
  const findings = auditPlacement(manifests(['kubernetes/production/mcp-*.yaml']), node, { nodeSelector: pool });
  expect([...new Set(findings.map((f) => f.workload))]).toEqual([
    'mcp/Deployment/mcp-ai-memory',
    'mcp/Deployment/mcp-github',
    'mcp/CronJob/mcp-github-reindex',
    'mcp/Deployment/mcp-slack',
  ]);
  // k3s's own workloads (coredns, traefik, ...) live in kube-system; the audit created nothing beside them.
  const deployments = await bed.cluster.observer.list('deployments', { allNamespaces: true });
  expect(deployments.filter((deployment) => deployment.metadata.namespace !== 'kube-system')).toEqual([]);
  expect(
    (await bed.cluster.observer.get({ kind: 'Node', name: 'mcp-node' }))?.metadata.labels?.['sophia.ai/pool'],
  ).toBeUndefined();
});

test('pinned and tainted: every MCP pod runs on mcp-node, other workloads stay off it', async () => {
  await bed.cluster.createNamespace('mcp');
  const node = await resolveNode(bed.kubectl, { address: MCP_ADDRESS });
  expect((await pinNode(bed.kubectl, node, pool, taint)).map((change) => nodeChangeText(change, 'done'))).toEqual([
    'Labelled node mcp-node sophia.ai/pool=mcp',
    'Tainted node mcp-node sophia.ai/dedicated=mcp:NoSchedule',
    `Recorded on node mcp-node what the suite put there (annotation sophia.ai/placement: {"label":"sophia.ai/pool=mcp","taint":"sophia.ai/dedicated=mcp:NoSchedule"})`,
  ]);
  const mcp = manifests(['kubernetes/production/mcp-*.yaml'], { nodeSelector: pool, taint });
  const report = await deployManifests(bed.kubectl, mcp, settings);
  expect(report.rollouts.map((r) => `${r.ref.name} ${r.ok}`)).toEqual([
    'mcp-ai-memory true',
    'mcp-github true',
    'mcp-slack true',
  ]);
  const check = await checkPlacement(bed.kubectl, mcp.map((m) => m.object).filter(isWorkload), 'mcp-node');
  expect(check.strays).toEqual([]);
  expect(Object.keys(check.placement)).toHaveLength(3);
  expect(new Set(Object.values(check.placement))).toEqual(new Set(['mcp-node']));

  const backend = manifests(['kubernetes/production/backend.yaml']);
  await deployManifests(bed.kubectl, backend, settings);
  const backendPlacement = await checkPlacement(
    bed.kubectl,
    backend.map((m) => m.object).filter(isWorkload),
    'mcp-node',
  );
  expect(backendPlacement.strays.map((s) => s.node)).toEqual(['k3s-server', 'k3s-server']);
});

test('a NotReady node is refused before anything is applied', async () => {
  await bed.cluster.setNodeReady('mcp-node', false);
  try {
    await expect(resolveNode(bed.kubectl, { name: 'mcp-node' })).rejects.toThrow(
      /^Node mcp-node is not Ready \(Ready=Unknown \(NodeStatusUnknown: Kubelet stopped posting node status.\)\); nothing was deployed$/,
    );
  } finally {
    await bed.cluster.setNodeReady('mcp-node', true);
  }
});

test('pods no node can take fail fast as Unschedulable instead of waiting for the timeout', async () => {
  await bed.cluster.createNamespace('nowhere');
  const loaded = loadManifests({
    patterns: ['kubernetes/production/mcp-slack.yaml'],
    cwd: bed.workspace.dir,
    namespace: 'nowhere',
  });
  const pinnedNowhere = prepareManifests(loaded, {
    placement: { nodeSelector: { key: 'sophia.ai/pool', value: 'nowhere' } },
  });
  // Fast means on the pod's reason, not at the rollout timeout: the verdict names the reason.
  await expect(deployManifests(bed.kubectl, pinnedNowhere, settings)).rejects.toThrow(
    /^Rollout failed: nowhere\/Deployment\/mcp-slack revision 1 cannot become ready: pod mcp-slack-\S+ is in Unschedulable .*Nothing could be rolled back; left as is: nowhere\/Deployment\/mcp-slack \(created by this run, no earlier revision\)\.$/s,
  );
});

test('an address shared by two nodes is an error naming both', async () => {
  bed.cluster.cluster.nodes.add({ name: 'mcp-node-clone', internalIp: MCP_ADDRESS });
  try {
    await expect(resolveNode(bed.kubectl, { address: MCP_ADDRESS })).rejects.toThrow(
      'Address 104.171.202.117 (input "node-address") matches 2 nodes: nodes in the cluster: mcp-node (104.171.202.117, mcp-node); mcp-node-clone (104.171.202.117, mcp-node-clone); name one with input "node"',
    );
  } finally {
    bed.cluster.cluster.nodes.remove('mcp-node-clone');
  }
});

test('a pod of an MCP workload running on another node is named as a stray', async () => {
  const mcp = manifests(['kubernetes/production/mcp-slack.yaml'], { nodeSelector: pool, taint });
  await placeStrayPod(bed.cluster, {
    name: 'mcp-slack-debug',
    namespace: 'mcp',
    labels: { 'app.kubernetes.io/name': 'mcp-slack' },
    image: 'ghcr.io/sophia-ai/mcp-slack:1.2.0',
    node: 'k3s-server',
  });
  const check = await checkPlacement(bed.kubectl, mcp.map((m) => m.object).filter(isWorkload), 'mcp-node');
  expect(check.strays).toEqual([{ pod: 'mcp-slack-debug', node: 'k3s-server', workload: 'mcp/Deployment/mcp-slack' }]);
  expect(check.placement['mcp-slack-debug']).toBe('k3s-server');
  await bed.cluster.observer.run(['delete', 'pod', 'mcp-slack-debug', '--namespace', 'mcp']);
});
