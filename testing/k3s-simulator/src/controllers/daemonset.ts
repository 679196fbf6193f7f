/**
 * The DaemonSet controller: one pod on every node the pod template may run on (nodeSelector,
 * required affinity, taints; daemon pods tolerate not-ready and unreachable nodes), rolling
 * outdated pods one at a time.
 */
import { randomSuffix } from '../api.js';
import { typeOf } from '../resources.js';
import { clone, type Json, type StoredObject } from '../types.js';
import {
  activePodsOf,
  createAsController,
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

const DAEMON_TOLERATIONS: Json[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

function daemonPod(daemonSet: StoredObject, node: StoredObject, hash: string): StoredObject {
  const pod = podFromTemplate(daemonSet, `${daemonSet.metadata.name}-${randomSuffix()}`, {
    'controller-revision-hash': hash,
    'pod-template-generation': String(daemonSet.metadata.generation ?? 1),
  });
  pod.spec.tolerations = [...(pod.spec.tolerations ?? []), ...DAEMON_TOLERATIONS];
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

function reconcileDaemonSet(context: ControllerContext, daemonSet: StoredObject): void {
  if (daemonSet.metadata.deletionTimestamp) return;
  const revision = ensureRevision(context, daemonSet);
  const pods = activePodsOf(context, daemonSet);
  const probe: StoredObject = {
    metadata: {},
    spec: {
      ...clone(daemonSet.spec.template?.spec ?? {}),
      tolerations: [...(daemonSet.spec.template?.spec?.tolerations ?? []), ...DAEMON_TOLERATIONS],
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
  const onEligible = pods.filter((pod) => eligibleNames.has(targetOf(pod) ?? ''));
  const outdated = onEligible.filter((pod) => pod.metadata.labels?.['controller-revision-hash'] !== revision.hash);
  const maxUnavailable = Number(daemonSet.spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1) || 1;
  const unavailable = onEligible.filter((pod) => !isPodReady(pod)).length;
  if (daemonSet.spec.updateStrategy?.type !== 'OnDelete' && outdated.length > 0 && unavailable < maxUnavailable) {
    const victim = outdated.find((pod) => !isPodReady(pod)) ?? outdated[0];
    context.api.delete(podType, victim.metadata.namespace, victim.metadata.name, {});
  }
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
