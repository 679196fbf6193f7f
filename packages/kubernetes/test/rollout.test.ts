import {
  newPodsOf,
  objectDiff,
  podProblems,
  rolloutTimings,
  sameIntent,
  selectorString,
  workloadProgress,
  type KubeObject,
} from '../src/index.js';

const deployment = (status: Record<string, unknown>, generation = 2): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'api', uid: 'd1', generation, annotations: { 'deployment.kubernetes.io/revision': '2' } },
  spec: { replicas: 2 },
  status: { observedGeneration: 2, ...status },
});

test.each([
  [{ observedGeneration: 1 }, 'Deployment/api: waiting for the controller to see the new spec', false],
  [{ updatedReplicas: 1, replicas: 2, availableReplicas: 2 }, 'Deployment/api: 1 of 2 updated replicas', false],
  [
    { updatedReplicas: 2, replicas: 3, availableReplicas: 2 },
    'Deployment/api: 1 old replicas pending termination',
    false,
  ],
  [
    { updatedReplicas: 2, replicas: 2, availableReplicas: 1 },
    'Deployment/api: 1 of 2 updated replicas available',
    false,
  ],
  [{ updatedReplicas: 2, replicas: 2, availableReplicas: 2 }, 'Deployment/api successfully rolled out', true],
])('deployment progress follows kubectl rollout status (%j)', (status, message, done) => {
  expect(workloadProgress(deployment(status))).toEqual({ done, message });
});

test('an exceeded progress deadline is a failure', () => {
  const progress = workloadProgress(
    deployment({ conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }),
  );
  expect(progress.failure).toBe('Deployment/api exceeded its progress deadline');
});

test('only the pods of the current ReplicaSet count as new', () => {
  const rs = (name: string, revision: string): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      uid: name,
      annotations: { 'deployment.kubernetes.io/revision': revision },
      ownerReferences: [{ uid: 'd1' }],
    },
  });
  const pod = (name: string, owner: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ownerReferences: [{ uid: owner }] },
  });
  const pods = newPodsOf(
    deployment({}),
    [rs('api-old', '1'), rs('api-new', '2')],
    [pod('a', 'api-old'), pod('b', 'api-new')],
  );
  expect(pods.map((p) => p.metadata.name)).toEqual(['b']);
});

test('pod problems are waiting reasons and unschedulable conditions, not normal start-up', () => {
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    status: {
      conditions: [
        { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/2 nodes are available' },
      ],
      containerStatuses: [
        { name: 'api', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } } },
        { name: 'sidecar', state: { waiting: { reason: 'ContainerCreating' } } },
      ],
    },
  };
  expect(podProblems(pod)).toEqual([
    { reason: 'Unschedulable', message: '0/2 nodes are available' },
    { reason: 'ImagePullBackOff', message: 'container api: Back-off pulling image "x"' },
  ]);
});

test('selectors render as kubectl --selector syntax', () => {
  expect(
    selectorString({
      matchLabels: { app: 'api' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['web', 'mcp'] },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    }),
  ).toBe('app=api,tier in (web,mcp),!canary');
});

test('timings scale with the rollout timeout', () => {
  expect(rolloutTimings(300_000)).toEqual({ pollIntervalMs: 2000, failFastAfterMs: 30_000 });
  expect(rolloutTimings(10_000)).toEqual({ pollIntervalMs: 333, failFastAfterMs: 2000 });
});

test('the diff shows the changed image and ignores server-owned fields', () => {
  const live: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', resourceVersion: '5', uid: 'u', managedFields: [] },
    spec: { image: 'api:1', replicas: 2 },
    status: { replicas: 2 },
  };
  const intended: KubeObject = {
    ...live,
    metadata: { name: 'api', resourceVersion: '6' },
    spec: { image: 'api:2', replicas: 2 },
  };
  expect(objectDiff(live, intended)).toBe(
    '  ...\n    name: api\n  spec:\n-   image: api:1\n+   image: api:2\n    replicas: 2',
  );
  expect(sameIntent(live, { ...live, metadata: { name: 'api', resourceVersion: '9' } })).toBe(true);
  expect(sameIntent(live, intended)).toBe(false);
});

test('secret values never appear in a diff, yet a changed value shows as changed', () => {
  const secret = (data: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's' },
    data,
  });
  const live = secret({
    DATABASE_URL: Buffer.from('postgres://old').toString('base64'),
    TOKEN: Buffer.from('same').toString('base64'),
  });
  const intended = secret({
    DATABASE_URL: Buffer.from('postgres://new').toString('base64'),
    TOKEN: Buffer.from('same').toString('base64'),
  });
  const diff = objectDiff(live, intended);
  expect(diff).not.toMatch(/postgres|cG9zdGdyZXM|c2FtZQ/);
  expect(diff).toMatch(/^- {3}DATABASE_URL: \(redacted [0-9a-f]{8}\)\n\+ {3}DATABASE_URL: \(redacted [0-9a-f]{8}\)$/m);
  expect(sameIntent(live, secret({ ...(live.data as Record<string, string>) }))).toBe(true);
  expect(
    objectDiff(undefined, { ...intended, data: undefined, stringData: { TOKEN: 'plain-text-secret' } } as KubeObject),
  ).not.toContain('plain-text-secret');
});

test.each([
  [
    'a DaemonSet with OnDelete whose pods keep the old revision',
    {
      kind: 'DaemonSet',
      spec: { updateStrategy: { type: 'OnDelete' } },
      status: { observedGeneration: 2, desiredNumberScheduled: 2, updatedNumberScheduled: 0, numberAvailable: 2 },
    },
    true,
    'DaemonSet/api has updateStrategy OnDelete: the new revision is recorded, and its running pods move to it only when deleted',
  ],
  [
    'a DaemonSet with OnDelete whose pods are not up yet',
    {
      kind: 'DaemonSet',
      spec: { updateStrategy: { type: 'OnDelete' } },
      status: { observedGeneration: 2, desiredNumberScheduled: 2, updatedNumberScheduled: 1, numberAvailable: 1 },
    },
    false,
    undefined,
  ],
  [
    'a StatefulSet whose partition keeps two pods back',
    {
      kind: 'StatefulSet',
      spec: { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } },
      status: {
        observedGeneration: 2,
        readyReplicas: 3,
        updatedReplicas: 1,
        currentRevision: 'api-1',
        updateRevision: 'api-2',
      },
    },
    true,
    undefined,
  ],
])('%s: done %s', (_, fields, done, note) => {
  const workload = { apiVersion: 'apps/v1', metadata: { name: 'api', generation: 2 }, ...fields } as KubeObject;
  const progress = workloadProgress(workload);
  expect(progress.done).toBe(done);
  expect(progress.note).toBe(note);
});
