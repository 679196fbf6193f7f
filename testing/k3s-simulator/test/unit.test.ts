/** The simulator's building blocks on their own: selectors, field sets, patches, template hashes, taints. */
import { tolerates as shippedTolerates } from '@sophia/kubernetes';
import { tolerates } from '../src/controllers/scheduler.js';
import { templateHash } from '../src/controllers/context.js';
import { parseApiJson } from '../src/json.js';
import { describePath, fieldSet, fromFieldsV1, serverSideApply, toFieldsV1 } from '../src/patch/managed-fields.js';
import { applyMergePatch } from '../src/patch/merge-patch.js';
import { applyStrategicMergePatch } from '../src/patch/strategic-merge.js';
import { fieldSelectorPredicate, labelSelectorPredicate, labelSelectorString } from '../src/selectors.js';
import { typeOf } from '../src/resources.js';
import { ObjectStore } from '../src/store.js';
import { humanDuration } from '../src/table.js';
import type { StoredObject } from '../src/types.js';

const pod = (labels: Record<string, string>, phase = 'Running'): StoredObject => ({
  metadata: { name: 'p', labels },
  status: { phase },
});

test('label selectors: equality, inequality, sets, existence', () => {
  const select = (selector: string) => labelSelectorPredicate(selector);
  expect(select('app=web,tier!=db')(pod({ app: 'web', tier: 'api' }))).toBe(true);
  expect(select('app=web,tier!=db')(pod({ app: 'web', tier: 'db' }))).toBe(false);
  expect(select('env in (prod, staging),!canary')(pod({ env: 'staging' }))).toBe(true);
  expect(select('env notin (prod)')(pod({ env: 'prod' }))).toBe(false);
  expect(select('gpu')(pod({ gpu: 'true' }))).toBe(true);
  expect(() => select('a b')).toThrow(/unable to parse requirement/);
  expect(
    labelSelectorString({
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }],
    }),
  ).toBe('app=web,tier in (a,b)');
  expect(fieldSelectorPredicate('metadata.name=p,status.phase!=Pending')(pod({}))).toBe(true);
});

test('field sets serialise as fieldsV1 and print as the API server prints conflict paths', () => {
  const object = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: { template: { spec: { containers: [{ name: 'app', image: 'a:1', ports: [{ containerPort: 80 }] }] } } },
  };
  const fields = fieldSet(object);
  const fieldsV1 = toFieldsV1(fields);
  expect(
    fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"app"}']['f:ports'][
      'k:{"containerPort":80,"protocol":"TCP"}'
    ],
  ).toEqual({
    '.': {},
    'f:containerPort': {},
  });
  expect(fromFieldsV1(fieldsV1)).toEqual(fields);
  const image = [...fields].find((path) => path.endsWith('f:image')) ?? '';
  expect(describePath(image)).toBe('.spec.template.spec.containers[name="app"].image');
});

test('server-side apply shares equal values and conflicts on different ones', () => {
  const configuration = (image: string): StoredObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'c', image }] },
  });
  const first = serverSideApply({
    live: undefined,
    applied: configuration('a:1'),
    manager: 'one',
    force: false,
    apiVersion: 'v1',
  });
  const shared = serverSideApply({
    live: first,
    applied: configuration('a:1'),
    manager: 'two',
    force: false,
    apiVersion: 'v1',
  });
  expect(shared.metadata.managedFields.map((entry: { manager: string }) => entry.manager)).toEqual(['one', 'two']);
  expect(() =>
    serverSideApply({ live: shared, applied: configuration('a:2'), manager: 'two', force: false, apiVersion: 'v1' }),
  ).toThrow('Apply failed with 1 conflict: conflict with "one": .spec.containers[name="c"].image');
  const forced = serverSideApply({
    live: shared,
    applied: configuration('a:2'),
    manager: 'two',
    force: true,
    apiVersion: 'v1',
  });
  expect(forced.spec.containers[0].image).toBe('a:2');
});

test('strategic merge replaces lists without merge keys and merges those with them', () => {
  const live = {
    spec: {
      tolerations: [{ key: 'a' }],
      containers: [{ name: 'x', image: '1' }],
      volumes: [{ name: 'v', emptyDir: {} }],
    },
  };
  const patched = applyStrategicMergePatch(live, {
    spec: {
      tolerations: [{ key: 'b' }],
      containers: [{ name: 'y', image: '2' }],
      volumes: [{ name: 'v', $patch: 'delete' }],
    },
  });
  expect(patched.spec.tolerations).toEqual([{ key: 'b' }]);
  expect(patched.spec.containers.map((container: { name: string }) => container.name)).toEqual(['x', 'y']);
  expect(patched.spec.volumes).toEqual([]);
  expect(applyMergePatch({ a: { b: 1, c: 2 } }, { a: { b: null } })).toEqual({ a: { c: 2 } });
});

test('template hashes are stable, alphanumeric and change with the template', () => {
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'a:1' }] } };
  expect(templateHash(template)).toBe(templateHash(JSON.parse(JSON.stringify(template))));
  expect(templateHash(template)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  expect(templateHash({ ...template, spec: { containers: [{ name: 'c', image: 'a:2' }] } })).not.toBe(
    templateHash(template),
  );
});

test('ages print as the API server prints them', () => {
  expect(humanDuration(5000)).toBe('5s');
  expect(humanDuration(150_000)).toBe('2m30s');
  expect(humanDuration(3 * 3600_000 + 5 * 60_000)).toBe('3h5m');
  expect(humanDuration(50 * 3600_000)).toBe('2d2h');
});

test('int64 values keep their digits wherever JSON has a number; digits inside strings stay text', () => {
  const read = parseApiJson(
    '{"a": 9007199254740993, "b": [1, 9007199254740995], "id": "containerd://30303831343637342d6665", "n": 12}',
  );
  expect(read.a).toBe(9007199254740993n);
  expect(read.b).toEqual([1, 9007199254740995n]);
  expect(read.id).toBe('containerd://30303831343637342d6665');
  expect(read.n).toBe(12);
  expect(parseApiJson('-9007199254740993')).toBe(-9007199254740993n);
  expect(parseApiJson('{"checksum":"0000000000000000000000"}')).toEqual({ checksum: '0000000000000000000000' });
});

test('a store list picks objects before copying them, and copies only those', () => {
  const store = new ObjectStore();
  const type = typeOf('ConfigMap');
  for (const name of ['b', 'a', 'c'])
    store.create(type, { metadata: { name, namespace: 'ns', labels: { keep: String(name !== 'c') } } });
  const seen: string[] = [];
  const kept = store.list(type, 'ns', (object) => {
    seen.push(object.metadata.name);
    return object.metadata.labels.keep === 'true';
  });
  expect(kept.map((object) => object.metadata.name)).toEqual(['a', 'b']);
  expect(seen.sort()).toEqual(['a', 'b', 'c']);
  kept[0].metadata.labels.keep = 'changed';
  expect(store.get(type, 'ns', 'a')?.metadata.labels.keep).toBe('true');
});

describe('toleration matching follows ToleratesTaint (k8s.io/api core/v1 toleration.go), as the shipped check does', () => {
  const taint = { key: 'gpu', value: '4', effect: 'NoSchedule' };
  test.each([
    [{ operator: 'Exists' }, true],
    [{ operator: 'Exists', effect: 'NoExecute' }, false],
    [{ key: 'gpu', operator: 'Exists' }, true],
    [{ key: 'gpu', value: '4' }, true],
    [{ key: 'gpu', operator: 'Equal', value: '4', effect: 'NoSchedule' }, true],
    [{ key: 'gpu', operator: 'Equal', value: '5' }, false],
    [{ key: 'other', operator: 'Exists' }, false],
    // No key matches every key; the API server refuses it with Equal, but the matcher alone compares values.
    [{ operator: 'Equal', value: '4' }, true],
    [{ operator: 'Equal', value: '5' }, false],
    [{ key: 'gpu', operator: 'Gt', value: '3' }, true],
    [{ key: 'gpu', operator: 'Gt', value: '4' }, false],
    [{ key: 'gpu', operator: 'Lt', value: '5' }, true],
    [{ key: 'gpu', operator: 'Lt', value: 'x' }, false],
    [{ key: 'gpu', operator: 'In', value: '4' }, false],
  ])('%j tolerates gpu=4:NoSchedule: %s', (toleration, expected) => {
    expect(tolerates([toleration], taint)).toBe(expected);
    expect(shippedTolerates(toleration, taint as { key: string; value: string; effect: 'NoSchedule' })).toBe(expected);
  });
});
