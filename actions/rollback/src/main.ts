import { actionLog, publishing, stepState, type Publication } from '@sophia/action-runtime';
import { freeLocksLeftBehind } from '@sophia/releases';
import { sshTargetsFrom } from '@sophia/ssh';
import { frontendRollback, frontendRollbackPublication, notRolledBackPublication } from './frontend.js';
import { getInputs } from './input-helper.js';
import { kubernetesRollback, kubernetesRollbackPublication } from './kubernetes.js';

type RollbackPublication = Publication & { outputs: { from: string; to: string } };

/**
 * Rolls back, publishes outputs and summary (also when the rollback failed: with its report, or
 * through `unreported` when it failed before anything changed), returns the outputs.
 */
async function rollBackAndPublish<Report>(
  work: () => Promise<Report>,
  publicationOf: (report: Report) => RollbackPublication,
  unreported?: (error: unknown) => RollbackPublication,
): Promise<RollbackPublication['outputs']> {
  return publicationOf(await publishing(work, publicationOf, unreported)).outputs;
}

/** The runbook: read inputs; roll the frontend hosts or the Kubernetes workloads back; report. */
export async function main(): Promise<void> {
  const settings = getInputs();
  const outputs =
    settings.component === 'frontend'
      ? await rollBackAndPublish(
          () => frontendRollback(settings),
          (hosts) => frontendRollbackPublication(hosts, settings.target),
          (error) => notRolledBackPublication(error, settings.target),
        )
      : await rollBackAndPublish(
          () => kubernetesRollback(settings),
          (outcomes) => kubernetesRollbackPublication(outcomes, settings.namespace),
        );
  actionLog.info(`Rolled back: from ${outputs.from} to ${outputs.to}`);
}

/** The post step: frees the frontend deploy locks a cancelled or killed rollback left on its hosts. */
export async function post(): Promise<void> {
  await freeLocksLeftBehind(
    stepState,
    () => {
      const settings = getInputs();
      return settings.component === 'frontend' ? sshTargetsFrom(settings.ssh) : [];
    },
    actionLog,
  );
}
