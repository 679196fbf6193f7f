import {
  actionLog,
  annotatingFileProblems,
  publishing,
  runContext,
  secretsDir,
  workspaceDir,
} from '@sophia/action-runtime';
import {
  deployPublication,
  deployWithRolloutTimeout,
  loadManifests,
  runnerKubectl,
  prepareManifests,
  traceOf,
  withKubectl,
} from '@sophia/kubernetes';

import { getInputs } from './input-helper.js';

/** The runbook: read inputs, connect, load and prepare the manifests, apply and watch, report. */
export async function main(): Promise<void> {
  const settings = getInputs();

  // The kubeconfig is a secret on disk: the secrets directory goes however the step ends.
  await withKubectl(settings.connection, { log: actionLog, tempDir: secretsDir() }, async (kubectl) => {
    // Objects that name no namespace go where kubectl would put them: the input's, else the context's.
    const namespace = settings.namespace ?? (await kubectl.contextNamespace());
    const manifests = await annotatingFileProblems('Manifest problem', () => {
      const loaded = loadManifests({
        patterns: settings.manifests,
        cwd: workspaceDir(),
        namespace,
        kubectl: runnerKubectl(settings.connection),
      });
      return prepareManifests(loaded, {
        images: settings.images,
        trace: traceOf(runContext()),
        warn: actionLog.warning,
      });
    });
    const files = new Set(manifests.map((m) => m.file)).size;
    actionLog.info(`Loaded ${manifests.length} objects from ${files} manifest file${files === 1 ? '' : 's'}`);
    await publishing(
      () =>
        actionLog.group('Apply and watch the rollouts', () =>
          // Kinds the server does not serve are reported on their manifests, like file problems.
          annotatingFileProblems('Manifest problem', () =>
            deployWithRolloutTimeout(kubectl, manifests, { ...settings, log: actionLog.info, warn: actionLog.warning }),
          ),
        ),
      (report) => deployPublication('deploy-k3s-backend', report),
    );
  });
}
