/** Events as controllers and the kubelet record them (`kubectl describe` / `get events` show these). */
import { randomSuffix } from './names.js';
import { typeOf } from './resources.js';
import type { ObjectStore } from './store.js';
import { nowIso, type StoredObject } from './types.js';

export type EventRecorder = (
  object: StoredObject,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  component: string,
) => void;

export function createEventRecorder(store: ObjectStore): EventRecorder {
  const eventType = typeOf('Event');
  const namespaceType = typeOf('Namespace');
  return (object, type, reason, message, component) => {
    const namespace = object.metadata.namespace ?? 'default';
    // A namespace being deleted takes no new content, events included.
    const found = store.get(namespaceType, undefined, namespace);
    if (!found || found.metadata.deletionTimestamp) return;
    const now = nowIso();
    const [same] = store.list(
      eventType,
      namespace,
      (event) =>
        event.involvedObject?.uid === object.metadata.uid && event.reason === reason && event.message === message,
    );
    if (same) {
      same.count = (same.count ?? 1) + 1;
      same.lastTimestamp = now;
      store.update(eventType, same);
      return;
    }
    store.create(eventType, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${object.metadata.name}.${randomSuffix(16)}`, namespace },
      involvedObject: {
        kind: object.kind,
        namespace: object.metadata.namespace,
        name: object.metadata.name,
        uid: object.metadata.uid,
        apiVersion: object.apiVersion,
        resourceVersion: object.metadata.resourceVersion,
      },
      reason,
      message,
      source: { component },
      firstTimestamp: now,
      lastTimestamp: now,
      eventTime: null,
      count: 1,
      type,
      reportingComponent: component,
      reportingInstance: '',
    });
  };
}
