import { runAction } from '@sophia/action-runtime';
import { main } from './main.js';

await runAction(main, {
  title: 'deployment-record',
  notRunOutputs: { 'deployment-id': '', 'restored-deployment-id': '', 'replaced-deployment-id': '' },
});
