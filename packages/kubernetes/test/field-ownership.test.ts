import { UNDO_FIELDS_ANNOTATION, undoRecord, yieldReplicasToAutoscalers, type KubeObject } from '../src/index.js';

const deployment = (name: string, namespace: string, replicas?: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace },
  spec: { ...(replicas === undefined ? {} : { replicas }), selector: { matchLabels: { app: name } } },
});

const autoscaler = (target: string, namespace: string): KubeObject => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: target, namespace },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target }, minReplicas: 2, maxReplicas: 6 },
});

test('a workload an autoscaler scales is applied without replicas, and named for a warning', () => {
  const objects = [
    deployment('chat-api', 'sophia', 2),
    deployment('worker', 'sophia', 3),
    deployment('chat-api', 'other', 1),
  ];
  const { objects: applied, yielded } = yieldReplicasToAutoscalers(objects, [autoscaler('chat-api', 'sophia')]);
  expect(yielded).toEqual(['sophia/Deployment/chat-api']);
  expect(applied.map((object) => object.spec?.replicas)).toEqual([undefined, 3, 1]);
  expect(applied[0].spec).toEqual({ selector: { matchLabels: { app: 'chat-api' } } });
  expect(objects[0].spec?.replicas).toBe(2);
});

test('a manifest that sets no replicas for an autoscaled workload needs no warning', () => {
  expect(
    yieldReplicasToAutoscalers([deployment('chat-api', 'sophia')], [autoscaler('chat-api', 'sophia')]).yielded,
  ).toEqual([]);
});

describe('the record of an undo', () => {
  const entry = (manager: string, time: string, fieldsV1: object, subresource?: string) => ({
    manager,
    operation: 'Update',
    apiVersion: 'apps/v1',
    time,
    fieldsV1,
    ...(subresource ? { subresource } : {}),
  });
  const withEntries = (...entries: object[]): KubeObject => ({
    ...deployment('api', 'sophia', 2),
    metadata: { name: 'api', namespace: 'sophia', managedFields: entries },
  });
  const template = { 'f:spec': { 'f:template': { 'f:spec': {} } } };
  const controller = entry('k3s', '2026-11-30T09:00:01Z', { 'f:metadata': { 'f:annotations': {} } });

  test('names the entry the undo wrote the template under, not the controller or earlier writes', () => {
    const before = withEntries(controller, entry('sophia-deploy', '2026-11-30T09:00:00Z', template));
    const after = withEntries(
      controller,
      entry('sophia-deploy', '2026-11-30T09:00:00Z', template),
      entry('kubectl', '2026-11-30T09:00:05Z', template),
      entry('k3s', '2026-11-30T09:00:06Z', { 'f:status': {} }, 'status'),
    );
    const record = undoRecord(before, after);
    expect(record[UNDO_FIELDS_ANNOTATION]).toMatch(/^kubectl=[0-9a-f]{16}$/);
  });

  test('is empty when the undo wrote nothing (the revision was already live)', () => {
    const same = withEntries(controller, entry('kubectl', '2026-11-30T09:00:05Z', template));
    expect(undoRecord(same, same)).toEqual({});
  });
});
