import { isAlias, isMap, isScalar, isSeq, type Document, type Pair, type YAMLMap } from 'yaml';
import { kubeJson } from './json.js';
import { isRecord, type JsonPath, type KubeObject } from './objects.js';

/**
 * A field as the manifest spells it, for messages: the dotted path with each key as written
 * (`metadata.labels.on`, where the object read holds the key `true`), the line of its key (or of
 * its nearest written parent), and the source text and value of its key and value scalars.
 */
export interface WrittenField {
  path: string;
  line: number;
  /** The key as written (`on`), when the field is a map entry written in the file. */
  keyText?: string;
  /** The key as YAML 1.1 reads it (`true`, a boolean). */
  key?: unknown;
  /** The value as written, when it is a scalar. */
  valueText?: string;
}

function resolved(node: unknown, document: Document): unknown {
  return isAlias(node) ? node.resolve(document) : node;
}

/** The pair of `map` that sets `key` as the object read spells it (String of the key read), merges (`<<`) included. */
function pairFor(map: YAMLMap, key: string, document: Document): Pair | undefined {
  const own = map.items.filter(
    (pair) => isScalar(pair.key) && typeof pair.key.value !== 'symbol' && String(pair.key.value) === key,
  );
  if (own.length > 0) return own[own.length - 1];
  for (const pair of map.items) {
    if (!isScalar(pair.key) || typeof pair.key.value !== 'symbol') continue;
    const source = resolved(pair.value, document);
    const sources = isSeq(source) ? source.items.map((item) => resolved(item, document)) : [source];
    for (const candidate of sources) {
      const found = isMap(candidate) ? pairFor(candidate, key, document) : undefined;
      if (found) return found;
    }
  }
  return undefined;
}

/** Where the field at `path` (as the object read spells it) is written in `document`. */
export function writtenField(document: Document, path: JsonPath, lineAt: (offset: number) => number): WrittenField {
  const segments: string[] = [];
  let node: unknown = document.contents;
  let line = isScalar(node) || isMap(node) || isSeq(node) ? lineAt(node.range?.[0] ?? 0) : 1;
  let keyText: string | undefined;
  let key: unknown;
  for (const step of path) {
    node = resolved(node, document);
    keyText = undefined;
    key = undefined;
    if (isMap(node)) {
      const pair = pairFor(node, String(step), document);
      if (pair && isScalar(pair.key)) {
        keyText = pair.key.source ?? String(pair.key.value);
        key = pair.key.value;
        segments.push(keyText);
        if (pair.key.range) line = lineAt(pair.key.range[0]);
        node = pair.value;
        continue;
      }
    } else if (isSeq(node) && typeof step === 'number' && node.items[step] !== undefined) {
      segments.push(String(step));
      node = node.items[step];
      const item = resolved(node, document);
      if ((isScalar(item) || isMap(item) || isSeq(item)) && item.range) line = lineAt(item.range[0]);
      continue;
    }
    segments.push(String(step));
    node = undefined;
  }
  const value = resolved(node, document);
  return {
    path: segments.join('.'),
    line,
    ...(keyText !== undefined ? { keyText, key } : {}),
    ...(isScalar(value) && value.source !== undefined ? { valueText: value.source } : {}),
  };
}

/** Where strings are expected: a map whose keys and values are strings, a list of strings, or one string. */
type StringPlace = { path: JsonPath; shape: 'map' | 'list' | 'value' };

// Field names whose value, in every built-in kind, is a map of strings or a list of strings
// (k8s.io/api types: metav1.LabelSelector.matchLabels, PodSpec.nodeSelector, Container.command
// and args, Capabilities.add and drop, PolicyRule's lists, ServiceSpec's address lists...).
const STRING_MAP_FIELDS = new Set(['matchLabels', 'nodeSelector']);
const STRING_LIST_FIELDS = new Set([
  'command',
  'args',
  'hostnames',
  'nameservers',
  'searches',
  'externalIPs',
  'loadBalancerSourceRanges',
  'verbs',
  'apiGroups',
  'resources',
  'resourceNames',
  'nonResourceURLs',
  'hosts',
  'finalizers',
]);
// Lists of objects whose named fields are strings (EnvVar, Toleration, label and node selector
// requirements, HTTPHeader, PodDNSConfigOption).
const STRING_ITEM_FIELDS: Record<string, string[]> = {
  env: ['name', 'value'],
  tolerations: ['key', 'operator', 'value', 'effect'],
  matchExpressions: ['key', 'operator'],
  matchFields: ['key', 'operator'],
  httpHeaders: ['name', 'value'],
};

/** Whether the object is of a kind Kubernetes defines (core, `apps`, `*.k8s.io`...), whose field types are known here. */
function isBuiltIn(object: KubeObject): boolean {
  const group =
    typeof object.apiVersion === 'string' && object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
  return !group.includes('.') || group.endsWith('.k8s.io');
}

/**
 * Every place of the object where the API server takes only strings: labels and annotations
 * (of the object and of every embedded metadata: pod and job templates, volume claim templates),
 * label and node selectors (matchLabels, a Service's selector, nodeSelector, the key, operator and
 * values of matchExpressions and matchFields), a ConfigMap's data and binaryData, a Secret's data
 * and stringData, container command, args and env, tolerations, capabilities, DNS settings, RBAC
 * rules, a Service's and an Ingress's address and host lists, finalizers. A custom resource gets
 * its own metadata only: its schema is the server's to know.
 */
export function stringPlaces(object: KubeObject): StringPlace[] {
  const places: StringPlace[] = [
    { path: ['metadata', 'labels'], shape: 'map' },
    { path: ['metadata', 'annotations'], shape: 'map' },
    { path: ['metadata', 'finalizers'], shape: 'list' },
  ];
  if (object.apiVersion === 'v1' && object.kind === 'ConfigMap')
    places.push({ path: ['data'], shape: 'map' }, { path: ['binaryData'], shape: 'map' });
  if (object.apiVersion === 'v1' && object.kind === 'Secret')
    places.push({ path: ['data'], shape: 'map' }, { path: ['stringData'], shape: 'map' });
  if (object.apiVersion === 'v1' && object.kind === 'Service')
    places.push({ path: ['spec', 'selector'], shape: 'map' });
  if (!isBuiltIn(object)) return places;
  const walk = (value: unknown, path: JsonPath): void => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, [...path, index]));
      return;
    }
    if (!isRecord(value)) return;
    for (const [field, inner] of Object.entries(value)) {
      const at = [...path, field];
      const parent = path[path.length - 1];
      if (field === 'metadata' && path.length > 0 && isRecord(inner))
        places.push({ path: [...at, 'labels'], shape: 'map' }, { path: [...at, 'annotations'], shape: 'map' });
      if (STRING_MAP_FIELDS.has(field) && isRecord(inner)) places.push({ path: at, shape: 'map' });
      else if (STRING_LIST_FIELDS.has(field) && Array.isArray(inner)) places.push({ path: at, shape: 'list' });
      else if ((field === 'add' || field === 'drop') && parent === 'capabilities' && Array.isArray(inner))
        places.push({ path: at, shape: 'list' });
      else if (field in STRING_ITEM_FIELDS && Array.isArray(inner))
        inner.forEach((item, index) => {
          for (const name of STRING_ITEM_FIELDS[field])
            if (isRecord(item) && name in item) places.push({ path: [...at, index, name], shape: 'value' });
          if ((field === 'matchExpressions' || field === 'matchFields') && isRecord(item) && Array.isArray(item.values))
            places.push({ path: [...at, index, 'values'], shape: 'list' });
        });
      else if (field === 'options' && parent === 'dnsConfig' && Array.isArray(inner))
        inner.forEach((item, index) => {
          for (const name of ['name', 'value'])
            if (isRecord(item) && name in item) places.push({ path: [...at, index, name], shape: 'value' });
        });
      walk(inner, at);
    }
  };
  walk(object, []);
  // metadata.finalizers is listed for custom resources and found again by the walk.
  const seen = new Set<string>();
  return places.filter((place) => {
    const key = JSON.stringify(place.path);
    return !seen.has(key) && seen.add(key) !== undefined;
  });
}

/** A value as read, for messages: its type and JSON (an integer beyond 2^53 is a number with all its digits). */
export function asRead(value: unknown): string {
  if (value === null) return 'null';
  return `${typeof value === 'bigint' ? 'number' : typeof value} ${kubeJson(value)}`;
}

const YAML_11 =
  'kubectl reads YAML 1.1, where unquoted 1.10 is the number 1.1, yes, no, on, off, y and n are booleans and ~ and null are null';

/**
 * Each place where a string is expected (stringPlaces) but YAML 1.1 read a number, a boolean or
 * an explicit null (`null`, `~`), and each key of a map of strings that YAML 1.1 read as
 * something whose text is not the key as written (`on:` becomes the key `true`, `0755:` the key
 * `493`; kubectl sends the converted text and the server takes it silently). The server refuses a
 * number or boolean where a string goes (`cannot unmarshal number into Go struct field ... of
 * type string`); found here, each is named with the path as written (`written`) and the fix.
 */
export function yaml11StringProblems(
  object: KubeObject,
  written: (path: JsonPath) => WrittenField,
): Array<{ path: JsonPath; message: string }> {
  const found: Array<{ path: JsonPath; message: string }> = [];
  const checkValue = (path: JsonPath, value: unknown) => {
    if (typeof value === 'string' || value === undefined) return;
    const field = written(path);
    // An empty value is null too, but written so on purpose; only a written null is a surprise.
    if (value === null && !field.valueText) return;
    if (typeof value === 'object' && value !== null) return;
    const quoted = field.valueText ?? kubeJson(value);
    found.push({
      path,
      message:
        value === null
          ? `${field.path} reads as null, not the text ${quoted}: ${YAML_11}, so the server never gets the text; quote it ("${quoted}")`
          : `${field.path} reads as ${asRead(value)}, but it must be a string: kubectl reads YAML 1.1, where unquoted 1.10 is the number 1.1 and yes, no, on, off, y and n are booleans, and the API server refuses anything but a string here; quote it`,
    });
  };
  for (const place of stringPlaces(object)) {
    let value: unknown = object;
    for (const step of place.path) value = isRecord(value) || Array.isArray(value) ? (value as never)[step] : undefined;
    if (place.shape === 'value') checkValue(place.path, value);
    else if (place.shape === 'list' && Array.isArray(value))
      value.forEach((item, index) => checkValue([...place.path, index], item));
    else if (place.shape === 'map' && isRecord(value))
      for (const [key, item] of Object.entries(value)) {
        const field = written([...place.path, key]);
        if (field.keyText !== undefined && typeof field.key !== 'string' && field.keyText !== key)
          found.push({
            path: [...place.path, key],
            message: `${field.path}: the key ${field.keyText} reads as ${asRead(field.key)}, so kubectl sends the key "${key}": ${YAML_11}; quote the key ("${field.keyText}")`,
          });
        checkValue([...place.path, key], item);
      }
  }
  return found;
}
