/** RFC 7386 JSON merge patch: maps merge, null deletes, lists are replaced whole. */
import { clone, isPlainObject, type Json } from '../types.js';

export function applyMergePatch(original: Json, patch: Json): Json {
  if (!isPlainObject(patch)) return clone(patch);
  const result: Record<string, Json> = isPlainObject(original) ? clone(original) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}
