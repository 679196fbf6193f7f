import { actionLog, publish } from '@sophia/action-runtime';
import {
  finishDeploymentRecord,
  githubRepository,
  recordRollback,
  startDeploymentRecord,
  type Deployment,
} from '@sophia/github';
import { getInputs } from './input-helper.js';

function named(deployment: Deployment | undefined): string {
  return deployment ? `deployment ${deployment.id} (${deployment.ref}, ${deployment.sha.slice(0, 7)})` : 'none';
}

/** The runbook: read the inputs, write the records, set the outputs. */
export async function main(): Promise<void> {
  const settings = getInputs();
  const { environment, description, links } = settings;

  const github = githubRepository({ token: settings.token });
  if (settings.record === 'start') {
    const deployment = await startDeploymentRecord(github, { ref: settings.ref, environment, description, ...links });
    actionLog.info(`Recorded ${named(deployment)} to ${environment}: in_progress`);
    await publish({
      outputs: { 'deployment-id': deployment.id, 'restored-deployment-id': '', 'replaced-deployment-id': '' },
    });
  } else if (settings.record === 'finish') {
    const { deploymentId, outcome } = settings;
    const done = await finishDeploymentRecord(github, deploymentId, {
      environment,
      outcome,
      restored: settings.restored,
      liveDescription: settings.liveDescription,
      description,
      ...links,
    });
    if (settings.facts) {
      const states = Object.entries(settings.facts.components).map(([name, state]) => `${name} ${state}`);
      actionLog.info(`What the run left serving: ${states.join(', ')} (${settings.facts.served})`);
    }
    const live = settings.liveDescription ? ', then success: it serves all the same' : '';
    actionLog.info(
      `Deployment ${deploymentId} to ${environment}: ${outcome}${live}; live again: ${named(done.restored)}`,
    );
    await publish({
      outputs: {
        'deployment-id': deploymentId,
        'restored-deployment-id': done.restored?.id ?? '',
        'replaced-deployment-id': '',
      },
    });
  } else {
    const done = await recordRollback(github, {
      environment,
      fallbackRef: settings.ref,
      facts: settings.facts,
      ...links,
    });
    actionLog.info(
      `Recorded the rollback in ${environment} as ${named(done.deployment)}: success; replaced: ${named(done.replaced)}`,
    );
    await publish({
      outputs: {
        'deployment-id': done.deployment.id,
        'restored-deployment-id': '',
        'replaced-deployment-id': done.replaced?.id ?? '',
      },
    });
  }
}
