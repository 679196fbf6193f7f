import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kubectlBinaries, startCluster, type Cluster } from '@sophia-testing/k3s-simulator';
import {
  AFTER_DOCUMENT_END,
  EMPTY_DOCUMENTS,
  JSON_STREAM,
  KUBECTL_REFUSES,
  MERGE_KEY_DEPLOYMENT,
  YAML_1_1_CONSTRUCTS,
} from '@sophia-testing/manifests';
import {
  kubeJson,
  manifestStream,
  parseKubeJson,
  parseManifestText,
  validateManifest,
  type ManifestProblem,
} from '../src/index.js';

const run = promisify(execFile);
let cluster: Cluster;
let dir: string;

beforeAll(async () => {
  cluster = await startCluster();
  dir = mkdtempSync(join(tmpdir(), 'kubectl-yaml-'));
  cluster.writeKubeconfig(dir);
});

afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * What kubectl itself reads from the text: `create --dry-run=client` prints each object as read
 * (one JSON document per object, back to back), with the context's namespace filled in.
 */
async function kubectlReads(binary: string, text: string): Promise<Array<Record<string, unknown>>> {
  const file = join(dir, 'manifest.yaml');
  writeFileSync(file, text);
  const { stdout } = await run(binary, ['create', '--dry-run=client', '-o', 'json', '-f', file], {
    env: { ...process.env, KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'cache') },
  });
  const objects = parseKubeJson(`[${stdout.trim().replace(/\n}\n{/g, '\n},\n{')}]`) as Array<{
    metadata: Record<string, unknown>;
  }>;
  for (const object of objects) delete object.metadata.namespace; // the loader settles namespaces later
  return objects;
}

/** Our reading, as it travels to kubectl: JSON (where -0 is 0), read back without rounding int64s. */
function weRead(text: string): unknown {
  const problems: ManifestProblem[] = [];
  const manifests = parseManifestText(text, 'manifest.yaml', problems);
  expect(problems).toEqual([]);
  return parseKubeJson(kubeJson(manifests.map((manifest) => manifest.object)));
}

describe.each(kubectlBinaries())('manifests read as kubectl $minor reads them', ({ binary }) => {
  test('every construct where YAML 1.1 and 1.2 disagree gives the value kubectl sends', async () => {
    expect(weRead(YAML_1_1_CONSTRUCTS)).toEqual(await kubectlReads(binary, YAML_1_1_CONSTRUCTS));
  });

  test('integers beyond 2^53 reach kubectl with every digit, in YAML and JSON files; beyond int64 they round as kubectl rounds them', async () => {
    const pod = (seconds: string, spell: (key: string, value: string) => string) =>
      [
        'apiVersion: v1',
        'kind: Pod',
        'metadata: {name: wide}',
        'spec:',
        `  ${spell('activeDeadlineSeconds', seconds)}`,
        `  ${spell('terminationGracePeriodSeconds', '0x20000000000001')}`,
        `  securityContext: {${spell('runAsUser', '9_007_199_254_740_995')}, ${spell('runAsGroup', '-9223372036854775808')}, ${spell('fsGroup', '99999999999999999999')}}`,
        '  containers: [{name: a, image: registry.example/a:1}]',
        '',
      ].join('\n');
    const yaml = pod('9007199254740993', (key, value) => `${key}: ${value}`);
    const read = weRead(yaml) as Array<{ spec: Record<string, unknown> }>;
    expect(read).toEqual(await kubectlReads(binary, yaml));
    expect(read[0].spec.activeDeadlineSeconds).toBe(9007199254740993n);
    expect(read[0].spec.terminationGracePeriodSeconds).toBe(9007199254740993n);
    expect(read[0].spec.securityContext).toEqual({
      runAsUser: 9007199254740995n,
      runAsGroup: -9223372036854775808n,
      fsGroup: 1e20,
    });
    const problems: ManifestProblem[] = [];
    const stream = manifestStream(parseManifestText(yaml, 'pod.yaml', problems).map((manifest) => manifest.object));
    expect(stream).toContain('"activeDeadlineSeconds":9007199254740993,');
    const json = `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "wide"}, "spec": {"activeDeadlineSeconds": 9007199254740993, "containers": [{"name": "a", "image": "registry.example/a:1"}]}}`;
    expect(weRead(json)).toEqual(await kubectlReads(binary, json));
    expect((weRead(json) as Array<{ spec: Record<string, unknown> }>)[0].spec.activeDeadlineSeconds).toBe(
      9007199254740993n,
    );
  });

  test('a container list reusing an anchor through a merge key keeps the image', async () => {
    const read = weRead(MERGE_KEY_DEPLOYMENT);
    expect(read).toEqual(await kubectlReads(binary, MERGE_KEY_DEPLOYMENT));
    expect(read).toMatchObject([
      {
        spec: {
          template: {
            spec: {
              containers: [
                { name: 'api', image: 'registry.example/api:v1' },
                { name: 'worker', image: 'registry.example/api:v1' },
              ],
            },
          },
        },
      },
    ]);
  });

  test('merge keys override in the order written, as go-yaml does; the YAML 1.1 collection tags read as kubectl reads them', async () => {
    const [read] = weRead(YAML_1_1_CONSTRUCTS) as Array<{ constructs: Record<string, unknown> }>;
    expect(read.constructs.mergeOrder).toMatchObject({
      explicitFirst: { name: 'api', port: 1 },
      explicitAround: { name: 'worker', port: 1 },
      twoMerges: { port: 2 },
      nested: { name: 'nested', port: 1 },
      quoted: { '<<': { name: 'api' } },
    });
    expect(read.constructs.collections).toEqual([{ a: null, b: null }, [{ a: 1 }, { b: 2 }], [{ a: 1 }, { a: 2 }]]);
  });

  test('a JSON stream (objects back to back) and empty or comment-only documents are read as kubectl reads them', async () => {
    expect(weRead(JSON_STREAM)).toEqual(await kubectlReads(binary, JSON_STREAM));
    expect(weRead(JSON_STREAM)).toHaveLength(3);
    expect(weRead(EMPTY_DOCUMENTS)).toEqual(await kubectlReads(binary, EMPTY_DOCUMENTS));
  });

  test.each(KUBECTL_REFUSES)('$name, which kubectl refuses, is a problem at its line', async ({ text, line }) => {
    await expect(kubectlReads(binary, text)).rejects.toThrow(/error/);
    const problems: ManifestProblem[] = [];
    parseManifestText(text, 'manifest.yaml', problems);
    expect(problems).toEqual([{ file: 'manifest.yaml', line, message: expect.stringMatching(/kubectl refuses/) }]);
  });

  test("items of a typed list that name no apiVersion and kind take the list's, as kubectl reads them; of a plain List, both refuse them", async () => {
    const typed = `apiVersion: v1
kind: ConfigMapList
items:
  - metadata: {name: a}
    data: {x: "1"}
  - {apiVersion: v1, kind: Secret, metadata: {name: b}, stringData: {y: "2"}}
---
apiVersion: apps/v1
kind: DeploymentList
items:
  - metadata: {name: d}
    spec: {replicas: 1}
`;
    expect(weRead(typed)).toEqual(await kubectlReads(binary, typed));
    const plain = 'apiVersion: v1\nkind: List\nitems:\n  - metadata: {name: c}\n    data: {x: "1"}\n';
    await expect(kubectlReads(binary, plain)).rejects.toThrow(/apiVersion not set, kind not set/);
    const problems: ManifestProblem[] = [];
    const [item] = parseManifestText(plain, 'manifest.yaml', problems);
    validateManifest(item, undefined, problems);
    expect(problems).toEqual([
      { file: 'manifest.yaml', line: 4, message: 'apiVersion is missing' },
      { file: 'manifest.yaml', line: 4, message: 'kind is missing' },
    ]);
  });

  test('a document after "..." without "---", which kubectl silently drops, is a problem instead of deployed', async () => {
    expect(await kubectlReads(binary, AFTER_DOCUMENT_END)).toHaveLength(1);
    const problems: ManifestProblem[] = [];
    parseManifestText(AFTER_DOCUMENT_END, 'manifest.yaml', problems);
    expect(problems).toEqual([
      {
        file: 'manifest.yaml',
        line: 5,
        message: 'a document after "..." without a "---" line: kubectl ignores it; start it with ---',
      },
    ]);
  });

  test('several objects reach kubectl as one stream it reads whole', async () => {
    const objects = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one' }, data: { on: 'yes' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'two' }, data: { mode: '0755' } },
    ];
    expect(await kubectlReads(binary, manifestStream(objects))).toEqual(objects);
  });
});
