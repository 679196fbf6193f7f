import { DeployFailedError, KubectlError, type DeployReport } from '@sophia/kubernetes';
import { McpNodeFailedError, reportingOnNode } from '../src/node-placement.js';
import type { McpNodeReport } from '../src/summary.js';

const NODE = { name: 'mcp-node', addresses: [{ type: 'InternalIP', address: '104.171.202.117' }] };
const DEPLOY: DeployReport = {
  dryRun: false,
  applied: [],
  revisions: {},
  changed: [],
  rollouts: [],
  rollbacks: [],
  restored: [],
  rolledBack: false,
} as unknown as DeployReport;

function report(): McpNodeReport {
  return { node: NODE, workloads: ['mcp/Deployment/mcp-slack'] } as McpNodeReport;
}

describe('reportingOnNode', () => {
  test('lets a failure before anything changed through as it is, class and all', async () => {
    const kubectl = new KubectlError(
      ['get', 'pods'],
      { code: 1, stdout: '', stderr: 'connection refused' },
      'on the runner',
    );
    await expect(reportingOnNode(report(), () => Promise.reject(kubectl))).rejects.toBe(kubectl);
  });

  test('wraps a failed deploy, keeping its report and the original as cause', async () => {
    const failed = new DeployFailedError('rollout of mcp/Deployment/mcp-slack failed', DEPLOY);
    const error = await reportingOnNode(report(), () => Promise.reject(failed)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(McpNodeFailedError);
    expect((error as McpNodeFailedError).report.deploy).toBe(DEPLOY);
    expect((error as McpNodeFailedError).cause).toBe(failed);
  });

  test('wraps any failure once the deploy changed the cluster, so the summary still tells what was deployed', async () => {
    const lost = new Error('connection lost');
    const error = await reportingOnNode(report(), async (partial) => {
      partial.deploy = DEPLOY;
      throw lost;
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(McpNodeFailedError);
    expect((error as McpNodeFailedError).report.deploy).toBe(DEPLOY);
    expect((error as McpNodeFailedError).cause).toBe(lost);
  });

  test('passes its own reported failure (pods off the node) through unchanged', async () => {
    const strays = new McpNodeFailedError('Placement check failed: 1 pod not on node mcp-node', report());
    await expect(reportingOnNode(report(), () => Promise.reject(strays))).rejects.toBe(strays);
  });
});
