/** ControllerRevisions: the template history StatefulSets and DaemonSets roll between. */
import { typeOf } from '../resources.js';
import { clone, jsonEqual, type StoredObject } from '../types.js';
import { createAsController, isControlledBy, ownerReference, templateHash, type ControllerContext } from './context.js';

const revisionType = typeOf('ControllerRevision');

export interface CurrentRevision {
  name: string;
  hash: string;
  revision: number;
}

/** Finds or records the ControllerRevision of the owner's current template. */
export function ensureRevision(context: ControllerContext, owner: StoredObject): CurrentRevision {
  const data = { spec: { template: { ...clone(owner.spec.template), $patch: 'replace' } } };
  const hash = templateHash(owner.spec.template);
  const owned = context.store.list(revisionType, owner.metadata.namespace, (revision) =>
    isControlledBy(revision, owner),
  );
  const highest = Math.max(0, ...owned.map((revision) => revision.revision ?? 0));
  const existing = owned.find((revision) => jsonEqual(revision.data, data));
  if (existing) {
    if ((existing.revision ?? 0) < highest) {
      const raised = clone(existing);
      raised.revision = highest + 1;
      context.store.update(revisionType, raised);
      return {
        name: existing.metadata.name,
        hash: existing.metadata.labels?.['controller-revision-hash'] ?? hash,
        revision: highest + 1,
      };
    }
    return {
      name: existing.metadata.name,
      hash: existing.metadata.labels?.['controller-revision-hash'] ?? hash,
      revision: existing.revision,
    };
  }
  const created = createAsController(context, 'ControllerRevision', {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `${owner.metadata.name}-${hash}`,
      namespace: owner.metadata.namespace,
      labels: { ...(owner.spec.template?.metadata?.labels ?? {}), 'controller-revision-hash': hash },
      ownerReferences: [ownerReference(owner)],
    },
    data,
    revision: highest + 1,
  });
  return { name: created.metadata.name, hash, revision: created.revision };
}

export function pruneRevisions(context: ControllerContext, owner: StoredObject, inUse: Set<string>): void {
  const limit: number = owner.spec.revisionHistoryLimit ?? 10;
  const stale = context.store
    .list(
      revisionType,
      owner.metadata.namespace,
      (revision) => isControlledBy(revision, owner) && !inUse.has(revision.metadata.name),
    )
    .sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
  for (const revision of stale.slice(0, Math.max(0, stale.length - limit))) {
    context.store.remove(revisionType, revision.metadata.namespace, revision.metadata.name);
  }
}
