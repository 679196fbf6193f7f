import { createHash } from 'node:crypto';
import { ApplyConflictError, conflictDetails, type ApplyOptions, type FieldConflict, type Kubectl } from './kubectl.js';
import { isRecord, objectKey, workloadKey, type KubeObject, type ObjectRef } from './objects.js';

/**
 * The field-manager entries this suite's own `kubectl rollout undo` wrote, one
 * `<manager>=<fingerprint>` per entry, comma-separated. `rollout undo` has no --field-manager:
 * the API server files its fields under a manager named after kubectl's user agent (`kubectl`,
 * `kubectl.1.33`), the same name `kubectl scale` or `kubectl edit` by a person gets. So the
 * undo is recognised by fact, not by name: the fingerprint covers the entry's manager,
 * operation and time right after the undo, and any later write under that manager changes it.
 */
export const UNDO_FIELDS_ANNOTATION = 'sophia.ai/rollout-undo-fields';

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  time?: string;
  fieldsV1?: unknown;
}

function entriesOf(object: KubeObject | undefined): ManagedFieldsEntry[] {
  const entries = object?.metadata.managedFields;
  return Array.isArray(entries) ? (entries.filter(isRecord) as ManagedFieldsEntry[]) : [];
}

/**
 * What identifies one write of a manager: the server sets an entry's time when that manager
 * writes, and leaves it when others take fields from it (as annotating a workload after the undo
 * does), so the fields are left out. Two writes by one manager within one second look alike.
 */
function fingerprint(entry: ManagedFieldsEntry): string {
  const { manager, operation, subresource, time } = entry;
  return createHash('sha256')
    .update(JSON.stringify({ manager, operation, subresource, time }))
    .digest('hex')
    .slice(0, 16);
}

function writesTemplate(entry: ManagedFieldsEntry): boolean {
  const fields = entry.fieldsV1;
  return isRecord(fields) && isRecord(fields['f:spec']) && 'f:template' in fields['f:spec'];
}

/**
 * The annotation recording an undo just done: the Update entries that changed between `before`
 * and `after` and own the pod template (what an undo writes; controllers write status and
 * annotations, never the template).
 */
export function undoRecord(before: KubeObject | undefined, after: KubeObject | undefined): Record<string, string> {
  const earlier = new Set(entriesOf(before).map(fingerprint));
  const written = entriesOf(after).filter(
    (entry) =>
      entry.operation === 'Update' && !entry.subresource && writesTemplate(entry) && !earlier.has(fingerprint(entry)),
  );
  if (written.length === 0) return {};
  return { [UNDO_FIELDS_ANNOTATION]: written.map((entry) => `${entry.manager}=${fingerprint(entry)}`).join(',') };
}

/** The `<manager>=<fingerprint>` entries this suite's undo recorded on the object. */
function recordedUndo(object: KubeObject): Set<string> {
  return new Set((object.metadata.annotations?.[UNDO_FIELDS_ANNOTATION] ?? '').split(',').filter(Boolean));
}

/**
 * The field paths an entry owns, in the server's conflict notation (apimachinery's
 * fieldpath.Path.String: `.spec.replicas`, `.containers[name="api"]`, `[="value"]`, `[0]`),
 * turned from its fieldsV1 keys (`f:`, `k:{json}`, `v:json`, `i:`).
 */
function ownedPaths(fields: unknown, prefix = '', paths = new Set<string>()): Set<string> {
  if (!isRecord(fields)) return paths;
  for (const [key, child] of Object.entries(fields)) {
    if (key === '.') continue;
    const value = key.slice(2);
    let element: string;
    if (key.startsWith('f:')) element = `.${value}`;
    else if (key.startsWith('k:')) {
      const keyFields = JSON.parse(value) as Record<string, unknown>;
      element = `[${Object.keys(keyFields)
        .sort()
        .map((name) => `${name}=${JSON.stringify(keyFields[name])}`)
        .join(',')}]`;
    } else if (key.startsWith('v:')) element = `[=${value}]`;
    else element = `[${value}]`;
    paths.add(prefix + element);
    ownedPaths(child, prefix + element, paths);
  }
  return paths;
}

/**
 * Whether the fields of one conflict are this suite's to take back: each managedFields entry
 * that holds them (same manager, operation and subresource, owning one of the fields) is one its
 * own rollout undo wrote and nobody wrote under since. Decided per entry, not per manager name:
 * a person's `kubectl scale` after the undo has the undo's manager name (`kubectl`) but its own
 * entry (subresource `scale`), so its replicas stay the person's while the undo's template is
 * the suite's. Returns the objects (objectKey) whose undo wrote them, or undefined when someone else did.
 */
function undoneBySuite(live: KubeObject[], conflict: FieldConflict): string[] | undefined {
  const holders = live.flatMap((object) =>
    entriesOf(object)
      .filter(
        (entry) =>
          entry.manager === conflict.manager &&
          entry.operation === conflict.operation &&
          (entry.subresource ?? '') === (conflict.subresource ?? ''),
      )
      .filter((entry) => {
        const owned = ownedPaths(entry.fieldsV1);
        return conflict.fields.some((field) => owned.has(field));
      })
      .map((entry) => ({ entry, object, recorded: recordedUndo(object) })),
  );
  const ours =
    holders.length > 0 &&
    holders.every(({ entry, recorded }) => recorded.has(`${entry.manager}=${fingerprint(entry)}`));
  return ours ? [...new Set(holders.map(({ object }) => objectKey(object)))] : undefined;
}

/**
 * How `applyOwningFields` settles field conflicts: whether to force them, and where to say which manager's fields were
 * taken.
 */
export interface OwnershipOptions {
  /** Take fields from any other manager (the `force-conflicts` input), saying which. */
  forceConflicts: boolean;
  log: (line: string) => void;
}

/**
 * Server-side apply that decides conflicts from facts: fields whose only other writer is a
 * `rollout undo` this suite did (see UNDO_FIELDS_ANNOTATION), or that this suite's field manager
 * wrote with a client-side apply (`server-side: false`), are taken back; fields another
 * manager wrote (a person's `kubectl scale`, an operator, a controller) stop the deploy with
 * ApplyConflictError naming the managers and fields, unless `forceConflicts` says to take them.
 */
export async function applyOwningFields(
  kubectl: Kubectl,
  objects: KubeObject[],
  options: ApplyOptions,
  ownership: OwnershipOptions,
): Promise<KubeObject[]> {
  try {
    return await kubectl.apply(objects, options);
  } catch (error) {
    if (!(error instanceof ApplyConflictError) || error.managers.length === 0) throw error;
    if (ownership.forceConflicts) {
      ownership.log(
        `Taking fields from ${error.managers.join(', ')} because force-conflicts is true:\n${error.details}`,
      );
      return kubectl.apply(objects, { ...options, forceConflicts: true });
    }
    const live = await kubectl.getLive(objects, { managedFields: true });
    // The suite's own manager conflicts with its Apply only through Update entries: a deploy with
    // `server-side: false` (client-side apply) wrote them. Server-side apply takes those over, as
    // `kubectl apply --server-side` does for kubectl-client-side-apply (Kubernetes documentation,
    // https://kubernetes.io/docs/reference/using-api/server-side-apply/#upgrading-from-client-side-apply-to-server-side-apply).
    const ownClientSide = error.conflicts.filter((conflict) => conflict.manager === options.fieldManager);
    const undoneIn = new Map<FieldConflict, string[]>();
    for (const conflict of error.conflicts) {
      const objects = conflict.manager === options.fieldManager ? undefined : undoneBySuite(live, conflict);
      if (objects) undoneIn.set(conflict, objects);
    }
    const undone = [...undoneIn.keys()];
    const others = error.conflicts.filter((conflict) => !ownClientSide.includes(conflict) && !undoneIn.has(conflict));
    if (others.length > 0) throw new ApplyConflictError(error.fieldManager, others, error.object);
    if (ownClientSide.length > 0)
      ownership.log(
        `Taking over fields this suite's field manager ${options.fieldManager} wrote with a client-side apply (server-side: false):\n${conflictDetails(ownClientSide)}`,
      );
    if (undone.length > 0)
      ownership.log(
        `Taking back fields last written by this suite's rollout undo of ${[...new Set([...undoneIn.values()].flat())].join(', ')}:\n${conflictDetails(undone)}`,
      );
    return kubectl.apply(objects, { ...options, forceConflicts: true });
  }
}

/** `kubectl rollout undo`, recorded on the workload so the next deploy knows the fields it wrote are the suite's. */
export async function undoAndRecord(
  kubectl: Kubectl,
  ref: ObjectRef,
  toRevision: number | undefined,
  annotations: Record<string, string> = {},
): Promise<void> {
  const before = await kubectl.get(ref, { managedFields: true });
  await kubectl.rolloutUndo(ref, toRevision);
  const after = await kubectl.get(ref, { managedFields: true });
  const record = { ...annotations, ...undoRecord(before, after) };
  if (Object.keys(record).length > 0) await kubectl.annotate(ref, record);
}

/** The `objectKey` of what an HorizontalPodAutoscaler scales (its scaleTargetRef, in its own namespace). */
export function autoscaledKey(autoscaler: KubeObject): string | undefined {
  const target = autoscaler.spec?.scaleTargetRef;
  if (!isRecord(target) || typeof target.kind !== 'string' || typeof target.name !== 'string') return undefined;
  return workloadKey({ kind: target.kind, name: target.name, namespace: autoscaler.metadata.namespace });
}

/**
 * The field manager a workload's replicas are handed to before the suite stops applying them, so
 * that leaving `spec.replicas` out of the next apply does not reset the workload to 1 replica
 * (server-side apply drops a field nobody owns any more). The HorizontalPodAutoscaler's own
 * scale writes then take the field from it. Name and procedure from the Kubernetes documentation,
 * https://kubernetes.io/docs/reference/using-api/server-side-apply/#transferring-ownership.
 */
export const REPLICAS_HANDOVER_MANAGER = 'handover-to-hpa';

/** What `yieldReplicasToAutoscalers` decided for the workloads an autoscaler scales. */
export interface AutoscaledReplicas {
  /** The objects to apply: replicas left out of the live autoscaled workloads (at the live count with client-side apply), kept on new ones. */
  objects: KubeObject[];
  /** The live workloads (by objectKey) whose manifest sets replicas, not applied as written: for a warning. */
  yielded: string[];
  /** The new workloads (by objectKey) created with their manifest's replicas, within the autoscaler's bounds. */
  started: Array<{ key: string; replicas: number }>;
  /**
   * Replicas-only objects (apiVersion, kind, name, namespace, spec.replicas: the live count) to
   * apply under REPLICAS_HANDOVER_MANAGER before the apply that leaves replicas out: the live
   * workloads whose replicas the suite's field manager still owns.
   */
  handovers: KubeObject[];
}

/** The replica bounds of an HorizontalPodAutoscaler (minReplicas defaults to 1, as the API does). */
function boundsOf(autoscaler: KubeObject): { min: number; max: number } {
  const min = typeof autoscaler.spec?.minReplicas === 'number' ? autoscaler.spec.minReplicas : 1;
  const max = typeof autoscaler.spec?.maxReplicas === 'number' ? autoscaler.spec.maxReplicas : min;
  return { min, max };
}

function ownsReplicas(object: KubeObject, fieldManager: string): boolean {
  return entriesOf(object).some(
    (entry) =>
      entry.manager === fieldManager &&
      !entry.subresource &&
      isRecord(entry.fieldsV1) &&
      isRecord(entry.fieldsV1['f:spec']) &&
      'f:replicas' in entry.fieldsV1['f:spec'],
  );
}

/**
 * A workload an HorizontalPodAutoscaler scales gets its replica count from the autoscaler, and
 * the deploy never fights it, as the Kubernetes documentation advises for server-side apply
 * (https://kubernetes.io/docs/concepts/workloads/autoscaling/horizontal-pod-autoscale/#migrating-deployments-and-statefulsets-to-horizontal-autoscaling):
 * - a workload the deploy creates starts with its manifest's replicas, brought within the
 *   autoscaler's minReplicas..maxReplicas (what the autoscaler would set at once), not at the
 *   API's default of 1; without replicas in the manifest it starts as the API defaults it;
 * - a live workload is applied without `spec.replicas`; where the suite's field manager still
 *   owns them (it created the workload, or applied it before the autoscaler existed), they are
 *   first handed to REPLICAS_HANDOVER_MANAGER at their live count, so dropping them from the
 *   apply leaves the count as it is;
 * - with client-side apply (`serverSide` false) a live workload is applied with `spec.replicas`
 *   at its LIVE count instead: kubectl's three-way merge deletes a field that is in the
 *   last-applied-configuration annotation and missing from the new object (kubectl apply,
 *   "How apply calculates differences and merges changes"), which would reset the workload to
 *   1 replica; the live count makes the patch leave replicas as they are, and the annotation
 *   keeps a count, so no later apply deletes it. No handover is needed then (managedFields do
 *   not decide client-side apply). An autoscaler's scale between the read and the apply is put
 *   back to the count read, and the autoscaler corrects it at its next sync.
 * `autoscalers` are the HPAs of the manifests and those live in the cluster; `live` the live
 * objects by objectKey, with their managedFields.
 */
export function yieldReplicasToAutoscalers(
  objects: KubeObject[],
  autoscalers: KubeObject[],
  live: ReadonlyMap<string, KubeObject>,
  fieldManager: string,
  serverSide: boolean,
): AutoscaledReplicas {
  const bounds = new Map<string, { min: number; max: number }>();
  for (const autoscaler of autoscalers) {
    const key = autoscaledKey(autoscaler);
    if (key !== undefined) bounds.set(key, boundsOf(autoscaler));
  }
  const decided: AutoscaledReplicas = { objects: [], yielded: [], started: [], handovers: [] };
  for (const object of objects) {
    const key = objectKey(object);
    const range = bounds.get(key);
    const replicas = object.spec?.replicas;
    const current = live.get(key);
    if (range === undefined || (current === undefined && typeof replicas !== 'number')) {
      decided.objects.push(object);
    } else if (current === undefined) {
      const start = Math.min(range.max, Math.max(range.min, replicas as number));
      decided.started.push({ key, replicas: start });
      decided.objects.push({ ...object, spec: { ...object.spec, replicas: start } });
    } else {
      if (replicas !== undefined) decided.yielded.push(key);
      if (!serverSide) {
        const spec = { ...object.spec };
        if (typeof current.spec?.replicas === 'number') spec.replicas = current.spec.replicas;
        else delete spec.replicas;
        decided.objects.push({ ...object, spec });
        continue;
      }
      if (ownsReplicas(current, fieldManager) && typeof current.spec?.replicas === 'number')
        decided.handovers.push({
          apiVersion: current.apiVersion,
          kind: current.kind,
          metadata: { name: current.metadata.name, namespace: current.metadata.namespace },
          spec: { replicas: current.spec.replicas },
        });
      const spec = { ...object.spec };
      delete spec.replicas;
      decided.objects.push({ ...object, spec });
    }
  }
  return decided;
}
