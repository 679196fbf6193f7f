/**
 * The deploy-mcp-node plan when the `node` input moves the MCP servers to another node, bundled, on
 * the oldest and newest kubectl minors (kubectlEnds, the newest over SSH as `k3s kubectl` runs):
 * the plan lists every node change the deploy makes, the old node's label, taint and record
 * removals included, changes no node, and the deploy right after makes exactly those changes.
 */
import { runBundledAction } from '@sophia-testing/action-runner';
import { mcpServerDeployment } from '@sophia-testing/manifests';
import { nodeChangeText, type KubeObject, type KubernetesPlan, type NodeChange } from '@sophia/kubernetes';
import { actionConnectionInputs, useClusterTestBed } from './fixtures/cluster.js';
import { kubectlEnds } from './fixtures/kube-kit.js';

const RECORD = 'sophia.ai/placement';
const TAINT = 'sophia.ai/dedicated=mcp:NoSchedule';

/** What a node change can touch of a node, as the test reads it from the cluster. */
interface NodeState {
  labels: Record<string, string>;
  taints: string[];
  record?: string;
}

const taintString = (taint: { key: string; value?: string; effect: string }) =>
  `${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`;

function stateOf(node: KubeObject): NodeState {
  const record = node.metadata.annotations?.[RECORD];
  return {
    labels: { ...(node.metadata.labels ?? {}) },
    taints: ((node.spec?.taints as Array<{ key: string; value?: string; effect: string }>) ?? []).map(taintString),
    ...(record !== undefined ? { record } : {}),
  };
}

/**
 * The nodes as the listed changes leave them, worked out here from the changes' own fields (as
 * kubectl label/taint/annotate do them), checking on the way that what each change says it
 * replaces or removes is there.
 */
function afterChanges(before: Record<string, NodeState>, changes: NodeChange[]): Record<string, NodeState> {
  const after = structuredClone(before);
  for (const change of changes) {
    const node = after[change.node];
    switch (change.op) {
      case 'label':
        expect(node.labels[change.label.key]).toBe(change.before);
        node.labels[change.label.key] = change.label.value;
        break;
      case 'unlabel':
        expect(node.labels[change.label.key]).toBe(change.label.value);
        delete node.labels[change.label.key];
        break;
      case 'taint': {
        const sameSlot = (text: string) =>
          text.split('=')[0].split(':')[0] === change.taint.key && text.endsWith(`:${change.taint.effect}`);
        expect(node.taints.find(sameSlot)).toBe(change.replaces ? taintString(change.replaces) : undefined);
        node.taints = [...node.taints.filter((text) => !sameSlot(text)), taintString(change.taint)];
        break;
      }
      case 'untaint':
        expect(node.taints).toContain(taintString(change.taint));
        node.taints = node.taints.filter((text) => text !== taintString(change.taint));
        break;
      case 'record':
        expect(node.record).toBe(change.before);
        if (change.record === undefined) delete node.record;
        else node.record = change.record;
        break;
    }
  }
  return after;
}

describe.each(kubectlEnds())('$label', ({ binary, serverVersion, transport }) => {
  const bed = useClusterTestBed({ kubectl: binary, version: serverVersion, transport, namespaces: ['mcp'] });

  const mcp = (inputs: Record<string, string>) =>
    runBundledAction({
      action: 'deploy-mcp-node',
      cwd: bed.workspace.dir,
      inputs: {
        ...actionConnectionInputs(bed, binary, transport),
        namespace: 'mcp',
        manifests: 'mcp.yaml',
        'rollout-timeout': '15s',
        ...inputs,
      },
      timeoutMs: 60_000,
    });

  /** Every node, whole, by name: what a plan must leave as it is. */
  async function nodes(): Promise<Record<string, KubeObject>> {
    const listed = await bed.cluster.observer.list('nodes');
    return Object.fromEntries(listed.map((node) => [node.metadata.name, node]));
  }

  const states = (all: Record<string, KubeObject>) =>
    Object.fromEntries(Object.entries(all).map(([name, node]) => [name, stateOf(node)]));

  test('a plan that moves the MCP servers lists the old node losing its label, taint and record, changes no node, and the deploy makes exactly those changes', async () => {
    bed.workspace.write('mcp.yaml', mcpServerDeployment({ name: 'mcp-search', image: 'r.example/mcp-search:1' }));
    const first = await mcp({ node: 'mcp-node', taint: TAINT });
    expect(first.annotations.filter((a) => a.level === 'error')).toEqual([]);

    const before = await nodes();
    const planned = await mcp({ node: 'k3s-server', taint: TAINT, 'dry-run': 'true' });
    expect(planned.code).toBe(0);
    // Not a field of any node changed: same objects, same resourceVersions.
    const untouched = await nodes();
    expect(untouched).toEqual(before);
    expect(Object.values(untouched).map((node) => node.metadata.resourceVersion)).toEqual(
      Object.values(before).map((node) => node.metadata.resourceVersion),
    );

    const plan = JSON.parse(planned.outputs.plan) as KubernetesPlan;
    const changes = plan.placement?.nodeChanges ?? [];
    const taint = { key: 'sophia.ai/dedicated', value: 'mcp', effect: 'NoSchedule' };
    const pool = { key: 'sophia.ai/pool', value: 'mcp' };
    expect(changes).toEqual([
      { node: 'k3s-server', op: 'label', label: pool },
      {
        node: 'mcp-node',
        op: 'untaint',
        taint,
        why: 'an earlier run put it there, the placement is now node k3s-server',
      },
      { node: 'mcp-node', op: 'unlabel', label: pool },
      { node: 'mcp-node', op: 'record', before: JSON.stringify({ label: 'sophia.ai/pool=mcp', taint: TAINT }) },
      { node: 'k3s-server', op: 'taint', taint },
      { node: 'k3s-server', op: 'record', record: JSON.stringify({ label: 'sophia.ai/pool=mcp', taint: TAINT }) },
    ]);
    // The reviewer reads the same list in the job summary.
    for (const change of changes) expect(planned.summary).toContain(`- ${nodeChangeText(change, 'planned')}`);

    const deployed = await mcp({ node: 'k3s-server', taint: TAINT });
    expect(deployed.annotations.filter((a) => a.level === 'error')).toEqual([]);
    // The nodes as the plan said: each listed change made, nothing else on any node.
    const after = await nodes();
    expect(states(after)).toEqual(afterChanges(states(before), changes));
    const made = changes.map((change) => nodeChangeText(change, 'done'));
    expect(deployed.log.split('\n').filter((line) => made.includes(line.trim()))).toHaveLength(made.length);
  });

  test('with label-node false the plan lists no node change, and the deploy makes none', async () => {
    const before = await nodes();
    const planned = await mcp({ node: 'k3s-server', 'label-node': 'false', taint: TAINT, 'dry-run': 'true' });
    expect(planned.code).toBe(0);
    expect((JSON.parse(planned.outputs.plan) as KubernetesPlan).placement?.nodeChanges).toEqual([]);
    const deployed = await mcp({ node: 'k3s-server', 'label-node': 'false', taint: TAINT });
    expect(deployed.annotations.filter((a) => a.level === 'error')).toEqual([]);
    expect(states(await nodes())).toEqual(states(before));
  });
});
