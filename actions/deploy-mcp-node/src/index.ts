import { runAction } from '@sophia/action-runtime';
import { NOT_DEPLOYED_OUTPUTS } from '@sophia/kubernetes';
import { main } from './main.js';

await runAction(main, { title: 'deploy-mcp-node', notRunOutputs: { ...NOT_DEPLOYED_OUTPUTS, workloads: [] } });
