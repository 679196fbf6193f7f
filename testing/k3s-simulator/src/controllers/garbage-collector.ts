/**
 * The garbage collector: dependents whose owners are all gone are deleted (background
 * cascade); owners being deleted in the foreground wait until their dependents are gone.
 */
import type { ControllerContext } from './context.js';
import type { Json } from '../types.js';

export function collectGarbage({ store, api }: ControllerContext): void {
  const all = store.allObjects();
  const uids = new Set(all.map(({ object }) => object.metadata.uid));
  for (const { type, object } of all) {
    const owners: Json[] = object.metadata.ownerReferences ?? [];
    if (owners.length > 0 && owners.every((owner) => !uids.has(owner.uid)) && !object.metadata.deletionTimestamp) {
      // Through the API, as the real collector deletes: running pods terminate gracefully.
      if (store.get(type, object.metadata.namespace, object.metadata.name))
        api.delete(type, object.metadata.namespace, object.metadata.name, { propagationPolicy: 'Background' });
    }
  }
  for (const { type, object } of store.allObjects()) {
    const finalizers: string[] = object.metadata.finalizers ?? [];
    if (!object.metadata.deletionTimestamp || !finalizers.includes('foregroundDeletion')) continue;
    for (const dependent of store.allObjects()) {
      const references: Json[] = dependent.object.metadata.ownerReferences ?? [];
      if (!references.some((reference) => reference.uid === object.metadata.uid)) continue;
      if (dependent.object.metadata.deletionTimestamp) continue;
      const marked = store.get(dependent.type, dependent.object.metadata.namespace, dependent.object.metadata.name);
      if (!marked) continue;
      marked.metadata.deletionTimestamp = object.metadata.deletionTimestamp;
      marked.metadata.finalizers = [...new Set([...(marked.metadata.finalizers ?? []), 'foregroundDeletion'])];
      store.update(dependent.type, marked);
    }
    const remaining = store
      .allObjects()
      .some(({ object: dependent }) =>
        (dependent.metadata.ownerReferences ?? []).some((reference: Json) => reference.uid === object.metadata.uid),
      );
    if (remaining) continue;
    const current = store.get(type, object.metadata.namespace, object.metadata.name);
    if (!current) continue;
    current.metadata.finalizers = finalizers.filter((finalizer) => finalizer !== 'foregroundDeletion');
    if (current.metadata.finalizers.length === 0) store.remove(type, current.metadata.namespace, current.metadata.name);
    else store.update(type, current);
  }
}
