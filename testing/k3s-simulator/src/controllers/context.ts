/** What every controller gets: the store, timings, failure patterns, an event recorder, a clock. */
import type { ClusterApi } from '../api.js';
import type { EventRecorder } from '../events.js';
import { typeOf as typeOfKind, type ResourceType } from '../resources.js';
import type { ObjectStore } from '../store.js';
import { canonicalJson, jsonEqual, nowIso, type Json, type StoredObject } from '../types.js';

export interface Timings {
  /** Delay between a change and the controllers reacting to it. */
  controllerDelayMs: number;
  /** Delay between a pod's creation and its binding to a node. */
  schedulerDelayMs: number;
  /** Delay between binding and the pod being Running and Ready (or failing to pull / crashing). */
  podStartDelayMs: number;
  /** Delay between ErrImagePull and ImagePullBackOff, and between crash restarts. */
  backOffDelayMs: number;
  /** How long a Job's pod runs before it succeeds. */
  jobRunMs: number;
  /** How long a deleted, started pod stays Terminating (0: removed at once). */
  podTerminationMs: number;
  /**
   * How long a Terminating namespace keeps its contents before the namespace controller deletes
   * them, counted from the later of the namespace's deletion and the last client write into the
   * namespace (a real controller first runs discovery over every group, then deletes collection by
   * collection, so `kubectl delete -f` listing the Namespace first still finds the objects after
   * it, however slowly that kubectl sends its deletes). Never shorter than podTerminationMs.
   */
  namespaceDeletionDelayMs: number;
  /** How long one second of spec durations (progressDeadlineSeconds, minReadySeconds) lasts. */
  secondMs: number;
}

export const TEST_TIMINGS: Timings = {
  controllerDelayMs: 5,
  schedulerDelayMs: 10,
  podStartDelayMs: 60,
  backOffDelayMs: 60,
  jobRunMs: 150,
  podTerminationMs: 0,
  namespaceDeletionDelayMs: 1000,
  secondMs: 1000,
};

export const DEMO_TIMINGS: Timings = {
  controllerDelayMs: 150,
  schedulerDelayMs: 300,
  podStartDelayMs: 2500,
  backOffDelayMs: 2000,
  jobRunMs: 3000,
  podTerminationMs: 1500,
  namespaceDeletionDelayMs: 3000,
  secondMs: 1000,
};

export interface FailurePatterns {
  /** Images that cannot be pulled: ErrImagePull, then ImagePullBackOff. */
  imagePullFailure: RegExp;
  /** Images whose container exits at once: CrashLoopBackOff. */
  crashLoop: RegExp;
}

export const DEFAULT_FAILURE_PATTERNS: FailurePatterns = {
  imagePullFailure: /(does-not-exist|nonexistent|invalid-image|:broken$|^registry\.invalid\/)/,
  crashLoop: /(crashloop|crash-loop|:crash$)/,
};

export interface ControllerContext {
  store: ObjectStore;
  /** Creates objects the way the API server would (defaults, validation, ownership). */
  api: ClusterApi;
  /** Precise instants (ms) of transitions, keyed by `<uid>/<what>`; timestamps in objects have second resolution. */
  instants: Map<string, number>;
  timings: Timings;
  failures: FailurePatterns;
  recordEvent: EventRecorder;
  /** Asks for another reconcile pass at least `ms` from now (time-driven transitions). */
  requeueAfter(ms: number): void;
  kubeletVersion(): string;
  /** When (ms since the epoch) a client last sent a write (not a GET) under `/namespaces/<namespace>`, if ever. */
  lastRequestIn(namespace: string): number | undefined;
}

/** Writes only when something changed, so reconcile passes reach a fixpoint. */
export function writeIfChanged(
  store: ObjectStore,
  type: ResourceType,
  before: StoredObject,
  after: StoredObject,
): StoredObject {
  if (jsonEqual(before, after)) return before;
  return store.update(type, after);
}

export function ownerReference(owner: StoredObject, blockOwnerDeletion = true): Json {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion,
  };
}

export function isControlledBy(object: StoredObject, owner: StoredObject): boolean {
  return (object.metadata.ownerReferences ?? []).some(
    (reference: StoredObject) => reference.controller && reference.uid === owner.metadata.uid,
  );
}

/** When `what` first happened to the object with `uid` (recorded now if unknown). */
export function instantOf(context: ControllerContext, uid: string, what: string): number {
  const key = `${uid}/${what}`;
  let instant = context.instants.get(key);
  if (instant === undefined) {
    instant = Date.now();
    context.instants.set(key, instant);
  }
  return instant;
}

export function setInstant(context: ControllerContext, uid: string, what: string, instant = Date.now()): void {
  context.instants.set(`${uid}/${what}`, instant);
}

/** Creates an object as a controller does, with generateName. */
export function createAsController(context: ControllerContext, kind: string, object: StoredObject): StoredObject {
  return context.api.create(typeOfKind(kind), object.metadata.namespace, object, { fieldManager: 'k3s' });
}

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** The controllers' template hash: FNV-32a of the canonical template, safe-encoded as the Kubernetes controllers do. */
export function templateHash(template: unknown, collisionCount = 0): string {
  const text = canonicalJson(template) + (collisionCount ? String(collisionCount) : '');
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return [...String(hash)].map((char) => ALPHANUMS[char.charCodeAt(0) % ALPHANUMS.length]).join('');
}

export function conditionOf(object: StoredObject, type: string): Json | undefined {
  return (object.status?.conditions ?? []).find((condition: Json) => condition.type === type);
}

/**
 * A status condition whose lastTransitionTime moves only when its status changes, as controllers
 * write them (so reconcile passes that change nothing write nothing).
 */
export function transitionedCondition(
  object: StoredObject,
  type: string,
  status: boolean,
  reason: string,
  message: string,
): Json {
  const previous = conditionOf(object, type);
  const text = status ? 'True' : 'False';
  return {
    type,
    status: text,
    lastTransitionTime: previous?.status === text ? previous.lastTransitionTime : nowIso(),
    reason,
    message,
  };
}

export function isPodReady(pod: StoredObject): boolean {
  return conditionOf(pod, 'Ready')?.status === 'True';
}

export function isPodActive(pod: StoredObject): boolean {
  return !pod.metadata.deletionTimestamp && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

/** The pods `owner` controls in its namespace that still count (not deleted, not finished). */
export function activePodsOf(context: ControllerContext, owner: StoredObject): StoredObject[] {
  return context.store.list(
    typeOfKind('Pod'),
    owner.metadata.namespace,
    (pod) => isControlledBy(pod, owner) && isPodActive(pod),
  );
}

/**
 * Puts `status` on the object as stored now, and writes only when the status changed, so reconcile
 * passes reach a fixpoint. The rest of the object is taken as stored: status is the controller's
 * subresource, while the spec may have been changed by a user since the pass began.
 */
export function writeStatus(context: ControllerContext, type: ResourceType, object: StoredObject, status: Json): void {
  const latest = context.store.get(type, object.metadata.namespace, object.metadata.name);
  if (!latest || jsonEqual(latest.status, status)) return;
  context.store.update(type, { ...latest, status: { ...status } });
}

/** Ready for at least minReadySeconds. */
export function isPodAvailable(context: ControllerContext, pod: StoredObject, minReadySeconds: number): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const readySince = instantOf(context, pod.metadata.uid, 'ready');
  const availableAt = readySince + minReadySeconds * context.timings.secondMs;
  if (Date.now() >= availableAt) return true;
  context.requeueAfter(availableAt - Date.now() + 1);
  return false;
}

/** An int-or-percent field (maxSurge, maxUnavailable) resolved against a total. */
export function intOrPercent(value: Json, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+)%$/.exec(String(value ?? ''));
  if (!match) return Number(value) || 0;
  const exact = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}
