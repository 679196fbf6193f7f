import * as core from '@actions/core';
import { markdownTable, setOutputs, writeSummary } from '@sophia/action-runtime';
import {
  deployManifests,
  DeployFailedError,
  type AppliedObject,
  type DeployReport,
  type DeploySettings,
} from './deploy.js';
import type { Kubectl } from './kubectl.js';
import type { Manifest } from './manifests.js';
import { annotateProblems, ManifestError } from './manifest-error.js';
import { formatDiagnostics, rolloutTimings } from './rollout.js';
import type { Traceability } from './transforms.js';

/** Where this run is, from the runner's variables, for the traceability annotations. */
export function traceFromEnvironment(env: NodeJS.ProcessEnv = process.env): Traceability {
  const commit = env.GITHUB_SHA || undefined;
  const runUrl =
    env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : undefined;
  const who = env.GITHUB_ACTOR ? ` by ${env.GITHUB_ACTOR}` : '';
  const changeCause = commit
    ? `sophia-deploy ${commit.slice(0, 12)}${who}${env.GITHUB_RUN_ID ? ` (run ${env.GITHUB_RUN_ID})` : ''}`
    : undefined;
  return { commit, runUrl, changeCause };
}

/** Runs the work; manifest problems become annotations on their files before the step fails. */
export async function reportingManifestProblems<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ManifestError) annotateProblems(error.problems);
    throw error;
  }
}

export function appliedOutput(applied: AppliedObject[]): Array<{ kind: string; namespace?: string; name: string }> {
  return applied.map(({ kind, namespace, name }) => (namespace ? { kind, namespace, name } : { kind, name }));
}

export function setDeployOutputs(report: DeployReport): void {
  setOutputs({ applied: appliedOutput(report.applied), revisions: report.revisions, 'rolled-back': report.rolledBack });
}

/** The job summary of a deploy: every object and what happened to it, every workload and its revision, and why it failed. */
export function deployReportMarkdown(title: string, report: DeployReport): string {
  const parts = [`### ${title}${report.dryRun ? ' (dry run: nothing was changed)' : ''}`, ''];
  parts.push(
    markdownTable(
      ['Object', 'Namespace', report.dryRun ? 'Would be' : 'Result'],
      report.applied.map((object) => [`${object.kind}/${object.name}`, object.namespace ?? '', object.action]),
    ),
  );
  if (report.rollouts.length > 0) {
    parts.push(
      markdownTable(
        ['Workload', 'Revision', 'Rollout', 'Time'],
        report.rollouts.map((rollout) => [
          `${rollout.ref.kind}/${rollout.ref.name}`,
          rollout.revision ?? '',
          rollout.ok ? 'ready' : `failed: ${rollout.reason ?? ''}`,
          `${(rollout.elapsedMs / 1000).toFixed(1)}s`,
        ]),
      ),
    );
  }
  for (const rollout of report.rollouts.filter((r) => !r.ok)) parts.push(formatDiagnostics(rollout));
  if (report.rollbacks.length > 0) {
    parts.push(
      markdownTable(
        ['Rolled back', 'Failed revision', 'Restored revision'],
        report.rollbacks.map((record) => [
          `${record.ref.kind}/${record.ref.name}`,
          record.failedRevision ?? '',
          record.skipped
            ? `not rolled back: ${record.skipped}`
            : restoredText(record, report.revisions[`${record.ref.kind}/${record.ref.name}`]),
        ]),
      ),
    );
  }
  const diffs = report.applied.filter((object) => object.diff);
  if (diffs.length > 0) {
    parts.push('#### Changes the deploy would make', '');
    for (const object of diffs)
      parts.push(
        `<details><summary>${object.kind}/${object.name}: ${object.action}</summary>\n\n\`\`\`diff\n${object.diff}\n\`\`\`\n</details>\n`,
      );
  }
  return parts.join('\n');
}

/** Kubernetes renumbers a restored revision as the newest one; say both so neither number surprises. */
function restoredText(record: { restoredRevision?: string }, liveRevision: string | undefined): string {
  const restored = record.restoredRevision ?? 'previous';
  return liveRevision && liveRevision !== restored ? `${restored} (now numbered ${liveRevision})` : restored;
}

/** Logs the diagnostics of failed rollouts in a group, so the log shows the reason next to the failure. */
export function logRolloutDiagnostics(report: DeployReport): void {
  const failed = report.rollouts.filter((rollout) => !rollout.ok);
  if (failed.length === 0) return;
  core.startGroup('Rollout diagnostics');
  for (const rollout of failed) core.info(formatDiagnostics(rollout));
  core.endGroup();
}

export function logDryRunDiff(report: DeployReport): void {
  if (!report.dryRun) return;
  core.startGroup('Dry run: changes the deploy would make');
  for (const object of report.applied) {
    core.info(
      `${object.kind}/${object.name}${object.namespace ? ` (namespace ${object.namespace})` : ''}: would be ${object.action}`,
    );
    if (object.diff) core.info(object.diff);
  }
  core.endGroup();
}

/**
 * Deploys with the rollout timings derived from the timeout and reports the outcome (outputs, dry-run diff,
 * rollout diagnostics, job summary) whether the deploy succeeded or failed after applying something.
 */
export async function deployAndReport(
  kubectl: Kubectl,
  manifests: Manifest[],
  settings: Omit<DeploySettings, 'pollIntervalMs' | 'failFastAfterMs' | 'log'>,
  title: string,
): Promise<DeployReport> {
  let report: DeployReport | undefined;
  try {
    report = await deployManifests(kubectl, manifests, {
      serverSide: settings.serverSide,
      fieldManager: settings.fieldManager,
      rolloutTimeoutMs: settings.rolloutTimeoutMs,
      rollbackOnFailure: settings.rollbackOnFailure,
      dryRun: settings.dryRun,
      ...rolloutTimings(settings.rolloutTimeoutMs),
      log: core.info,
    });
    return report;
  } catch (error) {
    if (error instanceof DeployFailedError) report = error.report;
    throw error;
  } finally {
    if (report) {
      setDeployOutputs(report);
      logDryRunDiff(report);
      logRolloutDiagnostics(report);
      await writeSummary(deployReportMarkdown(title, report));
    }
  }
}

export { writeSummary };
