/**
 * The object store: every object of every type, one global resourceVersion counter (as etcd has),
 * and a bounded history of changes so watches can resume from a resourceVersion — or be told
 * it is too old (410 Expired), which makes clients relist exactly as against a real server.
 */
import { randomUUID } from 'node:crypto';
import { apiVersionOf, type ResourceType } from './resources.js';
import { alreadyExists, conflict, notFound } from './status.js';
import { clone, nowIso, type StoredObject } from './types.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  type: ChangeType;
  resource: ResourceType;
  object: StoredObject;
  /** The object before a MODIFIED change (watches with selectors see objects enter and leave). */
  previous?: StoredObject;
  resourceVersion: number;
}

export type ChangeListener = (change: Change) => void;

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export class ObjectStore {
  private readonly objects = new Map<ResourceType, Map<string, StoredObject>>();
  private readonly history: Change[] = [];
  private readonly listeners = new Set<ChangeListener>();
  private revision = 1000;

  constructor(private readonly historyLimit = 10000) {}

  get currentRevision(): number {
    return this.revision;
  }

  /** The oldest resourceVersion a watch may still resume from. */
  get oldestResumableRevision(): number {
    return this.history.length > 0 ? this.history[0].resourceVersion - 1 : this.revision;
  }

  changesSince(revision: number): Change[] {
    return this.history.filter((change) => change.resourceVersion > revision);
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Drops history older than `keep` changes ago; tests use it to provoke 410 Expired. */
  compact(keep = 0): void {
    this.history.splice(0, Math.max(0, this.history.length - keep));
  }

  private bucket(type: ResourceType): Map<string, StoredObject> {
    let bucket = this.objects.get(type);
    if (!bucket) {
      bucket = new Map();
      this.objects.set(type, bucket);
    }
    return bucket;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): StoredObject | undefined {
    const found = this.bucket(type).get(objectKey(type.namespaced ? namespace : undefined, name));
    return found ? clone(found) : undefined;
  }

  mustGet(type: ResourceType, namespace: string | undefined, name: string): StoredObject {
    const found = this.get(type, namespace, name);
    if (!found) throw notFound(type.plural, type.group, name);
    return found;
  }

  /**
   * Objects sorted by namespace then name, as etcd's key order returns them. `where` picks objects
   * before they are copied: it sees the stored object itself and must not change it. Controllers
   * pass their owner and selector tests here, as a real controller reads its informer's indexed
   * cache: copying a namespace's every pod for each ReplicaSet made each reconcile pass quadratic
   * in the number of pods, which no API server is.
   */
  list(type: ResourceType, namespace?: string, where: (object: StoredObject) => boolean = () => true): StoredObject[] {
    const items = [...this.bucket(type).values()].filter(
      (object) => (namespace === undefined || object.metadata.namespace === namespace) && where(object),
    );
    // Byte order of the keys, as etcd returns a range.
    const keyOf = (object: StoredObject): string => objectKey(object.metadata.namespace, object.metadata.name);
    items.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
    return items.map(clone);
  }

  allObjects(): Array<{ type: ResourceType; object: StoredObject }> {
    const all: Array<{ type: ResourceType; object: StoredObject }> = [];
    for (const [type, bucket] of this.objects) for (const object of bucket.values()) all.push({ type, object });
    return all;
  }

  create(type: ResourceType, input: StoredObject): StoredObject {
    const bucket = this.bucket(type);
    const key = objectKey(type.namespaced ? input.metadata.namespace : undefined, input.metadata.name);
    if (bucket.has(key)) throw alreadyExists(type.plural, type.group, input.metadata.name);
    const object = clone(input);
    object.apiVersion = apiVersionOf(type);
    object.kind = type.kind;
    object.metadata.uid = object.metadata.uid ?? randomUUID();
    object.metadata.creationTimestamp = nowIso();
    if (!type.namespaced) delete object.metadata.namespace;
    return this.commit(type, 'ADDED', key, object);
  }

  /** Replaces an object; with `expectedVersion` set, refuses a stale write (optimistic concurrency). */
  update(type: ResourceType, input: StoredObject, expectedVersion?: string): StoredObject {
    const bucket = this.bucket(type);
    const key = objectKey(type.namespaced ? input.metadata.namespace : undefined, input.metadata.name);
    const existing = bucket.get(key);
    if (!existing) throw notFound(type.plural, type.group, input.metadata.name);
    if (expectedVersion && expectedVersion !== existing.metadata.resourceVersion) {
      throw conflict(
        type.plural,
        type.group,
        input.metadata.name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    const object = clone(input);
    object.apiVersion = apiVersionOf(type);
    object.kind = type.kind;
    object.metadata.uid = existing.metadata.uid;
    object.metadata.creationTimestamp = existing.metadata.creationTimestamp;
    return this.commit(type, 'MODIFIED', key, object, existing);
  }

  remove(type: ResourceType, namespace: string | undefined, name: string): StoredObject {
    const bucket = this.bucket(type);
    const key = objectKey(type.namespaced ? namespace : undefined, name);
    const existing = bucket.get(key);
    if (!existing) throw notFound(type.plural, type.group, name);
    bucket.delete(key);
    const object = clone(existing);
    this.revision++;
    object.metadata.resourceVersion = String(this.revision);
    this.record({ type: 'DELETED', resource: type, object, resourceVersion: this.revision });
    return clone(object);
  }

  private commit(
    type: ResourceType,
    changeType: ChangeType,
    key: string,
    object: StoredObject,
    previous?: StoredObject,
  ): StoredObject {
    this.revision++;
    object.metadata.resourceVersion = String(this.revision);
    this.bucket(type).set(key, object);
    this.record({ type: changeType, resource: type, object: clone(object), previous, resourceVersion: this.revision });
    return clone(object);
  }

  private record(change: Change): void {
    this.history.push(change);
    if (this.history.length > this.historyLimit) this.history.splice(0, this.history.length - this.historyLimit);
    for (const listener of [...this.listeners]) listener(change);
  }
}
