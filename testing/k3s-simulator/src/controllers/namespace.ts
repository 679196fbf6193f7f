/**
 * The namespace controller: a namespace being deleted stays Terminating (its content refused by
 * the API) for namespaceDeletionDelayMs (at least podTerminationMs) after its deletion and after
 * the last client write into it, then everything in it is deleted, pods gracefully, then it goes
 * itself. Its status
 * carries the five conditions the real controller reports while content remains.
 */
import { typeOf, type ResourceType } from '../resources.js';
import { clone, jsonEqual, type Json, type StoredObject } from '../types.js';
import { instantOf, transitionedCondition, type ControllerContext } from './context.js';

const namespaceType = typeOf('Namespace');

/**
 * The five conditions the namespace deleter keeps, in its order, with their "ok" reasons and
 * messages (pkg/controller/namespace/deletion/status_condition_utils.go). Discovery, group-version
 * parsing and collection deletion cannot fail here, so only the last two ever turn True.
 */
const CONDITIONS: Array<{ type: string; reason: string; message: string }> = [
  {
    type: 'NamespaceDeletionDiscoveryFailure',
    reason: 'ResourcesDiscovered',
    message: 'All resources successfully discovered',
  },
  {
    type: 'NamespaceDeletionGroupVersionParsingFailure',
    reason: 'ParsedGroupVersions',
    message: 'All legacy kube types successfully parsed',
  },
  {
    type: 'NamespaceDeletionContentFailure',
    reason: 'ContentDeleted',
    message: 'All content successfully deleted, may be waiting on finalization',
  },
  { type: 'NamespaceContentRemaining', reason: 'ContentRemoved', message: 'All content successfully removed' },
  {
    type: 'NamespaceFinalizersRemaining',
    reason: 'ContentHasNoFinalizers',
    message: 'All content-preserving finalizers finished',
  },
];

/** `key has|in N resource instances`, sorted and joined as the deleter formats its counts. */
function counted(counts: Map<string, number>, verb: string): string {
  return [...counts]
    .map(([key, count]) => `${key} ${verb} ${count} resource instances`)
    .sort()
    .join(', ');
}

function deletionConditions(
  namespace: StoredObject,
  remaining: Array<{ type: ResourceType; object: StoredObject }>,
): Json[] {
  const byResource = new Map<string, number>();
  const byFinalizer = new Map<string, number>();
  for (const { type, object } of remaining) {
    // `resource.group`, the core group's with its trailing dot (`pods.`), as the deleter prints them.
    const resource = `${type.plural}.${type.group}`;
    byResource.set(resource, (byResource.get(resource) ?? 0) + 1);
    for (const finalizer of object.metadata.finalizers ?? [])
      byFinalizer.set(finalizer, (byFinalizer.get(finalizer) ?? 0) + 1);
  }
  const failures = new Map<string, { reason: string; message: string }>();
  if (byResource.size > 0) {
    failures.set('NamespaceContentRemaining', {
      reason: 'SomeResourcesRemain',
      message: `Some resources are remaining: ${counted(byResource, 'has')}`,
    });
  }
  if (byFinalizer.size > 0) {
    failures.set('NamespaceFinalizersRemaining', {
      reason: 'SomeFinalizersRemain',
      message: `Some content in the namespace has finalizers remaining: ${counted(byFinalizer, 'in')}`,
    });
  }
  return CONDITIONS.map((ok) => {
    const failure = failures.get(ok.type);
    return transitionedCondition(
      namespace,
      ok.type,
      Boolean(failure),
      failure?.reason ?? ok.reason,
      failure?.message ?? ok.message,
    );
  });
}

function finalize(context: ControllerContext, namespace: StoredObject): void {
  const name: string = namespace.metadata.name;
  const { namespaceDeletionDelayMs, podTerminationMs } = context.timings;
  const since = Math.max(instantOf(context, namespace.metadata.uid, 'deleting'), context.lastRequestIn(name) ?? 0);
  const wait = since + Math.max(namespaceDeletionDelayMs, podTerminationMs) - Date.now();
  if (wait > 0) {
    context.requeueAfter(wait + 1);
    return;
  }
  const contents = context.store
    .allObjects()
    .filter(({ type, object }) => type.namespaced && object.metadata.namespace === name);
  for (const { type, object } of contents) {
    if (object.metadata.deletionTimestamp) continue;
    try {
      context.api.delete(type, name, object.metadata.name, { propagationPolicy: 'Background' });
    } catch {
      // Already gone (a cascade got there first).
    }
  }
  const remaining = context.store
    .allObjects()
    .filter(({ type, object }) => type.namespaced && object.metadata.namespace === name);
  if (remaining.length === 0) {
    context.store.remove(namespaceType, undefined, name);
    return;
  }
  const next = clone(namespace);
  next.status = {
    ...(next.status ?? {}),
    phase: 'Terminating',
    conditions: deletionConditions(namespace, remaining),
  };
  if (!jsonEqual(next.status, namespace.status)) context.store.update(namespaceType, next);
  // Pods terminating gracefully leave on the kubelet's clock: look again soon.
  context.requeueAfter(context.timings.controllerDelayMs * 10);
}

/** Finalizes every namespace being deleted. */
export function reconcileNamespaces(context: ControllerContext): void {
  for (const namespace of context.store.list(namespaceType)) {
    if (namespace.metadata.deletionTimestamp) finalize(context, namespace);
  }
}
