import { runAction } from '@sophia/action-runtime';
import { main } from './main.js';
import { NOT_RUN_OUTPUTS } from './not-run-outputs.js';

await runAction(main, {
  title: 'deploy-k3s-backend',
  notRunOutputs: NOT_RUN_OUTPUTS,
});
