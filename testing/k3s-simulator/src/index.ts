export { startCluster, parseVersion } from './cluster.js';
export type { Cluster, ClusterOptions, KubeconfigChoice } from './cluster.js';
export { DEFAULT_NODES } from './nodes.js';
export type { NodeControls, NodeSpec, NodeTaint } from './nodes.js';
export { TEST_TIMINGS, DEMO_TIMINGS, DEFAULT_FAILURE_PATTERNS } from './controllers/context.js';
export type { Timings, FailurePatterns } from './controllers/context.js';
export { renderKubeconfig } from './kubeconfig.js';
export type { StoredObject } from './types.js';
