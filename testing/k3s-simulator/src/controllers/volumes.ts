/**
 * PersistentVolumeClaims and the provisioner a fresh k3s server runs (local-path-provisioner,
 * `rancher.io/local-path`). A claim of a WaitForFirstConsumer class stays Pending until a pod using
 * it is scheduled, then gets a hostPath volume on that pod's node (`pvc-<claim uid>`) and is Bound;
 * an Immediate class binds at once. Claims of other provisioners stay Pending, as on k3s where no
 * such provisioner runs. A deleted claim's volume is deleted (reclaimPolicy Delete) or Released.
 * Not simulated: capacity, resizing, access-mode conflicts, pvc-protection finalizers.
 */
import { typeOf } from '../resources.js';
import { clone, jsonEqual, type Json, type StoredObject } from '../types.js';
import type { ControllerContext } from './context.js';

const claimType = typeOf('PersistentVolumeClaim');
const volumeType = typeOf('PersistentVolume');
const classType = typeOf('StorageClass');
const podType = typeOf('Pod');

/** The provisioner name of k3s's local-path-provisioner, the only one that provisions here. */
export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';

function claimsOf(pod: StoredObject): string[] {
  return (pod.spec?.volumes ?? [])
    .map((volume: Json) => volume.persistentVolumeClaim?.claimName)
    .filter((name: unknown): name is string => typeof name === 'string');
}

function provision(context: ControllerContext, claim: StoredObject, storageClass: StoredObject, node?: string): void {
  const name = `pvc-${claim.metadata.uid}`;
  const namespace: string = claim.metadata.namespace;
  if (!context.store.get(volumeType, undefined, name)) {
    context.api.create(
      volumeType,
      undefined,
      {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: {
          name,
          annotations: {
            'pv.kubernetes.io/provisioned-by': storageClass.provisioner,
            'local.path.provisioner/selected-node': node,
          },
          finalizers: ['kubernetes.io/pv-protection'],
        },
        spec: {
          accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
          capacity: { storage: claim.spec?.resources?.requests?.storage ?? '1Gi' },
          claimRef: {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            name: claim.metadata.name,
            namespace,
            uid: claim.metadata.uid,
            resourceVersion: claim.metadata.resourceVersion,
          },
          hostPath: {
            path: `/var/lib/rancher/k3s/storage/${name}_${namespace}_${claim.metadata.name}`,
            type: 'DirectoryOrCreate',
          },
          ...(node
            ? {
                nodeAffinity: {
                  required: {
                    nodeSelectorTerms: [
                      { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] },
                    ],
                  },
                },
              }
            : {}),
          persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? 'Delete',
          storageClassName: storageClass.metadata.name,
          volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
        },
      },
      { fieldManager: 'local-path-provisioner' },
    );
    const created = context.store.mustGet(volumeType, undefined, name);
    created.status = { phase: 'Bound' };
    context.store.update(volumeType, created);
    context.recordEvent(
      claim,
      'Normal',
      'ProvisioningSucceeded',
      `Successfully provisioned volume ${name}`,
      `${storageClass.provisioner}_local-path-provisioner`,
    );
  }
  const latest = context.store.mustGet(claimType, namespace, claim.metadata.name);
  const bound = clone(latest);
  bound.metadata.annotations = {
    ...(bound.metadata.annotations ?? {}),
    'pv.kubernetes.io/bind-completed': 'yes',
    'pv.kubernetes.io/bound-by-controller': 'yes',
    'volume.beta.kubernetes.io/storage-provisioner': storageClass.provisioner,
    'volume.kubernetes.io/storage-provisioner': storageClass.provisioner,
    ...(node ? { 'volume.kubernetes.io/selected-node': node } : {}),
  };
  bound.spec.volumeName = name;
  bound.spec.volumeMode ??= 'Filesystem';
  bound.status = {
    phase: 'Bound',
    accessModes: bound.spec.accessModes ?? ['ReadWriteOnce'],
    capacity: { storage: bound.spec.resources?.requests?.storage ?? '1Gi' },
  };
  context.store.update(claimType, bound);
}

function pend(context: ControllerContext, claim: StoredObject, reason: string, message: string, warning = false): void {
  if (claim.status?.phase === 'Pending' && context.instants.has(`${claim.metadata.uid}/${reason}`)) return;
  context.instants.set(`${claim.metadata.uid}/${reason}`, Date.now());
  if (claim.status?.phase !== 'Pending') {
    const pending = clone(claim);
    pending.status = { phase: 'Pending' };
    context.store.update(claimType, pending);
  }
  context.recordEvent(claim, warning ? 'Warning' : 'Normal', reason, message, 'persistentvolume-controller');
}

function reconcileClaim(context: ControllerContext, claim: StoredObject, pods: StoredObject[]): void {
  if (claim.spec?.volumeName || claim.metadata.deletionTimestamp) return;
  const className: string | undefined = claim.spec?.storageClassName;
  const storageClass = className ? context.store.get(classType, undefined, className) : undefined;
  if (!storageClass) {
    pend(
      context,
      claim,
      'ProvisioningFailed',
      className
        ? `storageclass.storage.k8s.io "${className}" not found`
        : 'no persistent volumes available for this claim and no storage class is set',
      true,
    );
    return;
  }
  if (storageClass.provisioner !== LOCAL_PATH_PROVISIONER) {
    pend(
      context,
      claim,
      'ExternalProvisioning',
      `Waiting for a volume to be created either by the external provisioner '${storageClass.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered. (not simulated: only ${LOCAL_PATH_PROVISIONER} provisions here)`,
    );
    return;
  }
  if (storageClass.volumeBindingMode === 'WaitForFirstConsumer') {
    const consumer = pods.find(
      (pod) =>
        pod.metadata.namespace === claim.metadata.namespace &&
        pod.spec?.nodeName &&
        claimsOf(pod).includes(claim.metadata.name),
    );
    if (!consumer) {
      pend(context, claim, 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      return;
    }
    provision(context, claim, storageClass, consumer.spec.nodeName);
    return;
  }
  provision(context, claim, storageClass);
}

function reconcileVolume(context: ControllerContext, volume: StoredObject): void {
  const reference = volume.spec?.claimRef;
  if (!reference || volume.metadata.deletionTimestamp) return;
  const claim = context.store.get(claimType, reference.namespace, reference.name);
  if (claim && claim.metadata.uid === reference.uid) return;
  if (volume.spec.persistentVolumeReclaimPolicy === 'Delete') {
    const released = clone(volume);
    released.metadata.finalizers = [];
    context.store.update(volumeType, released);
    context.store.remove(volumeType, undefined, volume.metadata.name);
    return;
  }
  const released = clone(volume);
  released.status = { phase: 'Released' };
  if (!jsonEqual(released.status, volume.status)) context.store.update(volumeType, released);
}

/** One pass: pending claims provisioned and bound, volumes of deleted claims deleted or Released. */
export function reconcileVolumes(context: ControllerContext): void {
  const pods = context.store.list(podType);
  for (const claim of context.store.list(claimType)) reconcileClaim(context, claim, pods);
  for (const volume of context.store.list(volumeType)) reconcileVolume(context, volume);
}
