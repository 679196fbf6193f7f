/**
 * The Deployment controller, after kube-controller-manager's: ReplicaSets named by a stable
 * pod-template hash, revision annotations (an undo reuses the matching old ReplicaSet and gives
 * it a new highest revision), rolling updates paced by maxSurge / maxUnavailable, Recreate,
 * the Available and Progressing conditions with their real reasons, ProgressDeadlineExceeded,
 * and pruning beyond revisionHistoryLimit.
 */
import { typeOf } from '../resources.js';
import { clone, jsonEqual, nowIso, type Json, type StoredObject } from '../types.js';
import {
  createAsController,
  instantOf,
  intOrPercent,
  isControlledBy,
  ownerReference,
  setInstant,
  templateHash,
  type ControllerContext,
} from './context.js';

const REVISION = 'deployment.kubernetes.io/revision';
const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
const SKIPPED_ANNOTATIONS = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  'deprecated.deployment.rollback.to',
]);
const HASH_LABEL = 'pod-template-hash';

const deploymentType = typeOf('Deployment');
const replicaSetType = typeOf('ReplicaSet');

function revisionOf(object: StoredObject): number {
  return Number(object.metadata.annotations?.[REVISION] ?? 0) || 0;
}

function templateWithoutHash(template: Json): Json {
  const copy = clone(template ?? {});
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[HASH_LABEL];
    if (Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  }
  if (copy.metadata) {
    delete copy.metadata.creationTimestamp;
    if (Object.keys(copy.metadata).length === 0) delete copy.metadata;
  }
  return copy;
}

function fenceposts(deployment: StoredObject): { maxSurge: number; maxUnavailable: number } {
  const replicas: number = deployment.spec.replicas ?? 1;
  if (deployment.spec.strategy?.type === 'Recreate') return { maxSurge: 0, maxUnavailable: 0 };
  const rolling = deployment.spec.strategy?.rollingUpdate ?? {};
  const maxSurge = intOrPercent(rolling.maxSurge ?? '25%', replicas, true);
  let maxUnavailable = intOrPercent(rolling.maxUnavailable ?? '25%', replicas, false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable: Math.min(maxUnavailable, replicas) };
}

function setCondition(status: Json, condition: Json): void {
  const conditions: Json[] = status.conditions ?? [];
  const current = conditions.find((existing) => existing.type === condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  if (current && current.status === condition.status) condition.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...conditions.filter((existing) => existing.type !== condition.type), condition];
}

function newCondition(type: string, status: string, reason: string, message: string): Json {
  const now = nowIso();
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

function copyAnnotations(deployment: StoredObject, replicaSet: StoredObject): void {
  replicaSet.metadata.annotations ??= {};
  for (const [key, value] of Object.entries(deployment.metadata.annotations ?? {})) {
    if (!SKIPPED_ANNOTATIONS.has(key)) replicaSet.metadata.annotations[key] = value;
  }
}

/** SetNewReplicaSetAnnotations: copy annotations, raise the revision, keep the revision history of a rollback. */
function setNewReplicaSetAnnotations(
  deployment: StoredObject,
  replicaSet: StoredObject,
  newRevision: number,
  exists: boolean,
  maxSurge: number,
): void {
  copyAnnotations(deployment, replicaSet);
  const annotations = replicaSet.metadata.annotations;
  const oldRevision = annotations[REVISION];
  const oldRevisionNumber = Number(oldRevision ?? 0) || 0;
  if (oldRevisionNumber < newRevision) {
    annotations[REVISION] = String(newRevision);
    if (oldRevision !== undefined) {
      const history = annotations[REVISION_HISTORY];
      annotations[REVISION_HISTORY] = history ? `${history},${oldRevision}` : oldRevision;
    }
  }
  if (!exists) {
    annotations[DESIRED_REPLICAS] = String(deployment.spec.replicas);
    annotations[MAX_REPLICAS] = String(deployment.spec.replicas + maxSurge);
  }
}

function scale(
  context: ControllerContext,
  deployment: StoredObject,
  replicaSet: StoredObject,
  replicas: number,
): boolean {
  const current = context.store.get(replicaSetType, replicaSet.metadata.namespace, replicaSet.metadata.name);
  if (!current || current.spec.replicas === replicas) return false;
  const from = current.spec.replicas;
  const { maxSurge } = fenceposts(deployment);
  current.spec.replicas = replicas;
  current.metadata.annotations ??= {};
  current.metadata.annotations[DESIRED_REPLICAS] = String(deployment.spec.replicas);
  current.metadata.annotations[MAX_REPLICAS] = String(deployment.spec.replicas + maxSurge);
  const stored = context.store.update(replicaSetType, current);
  replicaSet.spec.replicas = replicas;
  replicaSet.metadata.resourceVersion = stored.metadata.resourceVersion;
  const direction = replicas > from ? 'up' : 'down';
  context.recordEvent(
    deployment,
    'Normal',
    'ScalingReplicaSet',
    `Scaled ${direction} replica set ${current.metadata.name} from ${from} to ${replicas}`,
    'deployment-controller',
  );
  return true;
}

function sumOf(replicaSets: StoredObject[], read: (replicaSet: StoredObject) => number | undefined): number {
  return replicaSets.reduce((sum, replicaSet) => sum + (read(replicaSet) ?? 0), 0);
}

function newReplicaSetReplicas(
  deployment: StoredObject,
  allSets: StoredObject[],
  newSet: StoredObject | undefined,
): number {
  const desired: number = deployment.spec.replicas;
  const current = newSet?.spec.replicas ?? 0;
  if (deployment.spec.strategy?.type === 'Recreate') return desired;
  const { maxSurge } = fenceposts(deployment);
  const total = sumOf(allSets, (replicaSet) => replicaSet.spec.replicas);
  const maxTotal = desired + maxSurge;
  if (total >= maxTotal) return current;
  return current + Math.max(0, Math.min(maxTotal - total, desired - current));
}

function reconcileOldReplicaSets(
  context: ControllerContext,
  deployment: StoredObject,
  allSets: StoredObject[],
  oldSets: StoredObject[],
  newSet: StoredObject,
): boolean {
  const oldPods = sumOf(oldSets, (replicaSet) => replicaSet.spec.replicas);
  if (oldPods === 0) return false;
  const allPods = sumOf(allSets, (replicaSet) => replicaSet.spec.replicas);
  const { maxUnavailable } = fenceposts(deployment);
  const minAvailable = deployment.spec.replicas - maxUnavailable;
  const newUnavailable = newSet.spec.replicas - (newSet.status?.availableReplicas ?? 0);
  let maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  let scaled = false;
  // First the old replicas that are not available anyway (cleanupUnhealthyReplicas).
  const byAge = [...oldSets].sort((a, b) => revisionOf(a) - revisionOf(b));
  for (const replicaSet of byAge) {
    if (maxScaledDown <= 0) break;
    const unhealthy = replicaSet.spec.replicas - (replicaSet.status?.availableReplicas ?? 0);
    if (replicaSet.spec.replicas === 0 || unhealthy <= 0) continue;
    const down = Math.min(maxScaledDown, unhealthy);
    scaled = scale(context, deployment, replicaSet, replicaSet.spec.replicas - down) || scaled;
    maxScaledDown -= down;
  }
  // Then as many available old replicas as minAvailable allows.
  const available = sumOf(allSets, (replicaSet) => replicaSet.status?.availableReplicas);
  let toScaleDown = Math.min(available - minAvailable, maxScaledDown);
  if (toScaleDown <= 0) return scaled;
  for (const replicaSet of byAge) {
    if (toScaleDown <= 0) break;
    if (replicaSet.spec.replicas === 0) continue;
    const down = Math.min(replicaSet.spec.replicas, toScaleDown);
    scaled = scale(context, deployment, replicaSet, replicaSet.spec.replicas - down) || scaled;
    toScaleDown -= down;
  }
  return scaled;
}

function findOrCreateNewReplicaSet(
  context: ControllerContext,
  deployment: StoredObject,
  ownedSets: StoredObject[],
  status: Json,
): { newSet: StoredObject | undefined; created: boolean } {
  const template = templateWithoutHash(deployment.spec.template);
  const existing = ownedSets.find((replicaSet) => jsonEqual(templateWithoutHash(replicaSet.spec.template), template));
  const oldSets = ownedSets.filter((replicaSet) => replicaSet !== existing);
  const newRevision = Math.max(0, ...oldSets.map(revisionOf)) + 1;
  const { maxSurge } = fenceposts(deployment);
  if (existing) {
    const updated = clone(existing);
    setNewReplicaSetAnnotations(deployment, updated, newRevision, true, maxSurge);
    if (
      !jsonEqual(updated.metadata.annotations, existing.metadata.annotations) ||
      updated.spec.minReadySeconds !== deployment.spec.minReadySeconds
    ) {
      updated.spec.minReadySeconds = deployment.spec.minReadySeconds;
      if (updated.spec.minReadySeconds === undefined) delete updated.spec.minReadySeconds;
      const stored = context.store.update(replicaSetType, updated);
      Object.assign(existing, stored);
    }
    if (!(status.conditions ?? []).some((condition: Json) => condition.type === 'Progressing')) {
      setCondition(
        status,
        newCondition('Progressing', 'True', 'FoundNewReplicaSet', `Found new replica set "${existing.metadata.name}"`),
      );
      setInstant(context, deployment.metadata.uid, 'progress');
    }
    return { newSet: existing, created: false };
  }
  if (deployment.spec.paused) return { newSet: undefined, created: false };
  const collisionCount: number = deployment.status?.collisionCount ?? 0;
  const hash = templateHash(template, collisionCount);
  const podTemplate = clone(deployment.spec.template);
  podTemplate.metadata ??= {};
  podTemplate.metadata.labels = { ...(podTemplate.metadata.labels ?? {}), [HASH_LABEL]: hash };
  const replicaSet: StoredObject = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${deployment.metadata.name}-${hash}`,
      namespace: deployment.metadata.namespace,
      labels: { ...(deployment.spec.template?.metadata?.labels ?? {}), [HASH_LABEL]: hash },
      annotations: {},
      ownerReferences: [ownerReference(deployment)],
    },
    spec: {
      replicas: 0,
      selector: {
        ...clone(deployment.spec.selector),
        matchLabels: { ...(deployment.spec.selector?.matchLabels ?? {}), [HASH_LABEL]: hash },
      },
      template: podTemplate,
      ...(deployment.spec.minReadySeconds ? { minReadySeconds: deployment.spec.minReadySeconds } : {}),
    },
  };
  setNewReplicaSetAnnotations(deployment, replicaSet, newRevision, false, maxSurge);
  replicaSet.spec.replicas = newReplicaSetReplicas(deployment, ownedSets, undefined);
  const created = createAsController(context, 'ReplicaSet', replicaSet);
  if (created.spec.replicas > 0) {
    context.recordEvent(
      deployment,
      'Normal',
      'ScalingReplicaSet',
      `Scaled up replica set ${created.metadata.name} from 0 to ${created.spec.replicas}`,
      'deployment-controller',
    );
  }
  setCondition(
    status,
    newCondition('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${created.metadata.name}"`),
  );
  setInstant(context, deployment.metadata.uid, 'progress');
  return { newSet: created, created: true };
}

function calculateStatus(
  deployment: StoredObject,
  allSets: StoredObject[],
  newSet: StoredObject | undefined,
  previous: Json,
): Json {
  const available = sumOf(allSets, (replicaSet) => replicaSet.status?.availableReplicas);
  const total = sumOf(allSets, (replicaSet) => replicaSet.spec.replicas);
  const status: Json = {
    observedGeneration: deployment.metadata.generation,
    replicas: sumOf(allSets, (replicaSet) => replicaSet.status?.replicas),
    updatedReplicas: newSet?.status?.replicas ?? 0,
    readyReplicas: sumOf(allSets, (replicaSet) => replicaSet.status?.readyReplicas),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
    conditions: clone(previous.conditions ?? []),
    ...(previous.collisionCount ? { collisionCount: previous.collisionCount } : {}),
  };
  const { maxUnavailable } = fenceposts(deployment);
  if (available >= deployment.spec.replicas - maxUnavailable) {
    setCondition(
      status,
      newCondition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'),
    );
  } else {
    setCondition(
      status,
      newCondition(
        'Available',
        'False',
        'MinimumReplicasUnavailable',
        'Deployment does not have minimum availability.',
      ),
    );
  }
  return status;
}

function isComplete(deployment: StoredObject, status: Json): boolean {
  const replicas = deployment.spec.replicas;
  return (
    status.updatedReplicas === replicas &&
    status.replicas === replicas &&
    status.availableReplicas === replicas &&
    status.observedGeneration >= deployment.metadata.generation
  );
}

function isProgressing(previous: Json, next: Json): boolean {
  const oldOld = (previous.replicas ?? 0) - (previous.updatedReplicas ?? 0);
  const newOld = (next.replicas ?? 0) - (next.updatedReplicas ?? 0);
  return (
    (next.updatedReplicas ?? 0) > (previous.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (next.readyReplicas ?? 0) > (previous.readyReplicas ?? 0) ||
    (next.availableReplicas ?? 0) > (previous.availableReplicas ?? 0)
  );
}

function syncProgress(
  context: ControllerContext,
  deployment: StoredObject,
  status: Json,
  previous: Json,
  newSet: StoredObject | undefined,
): void {
  const deadline = deployment.spec.progressDeadlineSeconds;
  const current = (previous.conditions ?? []).find((condition: Json) => condition.type === 'Progressing');
  const completeBefore = status.replicas === status.updatedReplicas && current?.reason === 'NewReplicaSetAvailable';
  if (deadline === undefined || deadline === null || completeBefore) return;
  const subject = newSet ? `ReplicaSet "${newSet.metadata.name}"` : `Deployment "${deployment.metadata.name}"`;
  if (isComplete(deployment, status)) {
    setCondition(
      status,
      newCondition('Progressing', 'True', 'NewReplicaSetAvailable', `${subject} has successfully progressed.`),
    );
    return;
  }
  if (isProgressing(previous, status)) {
    const condition = newCondition('Progressing', 'True', 'ReplicaSetUpdated', `${subject} is progressing.`);
    const existing = (status.conditions ?? []).find((entry: Json) => entry.type === 'Progressing');
    if (existing?.status === 'True') condition.lastTransitionTime = existing.lastTransitionTime;
    status.conditions = [...(status.conditions ?? []).filter((entry: Json) => entry.type !== 'Progressing'), condition];
    setInstant(context, deployment.metadata.uid, 'progress');
    return;
  }
  const condition = (status.conditions ?? []).find((entry: Json) => entry.type === 'Progressing');
  if (!condition || condition.reason === 'NewReplicaSetAvailable') return;
  if (condition.reason === 'ProgressDeadlineExceeded') return;
  const lastProgress = instantOf(context, deployment.metadata.uid, 'progress');
  const expiresAt = lastProgress + deadline * context.timings.secondMs;
  if (Date.now() > expiresAt) {
    setCondition(
      status,
      newCondition('Progressing', 'False', 'ProgressDeadlineExceeded', `${subject} has timed out progressing.`),
    );
  } else {
    context.requeueAfter(expiresAt - Date.now() + 5);
  }
}

function cleanupOldReplicaSets(context: ControllerContext, deployment: StoredObject, oldSets: StoredObject[]): void {
  const limit: number = deployment.spec.revisionHistoryLimit ?? 10;
  const cleanable = oldSets
    .filter(
      (replicaSet) =>
        replicaSet.spec.replicas === 0 &&
        (replicaSet.status?.replicas ?? 0) === 0 &&
        !replicaSet.metadata.deletionTimestamp,
    )
    .sort((a, b) => revisionOf(a) - revisionOf(b));
  for (const replicaSet of cleanable.slice(0, Math.max(0, cleanable.length - limit))) {
    context.api.delete(replicaSetType, replicaSet.metadata.namespace, replicaSet.metadata.name, {
      propagationPolicy: 'Background',
    });
  }
}

function reconcileDeployment(context: ControllerContext, deployment: StoredObject): void {
  if (deployment.metadata.deletionTimestamp) return;
  const ownedSets = context.store.list(
    replicaSetType,
    deployment.metadata.namespace,
    (replicaSet) => isControlledBy(replicaSet, deployment) && !replicaSet.metadata.deletionTimestamp,
  );
  const previous: Json = clone(deployment.status ?? {});
  const status: Json = clone(previous);
  if (syncPausedCondition(context, deployment, status)) {
    const template = templateWithoutHash(deployment.spec.template);
    const current = ownedSets.find((replicaSet) => jsonEqual(templateWithoutHash(replicaSet.spec.template), template));
    writeStatus(context, deployment, calculateStatus(deployment, ownedSets, current, status), current);
    return;
  }
  const { newSet, created } = findOrCreateNewReplicaSet(context, deployment, ownedSets, status);
  const allSets = newSet && created ? [...ownedSets, newSet] : ownedSets;
  const oldSets = allSets.filter((replicaSet) => replicaSet !== newSet);
  let scaled = created;
  if (newSet && !created) {
    if (deployment.spec.strategy?.type === 'Recreate') {
      const oldRunning = sumOf(oldSets, (replicaSet) => replicaSet.status?.replicas);
      for (const replicaSet of oldSets)
        if (replicaSet.spec.replicas > 0) scaled = scale(context, deployment, replicaSet, 0) || scaled;
      if (!scaled && oldRunning === 0) scaled = scale(context, deployment, newSet, deployment.spec.replicas);
    } else {
      const target =
        newSet.spec.replicas > deployment.spec.replicas
          ? deployment.spec.replicas
          : newReplicaSetReplicas(deployment, allSets, newSet);
      scaled = scale(context, deployment, newSet, target);
      if (!scaled) scaled = reconcileOldReplicaSets(context, deployment, allSets, oldSets, newSet);
    }
  }
  const next = calculateStatus(deployment, allSets, newSet, status);
  syncProgress(context, deployment, next, previous, newSet);
  if (!scaled && isComplete(deployment, deployment.status ?? {})) cleanupOldReplicaSets(context, deployment, oldSets);

  writeStatus(context, deployment, next, newSet);
}

function writeStatus(
  context: ControllerContext,
  deployment: StoredObject,
  status: Json,
  newSet: StoredObject | undefined,
): void {
  const latest = context.store.get(deploymentType, deployment.metadata.namespace, deployment.metadata.name);
  if (!latest || latest.metadata.generation !== deployment.metadata.generation) return;
  const updated = clone(latest);
  if (newSet) {
    updated.metadata.annotations ??= {};
    const revision = newSet.metadata.annotations?.[REVISION];
    if (revision) updated.metadata.annotations[REVISION] = revision;
  }
  updated.status = status;
  if (!jsonEqual(updated, latest)) context.store.update(deploymentType, updated);
}

/**
 * A paused deployment rolls nothing out: Progressing turns Unknown/DeploymentPaused, and on
 * resume Unknown/DeploymentResumed (which restarts the progress deadline). True while paused.
 */
function syncPausedCondition(context: ControllerContext, deployment: StoredObject, status: Json): boolean {
  const progressing = (status.conditions ?? []).find((condition: Json) => condition.type === 'Progressing');
  if (deployment.spec.paused) {
    if (progressing?.reason !== 'DeploymentPaused') {
      setCondition(status, newCondition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused'));
    }
    return true;
  }
  if (progressing?.reason === 'DeploymentPaused') {
    setCondition(status, newCondition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed'));
    setInstant(context, deployment.metadata.uid, 'progress');
  }
  return false;
}

export function reconcileDeployments(context: ControllerContext): void {
  for (const deployment of context.store.list(deploymentType)) reconcileDeployment(context, deployment);
}
