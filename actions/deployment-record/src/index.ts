import { runAction } from '@sophia/action-runtime';
import { markdownCode } from '@sophia/reporting';
import { getInputs } from './input-helper.js';
import { main } from './main.js';
import { NOT_RUN_OUTPUTS } from './not-run-outputs.js';

/** What a record step cancelled while GitHub had not answered knew: which record it was writing, and where. */
function whenCancelled(): string {
  const settings = getInputs();
  const what =
    settings.record === 'start'
      ? 'the new deployment record'
      : settings.record === 'finish'
        ? `the final status of deployment ${settings.deploymentId}`
        : 'the rollback record';
  return `GitHub had not answered when the run was cancelled: ${what} in environment ${markdownCode(settings.environment)} may or may not have been written (the environment's deployments on GitHub show which).`;
}

await runAction(main, {
  title: 'deployment-record',
  whenCancelled,
  notRunOutputs: NOT_RUN_OUTPUTS,
});
