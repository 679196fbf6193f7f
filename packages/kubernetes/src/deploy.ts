import { objectDiff, sameIntent } from './diff.js';
import { ApplyConflictError, KubectlError, type ApplyOptions, type Kubectl } from './kubectl.js';
import { sortForApply, type Manifest } from './manifests.js';
import type { KubernetesDeploySettings } from '@sophia/inputs';
import { ReportedError } from '@sophia/reporting';
import { readFailedRevisions, recordFailedRevision, type FailedRevisions } from './failed-revisions.js';
import { isWorkload, objectKey, refOf, workloadKey, type KubeObject, type ObjectRef } from './objects.js';
import { revisionNumberOf, rolloutTimings, watchRollouts, type RolloutResult } from './rollout.js';

/** The deploy inputs both Kubernetes actions share, plus the rollout timings and the log. */
export interface DeploySettings extends Pick<
  KubernetesDeploySettings,
  'serverSide' | 'fieldManager' | 'rolloutTimeoutMs' | 'rollbackOnFailure' | 'dryRun'
> {
  pollIntervalMs?: number;
  failFastAfterMs?: number;
  log?: (line: string) => void;
}

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface AppliedObject extends ObjectRef {
  action: ApplyAction;
  /** Dry run only: what would change, line by line. */
  diff?: string;
}

export interface RollbackRecord {
  ref: ObjectRef;
  /** The revision this run produced and that failed. */
  failedRevision?: string;
  /** Its pod template's stable name (pod-template-hash), recorded because undo renumbers revisions. */
  failedTemplate?: string;
  /** The revision the workload had before the run, and runs again now. */
  restoredRevision?: string;
  /** Why a changed workload could not be rolled back (it did not exist before this run). */
  skipped?: string;
}

export interface DeployReport {
  dryRun: boolean;
  applied: AppliedObject[];
  /** `kind/name` -> revision after the run. */
  revisions: Record<string, string>;
  /**
   * `<namespace>/<Kind>/<name>` of every workload that existed before the run and whose
   * metadata.generation this run's apply moved (a spec change: what a rollback of the run must
   * undo). Created workloads are not in it: they have no earlier revision to go back to.
   */
  changed: string[];
  rollouts: RolloutResult[];
  rolledBack: boolean;
  rollbacks: RollbackRecord[];
}

/** The deploy failed after something was applied; the report says what happened, for outputs and summary. */
export class DeployFailedError extends ReportedError<DeployReport> {
  constructor(message: string, report: DeployReport) {
    super(message, report);
    this.name = 'DeployFailedError';
  }
}

function classify(before: KubeObject | undefined, after: KubeObject): ApplyAction {
  if (!before) return 'created';
  return before.metadata.resourceVersion === after.metadata.resourceVersion ? 'unchanged' : 'configured';
}

function byKey(objects: KubeObject[]): Map<string, KubeObject> {
  return new Map(objects.map((object) => [objectKey(object), object]));
}

/** The API server bumps metadata.generation on every spec change, and only then (Kubernetes API conventions). */
function generationMoved(before: KubeObject | undefined, after: KubeObject): boolean {
  return before !== undefined && before.metadata.generation !== after.metadata.generation;
}

/** `<namespace>/<Kind>/<name>`, such as `sophia/Deployment/chat-api`: the key of the `changed` output. */
export function changedKey(object: Pick<KubeObject, 'kind' | 'metadata'>): string {
  return `${object.metadata.namespace ?? 'default'}/${object.kind}/${object.metadata.name}`;
}

/**
 * Apply, then watch every workload; on failure optionally put back exactly what this run changed.
 * The live state is read first so the report can say created / configured / unchanged and the
 * rollback knows each workload's revision from before the run.
 */
export async function deployManifests(
  kubectl: Kubectl,
  manifests: Manifest[],
  settings: DeploySettings,
): Promise<DeployReport> {
  const log = settings.log ?? (() => undefined);
  const objects = sortForApply(manifests).map((manifest) => manifest.object);
  const before = byKey(await kubectl.getLive(objects));
  const applyOptions = { serverSide: settings.serverSide, fieldManager: settings.fieldManager };
  const report: DeployReport = {
    dryRun: settings.dryRun,
    applied: [],
    revisions: {},
    changed: [],
    rollouts: [],
    rolledBack: false,
    rollbacks: [],
  };

  if (settings.dryRun) {
    const intended = await applyTakingBackFromRollbacks(kubectl, objects, { ...applyOptions, dryRun: true }, log);
    for (const object of intended) {
      const live = before.get(objectKey(object));
      const action: ApplyAction = !live ? 'created' : sameIntent(live, object) ? 'unchanged' : 'configured';
      report.applied.push({
        ...refOf(object),
        action,
        ...(action === 'unchanged' ? {} : { diff: objectDiff(live, object) }),
      });
    }
    return report;
  }

  // The server checks every object first (validation, admission, conflicts), so a bad object
  // fails the deploy before any object has changed, instead of half-way through the apply.
  try {
    await applyTakingBackFromRollbacks(kubectl, objects, { ...applyOptions, dryRun: true }, log);
  } catch (error) {
    if (!(error instanceof KubectlError)) throw error;
    throw new Error(
      `The API server refused the manifests, so nothing was applied:\n${(error.result.stderr || error.result.stdout).trim()}`,
      { cause: error },
    );
  }
  const after = await applyTakingBackFromRollbacks(kubectl, objects, applyOptions, log);
  for (const object of after) {
    const action = classify(before.get(objectKey(object)), object);
    report.applied.push({ ...refOf(object), action });
    log(`${workloadKey(refOf(object))} ${action}`);
  }

  const workloads = after.filter(isWorkload);
  report.changed = workloads.filter((object) => generationMoved(before.get(objectKey(object)), object)).map(changedKey);
  report.rollouts = await watchRollouts(kubectl, workloads.map(refOf), {
    timeoutMs: settings.rolloutTimeoutMs,
    pollIntervalMs: settings.pollIntervalMs,
    failFastAfterMs: settings.failFastAfterMs,
    log,
  });
  for (const rollout of report.rollouts)
    if (rollout.revision) report.revisions[workloadKey(rollout.ref)] = rollout.revision;
  const failed = report.rollouts.filter((rollout) => !rollout.ok);
  if (failed.length === 0) return report;

  const reasons = failed.map((rollout) => rollout.reason).join('; ');
  if (!settings.rollbackOnFailure) {
    throw new DeployFailedError(
      `Rollout failed: ${reasons}. rollback-on-failure is false, so the cluster was left as it is.`,
      report,
    );
  }
  const changed = workloads.filter((object) => {
    const previous = before.get(objectKey(object));
    return !previous || previous.metadata.generation !== object.metadata.generation;
  });
  try {
    report.rollbacks = await rollBack(kubectl, changed, before, report, settings);
  } catch (error) {
    if (error instanceof DeployFailedError) throw error;
    throw new DeployFailedError(
      `Rollout failed: ${reasons}. The rollback failed too: ${(error as Error).message}`,
      report,
    );
  }
  report.rolledBack = report.rollbacks.some((record) => !record.skipped);
  const undone = report.rollbacks
    .filter((record) => !record.skipped)
    .map((record) => `${workloadKey(record.ref)} to revision ${record.restoredRevision ?? 'previous'}`);
  const kept = report.rollbacks
    .filter((record) => record.skipped)
    .map((record) => `${workloadKey(record.ref)} (${record.skipped})`);
  const summary = [
    undone.length > 0 ? `rolled back ${undone.join(', ')}` : 'nothing could be rolled back',
    kept.length > 0 ? `left as is: ${kept.join(', ')}` : '',
  ].filter(Boolean);
  throw new DeployFailedError(`Rollout failed: ${reasons}. ${capitalize(summary.join('; '))}.`, report);
}

/**
 * `kubectl rollout undo` writes the template without a field manager, so the server files its
 * fields under "kubectl"; the next server-side apply would then conflict with the rollback
 * itself. A rollback is not a competing owner of the configuration, so those fields are taken
 * back; conflicts with anyone else are still refused.
 */
export function isRollbackFieldManager(manager: string): boolean {
  // The server names a manager after the client binary: `kubectl`, or `kubectl.1.33` for a versioned one.
  return /^kubectl(\.\d+\.\d+)?$/.test(manager) || manager === 'kubectl-rollout';
}

async function applyTakingBackFromRollbacks(
  kubectl: Kubectl,
  objects: KubeObject[],
  options: ApplyOptions,
  log: (line: string) => void,
): Promise<KubeObject[]> {
  try {
    return await kubectl.apply(objects, options);
  } catch (error) {
    if (!(error instanceof ApplyConflictError) || error.managers.length === 0) throw error;
    if (!error.managers.every(isRollbackFieldManager)) throw error;
    log(`Taking back fields last written by a rollout undo (${error.managers.join(', ')}):\n${error.details}`);
    return kubectl.apply(objects, { ...options, forceConflicts: true });
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Undoes each workload this run changed to the revision it had before, waits for that, and marks
 * the revision this run made as failed so a later `rollback` never picks it.
 */
async function rollBack(
  kubectl: Kubectl,
  changed: KubeObject[],
  before: Map<string, KubeObject>,
  report: DeployReport,
  settings: DeploySettings,
): Promise<RollbackRecord[]> {
  const log = settings.log ?? (() => undefined);
  const records: RollbackRecord[] = [];
  const failedLists = new Map<string, FailedRevisions>();
  for (const object of changed) {
    const ref = refOf(object);
    const previous = before.get(objectKey(object));
    const rollout = report.rollouts.find((result) => workloadKey(result.ref) === workloadKey(ref));
    const failedRevision = report.revisions[workloadKey(ref)];
    if (!previous) {
      records.push({ ref, failedRevision, skipped: 'created by this run, no earlier revision' });
      continue;
    }
    // Read before the undo: it replaces the annotations with the ones the old revision carried.
    const live = await kubectl.get(ref);
    failedLists.set(workloadKey(ref), readFailedRevisions(live));
    const restoredRevision = await revisionNumberOf(kubectl, previous);
    const numeric = restoredRevision && /^\d+$/.test(restoredRevision) ? Number(restoredRevision) : undefined;
    log(`Rolling ${workloadKey(ref)} back to revision ${restoredRevision ?? 'previous'}`);
    await kubectl.rolloutUndo(ref, numeric);
    if (object.kind === 'StatefulSet' && rollout?.template) await deleteStuckPods(kubectl, ref, rollout.template, log);
    records.push({ ref, failedRevision, failedTemplate: rollout?.template, restoredRevision });
  }
  const undone = records.filter((record) => !record.skipped);
  const results = await watchRollouts(
    kubectl,
    undone.map((record) => record.ref),
    {
      timeoutMs: settings.rolloutTimeoutMs,
      pollIntervalMs: settings.pollIntervalMs,
      failFastAfterMs: settings.failFastAfterMs,
      log,
    },
  );
  for (const result of results) {
    if (result.revision) report.revisions[workloadKey(result.ref)] = result.revision;
    if (!result.ok) {
      const reasons = report.rollouts.filter((rollout) => !rollout.ok).map((rollout) => rollout.reason);
      throw new DeployFailedError(
        `Rollout failed: ${reasons.join('; ')}. The rollback failed too: ${result.reason}`,
        report,
      );
    }
  }
  for (const record of undone) {
    await recordFailedRevision(kubectl, record.ref, failedLists.get(workloadKey(record.ref))!, {
      number: record.failedRevision,
      template: record.failedTemplate,
    });
  }
  return records;
}

/**
 * A StatefulSet does not replace a pod that never became ready on the bad revision, even after
 * its template is reverted (Kubernetes documents this "forced rollback" step): those pods are
 * deleted so the controller recreates them from the restored revision.
 */
async function deleteStuckPods(
  kubectl: Kubectl,
  ref: ObjectRef,
  failedTemplate: string,
  log: (line: string) => void,
): Promise<void> {
  const pods = (await kubectl.list('pods', { namespace: ref.namespace })).filter(
    (pod) =>
      pod.metadata.labels?.['controller-revision-hash'] === failedTemplate &&
      ((pod.metadata.ownerReferences as Array<{ kind?: string; name?: string }>) ?? []).some(
        (owner) => owner.kind === ref.kind && owner.name === ref.name,
      ),
  );
  if (pods.length === 0) return;
  log(
    `Deleting ${pods.map((pod) => pod.metadata.name).join(', ')}, stuck on the failed revision, so they start again on the restored one`,
  );
  await kubectl.run([
    'delete',
    'pod',
    ...pods.map((pod) => pod.metadata.name),
    '--namespace',
    ref.namespace ?? 'default',
    '--wait=false',
  ]);
}

/**
 * `deployManifests` as both Kubernetes deploy actions run it: how often rollouts are polled and how
 * soon a crash loop or pull error fails them follow from the rollout timeout (`rolloutTimings`).
 */
export function deployWithRolloutTimeout(
  kubectl: Kubectl,
  manifests: Manifest[],
  settings: Omit<DeploySettings, 'pollIntervalMs' | 'failFastAfterMs'>,
): Promise<DeployReport> {
  return deployManifests(kubectl, manifests, { ...settings, ...rolloutTimings(settings.rolloutTimeoutMs) });
}
