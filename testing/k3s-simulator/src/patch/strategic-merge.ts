/**
 * Strategic merge patch as the API server applies it: maps merge, lists merge by their
 * patchMergeKey (containers by name, ports by containerPort, ...), with the directives kubectl's
 * 3-way apply emits: `$patch: delete|replace|merge`, `$setElementOrder/<list>`,
 * `$deleteFromPrimitiveList/<list>` and `$retainKeys`.
 */
import { badRequest } from '../status.js';
import { clone, isPlainObject, jsonEqual, type Json } from '../types.js';
import { childPath, itemPath, listSchema } from './schema.js';

const SET_ORDER = '$setElementOrder/';
const DELETE_FROM_PRIMITIVE = '$deleteFromPrimitiveList/';

function stripDirectives(value: Json): Json {
  if (Array.isArray(value)) return value.filter((item) => !(isPlainObject(item) && item.$patch)).map(stripDirectives);
  if (!isPlainObject(value)) return value;
  const result: Record<string, Json> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key.startsWith('$')) continue;
    if (child === null) continue;
    result[key] = stripDirectives(child);
  }
  return result;
}

function orderBy(items: Json[], order: Json[] | undefined, mergeKey: string | undefined): Json[] {
  if (!order) return items;
  const rank = (item: Json): number => {
    const index = order.findIndex((entry) =>
      mergeKey ? entry?.[mergeKey] === item?.[mergeKey] : jsonEqual(entry, item),
    );
    return index === -1 ? Number.MAX_SAFE_INTEGER : index;
  };
  return items
    .map((item, position) => ({ item, position }))
    .sort((a, b) => rank(a.item) - rank(b.item) || a.position - b.position)
    .map(({ item }) => item);
}

function mergeList(original: Json, patch: Json[], path: string, order: Json[] | undefined): Json[] {
  const schema = listSchema(path);
  const live: Json[] = Array.isArray(original) ? clone(original) : [];
  if (patch.some((item) => isPlainObject(item) && item.$patch === 'replace')) return stripDirectives(patch);
  if (schema.set) {
    const merged = [...live];
    for (const item of patch) if (!merged.some((existing) => jsonEqual(existing, item))) merged.push(item);
    return orderBy(merged, order, undefined);
  }
  const mergeKey = schema.mergeKey;
  if (!mergeKey) return stripDirectives(patch);
  for (const item of patch) {
    if (!isPlainObject(item)) throw badRequest(`unable to merge list ${path}: expected map items`);
    const index = live.findIndex((existing) => existing?.[mergeKey] === item[mergeKey]);
    if (item.$patch === 'delete') {
      if (index !== -1) live.splice(index, 1);
      continue;
    }
    if (index === -1) live.push(stripDirectives(item));
    else live[index] = applyStrategicMergePatch(live[index], item, itemPath(path));
  }
  return orderBy(live, order, mergeKey);
}

export function applyStrategicMergePatch(original: Json, patch: Json, path = ''): Json {
  if (!isPlainObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') return stripDirectives(patch);
  const result: Record<string, Json> = isPlainObject(original) ? clone(original) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith(SET_ORDER)) continue;
    if (key.startsWith(DELETE_FROM_PRIMITIVE)) {
      const field = key.slice(DELETE_FROM_PRIMITIVE.length);
      if (Array.isArray(result[field])) {
        result[field] = result[field].filter((item: Json) => !(value as Json[]).some((gone) => jsonEqual(gone, item)));
      }
      continue;
    }
    const fieldPath = childPath(path, key);
    if (value === null) delete result[key];
    else if (Array.isArray(value)) result[key] = mergeList(result[key], value, fieldPath, patch[`${SET_ORDER}${key}`]);
    else if (isPlainObject(value)) {
      if (value.$patch === 'delete') delete result[key];
      else result[key] = applyStrategicMergePatch(result[key], value, fieldPath);
    } else result[key] = value;
  }
  // A list only reordered (its items unchanged) arrives as a bare $setElementOrder directive.
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ORDER)) continue;
    const field = key.slice(SET_ORDER.length);
    if (field in patch || !Array.isArray(result[field])) continue;
    result[field] = orderBy(result[field], patch[key], listSchema(childPath(path, field)).mergeKey);
  }
  if (Array.isArray(patch.$retainKeys)) {
    for (const key of Object.keys(result)) if (!patch.$retainKeys.includes(key)) delete result[key];
  }
  return result;
}
