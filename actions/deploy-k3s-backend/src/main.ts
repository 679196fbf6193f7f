import { actionLog, onRunner, publishProvisional, publishing, runContext, withPlanFile } from '@sophia/action-runtime';
import {
  DeployFailedError,
  deployPublication,
  deployWithRolloutTimeout,
  notDeployedPublication,
  prepareManifests,
  traceOf,
  withDeployManifests,
} from '@sophia/kubernetes';

import { getInputs } from './input-helper.js';

const TITLE = 'deploy-k3s-backend';

/** The runbook: read inputs, connect, load and prepare the manifests, apply and watch, report. */
export async function main(): Promise<void> {
  const settings = getInputs();

  // Outputs and summary are published however the step ends once the inputs are read: a failure
  // before anything was applied (no connection, a manifest problem) says so and why.
  await publishing(
    () =>
      withDeployManifests(settings, onRunner(), async (kubectl, loaded) => {
        const manifests = prepareManifests(loaded, {
          images: settings.images,
          trace: traceOf(runContext()),
          warn: actionLog.warning,
        });
        return actionLog.group('Apply and watch the rollouts', () =>
          deployWithRolloutTimeout(kubectl, manifests, {
            ...settings,
            log: actionLog.info,
            warn: actionLog.warning,
            // The runner may end a cancelled step before the put-back ends: say at once what is known.
            onCancelled: (report) => publishProvisional(withPlanFile(deployPublication(TITLE, report), TITLE)),
          }),
        );
      }),
    {
      reported: DeployFailedError,
      publicationOf: (report) => withPlanFile(deployPublication(TITLE, report), TITLE),
      unreported: (error) => notDeployedPublication(TITLE, error),
    },
  );
}
