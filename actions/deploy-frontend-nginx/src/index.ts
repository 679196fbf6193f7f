import { runAction } from '@sophia/action-runtime';
import { main, post } from './main.js';

await runAction(main, {
  post,
  title: 'deploy-frontend-nginx',
  notRunOutputs: { 'files-uploaded': 0, 'files-reused': 0, 'bytes-uploaded': 0 },
});
