/**
 * The kubelet stand-in: a bound pod starts after podStartDelayMs and becomes Running and Ready
 * with a podIP and hostIP — unless its image matches the pull-failure pattern (ErrImagePull,
 * then ImagePullBackOff) or the crash pattern (CrashLoopBackOff with growing restarts). Job
 * pods run to completion. Pods on a NotReady node are marked not Ready; pods on a vanished
 * node are removed.
 */
import { internalIpOf, isNodeReady } from '../nodes.js';
import { typeOf } from '../resources.js';
import { clone, jsonEqual, nowIso, type Json, type StoredObject } from '../types.js';
import { instantOf, setInstant, type ControllerContext } from './context.js';

const podType = typeOf('Pod');
const nodeType = typeOf('Node');

type Outcome = 'creating' | 'pull-error' | 'pull-backoff' | 'crash' | 'running' | 'succeeded';

function containerIdOf(pod: StoredObject, name: string): string {
  return `containerd://${Buffer.from(`${pod.metadata.uid}/${name}`).toString('hex').slice(0, 64)}`;
}

function condition(type: string, status: boolean, reason?: string, message?: string): Json {
  return {
    type,
    status: status ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: nowIso(),
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  };
}

/** Keeps a condition's lastTransitionTime when its status did not change. */
function mergeConditions(previous: Json[], next: Json[]): Json[] {
  return next.map((entry) => {
    const before = previous.find((candidate) => candidate.type === entry.type);
    return before &&
      before.status === entry.status &&
      before.reason === entry.reason &&
      before.message === entry.message
      ? before
      : entry;
  });
}

function allocatePodIp(context: ControllerContext, node: StoredObject): string {
  const cidr: string = node.spec?.podCIDR ?? '10.42.0.0/24';
  const prefix = cidr.split('.').slice(0, 3).join('.');
  const key = `node:${node.metadata.name}/next-ip`;
  const next = (context.instants.get(key) ?? 1) + 1;
  context.instants.set(key, next > 250 ? 2 : next);
  return `${prefix}.${next}`;
}

function outcomeOf(context: ControllerContext, pod: StoredObject, elapsed: number): Outcome {
  const { timings, failures } = context;
  if (elapsed < timings.podStartDelayMs) return 'creating';
  const images: string[] = (pod.spec.containers ?? []).map((container: Json) => container.image ?? '');
  if (images.some((image) => failures.imagePullFailure.test(image))) {
    return elapsed < timings.podStartDelayMs + timings.backOffDelayMs ? 'pull-error' : 'pull-backoff';
  }
  if (images.some((image) => failures.crashLoop.test(image))) return 'crash';
  const isJobPod =
    (pod.metadata.ownerReferences ?? []).some((reference: Json) => reference.kind === 'Job') ||
    (pod.spec.restartPolicy !== 'Always' && pod.spec.restartPolicy !== undefined);
  if (isJobPod && elapsed >= timings.podStartDelayMs + timings.jobRunMs) return 'succeeded';
  return 'running';
}

function containerStatus(
  context: ControllerContext,
  pod: StoredObject,
  container: Json,
  outcome: Outcome,
  elapsed: number,
  previous: Json | undefined,
): Json {
  const { failures, timings } = context;
  const base = {
    name: container.name,
    image: container.image,
    imageID: '',
    containerID: undefined as string | undefined,
    ready: false,
    started: false,
    restartCount: 0,
    state: {} as Json,
  };
  const image: string = container.image ?? '';
  const failsPull = failures.imagePullFailure.test(image);
  const crashes = failures.crashLoop.test(image);
  if (
    outcome === 'creating' ||
    (outcome === 'pull-error' && !failsPull) ||
    (outcome === 'pull-backoff' && !failsPull)
  ) {
    return { ...base, state: { waiting: { reason: 'ContainerCreating' } } };
  }
  if (outcome === 'pull-error') {
    return {
      ...base,
      state: { waiting: { reason: 'ErrImagePull', message: `failed to pull and unpack image "${image}": not found` } },
    };
  }
  if (outcome === 'pull-backoff') {
    return {
      ...base,
      state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } },
    };
  }
  const imageID = `${image.split(':')[0]}@sha256:${Buffer.from(image).toString('hex').padEnd(64, '0').slice(0, 64)}`;
  const containerID = containerIdOf(pod, container.name);
  if (outcome === 'crash' && crashes) {
    const restarts = Math.floor((elapsed - timings.podStartDelayMs) / Math.max(1, timings.backOffDelayMs)) + 1;
    return {
      ...base,
      imageID,
      containerID,
      restartCount: restarts,
      state: {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off 10s restarting failed container=${container.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
        },
      },
      lastState: {
        terminated: { exitCode: 1, reason: 'Error', startedAt: nowIso(), finishedAt: nowIso(), containerID },
      },
    };
  }
  if (outcome === 'succeeded') {
    const startedAt = previous?.state?.running?.startedAt ?? previous?.state?.terminated?.startedAt ?? nowIso();
    return {
      ...base,
      imageID,
      containerID,
      state: {
        terminated: {
          exitCode: 0,
          reason: 'Completed',
          startedAt,
          finishedAt: previous?.state?.terminated?.finishedAt ?? nowIso(),
          containerID,
        },
      },
    };
  }
  const startedAt = previous?.state?.running?.startedAt ?? nowIso();
  return { ...base, imageID, containerID, ready: true, started: true, state: { running: { startedAt } } };
}

function recordTransitionEvents(
  context: ControllerContext,
  pod: StoredObject,
  before: Json,
  after: Json,
  outcome: Outcome,
): void {
  const wasRunning = before.phase === 'Running';
  const reasonBefore = (before.containerStatuses ?? []).map((status: Json) => status.state?.waiting?.reason).join();
  const reasonAfter = (after.containerStatuses ?? []).map((status: Json) => status.state?.waiting?.reason).join();
  if (reasonBefore === reasonAfter && wasRunning === (after.phase === 'Running')) return;
  for (const container of pod.spec.containers ?? []) {
    const image = container.image;
    if (outcome === 'pull-error' && context.failures.imagePullFailure.test(image)) {
      context.recordEvent(pod, 'Normal', 'Pulling', `Pulling image "${image}"`, 'kubelet');
      context.recordEvent(
        pod,
        'Warning',
        'Failed',
        `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": not found`,
        'kubelet',
      );
      context.recordEvent(pod, 'Warning', 'Failed', 'Error: ErrImagePull', 'kubelet');
    } else if (outcome === 'pull-backoff' && context.failures.imagePullFailure.test(image)) {
      context.recordEvent(pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, 'kubelet');
      context.recordEvent(pod, 'Warning', 'Failed', 'Error: ImagePullBackOff', 'kubelet');
    } else if (outcome === 'crash' && context.failures.crashLoop.test(image)) {
      context.recordEvent(
        pod,
        'Warning',
        'BackOff',
        `Back-off restarting failed container ${container.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
        'kubelet',
      );
    } else if (outcome === 'running' && !wasRunning) {
      context.recordEvent(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`, 'kubelet');
      context.recordEvent(pod, 'Normal', 'Created', `Created container: ${container.name}`, 'kubelet');
      context.recordEvent(pod, 'Normal', 'Started', `Started container ${container.name}`, 'kubelet');
    }
  }
}

function syncPod(context: ControllerContext, pod: StoredObject, node: StoredObject): void {
  const boundAt = instantOf(context, pod.metadata.uid, 'bound');
  const elapsed = Date.now() - boundAt;
  const outcome = outcomeOf(context, pod, elapsed);
  const before: Json = pod.status ?? {};
  if (before.phase === 'Succeeded' || before.phase === 'Failed') return;
  const nodeReady = isNodeReady(node);
  const statuses = (pod.spec.containers ?? []).map((container: Json) =>
    containerStatus(
      context,
      pod,
      container,
      outcome,
      elapsed,
      (before.containerStatuses ?? []).find((status: Json) => status.name === container.name),
    ),
  );
  const allReady = statuses.length > 0 && statuses.every((status: Json) => status.ready) && nodeReady;
  const started = outcome === 'running' || outcome === 'crash' || outcome === 'succeeded';
  const phase = outcome === 'succeeded' ? 'Succeeded' : started ? 'Running' : 'Pending';
  const notReady = statuses.filter((status: Json) => !status.ready).map((status: Json) => status.name);
  const notReadyMessage = `containers with unready status: [${notReady.join(' ')}]`;
  const completed = outcome === 'succeeded';
  const conditions = [
    condition('PodReadyToStartContainers', outcome !== 'creating'),
    condition('Initialized', true),
    completed
      ? condition('Ready', false, 'PodCompleted')
      : allReady
        ? condition('Ready', true)
        : condition('Ready', false, 'ContainersNotReady', nodeReady ? notReadyMessage : undefined),
    completed
      ? condition('ContainersReady', false, 'PodCompleted')
      : allReady || (!nodeReady && notReady.length === 0)
        ? condition('ContainersReady', true)
        : condition('ContainersReady', false, 'ContainersNotReady', notReadyMessage),
    (before.conditions ?? []).find((entry: Json) => entry.type === 'PodScheduled') ?? condition('PodScheduled', true),
  ];
  const status: Json = {
    phase,
    conditions: mergeConditions(before.conditions ?? [], conditions),
    hostIP: internalIpOf(node),
    hostIPs: [{ ip: internalIpOf(node) }],
    startTime: before.startTime ?? nowIso(),
    containerStatuses: statuses,
    qosClass: before.qosClass ?? 'BestEffort',
  };
  if (outcome !== 'creating') {
    const podIP = before.podIP ?? allocatePodIp(context, node);
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  if (allReady && !(before.conditions ?? []).some((entry: Json) => entry.type === 'Ready' && entry.status === 'True')) {
    setInstant(context, pod.metadata.uid, 'ready');
  }
  const updated = clone(pod);
  updated.status = status;
  if (!jsonEqual(pod.status, status)) {
    context.store.update(podType, updated);
    recordTransitionEvents(context, pod, before, status, outcome);
  }
  const { podStartDelayMs, backOffDelayMs, jobRunMs } = context.timings;
  if (outcome === 'creating') context.requeueAfter(podStartDelayMs - elapsed + 1);
  else if (outcome === 'pull-error') context.requeueAfter(podStartDelayMs + backOffDelayMs - elapsed + 1);
  else if (outcome === 'crash') context.requeueAfter(backOffDelayMs);
  else if (outcome === 'running' && phase === 'Running' && pod.spec.restartPolicy !== 'Always')
    context.requeueAfter(podStartDelayMs + jobRunMs - elapsed + 1);
}

/** A Terminating pod is gone podTerminationMs after its deletion (finalizers of others permitting). */
function finishTermination(context: ControllerContext, pod: StoredObject): void {
  if ((pod.metadata.finalizers ?? []).length > 0) return;
  if (!context.instants.has(`${pod.metadata.uid}/terminating`)) {
    context.recordEvent(
      pod,
      'Normal',
      'Killing',
      `Stopping container ${pod.spec.containers?.[0]?.name ?? ''}`,
      'kubelet',
    );
  }
  const since = instantOf(context, pod.metadata.uid, 'terminating');
  const remaining = since + context.timings.podTerminationMs - Date.now();
  if (remaining > 0) {
    context.requeueAfter(remaining + 1);
    return;
  }
  context.store.remove(podType, pod.metadata.namespace, pod.metadata.name);
}

export function runKubelet(context: ControllerContext): void {
  const nodes = new Map(context.store.list(nodeType).map((node) => [node.metadata.name, node]));
  for (const pod of context.store.list(podType)) {
    if (pod.metadata.deletionTimestamp) {
      finishTermination(context, pod);
      continue;
    }
    if (!pod.spec.nodeName) continue;
    const node = nodes.get(pod.spec.nodeName);
    if (!node) {
      context.api.delete(podType, pod.metadata.namespace, pod.metadata.name, {});
      continue;
    }
    syncPod(context, pod, node);
  }
}
