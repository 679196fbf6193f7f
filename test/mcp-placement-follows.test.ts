/**
 * deploy-mcp-node, bundled, on the default kubectl and the minors dealt to this file (sharedKubectl): the node's
 * placement (label, taint, the suite's record) changes only once the API server has accepted the
 * manifests, goes back as it was when a failed rollout is rolled back, and follows the latest
 * run's inputs when the MCP servers move to another node.
 */
import { runBundledAction } from '@sophia-testing/action-runner';
import { mcpServerDeployment } from '@sophia-testing/manifests';
import { sharedKubectl } from './fixtures/kube-kit.js';
import { useClusterTestBed } from './fixtures/cluster.js';

const versions = sharedKubectl('mcp-placement-follows');

const server = (image: string, selectorApp?: string) => mcpServerDeployment({ name: 'mcp-search', image, selectorApp });

describe.each(versions)('$label', ({ binary, serverVersion }) => {
  const bed = useClusterTestBed({ kubectl: binary, version: serverVersion, namespaces: ['mcp'] });

  const mcp = (inputs: Record<string, string>) =>
    runBundledAction({
      action: 'deploy-mcp-node',
      cwd: bed.workspace.dir,
      inputs: {
        kubeconfig: bed.cluster.kubeconfig,
        kubectl: binary,
        namespace: 'mcp',
        manifests: 'mcp.yaml',
        'rollout-timeout': '15s',
        ...inputs,
      },
      timeoutMs: 60_000,
    });

  /** What the suite may have put on a node: its placement labels, taints and record. */
  async function placementOf(name: string) {
    const node = await bed.cluster.observer.get({ kind: 'Node', name });
    const labels = node?.metadata.labels ?? {};
    return {
      labels: Object.fromEntries(Object.entries(labels).filter(([key]) => key.startsWith('sophia.ai/'))),
      taints: ((node?.spec?.taints as Array<{ key: string; effect: string }>) ?? []).map((t) => `${t.key}:${t.effect}`),
      record: node?.metadata.annotations?.['sophia.ai/placement'],
    };
  }

  async function podNodes(): Promise<string[]> {
    const pods = await bed.cluster.observer.list('pods', { namespace: 'mcp', selector: 'app=mcp-search' });
    return pods.filter((pod) => !pod.metadata.deletionTimestamp).map((pod) => String(pod.spec?.nodeName ?? ''));
  }

  test('a manifest set the API server refuses leaves the node untouched', async () => {
    // Valid YAML the offline checks pass; the API server refuses it (selector and labels disagree).
    bed.workspace.write('mcp.yaml', server('ghcr.io/sophia-ai/mcp-search:1', 'other'));
    const run = await mcp({ node: 'mcp-node', taint: 'sophia.ai/dedicated=mcp:NoSchedule' });
    expect(run.code).toBe(1);
    // On the object's own file and line, as GitHub shows it on the manifest.
    expect(run.annotations.filter((a) => a.level === 'error' && a.properties.file)).toEqual([
      expect.objectContaining({
        properties: expect.objectContaining({ file: 'mcp.yaml', line: '1' }),
        message: expect.stringMatching(/^mcp\/Deployment\/mcp-search: the API server refused it: .*selector/s),
      }),
    ]);
    expect(run.annotations.find((a) => a.level === 'error' && !a.properties.file)?.message).toMatch(
      /^1 API server problem, nothing was applied:\n {2}mcp\.yaml:1: mcp\/Deployment\/mcp-search/,
    );
    expect(await placementOf('mcp-node')).toEqual({ labels: {}, taints: [], record: undefined });
  });

  test('a failed rollout puts the node placement back as it was, so the rolled-back pods run again', async () => {
    bed.workspace.write('mcp.yaml', server('ghcr.io/sophia-ai/mcp-search:1'));
    const first = await mcp({ node: 'mcp-node' });
    expect(first.annotations.filter((a) => a.level === 'error')).toEqual([]);
    const before = await placementOf('mcp-node');
    expect(before.labels).toEqual({ 'sophia.ai/pool': 'mcp' });

    bed.workspace.write('mcp.yaml', server('ghcr.io/sophia-ai/mcp-search:broken'));
    const bad = await mcp({
      node: 'mcp-node',
      'node-label': 'sophia.ai/pool-v2=mcp',
      taint: 'sophia.ai/dedicated=mcp:NoSchedule',
    });
    expect(bad.code).toBe(1);
    expect(bad.outputs['rolled-back']).toBe('true');
    expect(JSON.parse(bad.outputs.rollbacks)).toEqual({
      'mcp/Deployment/mcp-search': expect.objectContaining({ result: 'restored' }),
    });
    expect(await placementOf('mcp-node')).toEqual(before);
    expect(await podNodes()).toEqual(['mcp-node']);
  });

  test('moving the MCP servers to another node moves their pods and cleans the node left behind', async () => {
    bed.workspace.write('mcp.yaml', server('ghcr.io/sophia-ai/mcp-search:1'));
    const taint = 'sophia.ai/dedicated=mcp:NoSchedule';
    const first = await mcp({ node: 'mcp-node', taint });
    expect(first.annotations.filter((a) => a.level === 'error')).toEqual([]);
    expect(await podNodes()).toEqual(['mcp-node']);

    const moved = await mcp({ node: 'k3s-server', taint });
    expect(moved.annotations.filter((a) => a.level === 'error')).toEqual([]);
    expect(JSON.parse(moved.outputs.placement)).toEqual({
      [Object.keys(JSON.parse(moved.outputs.placement))[0]]: 'k3s-server',
    });
    expect(await podNodes()).toEqual(['k3s-server']);
    expect(await placementOf('mcp-node')).toEqual({ labels: {}, taints: [], record: undefined });
    expect(await placementOf('k3s-server')).toEqual({
      labels: { 'sophia.ai/pool': 'mcp' },
      taints: ['sophia.ai/dedicated:NoSchedule'],
      record: JSON.stringify({ label: 'sophia.ai/pool=mcp', taint }),
    });
  });
  test('label-node false leaves the taint an earlier run put there: pods that do not tolerate it are refused before anything changes', async () => {
    bed.workspace.write('mcp.yaml', server('ghcr.io/sophia-ai/mcp-search:2'));
    const taint = 'sophia.ai/dedicated=mcp:NoSchedule';
    const first = await mcp({ node: 'mcp-node', taint });
    expect(first.annotations.filter((a) => a.level === 'error')).toEqual([]);
    const before = await placementOf('mcp-node');
    const deployment = await bed.cluster.observer.get({ kind: 'Deployment', name: 'mcp-search', namespace: 'mcp' });

    bed.workspace.write('mcp.yaml', server('ghcr.io/sophia-ai/mcp-search:3'));
    const kept = await mcp({ node: 'mcp-node', 'label-node': 'false' });
    expect(kept.code).toBe(1);
    expect(kept.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
      `Deployment/mcp-search does not tolerate taint ${taint} of node mcp-node, which an earlier run put there and this run leaves (label-node is false): no new pod of it could be scheduled there. ` +
        `Add the toleration {key: sophia.ai/dedicated, operator: Equal, value: mcp, effect: NoSchedule} to its pod template, or take the taint off the node (kubectl taint nodes mcp-node ${taint}-)`,
      expect.stringMatching(/^1 placement problem, nothing was changed:/),
    ]);
    expect(await placementOf('mcp-node')).toEqual(before);
    expect(await bed.cluster.observer.get({ kind: 'Deployment', name: 'mcp-search', namespace: 'mcp' })).toEqual(
      deployment,
    );
    expect(await podNodes()).toEqual(['mcp-node']);
  });
});
