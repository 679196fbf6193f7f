import {
  actionLog,
  annotatingFileProblems,
  publishing,
  runContext,
  secretsDir,
  workspaceDir,
} from '@sophia/action-runtime';
import {
  connectKubectl,
  deployPublication,
  deployWithRolloutTimeout,
  loadManifests,
  openRemoteShell,
  prepareManifests,
  traceOf,
} from '@sophia/kubernetes';

import { getInputs } from './input-helper.js';

/** The runbook: read inputs, load and prepare the manifests, connect, apply and watch, report. */
export async function main(): Promise<void> {
  const settings = getInputs();

  const manifests = await annotatingFileProblems('Manifest problem', () => {
    const loaded = loadManifests({ patterns: settings.manifests, cwd: workspaceDir(), namespace: settings.namespace });
    return prepareManifests(loaded, {
      images: settings.images,
      trace: traceOf(runContext()),
      warn: actionLog.warning,
    });
  });
  const files = new Set(manifests.map((m) => m.file)).size;
  actionLog.info(`Loaded ${manifests.length} objects from ${files} manifest file${files === 1 ? '' : 's'}`);

  const kubectl = await connectKubectl(settings.connection, {
    remoteShell: (connection) => openRemoteShell(connection, actionLog),
    trace: actionLog.debug,
    // The kubeconfig is a secret on disk: this directory goes however the step ends.
    tempDir: secretsDir(),
  });
  try {
    await publishing(
      () =>
        actionLog.group('Apply and watch the rollouts', () =>
          deployWithRolloutTimeout(kubectl, manifests, { ...settings, log: actionLog.info }),
        ),
      (report) => deployPublication('deploy-k3s-backend', report),
    );
  } finally {
    await kubectl.close();
  }
}
