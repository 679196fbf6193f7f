import { kubeJson, objectDiff, parseKubeJson, sameIntent, type KubeObject } from '../src/index.js';

const pod = (seconds: string): KubeObject =>
  parseKubeJson(
    `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"activeDeadlineSeconds": ${seconds}, "priority": 5, "ratio": 0.5}}`,
  ) as KubeObject;

test('kubectl JSON keeps int64 digits beyond 2^53 both ways; other numbers stay numbers; past int64, a float as kubectl reads it', () => {
  const read = parseKubeJson(
    '{"a": 9007199254740993, "b": -9223372036854775808, "c": 9223372036854775808, "d": 1.5, "e": 42}',
  );
  expect(read).toEqual({ a: 9007199254740993n, b: -9223372036854775808n, c: 9223372036854775808, d: 1.5, e: 42 });
  expect(kubeJson(read)).toBe('{"a":9007199254740993,"b":-9223372036854775808,"c":9223372036854776000,"d":1.5,"e":42}');
  expect(kubeJson({ plain: [1, 'x', null] })).toBe('{"plain":[1,"x",null]}');
});

test('reports compare and show int64 values with every digit', () => {
  expect(sameIntent(pod('9007199254740993'), pod('9007199254740993'))).toBe(true);
  expect(sameIntent(pod('9007199254740993'), pod('9007199254740992'))).toBe(false);
  const diff = objectDiff(pod('9007199254740993'), pod('9007199254740995'));
  expect(diff).toContain('-   activeDeadlineSeconds: 9007199254740993');
  expect(diff).toContain('+   activeDeadlineSeconds: 9007199254740995');
});

test('int64 digits are kept wherever JSON has a number: in arrays, after line breaks, as the whole text; digits inside strings leave the text to the fast reader unchanged', () => {
  expect(parseKubeJson('[1, 9007199254740993]')).toEqual([1, 9007199254740993n]);
  expect(parseKubeJson('{\n  "a":\n    -9007199254740993\n}')).toEqual({ a: -9007199254740993n });
  expect(parseKubeJson('9007199254740993')).toBe(9007199254740993n);
  // A running pod's containerID: 64 hex digits, here with a run of 16 decimal ones.
  const id = 'containerd://1234567890123456abcdef0123456789abcdef0123456789abcdef0123456789';
  expect(parseKubeJson(`{"containerID": "${id}", "restartCount": 0}`)).toEqual({ containerID: id, restartCount: 0 });
});
