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
