/** What every controller gets: the store, timings, failure patterns, an event recorder, a clock. */
import type { EventRecorder } from '../events.js';
import type { ResourceType } from '../resources.js';
import type { ObjectStore } from '../store.js';
import { jsonEqual, type Json, type KubeObject } from '../types.js';

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
  /** How long one second of spec durations (progressDeadlineSeconds, minReadySeconds) lasts. */
  secondMs: number;
}

export const TEST_TIMINGS: Timings = {
  controllerDelayMs: 5,
  schedulerDelayMs: 10,
  podStartDelayMs: 60,
  backOffDelayMs: 60,
  jobRunMs: 150,
  secondMs: 1000,
};

export const DEMO_TIMINGS: Timings = {
  controllerDelayMs: 150,
  schedulerDelayMs: 300,
  podStartDelayMs: 2500,
  backOffDelayMs: 2000,
  jobRunMs: 3000,
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
  timings: Timings;
  failures: FailurePatterns;
  recordEvent: EventRecorder;
  /** Asks for another reconcile pass at least `ms` from now (time-driven transitions). */
  requeueAfter(ms: number): void;
  kubeletVersion(): string;
}

/** Writes only when something changed, so reconcile passes reach a fixpoint. */
export function writeIfChanged(
  store: ObjectStore,
  type: ResourceType,
  before: KubeObject,
  after: KubeObject,
): KubeObject {
  if (jsonEqual(before, after)) return before;
  return store.update(type, after);
}

export function ownerReference(owner: KubeObject, blockOwnerDeletion = true): Json {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion,
  };
}

export function isControlledBy(object: KubeObject, owner: KubeObject): boolean {
  return (object.metadata.ownerReferences ?? []).some(
    (reference: KubeObject) => reference.controller && reference.uid === owner.metadata.uid,
  );
}
