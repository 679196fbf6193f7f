import { parseKubeJson } from '../src/json.js';
import { roundedIntegers } from '../src/rounded-integers.js';

test('only integers beyond 2^53 that the cluster holds otherwise are named, by their dotted path', () => {
  const written = parseKubeJson(
    '{"spec": {"a": 9007199254740993, "b": 5, "list": [{"m": 9007199254740995}], "c": 9007199254740997}}',
  );
  const live = parseKubeJson('{"spec": {"a": 9007199254740993, "b": 6, "list": [{"m": 9007199254740996}]}}');
  expect(roundedIntegers(written, live)).toEqual([
    { path: 'spec.list.0.m', written: '9007199254740995', found: '9007199254740996' },
    { path: 'spec.c', written: '9007199254740997', found: 'absent' },
  ]);
  expect(roundedIntegers({ spec: { b: 5 } }, undefined)).toEqual([]);
});
