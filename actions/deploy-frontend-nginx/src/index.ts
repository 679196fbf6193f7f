import { runAction } from '@sophia/action-runtime';
import { main, post } from './main.js';
import { NOT_RUN_OUTPUTS } from './not-run-outputs.js';

await runAction(main, {
  post,
  title: 'deploy-frontend-nginx',
  notRunOutputs: NOT_RUN_OUTPUTS,
});
