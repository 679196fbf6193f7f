/**
 * The namespace controller: a namespace being deleted stays Terminating (its content refused by
 * the API) for namespaceDeletionDelayMs (at least podTerminationMs), then everything in it is
 * deleted, pods gracefully, then it goes itself. Its status
 * carries the conditions the real controller reports while content remains.
 */
import { typeOf } from '../resources.js';
import { clone, jsonEqual, type Json, type StoredObject } from '../types.js';
import { instantOf, transitionedCondition, type ControllerContext } from './context.js';

const namespaceType = typeOf('Namespace');

function remainingCondition(namespace: StoredObject, remaining: number): Json {
  return transitionedCondition(
    namespace,
    'NamespaceContentRemaining',
    remaining > 0,
    remaining > 0 ? 'SomeResourcesRemain' : 'ContentDeleted',
    remaining > 0
      ? `Some resources are remaining: ${remaining} objects`
      : 'All content successfully deleted, may be waiting on finalization',
  );
}

function finalize(context: ControllerContext, namespace: StoredObject): void {
  const name: string = namespace.metadata.name;
  const { namespaceDeletionDelayMs, podTerminationMs } = context.timings;
  const since = instantOf(context, namespace.metadata.uid, 'deleting');
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
    .filter(({ type, object }) => type.namespaced && object.metadata.namespace === name).length;
  if (remaining === 0) {
    context.store.remove(namespaceType, undefined, name);
    return;
  }
  const next = clone(namespace);
  next.status = {
    ...(next.status ?? {}),
    phase: 'Terminating',
    conditions: [remainingCondition(namespace, remaining)],
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
