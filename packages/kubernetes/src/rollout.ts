import { isDeepStrictEqual } from 'node:util';
import type { Kubectl } from './kubectl.js';
import { isRecord, kindAndName, objectKey, workloadKey, type KubeObject, type ObjectRef } from './objects.js';
import type { KubectlStream } from './transports.js';

/** The annotation where the Deployment controller writes a Deployment's (and its ReplicaSets') revision number. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

/** Waiting reasons that do not heal by waiting: the rollout is failed once a new pod stays in one long enough. */
export const BLOCKING_REASONS = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'CrashLoopBackOff',
  'Unschedulable',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
]);

/** How rollouts are watched; every duration in milliseconds. */
export interface RolloutOptions {
  /** How long every watched workload together may take. */
  timeoutMs: number;
  /** Between two looks at the workloads and their pods; 2000 when absent. */
  pollIntervalMs?: number;
  /** How long a new pod may stay in a blocking state before the rollout is called failed; 30000 when absent. */
  failFastAfterMs?: number;
  /** Progress lines for the log. */
  log?: (line: string) => void;
}

/** One pod of a failed rollout, as `kubectl get pods -o wide` would show it. */
export interface PodDiagnosis {
  name: string;
  /** The node it was scheduled on; absent while unscheduled. */
  node?: string;
  /** Its status.phase (Pending, Running, Failed...). */
  phase?: string;
  /** Each container's waiting or terminated reason (ImagePullBackOff, CrashLoopBackOff, OOMKilled...). */
  reasons: string[];
}

/** What `kubectl describe` would show of a failed rollout: the workload's conditions, its new pods, recent events. */
export interface Diagnostics {
  /** The workload's status.conditions. */
  conditions: Array<{ type: string; status: string; reason?: string; message?: string }>;
  pods: PodDiagnosis[];
  /** Events about the workload and its pods; `object` is `Kind/name`, in the workload's namespace. */
  events: Array<{ object: string; type?: string; reason?: string; message?: string; count?: number }>;
}

/** How the rollout of one workload ended, by the rules `kubectl rollout status` uses. */
export interface RolloutResult {
  /** The workload. */
  ref: ObjectRef;
  /** Every replica of the new revision is updated and available; `reason` says why not. */
  ok: boolean;
  /** The revision rolled out: the deployment.kubernetes.io/revision annotation, or the ControllerRevision's number (a decimal string). */
  revision?: string;
  /** What identifies the revision's pod template for good (ReplicaSet pod-template-hash, ControllerRevision name). */
  template?: string;
  /** Why it failed, in one sentence naming the workload. */
  reason?: string;
  /** What a successful result does not cover, such as pods an OnDelete strategy leaves on the old revision. */
  note?: string;
  /** Only on a failure. */
  diagnostics?: Diagnostics;
  /** Milliseconds from the start of the watch to the verdict. */
  elapsedMs: number;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

interface Progress {
  done: boolean;
  message: string;
  failure?: string;
  note?: string;
}

/**
 * `updateStrategy: OnDelete` (StatefulSets, DaemonSets): the controller records the new revision
 * but replaces a pod only when someone deletes it, so there is no rollout to wait for or undo
 * (`kubectl rollout status` refuses such workloads for the same reason).
 */
export function updatesOnDelete(workload: KubeObject): boolean {
  const strategy = workload.spec?.updateStrategy;
  return (
    (workload.kind === 'StatefulSet' || workload.kind === 'DaemonSet') &&
    isRecord(strategy) &&
    strategy.type === 'OnDelete'
  );
}

/**
 * Poll interval and fail-fast delay scaled to the rollout timeout: a pod stuck in a blocking state
 * for a fifth of the timeout (at most 30 s) fails the rollout; a short timeout polls more often.
 */
export function rolloutTimings(timeoutMs: number): { pollIntervalMs: number; failFastAfterMs: number } {
  const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, Math.round(value)));
  return { pollIntervalMs: clamp(timeoutMs / 30, 200, 2000), failFastAfterMs: clamp(timeoutMs / 5, 1000, 30_000) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function num(value: unknown, fallback = 0): number {
  return typeof value === 'number' ? value : fallback;
}

function conditionsOf(object: KubeObject): Condition[] {
  return Array.isArray(object.status?.conditions) ? (object.status!.conditions as Condition[]) : [];
}

/** The controller's verdict on one workload, by the rules `kubectl rollout status` uses. */
export function workloadProgress(workload: KubeObject): Progress {
  const name = objectKey(workload);
  const status = workload.status ?? {};
  const generation = num(workload.metadata.generation, 0);
  if (num(status.observedGeneration, -1) < generation)
    return { done: false, message: `${name}: waiting for the controller to see the new spec` };
  const spec = workload.spec ?? {};
  if (workload.kind === 'Deployment') {
    const deadline = conditionsOf(workload).find(
      (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
    );
    if (deadline) return { done: false, message: '', failure: `${name} exceeded its progress deadline` };
    // A paused Deployment records the new template but starts no rollout until resumed: like
    // OnDelete, there is nothing to wait for (or undo) yet.
    if (spec.paused === true) {
      const paused = `${name} is paused (spec.paused): the new template is recorded, and its pods move to it only after \`kubectl rollout resume\``;
      return { done: true, message: paused, note: paused };
    }
    const replicas = num(spec.replicas, 1);
    const updated = num(status.updatedReplicas);
    const total = num(status.replicas);
    const available = num(status.availableReplicas);
    if (updated < replicas) return { done: false, message: `${name}: ${updated} of ${replicas} updated replicas` };
    if (total > updated)
      return { done: false, message: `${name}: ${total - updated} old replicas pending termination` };
    if (available < updated)
      return { done: false, message: `${name}: ${available} of ${updated} updated replicas available` };
    return { done: true, message: `${name} successfully rolled out` };
  }
  const onDelete = updatesOnDelete(workload);
  const podsBehind =
    workload.kind === 'StatefulSet'
      ? status.updateRevision !== undefined && status.currentRevision !== status.updateRevision
      : num(status.updatedNumberScheduled) < num(status.desiredNumberScheduled);
  const kept =
    onDelete && podsBehind
      ? `${name} has updateStrategy OnDelete: the new revision is recorded, and its running pods move to it only when deleted`
      : undefined;
  if (workload.kind === 'StatefulSet') {
    const replicas = num(spec.replicas, 1);
    const ready = num(status.readyReplicas);
    const updated = num(status.updatedReplicas);
    // Pods below the partition stay on the old revision by design, as kubectl rollout status counts them.
    const rollingUpdate = isRecord(spec.updateStrategy) ? spec.updateStrategy.rollingUpdate : undefined;
    const partition = isRecord(rollingUpdate) ? num(rollingUpdate.partition) : 0;
    if (ready < replicas) return { done: false, message: `${name}: ${ready} of ${replicas} pods ready` };
    if (
      !onDelete &&
      status.updateRevision &&
      status.currentRevision !== status.updateRevision &&
      updated < replicas - partition
    ) {
      return { done: false, message: `${name}: ${updated} of ${replicas - partition} pods updated` };
    }
    return { done: true, message: kept ?? `${name} successfully rolled out`, note: kept };
  }
  const desired = num(status.desiredNumberScheduled);
  const updated = num(status.updatedNumberScheduled);
  const available = num(status.numberAvailable);
  if (onDelete) {
    if (available < desired) return { done: false, message: `${name}: ${available} of ${desired} pods available` };
    return { done: true, message: kept ?? `${name} successfully rolled out`, note: kept };
  }
  if (updated < desired) return { done: false, message: `${name}: ${updated} of ${desired} updated pods scheduled` };
  if (available < desired)
    return { done: false, message: `${name}: ${available} of ${desired} updated pods available` };
  return { done: true, message: `${name} successfully rolled out` };
}

/** `matchLabels` and `matchExpressions` as kubectl's `--selector` syntax. */
export function selectorString(selector: unknown): string {
  if (!isRecord(selector)) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries((selector.matchLabels as Record<string, string>) ?? {}))
    parts.push(`${key}=${value}`);
  for (const expression of (selector.matchExpressions as Array<{ key: string; operator: string; values?: string[] }>) ??
    []) {
    const values = (expression.values ?? []).join(',');
    if (expression.operator === 'In') parts.push(`${expression.key} in (${values})`);
    else if (expression.operator === 'NotIn') parts.push(`${expression.key} notin (${values})`);
    else if (expression.operator === 'Exists') parts.push(expression.key);
    else if (expression.operator === 'DoesNotExist') parts.push(`!${expression.key}`);
  }
  return parts.join(',');
}

function ownedBy(object: KubeObject, owner: KubeObject): boolean {
  const refs = (object.metadata.ownerReferences as Array<{ uid?: string; name?: string; kind?: string }>) ?? [];
  return refs.some((ref) =>
    owner.metadata.uid ? ref.uid === owner.metadata.uid : ref.kind === owner.kind && ref.name === owner.metadata.name,
  );
}

/** The Deployment's ReplicaSet for its current revision (the one its new pods belong to). */
export function currentReplicaSet(deployment: KubeObject, replicaSets: KubeObject[]): KubeObject | undefined {
  const revision = deployment.metadata.annotations?.[REVISION_ANNOTATION];
  const owned = replicaSets.filter((rs) => rs.kind !== 'Pod' && ownedBy(rs, deployment));
  return owned.find((rs) => rs.metadata.annotations?.[REVISION_ANNOTATION] === revision);
}

/** The pods running the workload's newest template: the ones whose trouble means the new revision is bad. */
export function newPodsOf(workload: KubeObject, replicaSets: KubeObject[], pods: KubeObject[]): KubeObject[] {
  if (workload.kind === 'Deployment') {
    const rs = currentReplicaSet(workload, replicaSets);
    return rs ? pods.filter((pod) => ownedBy(pod, rs)) : [];
  }
  const owned = pods.filter((pod) => ownedBy(pod, workload));
  const updateRevision = workload.status?.updateRevision;
  if (workload.kind === 'StatefulSet' && typeof updateRevision === 'string') {
    return owned.filter((pod) => pod.metadata.labels?.['controller-revision-hash'] === updateRevision);
  }
  return owned;
}

/** Why a pod is not running: waiting reasons of its containers, and Unschedulable when no node takes it. */
export function podProblems(pod: KubeObject): Array<{ reason: string; message?: string }> {
  const problems: Array<{ reason: string; message?: string }> = [];
  const status = pod.status ?? {};
  for (const condition of (status.conditions as Condition[]) ?? []) {
    if (condition.type === 'PodScheduled' && condition.status === 'False' && condition.reason) {
      problems.push({ reason: condition.reason, message: condition.message });
    }
  }
  for (const field of ['initContainerStatuses', 'containerStatuses']) {
    for (const container of (status[field] as Array<{
      name: string;
      state?: { waiting?: { reason?: string; message?: string } };
    }>) ?? []) {
      const waiting = container.state?.waiting;
      if (waiting?.reason && waiting.reason !== 'ContainerCreating' && waiting.reason !== 'PodInitializing') {
        problems.push({
          reason: waiting.reason,
          message: waiting.message ? `container ${container.name}: ${waiting.message}` : `container ${container.name}`,
        });
      }
    }
  }
  return problems;
}

/** The stable name of the workload's current pod template: it survives the renumbering an undo does. */
export function templateOf(workload: KubeObject, replicaSets: KubeObject[]): string | undefined {
  if (workload.kind === 'Deployment')
    return currentReplicaSet(workload, replicaSets)?.metadata.labels?.['pod-template-hash'];
  const update = workload.status?.updateRevision;
  return typeof update === 'string' ? update : undefined;
}

/**
 * A StatefulSet's or DaemonSet's current revision as a number, from its ControllerRevisions (the
 * numbers `kubectl rollout history` and `undo --to-revision` use), with the revision's name as
 * its stable template identity.
 */
export async function controllerRevisionOf(
  kubectl: Kubectl,
  workload: KubeObject,
): Promise<{ revision?: string; template?: string }> {
  return controllerRevisionIn(
    workload,
    await kubectl.list('controllerrevisions', { namespace: workload.metadata.namespace }),
  );
}

/** `controllerRevisionOf` from objects already read (a namespace snapshot holding its ControllerRevisions). */
export function controllerRevisionIn(
  workload: KubeObject,
  objects: KubeObject[],
): { revision?: string; template?: string } {
  const owned = objects.filter((object) => object.kind === 'ControllerRevision' && ownedBy(object, workload));
  const current = currentControllerRevision(workload, owned);
  return current ? { revision: String(current.revision), template: current.metadata.name } : {};
}

/**
 * Whether a ControllerRevision records the workload's pod template as it is now. A DaemonSet's
 * status has no `updateRevision`, so its revision is found by content, as `kubectl rollout undo`
 * does (k8s.io/kubectl polymorphichelpers/rollback.go, daemonSetMatch: the revision's data is the
 * patch `{spec: {template: {..., $patch: replace}}}` of the template it recorded).
 */
export function recordsTemplate(revision: KubeObject, workload: KubeObject): boolean {
  const data = isRecord(revision.data) && isRecord(revision.data.spec) ? revision.data.spec.template : undefined;
  if (!isRecord(data)) return false;
  const { $patch: _patch, ...template } = data;
  return isDeepStrictEqual(template, workload.spec?.template);
}

/**
 * The workload's current ControllerRevision among its own: the one `status.updateRevision` names
 * (StatefulSets), else the one recording its live template, else the newest. Not simply the
 * newest: after a failed apply the newest is the failed revision, not the one the workload had.
 */
export function currentControllerRevision(workload: KubeObject, owned: KubeObject[]): KubeObject | undefined {
  const updateRevision = workload.status?.updateRevision;
  if (typeof updateRevision === 'string') return owned.find((revision) => revision.metadata.name === updateRevision);
  return (
    owned.find((revision) => recordsTemplate(revision, workload)) ??
    [...owned].sort((a, b) => num(b.revision) - num(a.revision))[0]
  );
}

/** Each workload's revision number, read once: Deployments carry it, the other kinds need their ControllerRevisions. */
export async function revisionNumberOf(kubectl: Kubectl, workload: KubeObject): Promise<string | undefined> {
  if (workload.kind === 'Deployment') return revisionOf(workload);
  return (await controllerRevisionOf(kubectl, workload)).revision ?? revisionOf(workload);
}

/**
 * A workload's revision as the object alone tells it: a Deployment's revision annotation; a StatefulSet's or
 * DaemonSet's status.updateRevision; else its metadata.generation. Undefined when none is set yet.
 */
export function revisionOf(workload: KubeObject): string | undefined {
  if (workload.kind === 'Deployment') return workload.metadata.annotations?.[REVISION_ANNOTATION];
  const update = workload.status?.updateRevision;
  if (typeof update === 'string') return update;
  return workload.metadata.generation !== undefined ? String(workload.metadata.generation) : undefined;
}

const SNAPSHOT_KINDS = 'deployments,statefulsets,daemonsets,replicasets,pods,controllerrevisions';

/**
 * One read of a namespace's workloads, ReplicaSets, pods and ControllerRevisions, shared by every
 * workload watched in it during a poll: the cost of watching stays one kubectl call per namespace
 * per poll, however many workloads roll out at once (the revision numbers of StatefulSets and
 * DaemonSets come from the same read).
 */
export class NamespaceSnapshots {
  private readonly cache = new Map<string, { at: number; items: Promise<KubeObject[]> }>();
  /** Each namespace's last full read that succeeded. */
  private readonly lastRead = new Map<string, KubeObject[]>();

  constructor(
    private readonly kubectl: Kubectl,
    private readonly maxAgeMs: number,
  ) {}

  /**
   * The namespace's objects (SNAPSHOT_KINDS), read once per `maxAgeMs` and shared by every caller in that time;
   * undefined namespace means the context's default.
   * @throws KubectlError from the read.
   */
  read(namespace: string | undefined): Promise<KubeObject[]> {
    const key = namespace ?? '';
    const cached = this.cache.get(key);
    if (cached && Date.now() - cached.at < this.maxAgeMs) return cached.items;
    const items = this.kubectl.list(SNAPSHOT_KINDS, { namespace });
    this.cache.set(key, { at: Date.now(), items });
    items.then(
      (read) => this.lastRead.set(key, read),
      () => this.cache.delete(key),
    );
    return items;
  }

  /**
   * Serves the next reads of the workloads' namespaces from the workloads themselves, as a watch
   * has just shown them all rolled out, beside what their revision numbers and pod templates need:
   * ReplicaSets for Deployments, ControllerRevisions for StatefulSets and DaemonSets. A watch event
   * is the server's object at a resourceVersion newer than any earlier read, so the verdict loses
   * nothing by it, and the verdict of workloads that are done needs no pods, the largest list of a
   * namespace. The ReplicaSets and ControllerRevisions come from the last full read when it already
   * showed every one of these workloads at its present generation with the controller having
   * observed it: the controllers create and number a generation's ReplicaSet or ControllerRevision
   * before they record its observedGeneration (k8s.io/kubernetes pkg/controller/deployment sync.go,
   * statefulset and daemonset controllers), and that read lists them after the workloads; else
   * from one read of those two kinds.
   */
  seed(workloads: KubeObject[]): void {
    const byNamespace = new Map<string, KubeObject[]>();
    for (const workload of workloads) {
      const key = workload.metadata.namespace ?? '';
      byNamespace.set(key, [...(byNamespace.get(key) ?? []), workload]);
    }
    for (const [key, seeded] of byNamespace) {
      const earlier = this.lastRead.get(key);
      const numbering = (objects: KubeObject[]) =>
        objects.filter((object) => object.kind === 'ReplicaSet' || object.kind === 'ControllerRevision');
      const items =
        earlier && seeded.every((workload) => observedIn(workload, earlier))
          ? Promise.resolve([...seeded, ...numbering(earlier)])
          : this.kubectl
              .list('replicasets,controllerrevisions', { namespace: key || undefined })
              .then((listed) => [...seeded, ...listed]);
      this.cache.set(key, { at: Date.now(), items });
      items.catch(() => this.cache.delete(key));
    }
  }
}

/** Whether `objects` hold the workload at its present generation, with the controller having observed that generation. */
function observedIn(workload: KubeObject, objects: KubeObject[]): boolean {
  const generation = num(workload.metadata.generation, -1);
  const earlier = objects.find(
    (object) => object.kind === workload.kind && object.metadata.uid === workload.metadata.uid,
  );
  return (
    earlier !== undefined &&
    generation >= 0 &&
    num(earlier.metadata.generation, -2) === generation &&
    num(earlier.status?.observedGeneration, -1) >= generation
  );
}

/**
 * Cuts the wait between polls short the moment kubectl's watch (`Kubectl.watch`, one process per
 * workload kind and namespace) shows every workload still being waited for as rolled out, so a
 * deploy ends at most one small read after its last pod is ready instead of up to a poll interval later.
 * `onWake` receives those workloads as the watch last showed them, so the verdict can be judged
 * on them (NamespaceSnapshots.seed) by the same rules (workloadProgress) a poll's read is.
 * Without a watch (kubectl over SSH) the waits are plain polls.
 */
export class RolloutWakeUp {
  private readonly latest = new Map<string, KubeObject>();
  private readonly pending: Set<string>;
  private readonly streams: KubectlStream[] = [];
  private readonly sleepers = new Set<() => void>();
  private allDone = false;
  /** Counts the moments the watch saw everything done; each wakes every sleeper once. */
  private wakes = 0;

  constructor(
    kubectl: Kubectl,
    refs: ObjectRef[],
    private readonly onWake: (workloads: KubeObject[]) => void = () => undefined,
  ) {
    this.pending = new Set(refs.map(workloadKey));
    const watched = new Map(refs.map((ref) => [`${ref.kind}|${ref.namespace ?? ''}`, ref]));
    for (const ref of watched.values()) {
      const stream = kubectl.watch(ref.kind.toLowerCase(), ref.namespace, (object) => this.seen(object));
      if (stream) this.streams.push(stream);
    }
  }

  /** How many wake-ups have happened: a poller passes the count it last saw to `sleep`. */
  get count(): number {
    return this.wakes;
  }

  /** The workload's wait is over: it no longer holds the others' wake-up back. */
  settled(ref: ObjectRef): void {
    this.pending.delete(workloadKey(ref));
    this.check();
  }

  /** Resolves after `ms`, or as soon as a wake-up newer than `seen` has happened. */
  sleep(ms: number, seen: number): Promise<void> {
    if (this.wakes > seen) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  /**
   * Ends every watch stream and wakes every sleeper, so the watch loop ends at once (on timeout, failure or
   * cancellation).
   */
  stop(): void {
    for (const stream of this.streams) stream.stop();
    for (const wake of [...this.sleepers]) wake();
  }

  private seen(object: KubeObject): void {
    const key = objectKey(object);
    if (!this.pending.has(key)) return;
    this.latest.set(key, object);
    this.check();
  }

  private check(): void {
    const done =
      this.pending.size > 0 &&
      [...this.pending].every((key) => {
        const object = this.latest.get(key);
        return object !== undefined && workloadProgress(object).done;
      });
    // Only the change to "all done" wakes: later events of finished workloads cause no extra reads.
    if (done && !this.allDone) {
      this.wakes++;
      this.onWake([...this.pending].map((key) => this.latest.get(key)!));
      for (const wake of [...this.sleepers]) wake();
    }
    this.allDone = done;
  }
}

async function readWorkload(
  snapshots: NamespaceSnapshots,
  ref: ObjectRef,
): Promise<{ workload?: KubeObject; replicaSets: KubeObject[]; pods: KubeObject[] }> {
  const items = await snapshots.read(ref.namespace);
  const workload = items.find((item) => item.kind === ref.kind && item.metadata.name === ref.name);
  if (!workload) return { replicaSets: [], pods: [] };
  const replicaSets = items.filter((item) => item.kind === 'ReplicaSet' && ownedBy(item, workload));
  const owners = workload.kind === 'Deployment' ? replicaSets : [workload];
  const pods = items.filter((item) => item.kind === 'Pod' && owners.some((owner) => ownedBy(item, owner)));
  return { workload, replicaSets, pods };
}

/** Conditions, new pods' waiting reasons and recent events: what a person needs to see why a rollout failed. */
export async function diagnose(kubectl: Kubectl, ref: ObjectRef): Promise<Diagnostics> {
  const { workload, replicaSets, pods } = await readWorkload(new NamespaceSnapshots(kubectl, 0), ref);
  if (!workload) return { conditions: [], pods: [], events: [] };
  const newPods = newPodsOf(workload, replicaSets, pods);
  const involved = new Set([
    workload.metadata.name,
    ...replicaSets.map((rs) => rs.metadata.name),
    ...newPods.map((pod) => pod.metadata.name),
  ]);
  const events = (await kubectl.list('events', { namespace: ref.namespace }).catch(() => []))
    .filter((event) => involved.has(String((event.involvedObject as { name?: string })?.name)))
    .sort((a, b) => eventTime(a).localeCompare(eventTime(b)))
    .slice(-10)
    .map((event) => ({
      object: kindAndName({
        kind: String((event.involvedObject as { kind?: string }).kind),
        metadata: { name: String((event.involvedObject as { name?: string }).name) },
      }),
      type: event.type as string | undefined,
      reason: event.reason as string | undefined,
      message: event.message as string | undefined,
      count: event.count as number | undefined,
    }));
  return {
    conditions: conditionsOf(workload).map(({ type, status, reason, message }) => ({ type, status, reason, message })),
    pods: newPods.map((pod) => ({
      name: pod.metadata.name,
      node: (pod.spec?.nodeName as string) || undefined,
      phase: pod.status?.phase as string | undefined,
      reasons: podProblems(pod).map((problem) =>
        problem.message ? `${problem.reason}: ${problem.message}` : problem.reason,
      ),
    })),
    events,
  };
}

function eventTime(event: KubeObject): string {
  return String(event.lastTimestamp ?? event.eventTime ?? event.metadata.creationTimestamp ?? '');
}

/**
 * Waits for one workload. Unlike `kubectl rollout status`, it fails as soon as a new pod has been
 * stuck in a blocking state (image pull, crash loop, unschedulable) for `failFastAfterMs`, rather
 * than only when the progress deadline (ten minutes by default) runs out.
 */
export async function watchRollout(
  kubectl: Kubectl,
  ref: ObjectRef,
  options: RolloutOptions,
  snapshots = new NamespaceSnapshots(kubectl, (options.pollIntervalMs ?? 2000) / 2),
  wakeUp?: RolloutWakeUp,
): Promise<RolloutResult> {
  try {
    return await pollRollout(kubectl, ref, options, snapshots, wakeUp);
  } finally {
    wakeUp?.settled(ref);
  }
}

async function pollRollout(
  kubectl: Kubectl,
  ref: ObjectRef,
  options: RolloutOptions,
  snapshots: NamespaceSnapshots,
  wakeUp: RolloutWakeUp | undefined,
): Promise<RolloutResult> {
  const started = Date.now();
  const interval = options.pollIntervalMs ?? 2000;
  const failFastAfter = options.failFastAfterMs ?? 30_000;
  const blockedSince = new Map<string, number>();
  const name = workloadKey(ref);
  let lastMessage = '';
  let revision: string | undefined;
  let template: string | undefined;
  let latest: KubeObject | undefined;
  const numbered = async (): Promise<{ revision?: string; template?: string }> => {
    if (!latest || latest.kind === 'Deployment') return { revision, template };
    const workload = latest;
    const found = await snapshots
      .read(ref.namespace)
      .then((objects) => controllerRevisionIn(workload, objects))
      .catch(() => ({}) as { revision?: string; template?: string });
    return { revision: found.revision ?? revision, template: found.template ?? template };
  };
  const fail = async (reason: string): Promise<RolloutResult> => ({
    ref,
    ok: false,
    ...(await numbered()),
    reason,
    diagnostics: await diagnose(kubectl, ref).catch(() => undefined),
    elapsedMs: Date.now() - started,
  });
  for (;;) {
    const wakesSeen = wakeUp?.count ?? 0;
    const { workload, replicaSets, pods } = await readWorkload(snapshots, ref);
    if (!workload) return fail(`${name} no longer exists`);
    latest = workload;
    revision = revisionOf(workload);
    template = templateOf(workload, replicaSets);
    const progress = workloadProgress(workload);
    if (progress.failure) return fail(progress.failure);
    if (progress.done) {
      options.log?.(progress.message);
      return {
        ref,
        ok: true,
        ...(await numbered()),
        ...(progress.note ? { note: progress.note } : {}),
        elapsedMs: Date.now() - started,
      };
    }
    const now = Date.now();
    const stuck: string[] = [];
    for (const pod of newPodsOf(workload, replicaSets, pods)) {
      const blocking = podProblems(pod).filter((problem) => BLOCKING_REASONS.has(problem.reason));
      if (blocking.length === 0) {
        blockedSince.delete(pod.metadata.name);
        continue;
      }
      const since = blockedSince.get(pod.metadata.name) ?? now;
      blockedSince.set(pod.metadata.name, since);
      if (now - since >= failFastAfter) {
        const detail = blocking
          .map((problem) => (problem.message ? `${problem.reason} (${problem.message})` : problem.reason))
          .join(', ');
        stuck.push(`pod ${pod.metadata.name} is in ${detail}`);
      }
    }
    if (stuck.length > 0) {
      const { revision: number } = await numbered();
      return fail(`${name} revision ${number ?? '?'} cannot become ready: ${stuck.join('; ')}`);
    }
    if (progress.message !== lastMessage) {
      options.log?.(progress.message);
      lastMessage = progress.message;
    }
    if (now - started >= options.timeoutMs) {
      return fail(
        `${name} did not finish rolling out within the rollout timeout (${Math.round(options.timeoutMs / 1000)}s); last state: ${progress.message}`,
      );
    }
    const wait = Math.min(interval, Math.max(0, options.timeoutMs - (now - started)) + 1);
    await (wakeUp ? wakeUp.sleep(wait, wakesSeen) : sleep(wait));
  }
}

/**
 * Waits for all workloads at once: total time is the slowest one's, not the sum. The kubectl
 * processes it starts do not grow with the number of workloads: one watch per workload kind and
 * namespace (RolloutWakeUp), and one read per namespace per poll shared by all (NamespaceSnapshots).
 */
export async function watchRollouts(
  kubectl: Kubectl,
  refs: ObjectRef[],
  options: RolloutOptions,
): Promise<RolloutResult[]> {
  if (refs.length === 0) return [];
  const snapshots = new NamespaceSnapshots(kubectl, (options.pollIntervalMs ?? 2000) / 2);
  const wakeUp = new RolloutWakeUp(kubectl, refs, (workloads) => snapshots.seed(workloads));
  // A cancel ends the wait between polls at once: the next read then rejects with the cancel.
  const stop = () => wakeUp.stop();
  kubectl.signal?.addEventListener('abort', stop, { once: true });
  try {
    return await Promise.all(refs.map((ref) => watchRollout(kubectl, ref, options, snapshots, wakeUp)));
  } finally {
    kubectl.signal?.removeEventListener('abort', stop);
    wakeUp.stop();
  }
}

/** Diagnostics as Markdown, for the log group and the job summary alike. */
export function formatDiagnostics(result: RolloutResult): string {
  const lines = [`#### ${workloadKey(result.ref)}`, '', result.reason ?? 'rolled out', ''];
  const diagnostics = result.diagnostics;
  if (!diagnostics) return lines.join('\n');
  if (diagnostics.conditions.length > 0) {
    lines.push('Conditions:');
    for (const c of diagnostics.conditions)
      lines.push(`- ${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}`);
    lines.push('');
  }
  if (diagnostics.pods.length > 0) {
    lines.push('New pods:');
    for (const pod of diagnostics.pods) {
      lines.push(
        `- ${pod.name} (${pod.phase ?? 'unknown phase'}${pod.node ? ` on ${pod.node}` : ''})${pod.reasons.length ? `: ${pod.reasons.join('; ')}` : ''}`,
      );
    }
    lines.push('');
  }
  if (diagnostics.events.length > 0) {
    lines.push('Recent events:');
    for (const event of diagnostics.events) {
      lines.push(
        `- ${event.object} ${event.type ?? ''} ${event.reason ?? ''}: ${event.message ?? ''}${event.count && event.count > 1 ? ` (x${event.count})` : ''}`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}
