import { actionInputs, actionLog, publish, runUrl } from '@sophia/action-runtime';
import {
  finishDeploymentRecord,
  githubRepository,
  recordRollback,
  startDeploymentRecord,
  type Deployment,
} from '@sophia/github';
import { boolean, headerToken, InputError, integer, oneOf } from '@sophia/inputs';

const RECORDS = ['start', 'finish', 'rollback'] as const;
const OUTCOMES = ['success', 'failure'] as const;

function named(deployment: Deployment | undefined): string {
  return deployment ? `deployment ${deployment.id} (${deployment.ref}, ${deployment.sha.slice(0, 7)})` : 'none';
}

/** The runbook: read the inputs, write the records, set the outputs. */
export async function main(): Promise<void> {
  const reader = actionInputs();
  const record = reader.required('record', oneOf(RECORDS));
  const environment = reader.required('environment');
  const token = headerToken('github-token', reader.secret('github-token', { required: true })!);
  const ref = reader.optional('ref') ?? process.env.GITHUB_SHA ?? '';
  const deploymentId = reader.optional('deployment-id', integer(1, Number.MAX_SAFE_INTEGER));
  const outcome = reader.optional('outcome', oneOf(OUTCOMES));
  const restored = reader.required('restored', boolean);
  const links = { logUrl: runUrl(), environmentUrl: reader.optional('environment-url') ?? '' };
  const description = reader.optional('description') ?? '';
  if (record === 'start' && !ref) throw new InputError('ref', 'Input "ref" is required (no GITHUB_SHA to default to)');
  if (record === 'finish' && deploymentId === undefined) {
    throw new InputError('deployment-id', 'Input "deployment-id" is required with record: finish');
  }
  if (record === 'finish' && outcome === undefined) {
    throw new InputError('outcome', 'Input "outcome" is required with record: finish (success or failure)');
  }

  const github = githubRepository({ token });
  if (record === 'start') {
    const deployment = await startDeploymentRecord(github, { ref, environment, description, ...links });
    actionLog.info(`Recorded ${named(deployment)} to ${environment}: in_progress`);
    await publish({ outputs: { 'deployment-id': deployment.id, 'restored-deployment-id': '' } });
  } else if (record === 'finish') {
    const done = await finishDeploymentRecord(github, deploymentId!, {
      environment,
      outcome: outcome!,
      restored,
      description,
      ...links,
    });
    actionLog.info(`Deployment ${deploymentId} to ${environment}: ${outcome}; live again: ${named(done.restored)}`);
    await publish({ outputs: { 'deployment-id': deploymentId!, 'restored-deployment-id': done.restored?.id ?? '' } });
  } else {
    const done = await recordRollback(github, { environment, description, ...links });
    actionLog.info(`Rolled back in ${environment}: ${named(done.rolledBack)}; live again: ${named(done.restored)}`);
    await publish({
      outputs: { 'deployment-id': done.rolledBack?.id ?? '', 'restored-deployment-id': done.restored?.id ?? '' },
    });
  }
}
