/**
 * The DaemonSet controller: one pod on every node the pod template may run on (nodeSelector,
 * required affinity, taints; daemon pods carry the controller's tolerations), rolling
 * outdated pods one at a time.
 */
import { randomSuffix } from '../names.js';
import { typeOf } from '../resources.js';
import { clone, type Json, type StoredObject } from '../types.js';
import {
  activePodsOf,
  createAsController,
  intOrPercent,
  isPodAvailable,
  isPodReady,
  type ControllerContext,
  writeStatus,
} from './context.js';
import { podFromTemplate } from './replicaset.js';
import { ensureRevision, pruneRevisions } from './revisions.js';
import { unfitReason } from './scheduler.js';

const daemonSetType = typeOf('DaemonSet');
const podType = typeOf('Pod');
const nodeType = typeOf('Node');

/**
 * The tolerations the DaemonSet controller adds to every pod it creates (pkg/controller/daemon/util/daemonset_util.go
 * AddOrUpdateDaemonPodTolerations): not-ready and unreachable with NoExecute only, so a node that goes not ready keeps
 * its daemon pods, and the node-condition taints with NoSchedule; network-unavailable only for pods on the host
 * network. AddOrUpdateTolerationInPodSpec replaces a template toleration of the same key, effect, operator and value
 * (MatchToleration), a tolerationSeconds on it included, and appends the others.
 */
function daemonTolerations(podSpec: Json): Json[] {
  const added: Json[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
    ...(podSpec?.hostNetwork === true
      ? [{ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' }]
      : []),
  ];
  const own: Json[] = podSpec?.tolerations ?? [];
  // MatchToleration: the same key, effect, operator and value.
  const same = (a: Json, b: Json) =>
    ['key', 'effect', 'operator', 'value'].every((field) => (a[field] ?? '') === (b[field] ?? ''));
  return [
    ...own.map((existing) => added.find((toleration) => same(existing, toleration)) ?? existing),
    ...added.filter((toleration) => !own.some((existing) => same(existing, toleration))),
  ];
}

function daemonPod(daemonSet: StoredObject, node: StoredObject, hash: string): StoredObject {
  const pod = podFromTemplate(daemonSet, `${daemonSet.metadata.name}-${randomSuffix()}`, {
    'controller-revision-hash': hash,
    'pod-template-generation': String(daemonSet.metadata.generation ?? 1),
  });
  pod.spec.tolerations = daemonTolerations(pod.spec);
  pod.spec.affinity = {
    ...(pod.spec.affinity ?? {}),
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node.metadata.name] }] }],
      },
    },
  };
  return pod;
}

/**
 * One step of a RollingUpdate without surge, as the DaemonSet controller takes it
 * (pkg/controller/daemon/update.go `rollingUpdate`): an old pod that is not available is replaced
 * at once, whatever the budget; available old pods are replaced only while fewer than
 * `maxUnavailable` (int or percent of the desired nodes, rounded up, at least 1) nodes lack an
 * available pod, where a node counts as unavailable while it has no pod, two pods, or a new pod not
 * yet available.
 */
function rollDaemonPods(
  context: ControllerContext,
  daemonSet: StoredObject,
  eligible: StoredObject[],
  hash: string,
  targetOf: (pod: StoredObject) => string | undefined,
): void {
  const minReadySeconds = daemonSet.spec.minReadySeconds ?? 0;
  const byNode = new Map<string, StoredObject[]>(eligible.map((node) => [node.metadata.name, []]));
  // Read again: the pods created above for uncovered nodes count as not yet available.
  for (const pod of activePodsOf(context, daemonSet)) byNode.get(targetOf(pod) ?? '')?.push(pod);
  const maxUnavailable = Math.max(
    1,
    intOrPercent(daemonSet.spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1, eligible.length, true),
  );
  let unavailable = 0;
  const replaceNow: StoredObject[] = [];
  const candidates: StoredObject[] = [];
  for (const pods of byNode.values()) {
    const fresh = pods.filter((pod) => pod.metadata.labels?.['controller-revision-hash'] === hash);
    const old = pods.filter((pod) => pod.metadata.labels?.['controller-revision-hash'] !== hash);
    if (pods.length !== 1) unavailable++;
    else if (fresh.length === 1) {
      if (!isPodAvailable(context, fresh[0], minReadySeconds)) unavailable++;
    } else if (!isPodAvailable(context, old[0], minReadySeconds)) replaceNow.push(old[0]);
    else if (unavailable < maxUnavailable) candidates.push(old[0]);
  }
  const budget = Math.min(Math.max(maxUnavailable - unavailable, 0), candidates.length);
  for (const pod of [...replaceNow, ...candidates.slice(0, budget)]) {
    context.api.delete(podType, pod.metadata.namespace, pod.metadata.name, {});
  }
}

function reconcileDaemonSet(context: ControllerContext, daemonSet: StoredObject): void {
  if (daemonSet.metadata.deletionTimestamp) return;
  const revision = ensureRevision(context, daemonSet);
  const pods = activePodsOf(context, daemonSet);
  const probe: StoredObject = {
    metadata: {},
    spec: {
      ...clone(daemonSet.spec.template?.spec ?? {}),
      tolerations: daemonTolerations(daemonSet.spec.template?.spec),
    },
  };
  const eligible = context.store
    .list(nodeType)
    .filter(
      (node) => unfitReason(probe, node) === undefined || /not-ready|unreachable/.test(unfitReason(probe, node) ?? ''),
    );
  const eligibleNames = new Set(eligible.map((node) => node.metadata.name));
  const targetOf = (pod: StoredObject): string | undefined =>
    pod.spec.nodeName ??
    pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]
      ?.matchFields?.[0]?.values?.[0];
  for (const pod of pods) {
    const target = targetOf(pod);
    if (!target || !eligibleNames.has(target))
      context.api.delete(podType, pod.metadata.namespace, pod.metadata.name, {});
  }
  const covered = new Set(pods.map(targetOf));
  for (const node of eligible) {
    if (covered.has(node.metadata.name)) continue;
    const pod = createAsController(context, 'Pod', daemonPod(daemonSet, node, revision.hash));
    context.recordEvent(
      daemonSet,
      'Normal',
      'SuccessfulCreate',
      `Created pod: ${pod.metadata.name}`,
      'daemonset-controller',
    );
  }
  if (daemonSet.spec.updateStrategy?.type !== 'OnDelete')
    rollDaemonPods(context, daemonSet, eligible, revision.hash, targetOf);
  const current = activePodsOf(context, daemonSet).filter((pod) => eligibleNames.has(targetOf(pod) ?? ''));
  const scheduled = current.filter((pod) => pod.spec.nodeName);
  const available = current.filter((pod) => isPodAvailable(context, pod, daemonSet.spec.minReadySeconds ?? 0)).length;
  const status = {
    currentNumberScheduled: scheduled.length,
    desiredNumberScheduled: eligible.length,
    numberMisscheduled: 0,
    numberReady: current.filter(isPodReady).length,
    numberAvailable: available,
    ...(eligible.length - available > 0 ? { numberUnavailable: eligible.length - available } : {}),
    updatedNumberScheduled: scheduled.filter(
      (pod) => pod.metadata.labels?.['controller-revision-hash'] === revision.hash,
    ).length,
    observedGeneration: daemonSet.metadata.generation,
  };
  pruneRevisions(context, daemonSet, new Set([revision.name]));
  writeStatus(context, daemonSetType, daemonSet, status);
}

export function reconcileDaemonSets(context: ControllerContext): void {
  for (const daemonSet of context.store.list(daemonSetType)) reconcileDaemonSet(context, daemonSet);
}
