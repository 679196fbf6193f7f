import { runAction } from '@sophia/action-runtime';
import { main } from './main.js';

await runAction(main, {
  title: 'deploy-mcp-node',
  notRunOutputs: { applied: [], revisions: {}, changed: [], 'rolled-back': false, rollbacks: {}, workloads: [] },
});
