import { actionLog, onRunner } from '@sophia/action-runtime';
import {
  describeRevision,
  executeRollback,
  planRollback,
  withKubectl,
  workloadKey,
  type RollbackOutcome,
} from '@sophia/kubernetes';
import type { KubernetesRollbackSettings } from './input-helper.js';

/** The rollback action has no rollout-timeout input: the deploy actions' default applies. */
export const ROLLBACK_ROLLOUT_TIMEOUT_MS = 5 * 60_000;
/** A rollback goes to a template that ran before, so it is usually quick: look often. */
export const ROLLBACK_POLL_INTERVAL_MS = 500;

/**
 * Plans every workload's rollback before anything changes (one that cannot proceed stops all),
 * then undoes them and waits for the rollouts. A rollout that does not finish throws
 * `RollbackRolloutError`, which carries every outcome.
 */
export async function kubernetesRollback(settings: KubernetesRollbackSettings): Promise<RollbackOutcome[]> {
  if (settings.workloads.by === 'list' && settings.workloads.refs.length === 0) {
    // A deploy action's `changed` output is `[]` when the run changed no workload: nothing to undo.
    actionLog.info('The list of workloads is empty: nothing to roll back');
    return [];
  }
  // The kubeconfig is a secret on disk: the secrets directory goes however the step ends.
  return withKubectl(settings.connection, onRunner(), async (kubectl) => {
    const steps = await actionLog.group('Plan the rollback', async () => {
      const planned = await planRollback(kubectl, settings);
      for (const step of planned) {
        for (const warning of step.warnings) actionLog.warning(warning);
        actionLog.info(
          `${workloadKey(step.ref)}: live ${describeRevision(step.from)}; target ${describeRevision(step.to)}`,
        );
      }
      return planned;
    });
    return await actionLog.group('Roll back and watch the rollouts', () =>
      executeRollback(kubectl, steps, {
        markFailed: settings.markFailed,
        rolloutTimeoutMs: ROLLBACK_ROLLOUT_TIMEOUT_MS,
        pollIntervalMs: ROLLBACK_POLL_INTERVAL_MS,
        log: actionLog.info,
      }),
    );
  });
}
