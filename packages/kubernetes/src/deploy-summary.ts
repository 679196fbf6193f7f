import {
  failedMarkdown,
  markdownCodeBlock,
  markdownDetails,
  markdownTable,
  markdownText,
  type Cell,
  type OutputValue,
  type Publication,
  type RunContext,
} from '@sophia/reporting';
import type { AppliedObject, DeployReport, RollbackRecord } from './deploy.js';
import { ManifestError, NamespaceInputError } from './manifest-error.js';
import { workloadKey } from './objects.js';
import { formatDiagnostics } from './rollout.js';
import { kubernetesPlan, type PlannedPlacement } from './plan.js';
import { kubernetesPlanMarkdown } from './plan-summary.js';
import type { Traceability } from './transforms.js';

/** The traceability annotations of a run: its commit, its page, and a change-cause naming both. */
export function traceOf(run: Pick<RunContext, 'commit' | 'actor' | 'runId' | 'runUrl'>): Traceability {
  const commit = run.commit || undefined;
  const runUrl = run.runUrl || undefined;
  const who = run.actor ? ` by ${run.actor}` : '';
  const changeCause = commit
    ? `sophia-deploy ${commit.slice(0, 12)}${who}${run.runId ? ` (run ${run.runId})` : ''}`
    : undefined;
  return { commit, runUrl, changeCause };
}

/** The `applied` output: one `{kind, namespace?, name}` per object, in apply order. */
export function appliedOutput(applied: AppliedObject[]): Array<{ kind: string; namespace?: string; name: string }> {
  return applied.map(({ kind, namespace, name }) => (namespace ? { kind, namespace, name } : { kind, name }));
}

/**
 * The outputs of a Kubernetes deploy that applied nothing (an input refused, a cancel before the step
 * published, a connection or manifest problem): no object applied, no revision, nothing rolled back.
 * The one home of that set for both Kubernetes deploy actions; `plan` is left unset.
 */
export const NOT_DEPLOYED_OUTPUTS: Readonly<Record<string, OutputValue>> = {
  applied: [],
  revisions: {},
  changed: [],
  'changed-objects': [],
  'rolled-back': false,
  rollbacks: {},
};

/** The job summary of a deploy: every object and what happened to it, every workload and its revision, and why it failed. */
export function deployReportMarkdown(title: string, report: DeployReport): string {
  const parts = [`### ${markdownText(title)}${report.dryRun ? ' (dry run: nothing was changed)' : ''}`, ''];
  if (report.interrupted?.puttingBack)
    parts.push(
      `**Cancelled after changing the cluster; putting back what this run changed.** ${markdownText(report.interrupted.reason, 1000)}`,
      '',
      // Written again when the put-back ends; the runner may end the step first (see DeploySettings.onCancelled).
      'If this summary still says so, the step was ended before the put-back finished: the put-back was cut and is not confirmed (`rolled-back` is false), so the new revision may still be in place. Check the workloads below and re-run the rollback workflow.',
      '',
    );
  else if (report.interrupted)
    parts.push(
      `**Stopped after changing the cluster:** ${markdownText(report.interrupted.reason, 1000)}`,
      '',
      ...report.interrupted.notPutBack.map((line) => `**Not put back:** ${markdownText(line, 1000)}`),
      ...(report.interrupted.notPutBack.length > 0 ? [''] : []),
    );
  parts.push(
    markdownTable(
      // The object's name carries its namespace (`team-a/Deployment/api`), so no column repeats it.
      ['Object', report.dryRun ? 'Would be' : 'Result'],
      report.applied.map((object) => [workloadKey(object), messageCell(actionText(object))]),
    ),
  );
  parts.push(
    ...tableOf(['Workload', 'Revision', 'Rollout', 'Time'], report.rollouts, (rollout) => [
      workloadKey(rollout.ref),
      rollout.revision ?? '',
      messageCell(
        rollout.ok ? (rollout.note ? `recorded: ${rollout.note}` : 'ready') : `failed: ${rollout.reason ?? ''}`,
      ),
      `${(rollout.elapsedMs / 1000).toFixed(1)}s`,
    ]),
  );
  // The cluster's words (events name images and files of the manifests) shown as they are.
  for (const rollout of report.rollouts.filter((r) => !r.ok))
    parts.push(markdownCodeBlock(formatDiagnostics(rollout), 'text'));
  parts.push(
    ...tableOf(['Rolled back', 'Failed revision', 'Restored revision', 'Result'], report.rollbacks, (record) => [
      workloadKey(record.ref),
      record.failedRevision ?? '',
      record.skipped ? '' : restoredText(record, report.revisions[workloadKey(record.ref)]),
      messageCell(rollbackResult(record)),
    ]),
    ...tableOf(['Put back as before the deploy', 'Result'], report.restored, (record) => [
      workloadKey(record.ref),
      messageCell(
        record.skipped
          ? `left as is: ${record.skipped}`
          : record.rounded
            ? `restored except: ${record.rounded}`
            : 'restored',
      ),
    ]),
  );
  const diffs = report.applied.filter((object) => object.diff);
  if (diffs.length > 0) {
    parts.push('#### Changes the deploy would make', '');
    for (const object of diffs)
      parts.push(markdownDetails(`${workloadKey(object)}: ${object.action}`, markdownCodeBlock(object.diff!, 'diff')));
  }
  return parts.join('\n');
}

/**
 * A result cell: a sentence of the deploy's (it may name a field, a value and the fix), escaped as
 * text but cut only at 1000 characters, where a plain cell is cut at MARKDOWN_VALUE_LIMIT.
 */
function messageCell(text: string): Cell {
  return { markdown: markdownText(text, 1000) };
}

/** A table with one row per item, or none at all when there are no items. */
function tableOf<T>(header: string[], items: readonly T[], row: (item: T) => Cell[]): string[] {
  return items.length > 0 ? [markdownTable(header, items.map(row))] : [];
}

/** One workload's rollback as the summary and the `rollbacks` output say it. */
export function rollbackResult(record: RollbackRecord): string {
  if (record.skipped) return `not rolled back: ${record.skipped}`;
  return record.result === 'restored' ? 'restored' : `failed: ${record.reason ?? 'unknown'}`;
}

/** Kubernetes renumbers a restored revision as the newest one; say both so neither number surprises. */
function restoredText(record: { restoredRevision?: string }, liveRevision: string | undefined): string {
  const restored = record.restoredRevision ?? 'previous';
  return liveRevision && liveRevision !== restored ? `${restored} (now numbered ${liveRevision})` : restored;
}

/**
 * What a deploy tells, for both Kubernetes deploy actions: the outputs `applied`, `revisions`,
 * `changed`, `changed-objects` and `rolled-back`, and on a dry run `plan` (kubernetesPlan, with `placement` when
 * given); the log groups of the dry-run diff and of failed rollouts' diagnostics; the job summary
 * titled `title`, with the plan's sections on a dry run. Pure data: the action publishes it
 * (`publish` in `@sophia/action-runtime`).
 */
export function deployPublication(title: string, report: DeployReport, placement?: PlannedPlacement): Publication {
  const plan = report.dryRun ? kubernetesPlan(report, placement) : undefined;
  return {
    outputs: {
      applied: appliedOutput(report.applied),
      revisions: report.revisions,
      changed: report.changed,
      'changed-objects': changedObjects(report),
      'rolled-back': report.rolledBack,
      rollbacks: Object.fromEntries(
        report.rollbacks.map((record) => [
          workloadKey(record.ref),
          {
            result: record.skipped ? 'skipped' : (record.result ?? 'failed'),
            ...(record.failedRevision ? { failedRevision: record.failedRevision } : {}),
            ...(record.restoredRevision ? { restoredRevision: record.restoredRevision } : {}),
            ...(record.skipped || record.reason ? { reason: record.skipped ?? record.reason } : {}),
          },
        ]),
      ),
      ...(plan ? { plan } : {}),
    },
    logGroups: [
      { title: 'Dry run: changes the deploy would make', lines: dryRunLines(report) },
      { title: 'Rollout diagnostics', lines: report.rollouts.filter((r) => !r.ok).map(formatDiagnostics) },
    ],
    summary: plan
      ? `${deployReportMarkdown(title, report)}\n${kubernetesPlanMarkdown(plan)}`
      : deployReportMarkdown(title, report),
  };
}

/**
 * `<namespace>/<Kind>/<name>` of every object of any kind this run's apply created or configured
 * (AppliedObject.action as the apply classified it), leaving out objects whose only change is the
 * run's own trace annotations: `[]` means what serves is what served before. `changed` lists only
 * workloads with a new revision; a deployment record needs to know whether anything at all
 * changed (a ConfigMap, a Service, a created workload). Empty on a dry run.
 */
function changedObjects(report: DeployReport): string[] {
  if (report.dryRun) return [];
  return report.applied
    .filter((object) => object.action !== 'unchanged' && !object.traceOnly)
    .map((object) => workloadKey(object));
}

function dryRunLines(report: DeployReport): string[] {
  if (!report.dryRun) return [];
  return report.applied.flatMap((object) => [
    `${workloadKey(object)}: would be ${actionText(object)}`,
    ...(object.diff ? [object.diff] : []),
  ]);
}

/**
 * What a deploy that failed before applying anything tells (no connection, a manifest problem, no
 * such node): the same outputs as `deployPublication`, empty; each problem of a `ManifestError` (or
 * of a `NamespaceInputError`) as
 * an error annotation at its file and line; and a job summary titled `title` saying the cluster was
 * not changed and why.
 */
export function notDeployedPublication(title: string, error: unknown): Publication {
  const problems = error instanceof ManifestError || error instanceof NamespaceInputError ? error.problems : [];
  // A refusal found once a namespace or CustomResourceDefinition of the set was applied says which.
  const outcome =
    error instanceof ManifestError && error.outcome !== 'nothing was applied'
      ? `Stopped before any workload changed: ${error.outcome}.`
      : 'Nothing was applied: the cluster was not changed.';
  return {
    outputs: { ...NOT_DEPLOYED_OUTPUTS },
    annotations: problems.map((problem) => ({ ...problem, title: 'Manifest problem', level: 'error' as const })),
    summary: `### ${markdownText(title)}\n\n${outcome}\n\n${failedMarkdown(error)}\n`,
  };
}

/** What happened (or would) to an object, with why a dry run could not have the server check it, or which integers kubectl rounded. */
function actionText(object: AppliedObject): string {
  return [object.action, object.notValidated, object.rounded && `but ${object.rounded}`].filter(Boolean).join(', ');
}
