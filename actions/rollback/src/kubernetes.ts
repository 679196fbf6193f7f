import { actionLog, onRunner } from '@sophia/action-runtime';
import {
  describeRevision,
  executeRollback,
  formatDiagnostics,
  planRollback,
  withKubectl,
  workloadKey,
  type RollbackOutcome,
} from '@sophia/kubernetes';
import { markdownTable } from '@sophia/reporting';
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
    const steps = await planRollback(kubectl, settings);
    for (const step of steps) {
      for (const warning of step.warnings) actionLog.warning(warning);
      actionLog.info(
        `${workloadKey(step.ref)}: live ${describeRevision(step.from)}; target ${describeRevision(step.to)}`,
      );
    }
    return await executeRollback(kubectl, steps, {
      markFailed: settings.markFailed,
      rolloutTimeoutMs: ROLLBACK_ROLLOUT_TIMEOUT_MS,
      pollIntervalMs: ROLLBACK_POLL_INTERVAL_MS,
      log: actionLog.info,
    });
  });
}

/**
 * What a Kubernetes rollback leaves as it is, said in every summary: `kubectl rollout undo` puts
 * back a workload's pod template only. Unlike a deploy that fails (which restores the objects it
 * configured from what it read before applying), a rollback started by hand has no record of what
 * an earlier deploy changed, so restoring other objects would be a guess.
 */
export const KUBERNETES_ROLLBACK_SCOPE =
  "Only the workloads' pod templates were rolled back. ConfigMaps, Secrets, Services, Ingresses and every other " +
  "object, and the workloads' other fields (replicas, strategy), stay as the last deploy left them: to put those " +
  'back too, deploy the commit you want to return to.';

/**
 * Outputs `from`/`to` (JSON objects workload -> revision, for every workload rolled back or already
 * live), failed rollouts' diagnostics, and the summary; also for a rollback that an error stopped
 * after its first undo (RollbackOutcome.interrupted), whose table says which workloads were rolled back.
 */
export function kubernetesRollbackPublication(outcomes: RollbackOutcome[], namespace: string | undefined) {
  // A workload the rollback stopped before undoing was not rolled back: it is in neither output.
  const moved = outcomes.filter((outcome) => !outcome.interrupted || outcome.interrupted.undone);
  const by = (pick: (outcome: RollbackOutcome) => number) =>
    JSON.stringify(Object.fromEntries(moved.map((outcome) => [workloadKey(outcome.ref), String(pick(outcome))])));
  const table = markdownTable(
    ['Workload', 'From', 'To', 'Result'],
    outcomes.map((outcome) => [
      workloadKey(outcome.ref),
      outcome.from,
      outcome.to,
      outcome.alreadyLive
        ? 'already live'
        : outcome.interrupted
          ? outcome.interrupted.undone
            ? `rolled back${outcome.markedFailed ? `, revision ${outcome.from} marked failed` : ''}; then the rollback stopped before its rollout was seen: ${outcome.interrupted.reason}`
            : `not rolled back: the rollback stopped: ${outcome.interrupted.reason}`
          : outcome.rollout?.ok
            ? `rolled out${outcome.markedFailed ? `, revision ${outcome.from} marked failed` : ''}`
            : `rollout failed: ${outcome.rollout?.reason ?? ''}`,
    ]),
  );
  const failed = outcomes.flatMap((outcome) => (outcome.rollout && !outcome.rollout.ok ? [outcome.rollout] : []));
  const where = namespace ? ` in namespace ${namespace}` : '';
  return {
    outputs: { from: by((outcome) => outcome.from), to: by((outcome) => outcome.to) },
    logGroups: [{ title: 'Rollout diagnostics', lines: failed.map(formatDiagnostics) }],
    summary: `### Kubernetes rollback${where}\n\n${table}\n${KUBERNETES_ROLLBACK_SCOPE}\n`,
  };
}

/**
 * What a Kubernetes rollback that failed before anything changed tells (a refused plan, no
 * connection, a workload not found): `from` and `to` as empty JSON objects, and a summary saying
 * no workload was changed and why.
 */
export function notRolledBackKubernetesPublication(error: unknown, namespace: string | undefined) {
  const message = error instanceof Error ? error.message : String(error);
  const where = namespace ? ` in namespace ${namespace}` : '';
  return {
    outputs: { from: '{}', to: '{}' },
    summary: `### Kubernetes rollback${where}\n\nNo workload was changed.\n\n**Failed:** ${message}\n`,
  };
}
