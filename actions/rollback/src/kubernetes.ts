import * as core from '@actions/core';
import { markdownTable, setOutputs, writeSummary } from '@sophia/action-runtime';
import {
  connectKubectl,
  describeRevision,
  executeRollback,
  formatDiagnostics,
  openRemoteShell,
  planRollback,
  RollbackRolloutError,
  workloadName,
  type RollbackOutcome,
} from '@sophia/kubernetes';
import type { KubernetesRollbackSettings } from './input-helper.js';

/** The rollback action has no rollout-timeout input: the deploy actions' default applies. */
export const ROLLBACK_ROLLOUT_TIMEOUT_MS = 5 * 60_000;
/** A rollback goes to a template that ran before, so it is usually quick: look often. */
export const ROLLBACK_POLL_INTERVAL_MS = 500;

function outputsOf(outcomes: RollbackOutcome[]): Record<string, string> {
  const by = (pick: (outcome: RollbackOutcome) => number) =>
    JSON.stringify(Object.fromEntries(outcomes.map((outcome) => [workloadName(outcome.ref), String(pick(outcome))])));
  return { from: by((outcome) => outcome.from), to: by((outcome) => outcome.to) };
}

function summaryOf(outcomes: RollbackOutcome[], settings: KubernetesRollbackSettings): string {
  const table = markdownTable(
    ['Workload', 'From', 'To', 'Result'],
    outcomes.map((outcome) => [
      workloadName(outcome.ref),
      outcome.from,
      outcome.to,
      outcome.alreadyLive
        ? 'already live'
        : outcome.rollout?.ok
          ? `rolled out${outcome.markedFailed ? `, revision ${outcome.from} marked failed` : ''}`
          : `rollout failed: ${outcome.rollout?.reason ?? ''}`,
    ]),
  );
  const where = settings.namespace ? ` in namespace ${settings.namespace}` : '';
  return `### Kubernetes rollback${where}\n\n${table}`;
}

export async function rollBackKubernetes(
  settings: KubernetesRollbackSettings,
): Promise<{ outputs: Record<string, string>; summary: string }> {
  const kubectl = await connectKubectl(settings.connection, { remoteShell: openRemoteShell, trace: core.debug });
  try {
    const steps = await planRollback(kubectl, {
      namespace: settings.namespace,
      workloads: settings.workloads,
      to: settings.to,
    });
    for (const step of steps) {
      for (const warning of step.warnings) core.warning(warning);
      core.info(`${workloadName(step.ref)}: live ${describeRevision(step.from)}; target ${describeRevision(step.to)}`);
    }
    try {
      const outcomes = await executeRollback(kubectl, steps, {
        markFailed: settings.markFailed,
        rolloutTimeoutMs: ROLLBACK_ROLLOUT_TIMEOUT_MS,
        pollIntervalMs: ROLLBACK_POLL_INTERVAL_MS,
        log: core.info,
      });
      return { outputs: outputsOf(outcomes), summary: summaryOf(outcomes, settings) };
    } catch (error) {
      if (error instanceof RollbackRolloutError) {
        // The undo happened: outputs and summary say where each workload stands before the step fails.
        for (const outcome of error.outcomes)
          if (outcome.rollout && !outcome.rollout.ok) core.info(formatDiagnostics(outcome.rollout));
        setOutputs(outputsOf(error.outcomes));
        await writeSummary(summaryOf(error.outcomes, settings));
      }
      throw error;
    }
  } finally {
    await kubectl.close();
  }
}
