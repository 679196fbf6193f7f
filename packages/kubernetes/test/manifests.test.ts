import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES_DIR } from '@sophia-testing/manifests';
import {
  KubernetesInputError,
  loadManifests,
  ManifestError,
  parseManifestText,
  planApply,
  sortForApply,
  type KubeObject,
  type ManifestProblem,
} from '../src/index.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'manifests-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), text);
}

function problemsOf(patterns: string[], namespace?: string): ManifestProblem[] {
  try {
    loadManifests({ patterns, cwd: dir, namespace });
  } catch (error) {
    if (error instanceof ManifestError) return error.problems;
    throw error;
  }
  throw new Error('expected manifest problems');
}

const deployment = (name: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
${extra}spec:
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - name: main
          image: nginx:1.27
`;

test('multi-document files, List kinds and empty documents become one object each, with their lines', () => {
  write(
    'app.yaml',
    `---
# only a comment
---
${deployment('api')}---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: { name: settings }
  - apiVersion: v1
    kind: Service
    metadata: { name: api, namespace: other }
---
`,
  );
  const manifests = loadManifests({ patterns: ['app.yaml'], cwd: dir });
  expect(
    manifests.map((m) => [m.object.kind, m.object.metadata.name, m.object.metadata.namespace, m.file, m.line]),
  ).toEqual([
    ['Deployment', 'api', 'default', 'app.yaml', 4],
    ['ConfigMap', 'settings', 'default', 'app.yaml', 20],
    ['Service', 'api', 'other', 'app.yaml', 23],
  ]);
  expect(manifests[0].lineOf(['spec', 'template', 'spec', 'containers', 0, 'image'])).toBe(15);
});

test('the namespace input fills in for objects without one; cluster-scoped kinds get none', () => {
  write('ns.yaml', `apiVersion: v1\nkind: Namespace\nmetadata: { name: prod }\n---\n${deployment('api')}`);
  const manifests = loadManifests({ patterns: ['ns.yaml'], cwd: dir, namespace: 'prod' });
  expect(manifests.map((m) => m.object.metadata.namespace)).toEqual([undefined, 'prod']);
});

test('directories and globs resolve to sorted files, each once', () => {
  write('k8s/b.yaml', deployment('b'));
  write('k8s/a.yml', deployment('a'));
  write('k8s/notes.txt', 'not a manifest');
  write('prod/mcp-x.yaml', deployment('x'));
  write('prod/mcp-y.yaml', deployment('why'));
  write('prod/other.yaml', deployment('other'));
  const names = loadManifests({ patterns: ['k8s', 'prod/mcp-*.yaml', 'k8s/a.yml'], cwd: dir }).map(
    (m) => `${m.file}:${m.object.metadata.name}`,
  );
  expect(names).toEqual(['k8s/a.yml:a', 'k8s/b.yaml:b', 'prod/mcp-x.yaml:x', 'prod/mcp-y.yaml:why']);
});

test('a name YAML 1.1 reads as a boolean is refused at its line, saying why', () => {
  write('yes.yaml', deployment('y'));
  expect(() => loadManifests({ patterns: ['yes.yaml'], cwd: dir })).toThrow(
    'yes.yaml:4: metadata.name reads as boolean true, not a name: kubectl reads YAML 1.1',
  );
});

test('a pattern matching nothing is an input error naming the input', () => {
  expect(() => loadManifests({ patterns: ['missing/*.yaml'], cwd: dir })).toThrow(
    new KubernetesInputError(
      'manifests',
      `Input "manifests" names "missing/*.yaml", which matches no file in ${JSON.stringify(dir)}`,
    ),
  );
});

test('a manifest set with no object (an empty file, comments only) is an input error naming the input, as kubectl refuses it', () => {
  write('empty.yaml', '');
  write('comments.yaml', '# nothing here yet\n---\n# still nothing\n');
  expect(() => loadManifests({ patterns: ['empty.yaml', 'comments.yaml'], cwd: dir })).toThrow(
    new KubernetesInputError(
      'manifests',
      'Input "manifests" names "empty.yaml", "comments.yaml", which hold no Kubernetes object (only empty documents or comments); nothing was applied',
    ),
  );
});

test('invalid YAML, missing kind, bad names and bad namespaces are all reported with file and line', () => {
  write('broken.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\ndata:\n  key: [unclosed\n`);
  write(
    'bad.yaml',
    `apiVersion: v1
metadata:
  name: no-kind
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: Bad_Name
---
apiVersion: v1
kind: ConfigMap
metadata:
  namespace: Prod
  name: fine
---
apiVersion: v1
kind: ConfigMap
metadata: {}
---
- just
- a list
`,
  );
  const problems = problemsOf(['bad.yaml', 'broken.yaml']);
  expect(problems.map((p) => `${p.file}:${p.line}: ${p.message}`)).toEqual([
    'bad.yaml:20: a manifest document must be a mapping with apiVersion, kind and metadata',
    'broken.yaml:7: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
    'bad.yaml:1: kind is missing',
    'bad.yaml:8: Deployment name "Bad_Name" is not a valid DNS-1123 name (lower-case letters, digits, "-" and ".", starting and ending alphanumeric)',
    'bad.yaml:13: namespace "Prod" is not a valid namespace name',
    'bad.yaml:18: metadata.name is missing',
  ]);
});

test('an object defined twice is refused, pointing at both places', () => {
  write('a.yaml', deployment('api'));
  write('b.yaml', deployment('api'));
  expect(problemsOf(['a.yaml', 'b.yaml'])).toEqual([
    { file: 'b.yaml', line: 1, message: 'Deployment/api is defined twice (first at a.yaml:1)' },
  ]);
});

test('the error lists every problem and says nothing was applied', () => {
  const problems: ManifestProblem[] = [];
  parseManifestText('kind: [', 'x.yaml', problems);
  const error = new ManifestError(problems);
  expect(error.message).toMatch(/^1 manifest problem, nothing was applied:\n {2}x\.yaml:1: invalid YAML: /);
});

test('objects are applied namespaces and configuration first, workloads next, ingress last', () => {
  write(
    'all.yaml',
    ['Ingress', 'Deployment', 'Service', 'Secret', 'Namespace', 'ConfigMap']
      .map((kind) => `apiVersion: v1\nkind: ${kind}\nmetadata: { name: x }\n`)
      .join('---\n'),
  );
  expect(sortForApply(loadManifests({ patterns: ['all.yaml'], cwd: dir })).map((m) => m.object.kind)).toEqual([
    'Namespace',
    'Secret',
    'ConfigMap',
    'Service',
    'Deployment',
    'Ingress',
  ]);
});

test('objects needing a namespace or a CustomResourceDefinition this deploy creates are checked after those exist', () => {
  const object = (
    apiVersion: string,
    kind: string,
    name: string,
    namespace?: string,
    spec?: Record<string, unknown>,
  ): KubeObject => ({
    apiVersion,
    kind,
    metadata: namespace ? { name, namespace } : { name },
    ...(spec ? { spec } : {}),
  });
  const crd = object('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com', undefined, {
    group: 'example.com',
    names: { kind: 'Widget', plural: 'widgets' },
  });
  const objects = [
    object('v1', 'Namespace', 'fresh'),
    object('v1', 'Namespace', 'existing'),
    crd,
    object('v1', 'ConfigMap', 'a', 'fresh'),
    object('v1', 'ConfigMap', 'b', 'existing'),
    object('example.com/v1', 'Widget', 'w', 'existing'),
    object('other.example.com/v1', 'Widget', 'unrelated', 'existing'),
  ];
  const name = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;
  const fresh = planApply(objects, [objects[1]]);
  expect(fresh.foundations.map(name)).toEqual(['Namespace/fresh', 'Namespace/existing', name(crd)]);
  expect(fresh.checkable.map(name)).toEqual(['ConfigMap/b', 'Widget/unrelated']);
  expect(fresh.deferred.map(name)).toEqual(['ConfigMap/a', 'Widget/w']);
  const established = planApply(objects, objects.slice(0, 3));
  expect(established.deferred).toEqual([]);
});

test('kinds Helm does not order follow the ones it does, sorted by kind', () => {
  const manifests = ['Widget', 'Deployment', 'Alpha', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'].map((kind) => ({
    object: { apiVersion: 'v1', kind, metadata: { name: 'x' } },
    file: 'x.yaml',
    line: 1,
    lineOf: () => 1,
  }));
  expect(sortForApply(manifests).map((m) => m.object.kind)).toEqual([
    'PodDisruptionBudget',
    'Deployment',
    'HorizontalPodAutoscaler',
    'Alpha',
    'Widget',
  ]);
});

describe('a directory holding a kustomization', () => {
  const fixtures = join(FIXTURES_DIR, 'kustomize');

  test('is rendered by kubectl kustomize and read like any manifests, lines referring to the rendered output', () => {
    const manifests = loadManifests({ patterns: ['overlays/production'], cwd: fixtures });
    expect(
      manifests.map((m) => [m.file, m.line, m.object.kind, m.object.metadata.namespace, m.object.metadata.name]),
    ).toEqual([
      ['overlays/production', 1, 'Namespace', undefined, 'sophia-prod'],
      ['overlays/production', 8, 'ConfigMap', 'sophia-prod', 'prod-api-settings-hf678c7m2b'],
      ['overlays/production', 18, 'Deployment', 'sophia-prod', 'prod-api'],
    ]);
    const deployment = manifests[2];
    expect(deployment.object.metadata.labels).toEqual({ 'app.kubernetes.io/part-of': 'sophia' });
    expect(deployment.object.spec?.template).toMatchObject({
      spec: {
        containers: [
          {
            image: 'ghcr.io/sophia-ai/api:1.4.0',
            envFrom: [{ configMapRef: { name: 'prod-api-settings-hf678c7m2b' } }],
          },
        ],
      },
    });
    expect(deployment.lineOf(['spec', 'template', 'spec', 'containers', 0, 'image'])).toBe(39);
  });

  test('that kubectl cannot build is an input error with kubectl’s reason', () => {
    write('broken/kustomization.yaml', 'resources:\n  - missing.yaml\n');
    expect(() => loadManifests({ patterns: ['broken'], cwd: dir })).toThrow(
      /^Input "manifests" names kustomization "broken", which kubectl kustomize cannot build: .*missing\.yaml/s,
    );
  });
});
