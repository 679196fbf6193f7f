import { undoAndRecord } from './field-ownership.js';
import { ReportedError } from '@sophia/reporting';
import {
  annotationList,
  readFailedRevisions,
  recordFailedRevision,
  restoreFailedRevisions,
} from './failed-revisions.js';
import type { Kubectl } from './kubectl.js';
import { isRecord, isWorkload, objectKey, refOf, workloadKey, type KubeObject, type ObjectRef } from './objects.js';
import {
  currentControllerRevision,
  REVISION_ANNOTATION,
  rolloutTimings,
  selectorString,
  watchRollouts,
  type RolloutOptions,
  type RolloutResult,
} from './rollout.js';

/**
 * The annotation where a Deployment's controller lists earlier revision numbers of a reused template (kubectl's
 * `rollout undo` reuses a ReplicaSet and renumbers it).
 */
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';

/**
 * Where a rollback goes (the rollback action's `to` input): the newest earlier revision not marked
 * failed, or a revision by the number `kubectl rollout history` shows (now or before a restore).
 */
export type RevisionTarget = { kind: 'previous' } | { kind: 'revision'; revision: number };

/** A list of workloads (each in its own namespace when it names one, else the given one) or a label selector. */
export type WorkloadSelection =
  | { by: 'list'; refs: Array<{ kind: string; name: string; namespace?: string }> }
  | { by: 'selector'; selector: string };

/** One revision of a workload: a Deployment's ReplicaSet, or a StatefulSet's or DaemonSet's ControllerRevision. */
export interface Revision {
  /** The number kubectl shows now (`kubectl rollout history`). */
  number: number;
  /** Numbers it had before a rollback restored it (Deployments record these). */
  earlierNumbers: number[];
  /** pod-template-hash of its ReplicaSet, or its ControllerRevision's name. */
  template: string;
  /** The container images of its pod template, in container order. */
  images: string[];
  /** Recorded as failed on the workload (failed-revisions.ts), by its number or its template. */
  failed: boolean;
  /** The revision the workload runs now. */
  live: boolean;
}

/** A workload's revisions as a rollback reads them, with its failed-revision records. */
export interface WorkloadHistory {
  /** The workload. */
  ref: ObjectRef;
  /** Oldest first. */
  revisions: Revision[];
  /** The one of `revisions` the workload runs now. */
  live: Revision;
  /** The failed-revision records as read from the workload's annotations (revision numbers, decimal strings). */
  failedNumbers: string[];
  /** The same records by pod template name, which outlive the renumbering an undo does. */
  failedTemplates: string[];
}

/** What the rollback of one workload will do, decided before anything changes (`chooseTarget`). */
export interface RollbackStep {
  /** The workload. */
  ref: ObjectRef;
  history: WorkloadHistory;
  /** The live revision, rolled back from. */
  from: Revision;
  /** The revision rolled back to. */
  to: Revision;
  /** `to` is the live revision already: nothing to undo. */
  alreadyLive: boolean;
  /** What the user should know about the choice (a renumbered revision, going back to one marked failed). */
  warnings: string[];
}

/** How the rollback of one workload ended (`executeRollback`). */
export interface RollbackOutcome {
  /** The workload. */
  ref: ObjectRef;
  /** The number of the revision rolled back from. */
  from: number;
  /** The number the restored revision has now that it is live again. */
  to: number;
  /** Nothing was undone: the revision asked for was live already. */
  alreadyLive: boolean;
  /** The revision rolled back from was recorded as failed on the workload. */
  markedFailed: boolean;
  /** The rollout of the restored revision; absent when nothing was undone or the rollback stopped first. */
  rollout?: RolloutResult;
  /**
   * Set when an error (kubectl failing or losing the cluster, a cancel) stopped the rollback before
   * this workload's rollout was seen: whether its undo had been made (then `to` is the revision it
   * was undone to, by its number before the undo), and what stopped the rollback.
   */
  interrupted?: { undone: boolean; reason: string };
}

/** A rollback that cannot proceed; raised before anything on the cluster changed. */
export class RollbackRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RollbackRefusedError';
  }
}

function ownedBy(child: KubeObject, owner: KubeObject): boolean {
  const refs = (child.metadata.ownerReferences as Array<{ uid?: string; kind?: string; name?: string }>) ?? [];
  return refs.some((ref) =>
    owner.metadata.uid ? ref.uid === owner.metadata.uid : ref.kind === owner.kind && ref.name === owner.metadata.name,
  );
}

function imagesOf(template: unknown): string[] {
  const spec = isRecord(template) && isRecord(template.spec) ? template.spec : {};
  return ((spec.containers as Array<{ image?: string }>) ?? []).map((container) => container.image ?? '?');
}

function positiveInteger(text: unknown): number | undefined {
  const value = Number(text);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/**
 * A revision for logs and summaries: `revision 4 (was 2) api:1.2.3`: its number, earlier numbers of the same template,
 * and its images.
 */
export function describeRevision(revision: Revision): string {
  const was = revision.earlierNumbers.length ? ` (was ${revision.earlierNumbers.join(', ')})` : '';
  const images = revision.images.length ? ` ${revision.images.join(', ')}` : '';
  return `revision ${revision.number}${was}${images}`;
}

function revisionState(revision: Revision): string {
  return `${revision.number}${revision.live ? ' (live)' : revision.failed ? ' (failed)' : ''}`;
}

/** The workloads to roll back: each named one must exist; a selector must match at least one. */
export async function findWorkloads(
  kubectl: Kubectl,
  selection: WorkloadSelection,
  namespace?: string,
): Promise<KubeObject[]> {
  const where = namespace ? `namespace ${namespace}` : 'the default namespace of the context';
  if (selection.by === 'selector') {
    // Every kind with revisions (WORKLOAD_KINDS), by its plural resource name.
    const found = await kubectl.list('deployments,statefulsets,daemonsets', {
      namespace,
      selector: selection.selector,
    });
    if (found.length === 0) {
      throw new RollbackRefusedError(
        `No Deployment, StatefulSet or DaemonSet in ${where} matches selector "${selection.selector}"; nothing was rolled back`,
      );
    }
    return found;
  }
  const found: KubeObject[] = [];
  // Where each missing workload was looked for -> the workloads missing there, each named once.
  const missing = new Map<string, string[]>();
  for (const ref of selection.refs) {
    // A reference that names its namespace (`team-a/Deployment/api`) is looked for there.
    const workload = await kubectl.get({ ...ref, namespace: ref.namespace ?? namespace });
    if (workload) found.push(workload);
    else {
      const place = ref.namespace ? `namespace ${ref.namespace}` : where;
      missing.set(place, [...(missing.get(place) ?? []), workloadKey({ kind: ref.kind, name: ref.name })]);
    }
  }
  if (missing.size > 0) {
    const lines = [...missing].map(([place, keys]) => `${keys.join(', ')} not found in ${place}`);
    throw new RollbackRefusedError(`${lines.join('; ')}; nothing was rolled back`);
  }
  return found;
}

/** Every revision kubectl can roll a workload back to, with what this suite knows about each. */
export async function readHistory(kubectl: Kubectl, workload: KubeObject): Promise<WorkloadHistory> {
  const ref = refOf(workload);
  const { numbers: failedNumbers, templates: failedTemplates } = readFailedRevisions(workload);
  const selector = selectorString(workload.spec?.selector) || undefined;
  const isFailed = (numbers: number[], template: string): boolean =>
    failedTemplates.includes(template) || numbers.some((number) => failedNumbers.includes(String(number)));
  let revisions: Revision[];
  let liveNumber: number | undefined;
  let liveTemplate: string | undefined;
  if (workload.kind === 'Deployment') {
    const replicaSets = (await kubectl.list('replicasets', { namespace: ref.namespace, selector })).filter((rs) =>
      ownedBy(rs, workload),
    );
    revisions = replicaSets.flatMap((rs) => {
      const number = positiveInteger(rs.metadata.annotations?.[REVISION_ANNOTATION]);
      if (number === undefined) return [];
      const earlierNumbers = annotationList(rs, REVISION_HISTORY_ANNOTATION)
        .map(positiveInteger)
        .filter((value): value is number => value !== undefined);
      const template = rs.metadata.labels?.['pod-template-hash'] ?? rs.metadata.name;
      return [
        {
          number,
          earlierNumbers,
          template,
          images: imagesOf(rs.spec?.template),
          failed: isFailed([number, ...earlierNumbers], template),
          live: false,
        },
      ];
    });
    liveNumber = positiveInteger(workload.metadata.annotations?.[REVISION_ANNOTATION]);
  } else {
    const controllerRevisions = (
      await kubectl.list('controllerrevisions', { namespace: ref.namespace, selector })
    ).filter((cr) => ownedBy(cr, workload));
    revisions = controllerRevisions.flatMap((cr) => {
      const number = positiveInteger(cr.revision);
      if (number === undefined) return [];
      const template = cr.metadata.name;
      const data = isRecord(cr.data) && isRecord(cr.data.spec) ? cr.data.spec.template : undefined;
      return [
        {
          number,
          earlierNumbers: [],
          template,
          images: imagesOf(data),
          failed: isFailed([number], template),
          live: false,
        },
      ];
    });
    liveTemplate = currentControllerRevision(workload, controllerRevisions)?.metadata.name;
  }
  revisions.sort((a, b) => a.number - b.number);
  const live =
    revisions.find((revision) => revision.number === liveNumber) ??
    revisions.find((revision) => revision.template === liveTemplate) ??
    revisions.at(-1);
  if (!live) throw new RollbackRefusedError(`${workloadKey(ref)} has no revision history to roll back to`);
  live.live = true;
  return { ref, revisions, live, failedNumbers, failedTemplates };
}

/**
 * Picks the revision to go to. `previous` is the newest revision older than the live one that is
 * not marked failed, so rolling back twice walks further back instead of flipping to the bad one
 * (a bare `kubectl rollout undo` goes to the second-highest number, which after one undo is the
 * bad revision). A named revision is found by its number now or by one it had before a restore.
 */
export function chooseTarget(history: WorkloadHistory, to: RevisionTarget): RollbackStep {
  const name = workloadKey(history.ref);
  const { live } = history;
  const warnings: string[] = [];
  const overview = history.revisions.map(revisionState).join(', ');
  if (to.kind === 'previous') {
    const target = history.revisions
      .filter((revision) => revision.number < live.number && !revision.failed && !revision.live)
      .at(-1);
    if (!target) {
      throw new RollbackRefusedError(
        `${name}: no revision older than the live ${live.number} that is not marked failed (revisions: ${overview}); nothing was rolled back`,
      );
    }
    return { ref: history.ref, history, from: live, to: target, alreadyLive: false, warnings };
  }
  const target =
    history.revisions.find((revision) => revision.number === to.revision) ??
    history.revisions.find((revision) => revision.earlierNumbers.includes(to.revision));
  if (!target) {
    throw new RollbackRefusedError(`${name} has no revision ${to.revision}; available revisions: ${overview}`);
  }
  if (target.number !== to.revision)
    warnings.push(`${name}: revision ${to.revision} was restored before and is now numbered ${target.number}`);
  if (target.failed && !target.live) {
    warnings.push(
      `${name}: ${describeRevision(target)} is marked failed; rolling back to it because "to" names it explicitly`,
    );
  }
  return { ref: history.ref, history, from: live, to: target, alreadyLive: target.live, warnings };
}

/**
 * Reads and decides for every workload before anything changes, so one that cannot proceed stops
 * them all. Throws RollbackRefusedError naming every workload that cannot proceed, or the
 * connection's error (KubectlError...); nothing was changed either way.
 */
export async function planRollback(
  kubectl: Kubectl,
  options: { namespace?: string; workloads: WorkloadSelection; to: RevisionTarget },
): Promise<RollbackStep[]> {
  const workloads = await findWorkloads(kubectl, options.workloads, options.namespace);
  const steps: RollbackStep[] = [];
  const refusals: string[] = [];
  for (const workload of workloads) {
    if (!isWorkload(workload)) {
      refusals.push(`${objectKey(workload)} is a ${workload.kind}, which has no revisions to roll back`);
      continue;
    }
    try {
      steps.push(chooseTarget(await readHistory(kubectl, workload), options.to));
    } catch (error) {
      if (!(error instanceof RollbackRefusedError)) throw error;
      refusals.push(error.message);
    }
  }
  if (refusals.length > 0) throw new RollbackRefusedError(refusals.join('\n'));
  return steps;
}

/** The failed revisions as read before the undo (the truth: the undo replaces them, see failed-revisions.ts). */
function knownFailures(step: RollbackStep) {
  return { numbers: step.history.failedNumbers, templates: step.history.failedTemplates };
}

/**
 * How `executeRollback` runs; durations in milliseconds. `pollIntervalMs` and `log` as
 * `RolloutOptions` documents them, except that an absent interval is derived from the timeout
 * (`rolloutTimings`).
 */
export interface ExecuteOptions extends Pick<RolloutOptions, 'pollIntervalMs' | 'log'> {
  /** Record each revision rolled back from as failed, so a later `previous` rollback skips it. */
  markFailed: boolean;
  /** How long the restored revisions together may take to roll out (`RolloutOptions.timeoutMs`). */
  rolloutTimeoutMs: number;
}

/**
 * Undoes every planned workload, records the failed revisions, then waits for all rollouts at once.
 * Throws RollbackRolloutError carrying every workload's outcome: when a restored revision did not
 * finish rolling out, and for any error once the first undo was begun (a refused undo or
 * annotation, kubectl losing the cluster, a cancel): the outcomes then say which workloads were
 * undone before it (`interrupted`). Nothing else is thrown.
 */
export async function executeRollback(
  kubectl: Kubectl,
  steps: RollbackStep[],
  options: ExecuteOptions,
): Promise<RollbackOutcome[]> {
  const log = options.log ?? (() => undefined);
  const moving = steps.filter((step) => !step.alreadyLive);
  for (const step of steps.filter((step) => step.alreadyLive)) {
    log(`${workloadKey(step.ref)}: ${describeRevision(step.to)} is already live; nothing to do`);
  }
  // Which undos were begun and which failed revisions recorded: an error must say what changed.
  const undone = new Set<string>();
  const marked = new Set<string>();
  try {
    return await undoAndWatch(kubectl, steps, moving, options, undone, marked);
  } catch (error) {
    if (error instanceof RollbackRolloutError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    const outcomes = steps.map((step) => ({
      ref: step.ref,
      from: step.from.number,
      to: step.to.number,
      alreadyLive: step.alreadyLive,
      markedFailed: marked.has(workloadKey(step.ref)),
      ...(step.alreadyLive ? {} : { interrupted: { undone: undone.has(workloadKey(step.ref)), reason } }),
    }));
    const rolledBack = moving.filter((step) => undone.has(workloadKey(step.ref))).map((step) => workloadKey(step.ref));
    log(`The rollback stopped: ${reason}`);
    throw new RollbackRolloutError(
      `The rollback stopped: ${reason}. ${rolledBack.length > 0 ? `Already rolled back (rollout not seen to finish): ${rolledBack.join(', ')}` : 'No workload was changed'}.`,
      outcomes,
    );
  }
}

/** executeRollback's work, noting each undo as it is begun and each failed revision as it is recorded. */
async function undoAndWatch(
  kubectl: Kubectl,
  steps: RollbackStep[],
  moving: RollbackStep[],
  options: ExecuteOptions,
  undone: Set<string>,
  marked: Set<string>,
): Promise<RollbackOutcome[]> {
  const log = options.log ?? (() => undefined);
  for (const step of moving) {
    log(`${workloadKey(step.ref)}: rolling back from ${describeRevision(step.from)} to ${describeRevision(step.to)}`);
    await undoAndRecord(kubectl, step.ref, step.to.number);
    undone.add(workloadKey(step.ref));
    // Without mark-failed the lists stay exactly as they were before the undo replaced them.
    if (options.markFailed) {
      await recordFailedRevision(kubectl, step.ref, knownFailures(step), {
        number: String(step.from.number),
        template: step.from.template,
      });
      marked.add(workloadKey(step.ref));
    } else await restoreFailedRevisions(kubectl, step.ref, knownFailures(step));
  }
  const rollouts = await watchRollouts(
    kubectl,
    moving.map((step) => step.ref),
    {
      timeoutMs: options.rolloutTimeoutMs,
      ...rolloutTimings(options.rolloutTimeoutMs),
      ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
      log,
    },
  );
  const outcomes: RollbackOutcome[] = [];
  for (const step of steps) {
    const rollout = rollouts.find((result) => workloadKey(result.ref) === workloadKey(step.ref));
    let to = step.to.number;
    if (rollout?.ok) {
      const workload = await kubectl.get(step.ref);
      if (workload) to = (await readHistory(kubectl, workload)).live.number;
    }
    outcomes.push({
      ref: step.ref,
      from: step.from.number,
      to,
      alreadyLive: step.alreadyLive,
      markedFailed: options.markFailed && !step.alreadyLive,
      rollout,
    });
  }
  const failed = rollouts.filter((rollout) => !rollout.ok);
  if (failed.length > 0) {
    throw new RollbackRolloutError(
      `Rolled back, but the rollout did not finish: ${failed.map((rollout) => rollout.reason).join('; ')}`,
      outcomes,
    );
  }
  return outcomes;
}

/**
 * The rollback changed the cluster and then failed: a restored revision did not finish rolling out,
 * or an error stopped it after the first undo was begun (see RollbackOutcome.interrupted). The
 * report is every workload's outcome.
 */
export class RollbackRolloutError extends ReportedError<RollbackOutcome[]> {
  constructor(message: string, outcomes: RollbackOutcome[]) {
    super(message, outcomes);
    this.name = 'RollbackRolloutError';
  }

  /** Every workload's outcome (the report). */
  get outcomes(): RollbackOutcome[] {
    return this.report;
  }
}
