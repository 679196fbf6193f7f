/**
 * The scheduler: a pending pod goes to a Ready, schedulable node whose labels satisfy its
 * nodeSelector and required node affinity and whose taints it tolerates (fewest pods first);
 * otherwise it stays Pending with PodScheduled=False/Unschedulable and the scheduler's message.
 */
import { isNodeReady } from '../nodes.js';
import { typeOf } from '../resources.js';
import { clone, nowIso, type Json, type StoredObject } from '../types.js';
import { instantOf, type ControllerContext } from './context.js';

const podType = typeOf('Pod');
const nodeType = typeOf('Node');
const claimType = typeOf('PersistentVolumeClaim');
const classType = typeOf('StorageClass');

/**
 * Whether one toleration matches a taint, as k8s.io/api core/v1 `Toleration.ToleratesTaint` decides it: an empty
 * effect matches every effect, an empty key every key, `Exists` any value, `Equal` (or no operator) the same value,
 * `Lt`/`Gt` a taint value below/above the toleration's (both integers); any other operator matches nothing. An
 * empty key with an operator other than `Exists` never gets here: validation refuses it (validation.ts).
 */
function toleratesTaint(toleration: Json, taint: Json): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  const [wanted, actual] = [String(toleration.value ?? ''), String(taint.value ?? '')];
  switch (toleration.operator ?? '') {
    case '':
    case 'Equal':
      return wanted === actual;
    case 'Exists':
      return true;
    case 'Lt':
    case 'Gt': {
      // strconv.ParseInt(value, 10, 64): an optional sign and decimal digits.
      if (!/^[+-]?\d+$/.test(wanted) || !/^[+-]?\d+$/.test(actual)) return false;
      return toleration.operator === 'Lt' ? BigInt(actual) < BigInt(wanted) : BigInt(actual) > BigInt(wanted);
    }
    default:
      return false;
  }
}

/** Whether a pod with these tolerations may stay on (or be placed on) a node with this taint. */
export function tolerates(tolerations: Json[], taint: Json): boolean {
  return tolerations.some((toleration) => toleratesTaint(toleration, taint));
}

function matchesExpression(node: StoredObject, expression: Json, source: 'labels' | 'fields'): boolean {
  const values: string[] = expression.values ?? [];
  const actual: string | undefined =
    source === 'fields'
      ? expression.key === 'metadata.name'
        ? node.metadata.name
        : undefined
      : node.metadata.labels?.[expression.key];
  switch (expression.operator) {
    case 'In':
      return actual !== undefined && values.includes(actual);
    case 'NotIn':
      return actual === undefined || !values.includes(actual);
    case 'Exists':
      return actual !== undefined;
    case 'DoesNotExist':
      return actual === undefined;
    case 'Gt':
      return actual !== undefined && Number(actual) > Number(values[0]);
    case 'Lt':
      return actual !== undefined && Number(actual) < Number(values[0]);
    default:
      return false;
  }
}

function matchesAffinity(pod: StoredObject, node: StoredObject): boolean {
  const terms: Json[] =
    pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  if (terms.length === 0) return true;
  return terms.some(
    (term) =>
      (term.matchExpressions ?? []).every((expression: Json) => matchesExpression(node, expression, 'labels')) &&
      (term.matchFields ?? []).every((expression: Json) => matchesExpression(node, expression, 'fields')),
  );
}

function matchesSelector(pod: StoredObject, node: StoredObject): boolean {
  return Object.entries(pod.spec.nodeSelector ?? {}).every(([key, value]) => node.metadata.labels?.[key] === value);
}

/** Why a node cannot take a pod, in the scheduler's words (undefined if it can). */
export function unfitReason(pod: StoredObject, node: StoredObject): string | undefined {
  if (!matchesSelector(pod, node) || !matchesAffinity(pod, node))
    return "node(s) didn't match Pod's node affinity/selector";
  const tolerations: Json[] = pod.spec.tolerations ?? [];
  if (
    node.spec?.unschedulable &&
    !tolerates(tolerations, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })
  ) {
    return 'node(s) were unschedulable';
  }
  const blocking = (node.spec?.taints ?? []).find(
    (taint: Json) => taint.effect !== 'PreferNoSchedule' && !tolerates(tolerations, taint),
  );
  if (blocking) return `node(s) had untolerated taint {${blocking.key}: ${blocking.value ?? ''}}`;
  if (!isNodeReady(node) && !tolerates(tolerations, { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' })) {
    return 'node(s) had untolerated taint {node.kubernetes.io/not-ready: }';
  }
  return undefined;
}

/** What the VolumeBinding plugin says of the pod's claims before any node is considered (undefined: nothing). */
function volumeProblem(context: ControllerContext, pod: StoredObject): string | undefined {
  for (const volume of pod.spec.volumes ?? []) {
    const claimName: string | undefined = volume.persistentVolumeClaim?.claimName;
    if (!claimName) continue;
    const claim = context.store.get(claimType, pod.metadata.namespace, claimName);
    if (!claim) return `persistentvolumeclaim "${claimName}" not found`;
    if (claim.spec?.volumeName) continue;
    const storageClass = claim.spec?.storageClassName
      ? context.store.get(classType, undefined, claim.spec.storageClassName)
      : undefined;
    if (storageClass?.volumeBindingMode !== 'WaitForFirstConsumer')
      return 'pod has unbound immediate PersistentVolumeClaims';
  }
  return undefined;
}

function unschedulableMessage(pod: StoredObject, nodes: StoredObject[], volumes?: string): string {
  if (volumes) {
    const total = nodes.length;
    return `0/${total} nodes are available: ${volumes}. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
  }
  const counts = new Map<string, number>();
  for (const node of nodes) {
    const reason = unfitReason(pod, node) ?? 'node(s) were unschedulable';
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  const reasons = [...counts.entries()].map(([reason, count]) => `${count} ${reason}`).sort();
  const total = nodes.length;
  const detail = reasons.length ? ` ${reasons.join(', ')}.` : '';
  return `0/${total} nodes are available:${detail} preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
}

export function schedulePods(context: ControllerContext): void {
  const pending = context.store.list(
    podType,
    undefined,
    (pod) => !pod.spec.nodeName && !pod.metadata.deletionTimestamp && pod.status?.phase === 'Pending',
  );
  if (pending.length === 0) return;
  const nodes = context.store.list(nodeType);
  const load = new Map<string, number>();
  // kube-system's pods request little; the spreading counts application pods only.
  for (const pod of context.store.list(podType))
    if (pod.spec.nodeName && pod.metadata.namespace !== 'kube-system')
      load.set(pod.spec.nodeName, (load.get(pod.spec.nodeName) ?? 0) + 1);
  for (const pod of pending) {
    const dueAt = instantOf(context, pod.metadata.uid, 'created') + context.timings.schedulerDelayMs;
    if (Date.now() < dueAt) {
      context.requeueAfter(dueAt - Date.now() + 1);
      continue;
    }
    const volumes = volumeProblem(context, pod);
    const fitting = nodes
      .filter((node) => !volumes && unfitReason(pod, node) === undefined)
      .sort(
        (a, b) =>
          (load.get(a.metadata.name) ?? 0) - (load.get(b.metadata.name) ?? 0) ||
          a.metadata.name.localeCompare(b.metadata.name),
      );
    const updated = clone(pod);
    const conditions: Json[] = (updated.status.conditions ?? []).filter(
      (condition: Json) => condition.type !== 'PodScheduled',
    );
    if (fitting.length > 0) {
      const node = fitting[0];
      updated.spec.nodeName = node.metadata.name;
      updated.status.conditions = [
        ...conditions,
        { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowIso() },
      ];
      context.store.update(podType, updated);
      if (pod.metadata.namespace !== 'kube-system')
        load.set(node.metadata.name, (load.get(node.metadata.name) ?? 0) + 1);
      context.instants.set(`${pod.metadata.uid}/bound`, Date.now());
      context.recordEvent(
        pod,
        'Normal',
        'Scheduled',
        `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${node.metadata.name}`,
        'default-scheduler',
      );
      continue;
    }
    const message = unschedulableMessage(pod, nodes, volumes);
    const previous = (pod.status.conditions ?? []).find((condition: Json) => condition.type === 'PodScheduled');
    if (previous?.message === message) continue;
    updated.status.conditions = [
      ...conditions,
      {
        type: 'PodScheduled',
        status: 'False',
        lastProbeTime: null,
        lastTransitionTime: nowIso(),
        reason: 'Unschedulable',
        message,
      },
    ];
    context.store.update(podType, updated);
    context.recordEvent(pod, 'Warning', 'FailedScheduling', message, 'default-scheduler');
  }
}
