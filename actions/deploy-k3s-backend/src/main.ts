import { actionLog, publishing, runContext, secretsDir, workspaceDir } from '@sophia/action-runtime';
import {
  DeployFailedError,
  deployPublication,
  deployWithRolloutTimeout,
  loadManifests,
  notDeployedPublication,
  runnerKubectl,
  prepareManifests,
  traceOf,
  withKubectl,
} from '@sophia/kubernetes';

import { getInputs } from './input-helper.js';

const TITLE = 'deploy-k3s-backend';

/** The runbook: read inputs, connect, load and prepare the manifests, apply and watch, report. */
export async function main(): Promise<void> {
  const settings = getInputs();

  // Outputs and summary are published however the step ends once the inputs are read: a failure
  // before anything was applied (no connection, a manifest problem) says so and why.
  await publishing(
    // The kubeconfig is a secret on disk: the secrets directory goes however the step ends.
    () =>
      withKubectl(settings.connection, { log: actionLog, tempDir: secretsDir() }, async (kubectl) => {
        // Objects that name no namespace go where kubectl would put them: the input's, else the context's.
        const namespace = settings.namespace ?? (await kubectl.contextNamespace());
        const loaded = loadManifests({
          patterns: settings.manifests,
          cwd: workspaceDir(),
          namespace,
          kubectl: runnerKubectl(settings.connection),
        });
        const manifests = prepareManifests(loaded, {
          images: settings.images,
          trace: traceOf(runContext()),
          warn: actionLog.warning,
        });
        const files = new Set(manifests.map((m) => m.file)).size;
        actionLog.info(`Loaded ${manifests.length} objects from ${files} manifest file${files === 1 ? '' : 's'}`);
        return actionLog.group('Apply and watch the rollouts', () =>
          deployWithRolloutTimeout(kubectl, manifests, { ...settings, log: actionLog.info, warn: actionLog.warning }),
        );
      }),
    {
      reported: DeployFailedError,
      publicationOf: (report) => deployPublication(TITLE, report),
      unreported: (error) => notDeployedPublication(TITLE, error),
    },
  );
}
