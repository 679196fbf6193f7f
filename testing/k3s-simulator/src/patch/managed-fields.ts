/**
 * Field ownership (metadata.managedFields) and server-side apply. A field set is kept as a set
 * of paths, each a list of fieldsV1 elements (`f:spec`, `k:{"name":"app"}`, `v:"x"`), which is
 * what managedFields serialise. Apply merges the applied configuration into the live object,
 * refuses to change fields another manager owns with a different value (409 with causes) unless
 * forced, and removes fields its manager applied before and no longer applies, when nobody
 * else owns them.
 */
import { ApiError } from '../status.js';
import { apiJson, parseApiJson } from '../json.js';
import { canonicalJson, clone, isPlainObject, jsonEqual, nowIso, type Json, type StoredObject } from '../types.js';
import { childPath, isAtomicMap, itemPath, listSchema } from './schema.js';

const SEPARATOR = '\n';

/** Metadata the server sets itself: never owned by a manager. */
const SERVER_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

export interface ManagedEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  subresource?: string;
  fields: Set<string>;
}

function itemKey(item: Json, keys: string[]): Record<string, Json> {
  const key: Record<string, Json> = {};
  for (const name of keys) {
    const value = item?.[name] ?? (name === 'protocol' ? 'TCP' : undefined);
    if (value !== undefined) key[name] = value;
  }
  return key;
}

function itemMatches(item: Json, keys: string[], key: Record<string, Json>): boolean {
  return jsonEqual(itemKey(item, keys), key);
}

function collect(value: Json, schemaPath: string, prefix: string[], out: Set<string>, kind: string): void {
  if (value === null || value === undefined) return;
  if (isPlainObject(value)) {
    if (Object.keys(value).length === 0 || isAtomicMap(schemaPath, kind)) {
      out.add(prefix.join(SEPARATOR));
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      collect(child, childPath(schemaPath, key), [...prefix, `f:${key}`], out, kind);
    }
    return;
  }
  if (Array.isArray(value)) {
    const schema = listSchema(schemaPath);
    if (schema.mapKeys) {
      for (const item of value) {
        const element = `k:${canonicalJson(itemKey(item, schema.mapKeys))}`;
        out.add([...prefix, element].join(SEPARATOR));
        for (const [key, child] of Object.entries(item ?? {})) {
          collect(child, childPath(itemPath(schemaPath), key), [...prefix, element, `f:${key}`], out, kind);
        }
      }
      return;
    }
    if (schema.set) {
      for (const item of value) out.add([...prefix, `v:${apiJson(item)}`].join(SEPARATOR));
      return;
    }
  }
  out.add(prefix.join(SEPARATOR));
}

/** Every field path an object sets, leaving out what the server owns (status, identity metadata). */
export function fieldSet(object: StoredObject, options: { includeStatus?: boolean } = {}): Set<string> {
  const out = new Set<string>();
  const kind = object.kind ?? '';
  for (const [key, value] of Object.entries(object)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if (key === 'status' && !options.includeStatus) continue;
    if (key === 'metadata') {
      for (const [metaKey, metaValue] of Object.entries(value ?? {})) {
        if (SERVER_METADATA.has(metaKey)) continue;
        collect(metaValue, `metadata.${metaKey}`, ['f:metadata', `f:${metaKey}`], out, kind);
      }
      continue;
    }
    collect(value, key, [`f:${key}`], out, kind);
  }
  return out;
}

function parseElement(element: string): { kind: 'f' | 'k' | 'v' | 'i'; value: Json } {
  const body = element.slice(2);
  switch (element[0]) {
    case 'f':
      return { kind: 'f', value: body };
    case 'k':
      return { kind: 'k', value: parseApiJson(body) };
    case 'v':
      return { kind: 'v', value: parseApiJson(body) };
    default:
      return { kind: 'i', value: Number(body) };
  }
}

/** The value an object holds at a field path, with `undefined` when absent. */
function valueAt(object: Json, path: string, schemaRoot = ''): Json {
  let value = object;
  let schemaPath = schemaRoot;
  for (const element of path.split(SEPARATOR)) {
    if (value === undefined || value === null) return undefined;
    const parsed = parseElement(element);
    if (parsed.kind === 'f') {
      value = value[parsed.value];
      schemaPath = childPath(schemaPath, parsed.value);
    } else if (parsed.kind === 'k') {
      const keys = listSchema(schemaPath).mapKeys ?? Object.keys(parsed.value);
      value = Array.isArray(value) ? value.find((item) => itemMatches(item, keys, parsed.value)) : undefined;
      schemaPath = itemPath(schemaPath);
    } else if (parsed.kind === 'v') {
      value = Array.isArray(value) ? value.find((item) => jsonEqual(item, parsed.value)) : undefined;
    } else {
      value = Array.isArray(value) ? value[parsed.value] : undefined;
      schemaPath = itemPath(schemaPath);
    }
  }
  return value;
}

function removeAt(object: Json, path: string): void {
  const elements = path.split(SEPARATOR);
  let parent = object;
  let schemaPath = '';
  const step = (container: Json, element: string): { next: Json; schema: string } => {
    const parsed = parseElement(element);
    if (parsed.kind === 'f') return { next: container?.[parsed.value], schema: childPath(schemaPath, parsed.value) };
    const keys = listSchema(schemaPath).mapKeys ?? [];
    const found = Array.isArray(container)
      ? container.find((item) =>
          parsed.kind === 'k' ? itemMatches(item, keys, parsed.value) : jsonEqual(item, parsed.value),
        )
      : undefined;
    return { next: found, schema: itemPath(schemaPath) };
  };
  for (const element of elements.slice(0, -1)) {
    const { next, schema } = step(parent, element);
    if (next === undefined || next === null) return;
    parent = next;
    schemaPath = schema;
  }
  const last = parseElement(elements[elements.length - 1]);
  if (last.kind === 'f' && isPlainObject(parent)) delete parent[last.value];
  if ((last.kind === 'k' || last.kind === 'v') && Array.isArray(parent)) {
    const keys = listSchema(schemaPath).mapKeys ?? [];
    const index = parent.findIndex((item) =>
      last.kind === 'k' ? itemMatches(item, keys, last.value) : jsonEqual(item, last.value),
    );
    if (index !== -1) parent.splice(index, 1);
  }
}

/** `.spec.template.spec.containers[name="app"].image`, as conflict messages print a path. */
export function describePath(path: string): string {
  return path
    .split(SEPARATOR)
    .map((element) => {
      const parsed = parseElement(element);
      if (parsed.kind === 'f') return `.${parsed.value}`;
      if (parsed.kind === 'k') {
        const keys = Object.keys(parsed.value)
          .sort()
          .map((key) => `${key}=${apiJson(parsed.value[key])}`);
        return `[${keys.join(',')}]`;
      }
      if (parsed.kind === 'v') return `[=${apiJson(parsed.value)}]`;
      return `[${parsed.value}]`;
    })
    .join('');
}

export function toFieldsV1(fields: Set<string>): Record<string, Json> {
  const root: Record<string, Json> = {};
  for (const path of fields) {
    if (path === '') continue;
    let node = root;
    for (const element of path.split(SEPARATOR)) node = node[element] ??= {};
    node['.'] = {};
  }
  const collapse = (node: Record<string, Json>): Record<string, Json> => {
    const keys = Object.keys(node);
    if (keys.length === 1 && keys[0] === '.') return {};
    const result: Record<string, Json> = {};
    for (const key of keys.sort((a, b) => (a === '.' ? -1 : b === '.' ? 1 : a.localeCompare(b)))) {
      result[key] = key === '.' ? {} : collapse(node[key]);
    }
    return result;
  };
  return collapse(root);
}

export function fromFieldsV1(fieldsV1: Json, prefix: string[] = [], out = new Set<string>()): Set<string> {
  for (const [key, child] of Object.entries(fieldsV1 ?? {})) {
    if (key === '.') {
      out.add(prefix.join(SEPARATOR));
      continue;
    }
    const path = [...prefix, key];
    if (!isPlainObject(child) || Object.keys(child).length === 0) out.add(path.join(SEPARATOR));
    else fromFieldsV1(child, path, out);
  }
  return out;
}

export function readManagedFields(object: StoredObject | undefined): ManagedEntry[] {
  const entries: Json[] = object?.metadata?.managedFields ?? [];
  return entries.map((entry) => ({
    manager: entry.manager ?? '',
    operation: entry.operation === 'Apply' ? 'Apply' : 'Update',
    apiVersion: entry.apiVersion ?? '',
    time: entry.time ?? nowIso(),
    subresource: entry.subresource,
    fields: fromFieldsV1(entry.fieldsV1),
  }));
}

export function writeManagedFields(object: StoredObject, entries: ManagedEntry[]): void {
  const kept = entries.filter((entry) => entry.fields.size > 0);
  object.metadata.managedFields = kept.map((entry) => ({
    manager: entry.manager,
    operation: entry.operation,
    apiVersion: entry.apiVersion,
    time: entry.time,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(entry.fields),
    ...(entry.subresource ? { subresource: entry.subresource } : {}),
  }));
  if (object.metadata.managedFields.length === 0) delete object.metadata.managedFields;
}

function sameEntry(entry: ManagedEntry, manager: string, operation: string, subresource?: string): boolean {
  return (
    entry.manager === manager && entry.operation === operation && (entry.subresource ?? '') === (subresource ?? '')
  );
}

function ownedByOthers(entries: ManagedEntry[], self: ManagedEntry, path: string): boolean {
  return entries.some(
    (entry) =>
      entry !== self && [...entry.fields].some((owned) => owned === path || owned.startsWith(path + SEPARATOR)),
  );
}

function isItemPath(path: string): boolean {
  const last = path.split(SEPARATOR).pop() ?? '';
  return last.startsWith('k:') || last.startsWith('v:');
}

/** How a conflict names a manager: apimachinery's printManager (managedfields/internal/conflict.go). */
function managerLabel(entry: ManagedEntry): string {
  const named = entry.subresource ? `"${entry.manager}" with subresource "${entry.subresource}"` : `"${entry.manager}"`;
  return entry.operation === 'Update' ? `${named} using ${entry.apiVersion}` : named;
}

function conflictError(conflicts: Array<{ entry: ManagedEntry; path: string }>): ApiError {
  const causes = conflicts.map(({ entry, path }) => ({
    type: 'FieldManagerConflict',
    message: `conflict with ${managerLabel(entry)}`,
    field: describePath(path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${managerLabel(conflicts[0].entry)}: ${describePath(conflicts[0].path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const { entry, path } of conflicts) {
      const label = managerLabel(entry);
      byManager.set(label, [...(byManager.get(label) ?? []), describePath(path)]);
    }
    const lines: string[] = [];
    for (const label of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${label}:`);
      for (const path of byManager.get(label) ?? []) lines.push(`- ${path}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, { causes });
}

function mergeApplied(live: Json, applied: Json, schemaPath: string, kind: string): Json {
  if (isPlainObject(applied) && isPlainObject(live) && !isAtomicMap(schemaPath, kind)) {
    const result = clone(live);
    for (const [key, value] of Object.entries(applied)) {
      if (value === null) continue;
      result[key] = mergeApplied(live[key], value, childPath(schemaPath, key), kind);
    }
    return result;
  }
  if (Array.isArray(applied) && Array.isArray(live)) {
    const schema = listSchema(schemaPath);
    if (schema.mapKeys) {
      const keys = schema.mapKeys;
      const result: Json[] = [];
      for (const item of applied) {
        const existing = live.find((candidate) => itemMatches(candidate, keys, itemKey(item, keys)));
        result.push(existing === undefined ? clone(item) : mergeApplied(existing, item, itemPath(schemaPath), kind));
      }
      for (const item of live) {
        if (!applied.some((candidate) => itemMatches(candidate, keys, itemKey(item, keys)))) result.push(clone(item));
      }
      return result;
    }
    if (schema.set) return [...live, ...applied.filter((item) => !live.some((existing) => jsonEqual(existing, item)))];
  }
  return clone(applied);
}

function dropNulls(value: Json): Json {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (!isPlainObject(value)) return value;
  const result: Record<string, Json> = {};
  for (const [key, child] of Object.entries(value)) if (child !== null) result[key] = dropNulls(child);
  return result;
}

export interface ApplyRequest {
  live: StoredObject | undefined;
  applied: StoredObject;
  manager: string;
  force: boolean;
  apiVersion: string;
}

/** Server-side apply: the merged object, with managedFields rewritten. Throws 409 on conflicts. */
export function serverSideApply({ live, applied, manager, force, apiVersion }: ApplyRequest): StoredObject {
  const configuration = dropNulls(clone(applied));
  configuration.kind = applied.kind;
  const appliedFields = fieldSet(configuration);
  const entries = readManagedFields(live);
  let self = entries.find((entry) => sameEntry(entry, manager, 'Apply'));
  const conflicts: Array<{ entry: ManagedEntry; path: string }> = [];
  if (live) {
    for (const entry of entries) {
      if (entry === self) continue;
      for (const path of entry.fields) {
        if (!appliedFields.has(path)) continue;
        if (isItemPath(path)) continue;
        if (!jsonEqual(valueAt(live, path), valueAt(configuration, path))) conflicts.push({ entry, path });
      }
    }
  }
  if (conflicts.length > 0 && !force && !takesOverClientSideApply(live, manager, conflicts)) {
    throw conflictError(conflicts);
  }
  for (const { entry, path } of conflicts) entry.fields.delete(path);

  const merged: StoredObject = live ? mergeApplied(live, configuration, '', applied.kind ?? '') : clone(configuration);
  if (!self) {
    self = { manager, operation: 'Apply', apiVersion, time: nowIso(), fields: new Set() };
    entries.push(self);
  }
  for (const path of self.fields) {
    if (appliedFields.has(path) || ownedByOthers(entries, self, path)) continue;
    removeAt(merged, path);
  }
  self.fields = appliedFields;
  self.apiVersion = apiVersion;
  self.time = nowIso();
  writeManagedFields(merged, entries);
  // The API server keeps the client-side apply annotation in step when kubectl applies server-side.
  if (manager === 'kubectl' && merged.metadata?.annotations?.[LAST_APPLIED]) {
    const lastApplied = clone(applied);
    delete lastApplied.metadata?.annotations?.[LAST_APPLIED];
    if (lastApplied.metadata?.annotations && Object.keys(lastApplied.metadata.annotations).length === 0) {
      delete lastApplied.metadata.annotations;
    }
    merged.metadata.annotations[LAST_APPLIED] = apiJson(lastApplied);
  }
  return merged;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * The API server lets `kubectl apply --server-side` (manager "kubectl") take over fields that a
 * previous client-side apply set, when every conflict is a field of the last-applied annotation.
 */
function takesOverClientSideApply(
  live: StoredObject | undefined,
  manager: string,
  conflicts: Array<{ entry: ManagedEntry; path: string }>,
): boolean {
  const annotation = live?.metadata?.annotations?.[LAST_APPLIED];
  if (manager !== 'kubectl' || !annotation) return false;
  let lastApplied: StoredObject;
  try {
    lastApplied = parseApiJson(annotation);
  } catch {
    return false;
  }
  if (!isPlainObject(lastApplied)) return false;
  lastApplied.kind ??= live?.kind;
  const allowed = fieldSet(lastApplied);
  return conflicts.every(({ path }) => allowed.has(path));
}

/**
 * Ownership after a non-apply write: the writer owns what it added or changed, others lose
 * those fields, and fields that disappeared are owned by nobody. A write that edits
 * managedFields itself (kubectl's apply migration) is taken as given.
 */
export function recordUpdate(
  previous: StoredObject | undefined,
  next: StoredObject,
  manager: string,
  apiVersion: string,
  subresource?: string,
): void {
  const previousManaged = previous?.metadata?.managedFields;
  const nextManaged = next.metadata.managedFields;
  if (previous && nextManaged !== undefined && !jsonEqual(previousManaged, nextManaged)) {
    if (Array.isArray(nextManaged) && nextManaged.length === 0) delete next.metadata.managedFields;
    return;
  }
  const entries = readManagedFields(previous);
  const includeStatus = subresource === 'status';
  const before = previous ? fieldSet(previous, { includeStatus }) : new Set<string>();
  const after = fieldSet(next, { includeStatus });
  const changed = [...after].filter(
    (path) => !before.has(path) || (!isItemPath(path) && !jsonEqual(valueAt(previous, path), valueAt(next, path))),
  );
  const removed = [...before].filter((path) => !after.has(path));
  if (changed.length === 0 && removed.length === 0) {
    writeManagedFields(next, entries);
    return;
  }
  for (const entry of entries) {
    for (const path of [...changed, ...removed]) entry.fields.delete(path);
  }
  let self = entries.find((entry) => sameEntry(entry, manager, 'Update', subresource));
  if (!self) {
    self = { manager, operation: 'Update', apiVersion, time: nowIso(), subresource, fields: new Set() };
    entries.push(self);
  }
  for (const path of changed) self.fields.add(path);
  self.time = nowIso();
  self.apiVersion = apiVersion;
  writeManagedFields(next, entries);
}
