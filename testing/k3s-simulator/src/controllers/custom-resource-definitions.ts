/**
 * The apiextensions controller of CustomResourceDefinitions (see ../crds.ts for what is simulated):
 * accepts their names, marks them Established, publishes their kinds, and deletes a CRD's objects
 * before the CRD itself. Apart from ../crds.ts, which the API server's write path uses, so that the
 * server does not import the controllers' context, which imports the server.
 */
import { CRD_CLEANUP_FINALIZER, crdType, publish, typeFor } from '../crds.js';
import { clone, jsonEqual, type Json, type StoredObject } from '../types.js';
import { transitionedCondition, type ControllerContext } from './context.js';

function deleteInstances(context: ControllerContext, crd: StoredObject): void {
  const type = typeFor(context.api.catalog, crd);
  for (const object of context.store.list(type))
    context.store.remove(type, object.metadata.namespace, object.metadata.name);
  const latest = context.store.get(crdType, undefined, crd.metadata.name);
  if (!latest) return;
  latest.metadata.finalizers = (latest.metadata.finalizers ?? []).filter(
    (name: string) => name !== CRD_CLEANUP_FINALIZER,
  );
  if (latest.metadata.finalizers.length === 0) context.store.remove(crdType, undefined, crd.metadata.name);
  else context.store.update(crdType, latest);
}

/** Names a CRD would take that an earlier one (or a built-in resource of its group) already has. */
function nameConflict(crd: StoredObject, taken: Map<string, string>): string | undefined {
  const { group, names } = crd.spec;
  for (const name of [names.plural, names.kind, ...(names.shortNames ?? [])] as string[]) {
    const owner = taken.get(`${group}/${name}`);
    if (owner !== undefined && owner !== crd.metadata.name) return `"${name}" is already in use`;
  }
  return undefined;
}

/**
 * One pass: CRDs being deleted lose their objects then themselves; the others get their names
 * accepted (first come, first served within a group) and Established; the catalog follows.
 */
export function reconcileCustomResourceDefinitions(context: ControllerContext): void {
  const catalog = context.api.catalog;
  const crds = context.store
    .list(crdType)
    .sort(
      (a, b) =>
        String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)) ||
        a.metadata.name.localeCompare(b.metadata.name),
    );
  const taken = new Map<string, string>();
  for (const entry of catalog.served()) {
    if (entry.type.customResourceDefinition) continue;
    taken.set(`${entry.type.group}/${entry.type.plural}`, '');
    taken.set(`${entry.type.group}/${entry.type.kind}`, '');
  }
  for (const crd of crds) {
    if (crd.metadata.deletionTimestamp) {
      deleteInstances(context, crd);
      continue;
    }
    const conflict = nameConflict(crd, taken);
    const { group, names } = crd.spec;
    if (!conflict) {
      for (const name of [names.plural, names.kind, ...(names.shortNames ?? [])])
        taken.set(`${group}/${name}`, crd.metadata.name);
    }
    const storage = (crd.spec.versions as Json[]).find((version) => version.storage)?.name;
    const status: Json = {
      acceptedNames: conflict ? (crd.status?.acceptedNames ?? { plural: '', kind: '' }) : clone(names),
      conditions: [
        conflict
          ? transitionedCondition(
              crd,
              'NamesAccepted',
              false,
              names.kind && conflict.includes(names.kind) ? 'KindConflict' : 'PluralConflict',
              conflict,
            )
          : transitionedCondition(crd, 'NamesAccepted', true, 'NoConflicts', 'no conflicts found'),
        conflict
          ? transitionedCondition(crd, 'Established', false, 'NotAccepted', 'not all names are accepted')
          : transitionedCondition(
              crd,
              'Established',
              true,
              'InitialNamesAccepted',
              'the initial names have been accepted',
            ),
      ],
      storedVersions: [...new Set([...(crd.status?.storedVersions ?? []), ...(storage ? [storage] : [])])],
    };
    if (jsonEqual(crd.status, status)) continue;
    const next = clone(crd);
    next.status = status;
    context.store.update(crdType, next);
  }
  publish(catalog, context.store.list(crdType));
}
