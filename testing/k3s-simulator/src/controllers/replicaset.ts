/** The ReplicaSet controller: keeps as many pods as spec.replicas, and reports their readiness. */
import { randomSuffix } from '../names.js';
import { typeOf } from '../resources.js';
import { clone, type StoredObject } from '../types.js';
import {
  activePodsOf,
  createAsController,
  isPodAvailable,
  isPodReady,
  ownerReference,
  type ControllerContext,
  writeStatus,
} from './context.js';
import { matchesLabelSelector } from '../selectors.js';

const replicaSetType = typeOf('ReplicaSet');
const podType = typeOf('Pod');

export function podFromTemplate(
  owner: StoredObject,
  name: string,
  extraLabels: Record<string, string> = {},
): StoredObject {
  const template = clone(owner.spec.template ?? {});
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      generateName: `${owner.metadata.name}-`,
      namespace: owner.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), ...extraLabels },
      ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
      ownerReferences: [ownerReference(owner)],
    },
    spec: template.spec ?? {},
  };
}

/** Which pods go first when scaling down: unscheduled, then not running, then not ready, then newest. */
function deletionRank(pod: StoredObject): number {
  if (!pod.spec.nodeName) return 0;
  if (pod.status?.phase === 'Pending') return 1;
  if (!isPodReady(pod)) return 2;
  return 3;
}

function reconcileReplicaSet(context: ControllerContext, replicaSet: StoredObject): void {
  const pods = activePodsOf(context, replicaSet);
  const desired: number = replicaSet.metadata.deletionTimestamp ? pods.length : (replicaSet.spec.replicas ?? 1);
  if (pods.length < desired) {
    for (let index = pods.length; index < desired; index++) {
      const pod = createAsController(
        context,
        'Pod',
        podFromTemplate(replicaSet, `${replicaSet.metadata.name}-${randomSuffix()}`),
      );
      pods.push(pod);
      context.recordEvent(
        replicaSet,
        'Normal',
        'SuccessfulCreate',
        `Created pod: ${pod.metadata.name}`,
        'replicaset-controller',
      );
    }
  } else if (pods.length > desired) {
    const victims = [...pods]
      .sort(
        (a, b) =>
          deletionRank(a) - deletionRank(b) ||
          String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)),
      )
      .slice(0, pods.length - desired);
    for (const pod of victims) {
      context.api.delete(podType, pod.metadata.namespace, pod.metadata.name, {});
      pods.splice(pods.indexOf(pod), 1);
      context.recordEvent(
        replicaSet,
        'Normal',
        'SuccessfulDelete',
        `Deleted pod: ${pod.metadata.name}`,
        'replicaset-controller',
      );
    }
  }
  const minReadySeconds: number = replicaSet.spec.minReadySeconds ?? 0;
  const status = {
    replicas: pods.length,
    fullyLabeledReplicas: pods.filter((pod) =>
      matchesLabelSelector({ matchLabels: replicaSet.spec.template?.metadata?.labels ?? {} }, pod.metadata.labels),
    ).length,
    readyReplicas: pods.filter(isPodReady).length,
    availableReplicas: pods.filter((pod) => isPodAvailable(context, pod, minReadySeconds)).length,
    observedGeneration: replicaSet.metadata.generation,
  };
  writeStatus(context, replicaSetType, replicaSet, status);
}

export function reconcileReplicaSets(context: ControllerContext): void {
  for (const replicaSet of context.store.list(replicaSetType)) reconcileReplicaSet(context, replicaSet);
}
