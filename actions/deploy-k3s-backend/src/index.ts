import { runAction } from '@sophia/action-runtime';
import { main } from './main.js';

await runAction(main, {
  title: 'deploy-k3s-backend',
  notRunOutputs: { applied: [], revisions: {}, changed: [], 'rolled-back': false, rollbacks: {} },
});
