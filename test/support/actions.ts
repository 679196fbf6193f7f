/** Every action of this repository (its directory under actions/), in directory order. */
export const ACTION_NAMES = [
  'deploy-frontend-nginx',
  'deploy-k3s-backend',
  'deploy-mcp-node',
  'deployment-record',
  'health-gate',
  'plan-comment',
  'rollback',
];

/**
 * Each action's not-run outputs (its `src/not-run-outputs.ts`) as the runner holds them in GITHUB_OUTPUT:
 * strings, objects and arrays as JSON. Written out rather than imported, so a bundle that drifts from its
 * source is caught.
 */
export const NOT_RUN_OUTPUTS_AS_WRITTEN: Record<string, Record<string, string>> = {
  'deploy-frontend-nginx': { 'files-uploaded': '0', 'files-reused': '0', 'bytes-uploaded': '0' },
  'deploy-k3s-backend': {
    applied: '[]',
    revisions: '{}',
    changed: '[]',
    'changed-objects': '[]',
    'rolled-back': 'false',
    rollbacks: '{}',
  },
  'deploy-mcp-node': {
    applied: '[]',
    revisions: '{}',
    changed: '[]',
    'changed-objects': '[]',
    'rolled-back': 'false',
    rollbacks: '{}',
    workloads: '[]',
  },
  'deployment-record': { 'deployment-id': '', 'restored-deployment-id': '', 'replaced-deployment-id': '' },
  'health-gate': { healthy: 'false', rounds: '0' },
  'plan-comment': { created: 'false', truncated: 'false' },
  rollback: { switched: 'false' },
};
