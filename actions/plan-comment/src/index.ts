import { runAction } from '@sophia/action-runtime';
import { main } from './main.js';

await runAction(main, { title: 'plan-comment', notRunOutputs: { created: false, truncated: false } });
