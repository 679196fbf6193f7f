import { runAction } from '@sophia/action-runtime';
import { getInputs } from './input-helper.js';
import { main } from './main.js';
import { NOT_RUN_OUTPUTS } from './not-run-outputs.js';

/** What a plan-comment step cancelled before it published knew: the comment it was writing. */
function whenCancelled(): string {
  const settings = getInputs();
  return settings.mode === 'section'
    ? 'The plan sections were not published.'
    : `GitHub had not answered when the run was cancelled: the plan comment on pull request #${settings.pullNumber} may or may not have been written.`;
}

await runAction(main, { title: 'plan-comment', notRunOutputs: NOT_RUN_OUTPUTS, whenCancelled });
