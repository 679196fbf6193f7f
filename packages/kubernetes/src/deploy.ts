import { isDeepStrictEqual } from 'node:util';
import { objectDiff, sameIntent } from './diff.js';
import {
  applyOwningFields,
  undoAndRecord,
  yieldReplicasToAutoscalers,
  autoscaledKey,
  REPLICAS_HANDOVER_MANAGER,
  type OwnershipOptions,
} from './field-ownership.js';
import { ApplyConflictError, KubectlError, type ApplyOptions, type Kubectl } from './kubectl.js';
import {
  definedGroupKind,
  groupKindOf,
  isFoundation,
  planApply,
  settleScopes,
  sortForApply,
  type ApplyPlan,
} from './apply-order.js';
import type { Manifest } from './manifests.js';
import {
  formatProblem,
  KubernetesInputError,
  ManifestError,
  NamespaceInputError,
  type ManifestProblem,
} from './manifest-error.js';
import { unservedKindProblems } from './served-kinds.js';
import type { KubernetesDeployRequest } from './request.js';
import { ReportedError } from '@sophia/reporting';
import {
  readFailedRevisions,
  recordFailedRevision,
  restoreFailedRevisions,
  type FailedRevisions,
} from './failed-revisions.js';
import { isWorkload, objectKey, refOf, workloadKey, type KubeObject, type ObjectRef } from './objects.js';
import { restoreIntent } from './restore.js';
import { withoutTraceAnnotations } from './transforms.js';
import { roundedIntegers, roundedIntegersReason } from './rounded-integers.js';
import { plannedChanges, type FieldChange, type ImageChange } from './field-changes.js';
import { revisionNumberOf, rolloutTimings, watchRollouts, type RolloutOptions, type RolloutResult } from './rollout.js';

/**
 * The part of the deploy request the apply and rollout take, as `KubernetesDeployRequest` documents it
 * (`forceConflicts` may be left out: a field conflict then stops the deploy), and the rollout
 * timings and log as `RolloutOptions` documents them (`rolloutTimings` scales the timings to the
 * timeout), plus what only a deploy has. All durations are in milliseconds.
 */
export interface DeploySettings
  extends
    Pick<
      KubernetesDeployRequest,
      'serverSide' | 'fieldManager' | 'rolloutTimeoutMs' | 'rollbackOnFailure' | 'dryRun' | 'namespace'
    >,
    Partial<Pick<KubernetesDeployRequest, 'forceConflicts'>>,
    Pick<RolloutOptions, 'pollIntervalMs' | 'failFastAfterMs' | 'log'> {
  /** Told what the deploy changed from the manifests and why (default: the log). */
  warn?: (line: string) => void;
  /**
   * A change outside the manifests that goes with them (deploy-mcp-node: the node's label and
   * taint). `make` runs once the API server has accepted every object, just before the first real
   * apply, so a refused manifest set changes nothing; `undo` runs when the apply fails or a failed
   * rollout is rolled back, before the restored revisions are waited on (their pods need the
   * placement they were made for). Each returns lines for the log. Not run on a dry run.
   */
  companion?: DeployCompanion;
  /**
   * Called once, on a cancel that stops the deploy after it began changing the cluster, before
   * anything is put back, with the report as known then (`interrupted.puttingBack` true): the
   * runner may end the step before the put-back ends (SIGTERM 7.5 s after the cancel's SIGINT,
   * https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-cancellation), so
   * the action publishes this at once and publishes the final report over it if there is time.
   * What it throws is ignored: the put-back goes on.
   */
  onCancelled?: (report: DeployReport) => Promise<void>;
}

/** See DeploySettings.companion. */
export interface DeployCompanion {
  /** What the change is, for a report that says it could not be taken back (`node x's label and taint`). */
  what?: string;
  /** Makes the change; returns lines for the log. What it throws stops the deploy (after `undo`). */
  make(): Promise<string[]>;
  /** Takes the change back; returns lines for the log. What it throws fails the deploy, or its rollback. */
  undo(): Promise<string[]>;
}

/**
 * What the apply did to an object, as kubectl reports it (`deployment.apps/api created`), decided
 * here from the live object's resourceVersion before and after the apply.
 */
export type ApplyAction = 'created' | 'configured' | 'unchanged';

/** One object of the manifests as the apply left it (or, on a dry run, would leave it). */
export interface AppliedObject extends ObjectRef {
  action: ApplyAction;
  /**
   * A real apply only, for a `configured` object: true when nothing changed but the annotations
   * each run writes to record itself (commit, run URL, change cause; addTraceAnnotations), so what
   * serves is what served before. kubectl and the summary still say `configured`.
   */
  traceOnly?: boolean;
  /** Dry run only: what would change, line by line. */
  diff?: string;
  /** Dry run only, for a configured object: the fields that would change (see FieldChange). */
  changes?: FieldChange[];
  /** Dry run only: the container images that would change or start (see ImageChange). */
  images?: ImageChange[];
  /**
   * Dry run only: set when the server could not check this object, because its namespace or
   * CustomResourceDefinition is created by this set and does not exist yet; the result shown is
   * the object as written. Text: `not validated by the server (its CRD is created by this set)`; an object waiting only for a namespace of the set is checked in a stand-in namespace instead.
   */
  notValidated?: string;
  /**
   * Client-side apply only: the object's integers beyond 2^53 that kubectl's client-side apply
   * stored rounded, each field named with the value found and the value written
   * (roundedIntegersReason). The deploy goes on; the value is not what the manifest says.
   */
  rounded?: string;
}

/**
 * The rollback of one workload (Deployment, StatefulSet, DaemonSet) after a failed rollout: the
 * revisions involved, as the workload's revision annotations and ControllerRevisions number them
 * (decimal strings), and how it ended.
 */
export interface RollbackRecord {
  /** The workload. */
  ref: ObjectRef;
  /** The revision this run produced and that failed. */
  failedRevision?: string;
  /** Its pod template's stable name (pod-template-hash), recorded because undo renumbers revisions. */
  failedTemplate?: string;
  /** The revision the workload had before the run, and runs again now. */
  restoredRevision?: string;
  /** Why a changed workload could not be rolled back (it did not exist before this run). */
  skipped?: string;
  /**
   * How its rollback ended when it was not skipped: `restored` (undone and rolled out) or `failed`
   * (the undo was refused, or the restored revision did not finish rolling out; `reason` says which).
   */
  result?: 'restored' | 'failed';
  /** Why the rollback of this workload failed, naming it. */
  reason?: string;
}

/** An object other than a Deployment, StatefulSet or DaemonSet that a failed deploy had changed. */
export interface RestoreRecord {
  /** The object. */
  ref: ObjectRef;
  /** Why it was not put back as it was before the run; absent when it was. */
  skipped?: string;
  /**
   * Put back, except integers beyond 2^53 that kubectl's client-side apply stored rounded: each
   * field named with the value found and the value it had before (roundedIntegersReason).
   */
  rounded?: string;
}

/**
 * Everything a Kubernetes deploy did, for the action's outputs and job summary: returned on
 * success, and carried by `DeployFailedError` when the deploy failed after the manifests were
 * loaded (the keys of `revisions` and the entries of `changed` are `workloadKey`s).
 */
export interface DeployReport {
  /** The run was a dry run: nothing was written, `applied` says what would change. */
  dryRun: boolean;
  /** Every object of the manifests, in the order applied (foundations first, as apply-order.ts decides). */
  applied: AppliedObject[];
  /** `<namespace>/<Kind>/<name>` (see workloadKey) -> revision after the run. */
  revisions: Record<string, string>;
  /**
   * `<namespace>/<Kind>/<name>` of every workload that existed before the run and whose pod
   * template this run's apply changed (a new revision: what a rollback of the run must undo; a
   * change of `replicas` alone makes none). Created workloads are not in it: they have no earlier
   * revision to go back to.
   */
  changed: string[];
  /** One per workload of the manifests; empty on a dry run. */
  rollouts: RolloutResult[];
  /** Something was put back after a failed rollout: a workload restored, or another object returned to its earlier state. */
  rolledBack: boolean;
  /** One per workload a failed rollout's rollback considered: restored, failed or skipped. */
  rollbacks: RollbackRecord[];
  /**
   * After a failed rollout with rollback-on-failure: every other object this run configured
   * (CronJobs, Jobs, bare Pods, ConfigMaps, Secrets, Services, custom resources...), put back as it
   * was before the run (restoreIntent). Objects this run created are not deleted.
   */
  restored: RestoreRecord[];
  /**
   * Set when the deploy stopped on an error (kubectl failed or lost the cluster, a timeout, a
   * cancel, an unexpected exception) after it had begun changing the cluster: then `applied` and
   * `changed` are what the cluster showed afterwards, and, with rollback-on-failure, `rollbacks`
   * and `restored` what was put back.
   */
  interrupted?: DeployInterruption;
}

/** What stopped a deploy that had changed the cluster, and what of its changes stayed (DeployReport.interrupted). */
export interface DeployInterruption {
  /** The error that stopped it (its message). */
  reason: string;
  /**
   * What could not be put back or could not be known, one sentence each: the companion's change
   * not taken back, the cluster not readable, the rollback failing, or rollback-on-failure off.
   */
  notPutBack: string[];
  /**
   * True only in the report handed to DeploySettings.onCancelled: the deploy was cancelled and
   * what it changed is being put back; the final report leaves it out.
   */
  puttingBack?: boolean;
}

/**
 * The deploy failed once it had begun changing the cluster: a rollout failed after the apply
 * (rolled back or not, as `rollback-on-failure` says; the rollback may have failed too), or any
 * error stopped it after the companion's change or the first real apply (then `report.interrupted`
 * says what, and what stayed changed). Its message names what failed and what was put back;
 * `report` says what happened, for outputs and summary. A refusal before anything changed is
 * thrown as its own error (see deployManifests).
 */
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

/** What the apply did to one object (AppliedObject.action), and whether it only rewrote the run's trace annotations. */
function appliedAction(before: KubeObject | undefined, after: KubeObject): Pick<AppliedObject, 'action' | 'traceOnly'> {
  const action = classify(before, after);
  return action === 'configured' && sameIntent(withoutTraceAnnotations(before!), withoutTraceAnnotations(after))
    ? { action, traceOnly: true }
    : { action };
}

function byKey(objects: KubeObject[]): Map<string, KubeObject> {
  return new Map(objects.map((object) => [objectKey(object), object]));
}

/**
 * Whether this run gave a workload a new pod template: only that makes a new revision (a ReplicaSet,
 * or a ControllerRevision for StatefulSets and DaemonSets) that a rollout undo can go back from.
 * metadata.generation also moves for spec changes that make no revision (`replicas`, `strategy`,
 * `minReadySeconds`); undoing those would return the workload to an older release.
 */
function templateChanged(before: KubeObject | undefined, after: KubeObject): boolean {
  return before !== undefined && !isDeepStrictEqual(before.spec?.template, after.spec?.template);
}

/**
 * Apply, then watch every workload; on failure optionally put back exactly what this run changed.
 * The live state is read first so the report can say created / configured / unchanged and the
 * rollback knows each workload's revision from before the run.
 *
 * The server's discovery is read first: an object of a kind or apiVersion it does not serve (and
 * no CustomResourceDefinition of the set defines) stops the deploy with a ManifestError naming the
 * object, its file and line before anything changes (unservedKindProblems); and which objects are
 * cluster-scoped is decided from it (settleScopes), so a cluster-scoped custom kind is not given
 * a namespace.
 *
 * The guarantee: the API server checks every object (a server-side dry run: validation,
 * admission, field conflicts) before any workload, configuration or other object changes. An
 * object that can only be checked once a namespace or CustomResourceDefinition of this deploy
 * exists is checked right after those are created (and the definitions Established); if the
 * server refuses it then, the deploy stops with only those new namespaces and definitions
 * written, and says so.
 *
 * Throws, before anything changed: ManifestError (a kind the server does not serve, an object the
 * server refused; also when only this set's new namespaces and definitions had been written, its
 * `outcome` saying so), KubernetesInputError / NamespaceInputError (the `namespace` input names no
 * namespace), KubectlError or any other error of the connection. From the companion's change or
 * the first real apply on, every failure is a DeployFailedError carrying the report: a failed
 * rollout, or an error (kubectl failing or losing the cluster, a timeout, a cancel) after which
 * the failed-deploy restore runs as for a failed rollout (with rollback-on-failure) and
 * `report.interrupted` says what stopped the deploy and what stayed changed.
 */
export async function deployManifests(
  kubectl: Kubectl,
  manifests: Manifest[],
  settings: DeploySettings,
): Promise<DeployReport> {
  const log = settings.log ?? (() => undefined);
  const prepared = await prepareDeploy(kubectl, manifests, settings);
  const { objects, plan, before, sources, applyOptions, ownership } = prepared;
  const report: DeployReport = {
    dryRun: settings.dryRun,
    applied: [],
    revisions: {},
    changed: [],
    rollouts: [],
    rolledBack: false,
    rollbacks: [],
    restored: [],
  };

  if (settings.dryRun) {
    report.applied = dryRunApplied(prepared);
    return report;
  }

  const companion = settings.companion;
  // What has been changed so far: an error from here on must say it, and put it back.
  const progress: DeployProgress = { companionMade: false, applyBegun: false, foundations: [] };
  const undoCompanion = async () => {
    for (const line of (await companion?.undo()) ?? []) log(line);
  };
  const makeCompanion = async () => {
    // Marked before: a change made halfway is taken back too.
    progress.companionMade = companion !== undefined;
    for (const line of (await companion?.make()) ?? []) log(line);
  };
  try {
    return await applyAndWatch();
  } catch (error) {
    if (error instanceof DeployFailedError) throw error;
    const changedNothing = !progress.companionMade && !progress.applyBegun;
    // A refusal of the deferred objects says itself which foundations were written (its `outcome`).
    const refusedDeferred = error instanceof ManifestError || error instanceof KubernetesInputError;
    if (changedNothing || (refusedDeferred && !progress.companionMade && progress.after === undefined)) throw error;
    throw await stoppedAfterChange(prepared, report, progress, error);
  }

  async function applyAndWatch(): Promise<DeployReport> {
    const after = await applyAll();
    progress.after = after;
    return watchAndJudge(after);
  }
  async function applyAll(): Promise<KubeObject[]> {
    // Only field ownership changes (the count is the live one), so nothing else is begun yet.
    if (prepared.replicaHandovers.length > 0)
      await kubectl.apply(prepared.replicaHandovers, { serverSide: true, fieldManager: REPLICAS_HANDOVER_MANAGER });
    if (plan.deferred.length === 0) {
      await makeCompanion();
      // Begun counts: kubectl applies a set object by object, so a failed apply may have written some.
      progress.applyBegun = true;
      return applyOwningFields(kubectl, objects, applyOptions, ownership);
    }
    // Counted as written before the call returns: kubectl may have created some before it failed.
    progress.applyBegun = true;
    progress.foundations = plan.foundations;
    const created = await applyOwningFields(kubectl, plan.foundations, applyOptions, ownership);
    await kubectl.waitEstablished(plan.foundations.filter((object) => object.kind === 'CustomResourceDefinition'));
    const foundationNames = plan.foundations.map(objectKey).join(', ');
    log(`Applied ${foundationNames} first; checking the ${plan.deferred.length} objects that need them`);
    await serverCheck(
      kubectl,
      plan.deferred,
      sources,
      applyOptions,
      ownership,
      `${foundationNames} ${plan.foundations.length === 1 ? 'was' : 'were'} applied first; nothing else was changed`,
      settings.namespace,
    );
    const rest = objects.filter((object) => !isFoundation(object));
    await makeCompanion();
    return [...created, ...(await applyOwningFields(kubectl, rest, applyOptions, ownership))];
  }
  async function watchAndJudge(after: KubeObject[]): Promise<DeployReport> {
    const intended = byKey(objects);
    for (const object of after) {
      const { action, traceOnly } = appliedAction(before.get(objectKey(object)), object);
      const rounded = settings.serverSide
        ? undefined
        : roundedIntegersReason(refOf(object), intended.get(objectKey(object))!, object, 'written in the manifest');
      report.applied.push({
        ...refOf(object),
        action,
        ...(traceOnly ? { traceOnly } : {}),
        ...(rounded ? { rounded } : {}),
      });
      log(`${objectKey(object)} ${action}`);
      if (rounded) (settings.warn ?? log)(rounded);
    }

    const workloads = after.filter(isWorkload);
    report.changed = workloads
      .filter((object) => templateChanged(before.get(objectKey(object)), object))
      .map(objectKey);
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

    const reasons = failed.map((rollout) => rollout.reason ?? workloadKey(rollout.ref)).join('; ');
    if (!settings.rollbackOnFailure) {
      throw new DeployFailedError(
        `Rollout failed: ${reasons}. rollback-on-failure is false, so the cluster was left as it is.`,
        report,
      );
    }
    const changed = workloads.filter((object) => {
      const previous = before.get(objectKey(object));
      return !previous || templateChanged(previous, object);
    });
    // Putting back goes on if the run is cancelled meanwhile: the cluster is left as a failed deploy leaves it.
    const restoring = kubectl.withoutSignal();
    try {
      await undoCompanion();
      // Configuration first, so the pods the undo brings back start with the configuration they had.
      report.restored = await restoreConfigured(restoring, after, before, settings);
      await rollBack(restoring, changed, before, report, settings);
    } catch (error) {
      if (error instanceof DeployFailedError) throw error;
      throw new DeployFailedError(
        `Rollout failed: ${reasons}. The rollback failed too: ${(error as Error).message}`,
        report,
      );
    }
    report.rolledBack =
      report.rollbacks.some((record) => record.result === 'restored') ||
      report.restored.some((record) => !record.skipped);
    throw new DeployFailedError(`Rollout failed: ${reasons}. ${rollbackSentence(report)}.`, report);
  }
}

/** How far a deploy has changed the cluster (deployManifests), for the report of an error that stops it. */
interface DeployProgress {
  /** The companion's change was begun. */
  companionMade: boolean;
  /** The first real apply was begun. */
  applyBegun: boolean;
  /** Namespaces and CustomResourceDefinitions applied before the rest (their apply was begun). */
  foundations: KubeObject[];
  /** Every object as the apply left it, once the whole apply succeeded. */
  after?: KubeObject[];
}

/**
 * The DeployFailedError of a deploy that an error stopped after it had begun changing the
 * cluster: the companion's change is taken back; what the cluster shows now is read to say what
 * was applied and changed (the apply that failed may have written part of the set); with
 * rollback-on-failure, the same restore as after a failed rollout runs (restoreConfigured, then
 * rollBack). Whatever of that fails is said in `report.interrupted.notPutBack`, never thrown.
 * Returns the error to throw: the DeployFailedError, or `error` itself for a cancel after which
 * the cluster shows nothing changed (as a cancel before the apply is reported).
 */
async function stoppedAfterChange(
  prepared: PreparedDeploy,
  report: DeployReport,
  progress: DeployProgress,
  error: unknown,
): Promise<unknown> {
  const { objects, before } = prepared;
  // A cancel stops the deploy, not the putting back: its own calls are not tied to the cancel.
  const kubectl = prepared.kubectl.withoutSignal();
  const cancelled = prepared.kubectl.signal?.aborted === true;
  const settings = cancelled
    ? { ...prepared.settings, ...restoreTimingsAfterCancel(prepared.settings) }
    : prepared.settings;
  const log = settings.log ?? (() => undefined);
  const reason = messageOf(error);
  const interruption: DeployInterruption = { reason, notPutBack: [] };
  report.interrupted = interruption;
  log(`The deploy stopped after changing the cluster: ${reason}`);
  if (cancelled && settings.onCancelled) {
    try {
      await settings.onCancelled({ ...report, interrupted: { ...interruption, puttingBack: true } });
    } catch (publishError) {
      log(`What the cancel had done so far could not be published: ${messageOf(publishError)}`);
    }
  }
  const companion = settings.companion;
  if (progress.companionMade && companion) {
    try {
      for (const line of await companion.undo()) log(line);
    } catch (undoError) {
      interruption.notPutBack.push(
        `${companion.what ?? 'the change made beside the manifests'} was not taken back: ${messageOf(undoError)}`,
      );
    }
  }
  let after = progress.after;
  let read = false;
  if (!after) {
    try {
      // The apply that failed may have written part of the set: what the cluster shows now says which.
      after = (await kubectl.getLive(objects, { managedFields: true })).filter((live) =>
        changedByRun(before.get(objectKey(live)), live),
      );
      read = true;
    } catch (readError) {
      after = progress.foundations;
      interruption.notPutBack.push(`the cluster could not be read to see what was applied: ${messageOf(readError)}`);
    }
  }
  // A cancel that lands as the apply starts may stop kubectl before it wrote anything: the read-back
  // then shows the deploy changed nothing, and it is reported as a cancel before any change.
  if (cancelled && read && after.length === 0 && !progress.companionMade) {
    log('The cluster shows nothing this run changed: the deploy was cancelled before it changed anything');
    return error;
  }
  if (report.applied.length === 0)
    report.applied = after.map((object) => ({
      ...refOf(object),
      ...appliedAction(before.get(objectKey(object)), object),
    }));
  const workloads = after.filter(isWorkload);
  if (report.changed.length === 0)
    report.changed = workloads
      .filter((object) => templateChanged(before.get(objectKey(object)), object))
      .map(objectKey);
  if (!settings.rollbackOnFailure) {
    interruption.notPutBack.push('rollback-on-failure is false, so the cluster was left as it is');
    return new DeployFailedError(
      `The deploy stopped after changing the cluster: ${reason}. ${interruption.notPutBack.map(capitalize).join('. ')}.`,
      report,
    );
  }
  const changed = workloads.filter((object) => {
    const previous = before.get(objectKey(object));
    return !previous || templateChanged(previous, object);
  });
  try {
    report.restored = await restoreConfigured(kubectl, after, before, settings);
    await rollBack(kubectl, changed, before, report, settings);
  } catch (restoreError) {
    interruption.notPutBack.push(`putting back what this run changed failed: ${messageOf(restoreError)}`);
  }
  report.rolledBack =
    report.rollbacks.some((record) => record.result === 'restored') ||
    report.restored.some((record) => !record.skipped);
  const sentences = [rollbackSentence(report), ...interruption.notPutBack.map(capitalize)];
  return new DeployFailedError(
    `The deploy stopped after changing the cluster: ${reason}. ${sentences.join('. ')}.`,
    report,
  );
}

/**
 * How long a cancelled deploy waits for the revisions it put back: GitHub's runner sends SIGTERM
 * 7.5 s after the cancel's SIGINT
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-cancellation), and
 * the outputs and summary must be written before that; a rollout still going on is reported as
 * not seen to finish.
 */
export const RESTORE_WAIT_AFTER_CANCEL_MS = 3000;

function restoreTimingsAfterCancel(
  settings: DeploySettings,
): Pick<DeploySettings, 'rolloutTimeoutMs' | 'pollIntervalMs'> {
  const rolloutTimeoutMs = Math.min(settings.rolloutTimeoutMs, RESTORE_WAIT_AFTER_CANCEL_MS);
  return { rolloutTimeoutMs, pollIntervalMs: Math.min(settings.pollIntervalMs ?? 2000, rolloutTimeoutMs / 10) };
}

/**
 * Whether the run changed an object, read after an apply that failed partway: created, or a
 * workload whose spec moved (its status moves its resourceVersion on its own), or any other
 * object whose resourceVersion moved.
 */
function changedByRun(before: KubeObject | undefined, live: KubeObject): boolean {
  if (!before) return true;
  if (before.metadata.resourceVersion === live.metadata.resourceVersion) return false;
  return !isWorkload(live) || before.metadata.generation !== live.metadata.generation;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * What a deploy and a dry run both work from, once the manifests are read against the cluster
 * (prepareDeploy): the same objects, order, live state and apply options, so a dry run checks and
 * shows exactly what the deploy would do.
 */
interface PreparedDeploy {
  kubectl: Kubectl;
  settings: DeploySettings;
  /** The objects to apply, in apply order, scopes settled and replicas yielded to autoscalers. */
  objects: KubeObject[];
  /** Which objects are foundations (namespaces, CRDs), which the server can check now, which wait for them. */
  plan: ApplyPlan;
  /** The live objects before the run, by objectKey, with their field managers. */
  before: Map<string, KubeObject>;
  /** Where each object was written, by objectKey, to put the server's refusal of it on its file and line. */
  sources: ReadonlyMap<string, Manifest>;
  applyOptions: ApplyOptions;
  ownership: OwnershipOptions;
  /** Replicas to hand to the autoscaler's side before the apply that leaves them out (AutoscaledReplicas.handovers). */
  replicaHandovers: KubeObject[];
  /** The objects the server checked before anything was written, as its dry run would leave them (preflight). */
  checked: KubeObject[];
}

/** A PreparedDeploy before its server check, without the live objects read beside it (prepareDeploy runs both at once). */
type UncheckedDeploy = Omit<PreparedDeploy, 'before' | 'checked'>;

/**
 * Reads the manifests against the cluster and has the server check them, without changing it: a
 * kind or apiVersion the server does not serve stops here (ManifestError); cluster-scoped kinds
 * lose their namespace; replicas an autoscaler owns are left out (with a warning); the live state
 * and the apply plan are read, and every object the server can check now is checked (preflight:
 * its refusals are thrown as preflight throws them).
 *
 * Reads that do not depend on each other run at once, each kubectl being mostly start-up time:
 * discovery beside the live autoscalers of the workloads' namespaces, and the read of the live
 * objects beside the server's dry run when no autoscaler scales a workload of the set (only then
 * does what is applied depend on the live objects). A failed check is thrown before a failed read.
 */
async function prepareDeploy(
  kubectl: Kubectl,
  manifests: Manifest[],
  settings: DeploySettings,
): Promise<PreparedDeploy> {
  const log = settings.log ?? (() => undefined);
  const sorted = sortForApply(manifests);
  // Workloads of the apps group are namespaced whatever discovery says, so their namespaces are
  // known before it; a workload kind of another group waits for its scope to be settled.
  const early = sorted.every(({ object }) => !isWorkload(object) || groupKindOf(object).startsWith('apps/'));
  const earlyAutoscalers = early
    ? liveAutoscalers(
        kubectl,
        sorted.map(({ object }) => object),
      )
    : undefined;
  // Awaited below only if discovery lets the deploy go on: a refusal must not be an unhandled rejection.
  earlyAutoscalers?.catch(() => undefined);
  const served = await kubectl.servedApis(manifests.map(({ object }) => object.apiVersion));
  const unserved = unservedKindProblems(manifests, served);
  if (unserved.length > 0) throw new ManifestError(unserved, 'API');
  const clusterScoped = new Set(
    [...served.kinds].filter(([, kind]) => !kind.namespaced).map(([groupKind]) => groupKind),
  );
  const written = settleScopes(
    sorted.map((manifest) => manifest.object),
    clusterScoped,
  );
  // Where each object was written, to put the server's refusal of it on its file and line.
  const sources = new Map(written.map((object, index) => [objectKey(object), sorted[index]]));
  const autoscalers = [
    ...written.filter((object) => object.kind === 'HorizontalPodAutoscaler'),
    ...(await (earlyAutoscalers ?? liveAutoscalers(kubectl, written))),
  ];
  const targets = new Set(autoscalers.map(autoscaledKey));
  const scaled = written.filter((object) => isWorkload(object) && targets.has(objectKey(object)));
  // With their field managers: what a failed deploy puts back is read from them (restoreIntent).
  const liveFoundations = await kubectl.getLive(written.filter(isFoundation), { managedFields: true });
  // Objects that wait for a namespace or kind this deploy creates cannot exist yet: only the
  // checkable ones are read (the split does not depend on replicas, so the written objects give it).
  const liveRead = kubectl.getLive(planApply(written, liveFoundations).checkable, { managedFields: true });
  liveRead.catch(() => undefined);
  const autoscaled = yieldReplicasToAutoscalers(
    written,
    autoscalers,
    byKey(scaled.length > 0 ? await liveRead : []),
    settings.fieldManager,
    settings.serverSide,
  );
  const objects = autoscaled.objects;
  const yielding = settings.serverSide ? 'replicas is left out of the apply' : 'replicas is applied at its live count';
  for (const workload of autoscaled.yielded)
    (settings.warn ?? log)(
      `${workload} sets replicas, but a HorizontalPodAutoscaler scales it: ${yielding} so the deploy does not fight the autoscaler`,
    );
  for (const { key, replicas } of autoscaled.started)
    log(`${key} is created with ${replicas} replicas; from then on its HorizontalPodAutoscaler sets them`);
  const unchecked: UncheckedDeploy = {
    kubectl,
    settings,
    objects,
    plan: planApply(objects, liveFoundations),
    sources,
    applyOptions: { serverSide: settings.serverSide, fieldManager: settings.fieldManager },
    ownership: { forceConflicts: settings.forceConflicts ?? false, log },
    replicaHandovers: autoscaled.handovers,
  };
  const [checked, live] = await Promise.allSettled([preflight(unchecked, byKey(liveFoundations)), liveRead]);
  if (checked.status === 'rejected') throw checked.reason;
  if (live.status === 'rejected') throw live.reason;
  return { ...unchecked, before: byKey([...liveFoundations, ...live.value]), checked: checked.value };
}

/**
 * The server-side dry run of every object the server can check before anything is written: the
 * foundations, the objects whose namespace and kind exist, and the objects in a namespace this
 * set creates, checked in a stand-in namespace (standInChecks). A refusal is reported as
 * serverCheck reports it, at the object's own file, line and namespace. Only custom resources
 * whose CustomResourceDefinition the set creates stay unchecked (the server cannot know their
 * kind yet). The first step of a deploy, and what a dry run shows; returns the objects as the
 * server's dry run would leave them, in their own namespaces.
 */
async function preflight(
  prepared: UncheckedDeploy,
  liveFoundations: ReadonlyMap<string, KubeObject>,
): Promise<KubeObject[]> {
  const { kubectl, plan, sources, applyOptions, ownership, settings } = prepared;
  const standIns = await standInChecks(kubectl, plan, liveFoundations);
  const checkSources = new Map(sources);
  for (const { original, standIn } of standIns) checkSources.set(objectKey(standIn), sources.get(objectKey(original))!);
  const ownKey = new Map(standIns.map(({ original, standIn }) => [workloadKey(refOf(standIn)), original]));
  let checked: KubeObject[];
  try {
    checked = await serverCheck(
      kubectl,
      [...plan.foundations, ...plan.checkable, ...standIns.map(({ standIn }) => standIn)],
      checkSources,
      applyOptions,
      ownership,
      'nothing was applied',
      settings.namespace,
    );
  } catch (error) {
    if (!(error instanceof ManifestError) || standIns.length === 0) throw error;
    // A refusal of a stand-in names the object by its own namespace, where the manifest puts it.
    const problems = error.problems.map((problem) => {
      const key = [...ownKey.keys()].find((standInKey) => problem.message.startsWith(`${standInKey}:`));
      if (key === undefined) return problem;
      const own = workloadKey(refOf(ownKey.get(key)!));
      return { ...problem, message: `${own}:${problem.message.slice(key.length + 1)}` };
    });
    throw new ManifestError(problems, 'API server', error.outcome);
  }
  const original = new Map(standIns.map(({ original, standIn }) => [objectKey(standIn), original]));
  return checked.map((object) => {
    const own = original.get(objectKey(object));
    return own ? { ...object, metadata: { ...object.metadata, namespace: own.metadata.namespace } } : object;
  });
}

/**
 * The namespace a stand-in check moves objects into: every cluster has it (the API server
 * creates it and refuses to delete it).
 */
const STAND_IN_NAMESPACE = 'default';

/**
 * The deferred objects of `plan` that wait only for a namespace this set creates (their kind is
 * served), each with a copy in STAND_IN_NAMESPACE for the server's dry run. A server-side dry
 * run in a namespace that does not exist is refused (`namespaces "x" not found`), but what the
 * server checks of an object (its schema, field types, validation) does not depend on which
 * namespace it is in: only the namespace lifecycle rules do (a namespace being deleted, or not
 * yet created), and those the real apply meets after the Namespace is created. So a dry run and
 * a real deploy refuse a bad object in a new namespace before anything is applied. An object of
 * the same name already in the stand-in namespace is left unchecked here (a dry run would merge
 * into it, and be checked against someone else's fields): the real deploy checks it after its
 * namespace exists, before the workloads change.
 */
async function standInChecks(
  kubectl: Kubectl,
  plan: ApplyPlan,
  live: ReadonlyMap<string, KubeObject>,
): Promise<Array<{ original: KubeObject; standIn: KubeObject }>> {
  const newNamespaces = new Set(
    plan.foundations.filter((object) => object.kind === 'Namespace').map((object) => object.metadata.name),
  );
  // Kinds a CustomResourceDefinition of this set introduces: the server cannot check them in any namespace.
  const newKinds = new Set(
    plan.foundations
      .filter((object) => object.kind === 'CustomResourceDefinition' && !live.has(objectKey(object)))
      .map(definedGroupKind),
  );
  const candidates = plan.deferred
    .filter(
      (object) =>
        object.metadata.namespace !== undefined &&
        newNamespaces.has(object.metadata.namespace) &&
        !newKinds.has(groupKindOf(object)),
    )
    .map((original) => ({
      original,
      standIn: { ...original, metadata: { ...original.metadata, namespace: STAND_IN_NAMESPACE } },
    }));
  if (candidates.length === 0) return [];
  const taken = new Set((await kubectl.getLive(candidates.map(({ standIn }) => standIn))).map(objectKey));
  return candidates.filter(({ standIn }) => !taken.has(objectKey(standIn)));
}

/**
 * What a dry run reports for each object: the server's dry run of every object it can check now
 * (serverCheck, exactly as a real deploy checks them first: a refused object is a problem at its
 * file and line, a missing namespace one problem), compared with the live object; an object that
 * waits for a namespace or CustomResourceDefinition of this set is shown as written and marked
 * not validated. Nothing is written.
 */
function dryRunApplied(prepared: PreparedDeploy): AppliedObject[] {
  const { objects, plan, before, settings, checked } = prepared;
  const log = settings.log ?? (() => undefined);
  const intended = byKey(checked);
  const newNamespaces = new Set(
    plan.foundations.filter((object) => object.kind === 'Namespace').map((object) => object.metadata.name),
  );
  const newKinds = new Set(
    plan.foundations.filter((object) => object.kind === 'CustomResourceDefinition').map(definedGroupKind),
  );
  // Deferred objects the stand-in check could not validate: custom resources of a CRD of this set.
  const deferred = new Set(plan.deferred.map(objectKey).filter((key) => !intended.has(key)));
  const applied: AppliedObject[] = [];
  for (const object of objects) {
    const live = before.get(objectKey(object));
    // A deferred object is shown as written: the server cannot check it before its namespace or kind exists.
    const result = intended.get(objectKey(object)) ?? object;
    const action: ApplyAction = !live ? 'created' : sameIntent(live, result) ? 'unchanged' : 'configured';
    const foundation =
      object.metadata.namespace !== undefined &&
      newNamespaces.has(object.metadata.namespace) &&
      !newKinds.has(groupKindOf(object))
        ? 'namespace'
        : 'CRD';
    const notValidated = deferred.has(objectKey(object))
      ? `not validated by the server (its ${foundation} is created by this set)`
      : undefined;
    if (notValidated) {
      const source = prepared.sources.get(objectKey(object));
      const at = source ? `${source.file}:${source.line}: ` : '';
      (settings.warn ?? log)(`${at}${objectKey(object)}: would be ${action}, but ${notValidated}`);
    }
    applied.push({
      ...refOf(object),
      action,
      ...(action === 'unchanged' ? {} : { diff: objectDiff(live, result), ...plannedChanges(live, result) }),
      ...(notValidated ? { notValidated } : {}),
    });
  }
  return applied;
}

/** Each workload's rollback and each object put back, in one sentence: restored, failed (and why), or left as is. */
function rollbackSentence(report: DeployReport): string {
  const records = report.rollbacks;
  const undone = records
    .filter((record) => record.result === 'restored')
    .map((record) => `${workloadKey(record.ref)} to revision ${record.restoredRevision ?? 'previous'}`);
  const broken = records.filter((record) => record.result === 'failed').map((record) => record.reason);
  const putBack = report.restored
    .filter((record) => !record.skipped && !record.rounded)
    .map((record) => workloadKey(record.ref));
  const rounded = report.restored.filter((record) => record.rounded).map((record) => record.rounded);
  const kept = [...records, ...report.restored]
    .filter((record) => record.skipped)
    .map((record) => `${workloadKey(record.ref)} (${record.skipped})`);
  const parts = [
    undone.length > 0
      ? `rolled back ${undone.join(', ')}`
      : broken.length === 0 && putBack.length === 0 && rounded.length === 0
        ? 'nothing could be rolled back'
        : '',
    broken.length > 0 ? `the rollback failed: ${broken.join('; ')}` : '',
    putBack.length > 0 ? `put back as before the deploy: ${putBack.join(', ')}` : '',
    rounded.length > 0 ? `put back except for rounded integers: ${rounded.join('; ')}` : '',
    kept.length > 0 ? `left as is: ${kept.join(', ')}` : '',
  ].filter(Boolean);
  return capitalize(parts.join('; '));
}

/**
 * The HorizontalPodAutoscalers live in the namespaces of the workloads. A server that does not
 * serve the kind has none.
 */
async function liveAutoscalers(kubectl: Kubectl, objects: KubeObject[]): Promise<KubeObject[]> {
  const namespaces = [...new Set(objects.filter(isWorkload).map((object) => object.metadata.namespace))];
  const found: KubeObject[] = [];
  for (const namespace of namespaces) {
    try {
      found.push(...(await kubectl.list('horizontalpodautoscalers.autoscaling', { namespace })));
    } catch (error) {
      if (!(
        error instanceof KubectlError &&
        /doesn't have a resource type|could not find the requested resource/.test(error.message)
      ))
        throw error;
    }
  }
  return found;
}

/**
 * A server-side dry run of the objects. When the server refuses the set, each object is checked
 * alone (kubectl's messages do not always say which object: a field conflict never does), and
 * each refusal becomes a problem at the object's file and line: a ManifestError whose message
 * says what had been written by then (`written`). A namespace that does not exist is one
 * problem, not one per object in it; when it is the `namespace` input (`namespaceInput`), a
 * KubernetesInputError naming the input. Returns the objects as the server's dry run would leave them.
 */
async function serverCheck(
  kubectl: Kubectl,
  objects: KubeObject[],
  sources: ReadonlyMap<string, Manifest>,
  options: ApplyOptions,
  ownership: OwnershipOptions,
  written: string,
  namespaceInput?: string,
): Promise<KubeObject[]> {
  if (objects.length === 0) return [];
  const dryRun = { ...options, dryRun: true };
  try {
    return await applyOwningFields(kubectl, objects, dryRun, ownership);
  } catch (error) {
    if (!(error instanceof KubectlError || error instanceof ApplyConflictError)) throw error;
    const problems: ManifestProblem[] = [];
    const missing = await missingNamespaces(kubectl, objects);
    const inputMissing = namespaceInput !== undefined && missing.has(namespaceInput);
    // Objects that name no namespace of their own took the input's: that one is the input's to fix.
    if (inputMissing)
      missing.set(
        namespaceInput,
        missing.get(namespaceInput)!.filter((object) => !tookInput(object, sources.get(objectKey(object)))),
      );
    for (const [namespace, inside] of missing) {
      if (inside.length === 0) continue;
      const source = sources.get(objectKey(inside[0]));
      problems.push({
        file: source?.file ?? 'manifests',
        line: source?.line ?? 1,
        message: `namespace "${namespace}" does not exist on the cluster and no manifest creates it (${inside.map((object) => workloadKey(refOf(object))).join(', ')}); create it or add a Namespace manifest`,
      });
    }
    for (const object of objects.filter((object) => !missing.has(object.metadata.namespace ?? ''))) {
      const refusal = await applyOwningFields(kubectl, [object], dryRun, ownership).then(
        () => undefined,
        (refused: unknown) => refused,
      );
      if (refusal === undefined) continue;
      if (!(refusal instanceof KubectlError || refusal instanceof ApplyConflictError)) throw refusal;
      const source = sources.get(objectKey(object));
      problems.push({
        file: source?.file ?? 'manifests',
        line: source?.line ?? 1,
        message:
          refusal instanceof ApplyConflictError
            ? refusal.message
            : `${workloadKey(refOf(object))}: the API server refused it: ${kubectlReason(refusal)}`,
      });
    }
    if (inputMissing) {
      const input = `Input "namespace" names namespace "${namespaceInput}", which does not exist on the cluster and no manifest creates it; ${written}. Create it (kubectl create namespace ${namespaceInput}), add a Namespace manifest, or name an existing namespace`;
      if (problems.length === 0) throw new KubernetesInputError('namespace', input);
      throw new NamespaceInputError(
        `${input}. The manifests have ${problems.length} more problem${problems.length === 1 ? '' : 's'}:\n${problems.map((problem) => `  ${formatProblem(problem)}`).join('\n')}`,
        problems,
      );
    }
    // Refused only together (each object alone passes): the set's own message is all there is.
    if (problems.length === 0)
      throw new Error(`The API server refused the manifests; ${written}:\n${kubectlReason(error)}`, { cause: error });
    throw new ManifestError(problems, 'API server', written);
  }
}

/** Whether the object's namespace came from the `namespace` input: its manifest, as written, names none. */
function tookInput(object: KubeObject, source: Manifest | undefined): boolean {
  return source?.writtenAt?.(['metadata', 'namespace']).keyText === undefined;
}

/** The namespaces of these objects that the cluster does not have, each with its objects. */
async function missingNamespaces(kubectl: Kubectl, objects: KubeObject[]): Promise<Map<string, KubeObject[]>> {
  const byNamespace = new Map<string, KubeObject[]>();
  for (const object of objects) {
    const namespace = object.metadata.namespace;
    if (namespace) byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), object]);
  }
  const live = await kubectl.getLive(
    [...byNamespace.keys()].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
  );
  for (const namespace of live) byNamespace.delete(namespace.metadata.name);
  return byNamespace;
}

/** What kubectl printed about a refusal, without its `Error from server (...)` prefixes repeated per line. */
function kubectlReason(error: KubectlError | ApplyConflictError): string {
  if (error instanceof ApplyConflictError) return error.message;
  return (error.result.stderr || error.result.stdout)
    .trim()
    .split('\n')
    .map((line) => line.replace(/^error: /, ''))
    .join('\n');
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Puts back, as they were before the run, the objects other than rolled-out workloads that the run
 * configured: a CronJob whose image the run changed must not start its next Job on the release
 * that just failed, and a ConfigMap must not give the restored pods the failed release's
 * configuration. Objects the run created are left (nothing to go back to; deleting them would
 * also delete what a person needs to see why the rollout failed); a workload's own spec apart
 * from its pod template is left too, as `kubectl rollout undo` leaves it.
 */
async function restoreConfigured(
  kubectl: Kubectl,
  after: KubeObject[],
  before: Map<string, KubeObject>,
  settings: DeploySettings,
): Promise<RestoreRecord[]> {
  const log = settings.log ?? (() => undefined);
  const configured = after.filter(
    (object) => !isWorkload(object) && classify(before.get(objectKey(object)), object) === 'configured',
  );
  if (configured.length === 0) return [];
  const current = byKey(await kubectl.getLive(configured, { managedFields: true }));
  const records: RestoreRecord[] = [];
  const intents: KubeObject[] = [];
  for (const object of configured) {
    const ref = refOf(object);
    const now = current.get(objectKey(object));
    const restore = now
      ? restoreIntent(before.get(objectKey(object))!, now, settings)
      : { reason: 'deleted since this run applied it' };
    if ('reason' in restore) {
      records.push({ ref, skipped: restore.reason });
      continue;
    }
    intents.push(restore.intent);
    records.push({ ref });
  }
  if (intents.length === 0) return records;
  log(`Putting back as before the deploy: ${intents.map(objectKey).join(', ')}`);
  // Forced: these are fields this run took; giving them back is not a conflict with anyone.
  const options = { serverSide: settings.serverSide, fieldManager: settings.fieldManager, forceConflicts: true };
  try {
    await kubectl.apply(intents, options);
  } catch {
    // One refusal (a field that cannot go back, such as a PersistentVolumeClaim's size) must
    // neither keep the others as the failed run left them nor stop the workloads' undo.
    for (const intent of intents) {
      try {
        await kubectl.apply([intent], options);
      } catch (error) {
        const ref = refOf(intent);
        const index = records.findIndex((candidate) => workloadKey(candidate.ref) === workloadKey(ref));
        records[index] = { ref, skipped: `the server refused to put it back: ${firstLineOf(error)}` };
      }
    }
  }
  if (!settings.serverSide) await noteRoundedIntegers(kubectl, intents, records);
  return records;
}

/**
 * Marks the records of objects put back with a client-side apply whose integers beyond 2^53 the
 * cluster now holds rounded (roundedIntegersReason): they are not as they were before the run.
 * Only objects carrying such an integer are read back.
 */
async function noteRoundedIntegers(kubectl: Kubectl, intents: KubeObject[], records: RestoreRecord[]): Promise<void> {
  const carrying = intents.filter((intent) => roundedIntegers(intent, undefined).length > 0);
  if (carrying.length === 0) return;
  const live = byKey(await kubectl.getLive(carrying));
  for (const intent of carrying) {
    const record = records.find((candidate) => workloadKey(candidate.ref) === workloadKey(refOf(intent)));
    if (!record || record.skipped) continue;
    const rounded = roundedIntegersReason(record.ref, intent, live.get(objectKey(intent)), 'it had before the deploy');
    if (rounded) record.rounded = rounded;
  }
}

function firstLineOf(error: unknown): string {
  const text = error instanceof KubectlError ? error.result.stderr || error.result.stdout : String(error);
  return text.trim().split('\n')[0].slice(0, 300);
}

/**
 * Undoes each workload this run changed to the revision it had before, waits for that, and marks
 * the revision this run made as failed where that workload's own rollout failed, so a later
 * `rollback` never picks it (a workload that rolled out fine is undone with the set, but its
 * revision is not called failed). Each workload's outcome goes into `report.rollbacks` as it
 * happens: one refused undo or unfinished rollout does not hide what happened to the others.
 */
async function rollBack(
  kubectl: Kubectl,
  changed: KubeObject[],
  before: Map<string, KubeObject>,
  report: DeployReport,
  settings: DeploySettings,
): Promise<void> {
  const log = settings.log ?? (() => undefined);
  const records = report.rollbacks;
  const failedLists = new Map<string, FailedRevisions>();
  for (const object of changed) {
    const ref = refOf(object);
    const previous = before.get(objectKey(object));
    const rollout = report.rollouts.find((result) => workloadKey(result.ref) === workloadKey(ref));
    // Only a workload whose own rollout failed has a failed revision; the others are undone with the set.
    const failedRevision = rollout && !rollout.ok ? report.revisions[workloadKey(ref)] : undefined;
    if (!previous) {
      records.push({ ref, failedRevision, skipped: 'created by this run, no earlier revision' });
      continue;
    }
    const record: RollbackRecord = {
      ref,
      failedRevision,
      failedTemplate: failedRevision ? rollout?.template : undefined,
    };
    records.push(record);
    try {
      // Read before the undo: it replaces the annotations with the ones the old revision carried.
      const live = await kubectl.get(ref);
      failedLists.set(workloadKey(ref), readFailedRevisions(live));
      record.restoredRevision = await revisionNumberOf(kubectl, previous);
      const restored = record.restoredRevision;
      const numeric = restored && /^\d+$/.test(restored) ? Number(restored) : undefined;
      log(`Rolling ${workloadKey(ref)} back to revision ${restored ?? 'previous'}`);
      await undoAndRecord(kubectl, ref, numeric);
      if (object.kind === 'StatefulSet' && rollout?.template)
        await deleteStuckPods(kubectl, ref, rollout.template, log);
    } catch (error) {
      if (!(error instanceof KubectlError)) throw error;
      record.result = 'failed';
      record.reason = `${workloadKey(ref)} could not be undone: ${(error.result.stderr || error.message).trim()}`;
    }
  }
  const undone = records.filter((record) => !record.skipped && !record.result);
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
    const record = undone.find((candidate) => workloadKey(candidate.ref) === workloadKey(result.ref))!;
    if (result.revision) report.revisions[workloadKey(result.ref)] = result.revision;
    record.result = result.ok ? 'restored' : 'failed';
    if (!result.ok) record.reason = `${workloadKey(result.ref)} did not come back: ${result.reason ?? 'unknown'}`;
  }
  for (const record of undone) {
    const known = failedLists.get(workloadKey(record.ref))!;
    if (record.failedRevision)
      await recordFailedRevision(kubectl, record.ref, known, {
        number: record.failedRevision,
        template: record.failedTemplate,
      });
    else await restoreFailedRevisions(kubectl, record.ref, known);
  }
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
