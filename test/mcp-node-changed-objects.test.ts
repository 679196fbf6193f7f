/**
 * deploy-mcp-node's `changed-objects` counts the node, bundled, on the oldest and newest kubectl
 * minors (kubectlEnds, the newest over SSH as `k3s kubectl` runs): a deploy whose only change is
 * putting back the node's label and taint that someone removed by hand reports `Node/<name>`, so
 * the deployment record does not say nothing changed; a deploy that changes nothing reports `[]`.
 */
import { runBundledAction } from '@sophia-testing/action-runner';
import { mcpServerDeployment } from '@sophia-testing/manifests';
import { actionConnectionInputs, useClusterTestBed } from './fixtures/cluster.js';
import { kubectlEnds } from './fixtures/kube-kit.js';

const TAINT = 'sophia.ai/dedicated=mcp:NoSchedule';

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
        node: 'mcp-node',
        taint: TAINT,
        ...inputs,
      },
      timeoutMs: 60_000,
    });

  test('a deploy that only puts back the node label and taint removed by hand lists Node/mcp-node in changed-objects', async () => {
    bed.workspace.write('mcp.yaml', mcpServerDeployment({ name: 'mcp-search', image: 'r.example/mcp-search:1' }));
    const first = await mcp({});
    expect(first.code).toBe(0);
    expect(JSON.parse(first.outputs['changed-objects'])).toEqual(['mcp/Deployment/mcp-search', 'Node/mcp-node']);

    const same = await mcp({});
    expect(same.code).toBe(0);
    expect(JSON.parse(same.outputs['changed-objects'])).toEqual([]);

    await bed.cluster.observer.run(['label', 'nodes', 'mcp-node', 'sophia.ai/pool-']);
    await bed.cluster.observer.run(['taint', 'nodes', 'mcp-node', `${TAINT}-`]);
    const putBack = await mcp({});
    expect(putBack.code).toBe(0);
    expect(JSON.parse(putBack.outputs.changed)).toEqual([]);
    expect(JSON.parse(putBack.outputs['changed-objects'])).toEqual(['Node/mcp-node']);
    const node = await bed.cluster.observer.get({ kind: 'Node', name: 'mcp-node' });
    expect(node?.metadata.labels?.['sophia.ai/pool']).toBe('mcp');
    expect(node?.spec?.taints).toEqual([{ key: 'sophia.ai/dedicated', value: 'mcp', effect: 'NoSchedule' }]);
  }, 240_000);
});
