/* eslint-disable @typescript-eslint/no-explicit-any -- the tests reach into nested pod specs of several kinds */
import {
  addManagedByLabel,
  addTraceAnnotations,
  imageRepository,
  injectPlacement,
  parseManifestText,
  prepareManifests,
  substituteImages,
  ManifestError,
  type KubeObject,
  type Placement,
} from '../src/index.js';

const podSpec = (extra: Record<string, unknown> = {}) => ({
  containers: [{ name: 'api', image: 'ghcr.io/sophia/backend:1.0.0' }],
  initContainers: [{ name: 'migrate', image: 'ghcr.io/sophia/backend:1.0.0' }],
  ...extra,
});

function workload(kind: string, spec: Record<string, unknown> = podSpec()): KubeObject {
  const template = { metadata: { labels: { app: 'x' } }, spec };
  const bodies: Record<string, Record<string, unknown>> = {
    Pod: spec,
    CronJob: { schedule: '*/5 * * * *', jobTemplate: { spec: { template } } },
  };
  return {
    apiVersion: 'v1',
    kind,
    metadata: { name: 'x', namespace: 'default' },
    spec: bodies[kind] ?? { selector: { matchLabels: { app: 'x' } }, template },
  };
}

const POD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod'];
const placement: Placement = {
  nodeSelector: { key: 'sophia.ai/pool', value: 'mcp' },
  taint: { key: 'sophia.ai/dedicated', value: 'mcp', effect: 'NoSchedule' },
};

function podSpecOf(object: KubeObject): Record<string, unknown> {
  const spec = object.spec as Record<string, any>;
  if (object.kind === 'Pod') return spec;
  if (object.kind === 'CronJob') return spec.jobTemplate.spec.template.spec;
  return spec.template.spec;
}

test('imageRepository strips tags and digests but keeps registry ports', () => {
  expect(imageRepository('ghcr.io/sophia/backend:1.0')).toBe('ghcr.io/sophia/backend');
  expect(imageRepository('localhost:5000/api@sha256:abc')).toBe('localhost:5000/api');
  expect(imageRepository('localhost:5000/api')).toBe('localhost:5000/api');
  expect(imageRepository('nginx')).toBe('nginx');
});

test.each(POD_KINDS)('images are substituted in every container of a %s, by repository or container name', (kind) => {
  const original = workload(kind);
  const { object, substitutions, matchedKeys } = substituteImages(
    original,
    new Map([['ghcr.io/sophia/backend', 'ghcr.io/sophia/backend:2.0.0']]),
  );
  expect(substitutions.map((s) => s.to)).toEqual(['ghcr.io/sophia/backend:2.0.0', 'ghcr.io/sophia/backend:2.0.0']);
  expect(matchedKeys).toEqual(['ghcr.io/sophia/backend']);
  expect(podSpecOf(object).containers).toEqual([{ name: 'api', image: 'ghcr.io/sophia/backend:2.0.0' }]);
  expect(podSpecOf(original).containers).toEqual([{ name: 'api', image: 'ghcr.io/sophia/backend:1.0.0' }]);
  const byName = substituteImages(original, new Map([['migrate', 'tools:3']]));
  expect(podSpecOf(byName.object).initContainers).toEqual([{ name: 'migrate', image: 'tools:3' }]);
  expect(podSpecOf(byName.object).containers).toEqual([{ name: 'api', image: 'ghcr.io/sophia/backend:1.0.0' }]);
});

test('the managed-by label goes on the object and its pod template, never on the selector', () => {
  const object = addManagedByLabel(workload('Deployment'));
  expect(object.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'sophia-deploy' });
  expect((object.spec as any).template.metadata.labels).toEqual({
    app: 'x',
    'app.kubernetes.io/managed-by': 'sophia-deploy',
  });
  expect((object.spec as any).selector).toEqual({ matchLabels: { app: 'x' } });
  const config = addManagedByLabel({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', labels: { a: 'b' } },
  });
  expect(config.metadata.labels).toEqual({ a: 'b', 'app.kubernetes.io/managed-by': 'sophia-deploy' });
});

test('trace annotations name the commit, the run and the change cause, on the object only', () => {
  const object = addTraceAnnotations(workload('Deployment'), {
    commit: 'abc123',
    runUrl: 'https://github.com/sophia/app/actions/runs/1',
    changeCause: 'deploy abc123',
  });
  expect(object.metadata.annotations).toEqual({
    'sophia.ai/commit': 'abc123',
    'sophia.ai/run-url': 'https://github.com/sophia/app/actions/runs/1',
    'kubernetes.io/change-cause': 'deploy abc123',
  });
  expect((object.spec as any).template.metadata.annotations).toBeUndefined();
});

test.each(POD_KINDS)('placement is injected into the pod template of a %s', (kind) => {
  const { object, conflicts } = injectPlacement(
    workload(kind, podSpec({ nodeSelector: { 'kubernetes.io/os': 'linux' } })),
    placement,
  );
  expect(conflicts).toEqual([]);
  expect(podSpecOf(object).nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', 'sophia.ai/pool': 'mcp' });
  expect(podSpecOf(object).tolerations).toEqual([
    { key: 'sophia.ai/dedicated', operator: 'Equal', value: 'mcp', effect: 'NoSchedule' },
  ]);
});

test('an equal nodeSelector and an existing toleration are kept as they are', () => {
  const spec = podSpec({
    nodeSelector: { 'sophia.ai/pool': 'mcp' },
    tolerations: [{ key: 'sophia.ai/dedicated', operator: 'Exists', effect: 'NoSchedule' }],
  });
  const { object, conflicts } = injectPlacement(workload('Deployment', spec), placement);
  expect(conflicts).toEqual([]);
  expect(podSpecOf(object).nodeSelector).toEqual({ 'sophia.ai/pool': 'mcp' });
  expect(podSpecOf(object).tolerations).toEqual([
    { key: 'sophia.ai/dedicated', operator: 'Exists', effect: 'NoSchedule' },
  ]);
});

test('a contradicting nodeSelector or a nodeName is a conflict with its path, and the object is left untouched', () => {
  const original = workload('Deployment', podSpec({ nodeSelector: { 'sophia.ai/pool': 'gpu' }, nodeName: 'gpu-1' }));
  const { object, conflicts } = injectPlacement(original, placement);
  expect(conflicts).toEqual([
    {
      path: ['spec', 'template', 'spec', 'nodeSelector', 'sophia.ai/pool'],
      message: 'Deployment/x has nodeSelector sophia.ai/pool=gpu, which contradicts the placement sophia.ai/pool=mcp',
    },
    {
      path: ['spec', 'template', 'spec', 'nodeName'],
      message: 'Deployment/x sets nodeName gpu-1, which bypasses the placement sophia.ai/pool=mcp',
    },
  ]);
  expect(object).toEqual(original);
});

test('objects without pods are not touched by placement', () => {
  const service: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 's' },
    spec: { ports: [{ port: 80 }] },
  };
  expect(injectPlacement(service, placement)).toEqual({ object: service, conflicts: [] });
});

test('prepareManifests reports placement conflicts at the line of the nodeSelector', () => {
  const problems: never[] = [];
  const manifests = parseManifestText(
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: mcp-slack
spec:
  template:
    spec:
      nodeSelector:
        sophia.ai/pool: general
      containers: [{ name: slack, image: slack:1 }]
`,
    'kubernetes/production/mcp-slack.yaml',
    problems,
  );
  let caught: unknown;
  try {
    prepareManifests(manifests, { placement });
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ManifestError);
  expect((caught as ManifestError).problems).toEqual([
    {
      file: 'kubernetes/production/mcp-slack.yaml',
      line: 9,
      message:
        'Deployment/mcp-slack has nodeSelector sophia.ai/pool=general, which contradicts the placement sophia.ai/pool=mcp',
    },
  ]);
});

test('prepareManifests warns about image entries no container uses', () => {
  const warnings: string[] = [];
  const manifests = parseManifestText(
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: a }\nspec:\n  template:\n    spec:\n      containers: [{ name: a, image: "app:1" }]\n`,
    'a.yaml',
    [],
  );
  const [prepared] = prepareManifests(manifests, {
    images: new Map([
      ['app', 'app:2'],
      ['typo', 'typo:1'],
    ]),
    warn: (m) => warnings.push(m),
  });
  expect((prepared.object.spec as any).template.spec.containers[0].image).toBe('app:2');
  expect(warnings).toEqual([
    'Input "images" names "typo", but no container in the manifests uses that image or has that name',
  ]);
});
