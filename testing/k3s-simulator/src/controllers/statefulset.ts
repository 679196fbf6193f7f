/**
 * The StatefulSet controller: pods name-0..N-1 created in order (each waits for the previous
 * to be Running and Ready under OrderedReady), removed from the highest ordinal, rolled from
 * the highest ordinal one at a time; currentRevision / updateRevision from ControllerRevisions.
 */
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

const statefulSetType = typeOf('StatefulSet');
const podType = typeOf('Pod');
const claimType = typeOf('PersistentVolumeClaim');
const REVISION_LABEL = 'controller-revision-hash';

function ordinalOf(statefulSet: StoredObject, pod: StoredObject): number {
  const suffix = pod.metadata.name.slice(statefulSet.metadata.name.length + 1);
  return /^\d+$/.test(suffix) ? Number(suffix) : -1;
}

/** Creates the pod's claims from volumeClaimTemplates (`<template>-<set>-<ordinal>`) and returns their volumes. */
function claimVolumes(context: ControllerContext, statefulSet: StoredObject, ordinal: number): Json[] {
  const volumes: Json[] = [];
  for (const template of statefulSet.spec.volumeClaimTemplates ?? []) {
    const claimName = `${template.metadata?.name}-${statefulSet.metadata.name}-${ordinal}`;
    const namespace: string = statefulSet.metadata.namespace;
    if (!context.store.get(claimType, namespace, claimName)) {
      context.api.create(
        claimType,
        namespace,
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: {
            name: claimName,
            namespace,
            labels: { ...(statefulSet.spec.selector?.matchLabels ?? {}), ...(template.metadata?.labels ?? {}) },
          },
          spec: clone(template.spec ?? {}),
        },
        { fieldManager: 'k3s' },
      );
      context.recordEvent(
        statefulSet,
        'Normal',
        'SuccessfulCreate',
        `create Claim ${claimName} Pod ${statefulSet.metadata.name}-${ordinal} in StatefulSet ${statefulSet.metadata.name} success`,
        'statefulset-controller',
      );
    }
    volumes.push({ name: template.metadata?.name, persistentVolumeClaim: { claimName } });
  }
  return volumes;
}

function reconcileStatefulSet(context: ControllerContext, statefulSet: StoredObject): void {
  if (statefulSet.metadata.deletionTimestamp) return;
  const update = ensureRevision(context, statefulSet);
  const replicas: number = statefulSet.spec.replicas ?? 1;
  const parallel = statefulSet.spec.podManagementPolicy === 'Parallel';
  const pods = activePodsOf(context, statefulSet).sort((a, b) => ordinalOf(statefulSet, a) - ordinalOf(statefulSet, b));
  const byOrdinal = new Map(pods.map((pod) => [ordinalOf(statefulSet, pod), pod]));
  let changed = false;
  for (let ordinal = 0; ordinal < replicas; ordinal++) {
    const pod = byOrdinal.get(ordinal);
    if (!pod) {
      const name = `${statefulSet.metadata.name}-${ordinal}`;
      const created = podFromTemplate(statefulSet, name, {
        [REVISION_LABEL]: update.name,
        'statefulset.kubernetes.io/pod-name': name,
        'apps.kubernetes.io/pod-index': String(ordinal),
      });
      delete created.metadata.generateName;
      created.spec.volumes = [...(created.spec.volumes ?? []), ...claimVolumes(context, statefulSet, ordinal)];
      if (created.spec.volumes.length === 0) delete created.spec.volumes;
      created.spec.hostname = name;
      if (statefulSet.spec.serviceName) created.spec.subdomain = statefulSet.spec.serviceName;
      byOrdinal.set(ordinal, createAsController(context, 'Pod', created));
      context.recordEvent(
        statefulSet,
        'Normal',
        'SuccessfulCreate',
        `create Pod ${name} in StatefulSet ${statefulSet.metadata.name} successful`,
        'statefulset-controller',
      );
      changed = true;
      if (!parallel) break;
    } else if (!parallel && !isPodReady(pod)) break;
  }
  if (!changed) {
    const surplus = pods.filter((pod) => ordinalOf(statefulSet, pod) >= replicas).reverse();
    if (surplus.length > 0 && (parallel || pods.every(isPodReady) || !isPodReady(surplus[0]))) {
      for (const pod of parallel ? surplus : surplus.slice(0, 1)) {
        context.api.delete(podType, pod.metadata.namespace, pod.metadata.name, {});
        context.recordEvent(
          statefulSet,
          'Normal',
          'SuccessfulDelete',
          `delete Pod ${pod.metadata.name} in StatefulSet ${statefulSet.metadata.name} successful`,
          'statefulset-controller',
        );
      }
      changed = true;
    }
  }
  const partition: number = statefulSet.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
  if (
    !changed &&
    statefulSet.spec.updateStrategy?.type !== 'OnDelete' &&
    pods.length === replicas &&
    pods.every(isPodReady)
  ) {
    const outdated = pods
      .filter(
        (pod) => ordinalOf(statefulSet, pod) >= partition && pod.metadata.labels?.[REVISION_LABEL] !== update.name,
      )
      .pop();
    if (outdated) {
      context.api.delete(podType, outdated.metadata.namespace, outdated.metadata.name, {});
      context.recordEvent(
        statefulSet,
        'Normal',
        'SuccessfulDelete',
        `delete Pod ${outdated.metadata.name} in StatefulSet ${statefulSet.metadata.name} successful`,
        'statefulset-controller',
      );
    }
  }
  const current = activePodsOf(context, statefulSet);
  const currentRevision: string = statefulSet.status?.currentRevision ?? update.name;
  const updated = current.filter((pod) => pod.metadata.labels?.[REVISION_LABEL] === update.name).length;
  const allUpdated = updated === replicas && current.length === replicas && current.every(isPodReady);
  const nextCurrent = allUpdated ? update.name : currentRevision;
  const status = {
    observedGeneration: statefulSet.metadata.generation,
    replicas: current.length,
    readyReplicas: current.filter(isPodReady).length,
    currentReplicas: current.filter((pod) => pod.metadata.labels?.[REVISION_LABEL] === nextCurrent).length,
    updatedReplicas: updated,
    availableReplicas: current.filter((pod) => isPodAvailable(context, pod, statefulSet.spec.minReadySeconds ?? 0))
      .length,
    currentRevision: nextCurrent,
    updateRevision: update.name,
    collisionCount: 0,
  };
  pruneRevisions(context, statefulSet, new Set([nextCurrent, update.name]));
  writeStatus(context, statefulSetType, statefulSet, status);
}

export function reconcileStatefulSets(context: ControllerContext): void {
  for (const statefulSet of context.store.list(statefulSetType)) reconcileStatefulSet(context, statefulSet);
}
