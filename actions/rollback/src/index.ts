import { runAction } from '@sophia/action-runtime';
import { main, post } from './main.js';

await runAction(main, { post, title: 'rollback', notRunOutputs: { switched: false } });
