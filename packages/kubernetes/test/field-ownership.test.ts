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

const live = (object: KubeObject, replicas: number, replicasOwner?: string): KubeObject => ({
  ...object,
  metadata: {
    ...object.metadata,
    managedFields: [
      {
        manager: replicasOwner ?? 'sophia-deploy',
        operation: replicasOwner ? 'Update' : 'Apply',
        ...(replicasOwner ? { subresource: 'scale' } : {}),
        fieldsV1: replicasOwner
          ? { 'f:spec': { 'f:replicas': {} } }
          : { 'f:spec': { 'f:replicas': {}, 'f:selector': {} } },
      },
    ],
  },
  spec: { ...object.spec, replicas },
});
const liveByKey = (...objects: KubeObject[]) =>
  new Map(objects.map((object) => [`${object.metadata.namespace}/Deployment/${object.metadata.name}`, object]));

test('a live workload an autoscaler scales is applied without replicas, and named for a warning', () => {
  const objects = [
    deployment('chat-api', 'sophia', 2),
    deployment('worker', 'sophia', 3),
    deployment('chat-api', 'other', 1),
  ];
  const { objects: applied, yielded } = yieldReplicasToAutoscalers(
    objects,
    [autoscaler('chat-api', 'sophia')],
    liveByKey(live(objects[0], 4, 'k3s')),
    'sophia-deploy',
    true,
  );
  expect(yielded).toEqual(['sophia/Deployment/chat-api']);
  expect(applied.map((object) => object.spec?.replicas)).toEqual([undefined, 3, 1]);
  expect(applied[0].spec).toEqual({ selector: { matchLabels: { app: 'chat-api' } } });
  expect(objects[0].spec?.replicas).toBe(2);
});

test('a manifest that sets no replicas for an autoscaled workload needs no warning', () => {
  const chat = deployment('chat-api', 'sophia');
  expect(
    yieldReplicasToAutoscalers(
      [chat],
      [autoscaler('chat-api', 'sophia')],
      liveByKey(live(chat, 2, 'k3s')),
      'sophia-deploy',
      true,
    ).yielded,
  ).toEqual([]);
});

test("a new autoscaled workload starts with its manifest's replicas, within the autoscaler's bounds", () => {
  const decided = yieldReplicasToAutoscalers(
    [
      deployment('a', 'sophia', 4),
      deployment('b', 'sophia', 1),
      deployment('c', 'sophia', 9),
      deployment('d', 'sophia'),
    ],
    ['a', 'b', 'c', 'd'].map((name) => autoscaler(name, 'sophia')),
    new Map(),
    'sophia-deploy',
    true,
  );
  expect(decided.objects.map((object) => object.spec?.replicas)).toEqual([4, 2, 6, undefined]);
  expect(decided.started).toEqual([
    { key: 'sophia/Deployment/a', replicas: 4 },
    { key: 'sophia/Deployment/b', replicas: 2 },
    { key: 'sophia/Deployment/c', replicas: 6 },
  ]);
  expect(decided.yielded).toEqual([]);
  expect(decided.handovers).toEqual([]);
});

test("replicas the suite's field manager still owns are handed over at their live count before they are left out", () => {
  const chat = deployment('chat-api', 'sophia', 3);
  const decided = yieldReplicasToAutoscalers(
    [chat],
    [autoscaler('chat-api', 'sophia')],
    liveByKey(live(chat, 3)),
    'sophia-deploy',
    true,
  );
  expect(decided.objects[0].spec?.replicas).toBeUndefined();
  expect(decided.handovers).toEqual([
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'chat-api', namespace: 'sophia' },
      spec: { replicas: 3 },
    },
  ]);
});

test('with client-side apply a live autoscaled workload is applied at its live count, so the last applied configuration never loses replicas', () => {
  const chat = deployment('chat-api', 'sophia', 4);
  const fresh = deployment('fresh', 'sophia');
  const decided = yieldReplicasToAutoscalers(
    [chat, fresh],
    [autoscaler('chat-api', 'sophia'), autoscaler('fresh', 'sophia')],
    liveByKey(live(chat, 6), live(fresh, 3, 'k3s')),
    'sophia-deploy',
    false,
  );
  expect(decided.objects.map((object) => object.spec?.replicas)).toEqual([6, 3]);
  expect(decided.yielded).toEqual(['sophia/Deployment/chat-api']);
  expect(decided.handovers).toEqual([]);
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
