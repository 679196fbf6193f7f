import { apiJson, parseApiJson, type Json } from './json.js';

export type { Json };

export interface StoredObject {
  apiVersion?: string;
  kind?: string;
  metadata: Json;
  spec?: Json;
  status?: Json;
  [field: string]: Json;
}

export function clone<T>(value: T): T {
  return value === undefined ? value : (parseApiJson(apiJson(value)) as T);
}

export function isPlainObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep equality of JSON values (key order ignored). */
export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, index) => jsonEqual(item, b[index]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keysA = Object.keys(a).filter((key) => a[key] !== undefined);
    const keysB = Object.keys(b).filter((key) => b[key] !== undefined);
    return keysA.length === keysB.length && keysA.every((key) => jsonEqual(a[key], b[key]));
  }
  return false;
}

/** JSON with object keys sorted, so equal documents hash equally. */
export function canonicalJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    return `{${Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`)
      .join(',')}}`;
  }
  return apiJson(value);
}

export function nowIso(): string {
  return new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Microsecond timestamps (managedFields times use seconds, events use micro). */
export function nowMicroIso(): string {
  return new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
