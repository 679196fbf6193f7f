import { runAction } from '@sophia/action-runtime';
import { main } from './main.js';
import { NOT_RUN_OUTPUTS } from './not-run-outputs.js';

await runAction(main, {
  title: 'deploy-mcp-node',
  notRunOutputs: NOT_RUN_OUTPUTS,
});
