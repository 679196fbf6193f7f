import { isDeepStrictEqual } from 'node:util';
import { parseKubeJson } from './json.js';
import { isRecord, type KubeObject } from './objects.js';

/**
 * A fieldsV1 set as the API server serialises it in metadata.managedFields (Kubernetes "Server-Side
 * Apply", field management): `f:<field>` for a map field, `k:<json>` for a list item identified by
 * its key fields, `v:<json>` for a set item, `i:<index>` for an item by position, and `.` for the
 * item itself; an empty set owns the whole value beneath it.
 */
export type FieldSet = Record<string, unknown>;

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** The field sets `manager` owns on the object through server-side apply (operation Apply). */
function appliedFields(object: KubeObject | undefined, manager: string): FieldSet[] {
  const entries = object?.metadata.managedFields;
  if (!Array.isArray(entries)) return [];
  return entries
    .filter(isRecord)
    .filter((entry) => entry.manager === manager && entry.operation === 'Apply' && !entry.subresource)
    .map((entry) => (isRecord(entry.fieldsV1) ? entry.fieldsV1 : {}));
}

/** The union of two field sets; a set that owns a whole value (empty) absorbs the other's children. */
export function unionFields(a: FieldSet, b: FieldSet): FieldSet {
  if (Object.keys(a).length === 0 || Object.keys(b).length === 0) return {};
  const result: FieldSet = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const mine = result[key];
    result[key] = isRecord(mine) && isRecord(value) ? unionFields(mine, value) : value;
  }
  return result;
}

function parseElement(key: string): unknown {
  try {
    return parseKubeJson(key.slice(2));
  } catch {
    return undefined;
  }
}

/** A list item matches a `k:` element when each of the element's key fields has its value. */
function matchesKey(item: unknown, key: unknown): boolean {
  return (
    isRecord(item) &&
    isRecord(key) &&
    Object.entries(key).every(([field, value]) => isDeepStrictEqual(item[field], value))
  );
}

/**
 * The part of `value` the field set covers: what a manager owning `fields` would have to apply
 * to hold `value`. Fields absent from `value` are left out.
 */
export function projectFields(value: unknown, fields: FieldSet): unknown {
  const children = Object.keys(fields).filter((key) => key !== '.');
  if (children.length === 0) return value;
  if (isRecord(value)) {
    const result: Record<string, unknown> = {};
    for (const key of children) {
      if (!key.startsWith('f:')) continue;
      const name = key.slice(2);
      if (name in value) result[name] = projectFields(value[name], isRecord(fields[key]) ? fields[key] : {});
    }
    return result;
  }
  if (Array.isArray(value)) {
    const chosen: unknown[] = [];
    value.forEach((item, index) => {
      for (const key of children) {
        const sub = isRecord(fields[key]) ? fields[key] : {};
        if (key.startsWith('k:') && matchesKey(item, parseElement(key))) {
          const keyFields = parseElement(key) as Record<string, unknown>;
          chosen.push({ ...keyFields, ...(projectFields(item, sub) as Record<string, unknown>) });
          return;
        }
        if (key.startsWith('v:') && isDeepStrictEqual(item, parseElement(key))) {
          chosen.push(item);
          return;
        }
        if (key === `i:${index}`) {
          chosen.push(projectFields(item, sub));
          return;
        }
      }
    });
    return chosen;
  }
  return value;
}

/**
 * What to apply to put an object back as it was before a deploy, or why it cannot be. With
 * server-side apply: the object's values from before the deploy, for every field `manager`
 * applied before the deploy or applies now (fields this deploy added are left out, so the
 * server removes them; fields nobody of the suite applied are not touched, so what other
 * managers wrote stays theirs). With client-side apply: the last-applied configuration the object
 * carried before, which kubectl's three-way merge turns back into that state.
 *
 * A Secret applied with `stringData` is owned as `stringData` (the server stores it in `data`): its
 * earlier values are read back from `data`, as text where they are text.
 */
export function restoreIntent(
  before: KubeObject,
  after: KubeObject,
  options: { serverSide: boolean; fieldManager: string },
): { intent: KubeObject } | { reason: string } {
  if (!options.serverSide) {
    const lastApplied = before.metadata.annotations?.[LAST_APPLIED];
    if (!lastApplied) return { reason: 'it carried no last-applied configuration before this run' };
    return { intent: parseKubeJson(lastApplied) as KubeObject };
  }
  const sets = [...appliedFields(before, options.fieldManager), ...appliedFields(after, options.fieldManager)];
  if (sets.length === 0) return { reason: `field manager ${options.fieldManager} applies none of its fields` };
  const fields = sets.reduce(unionFields);
  const source = secretWithStringData(before, fields);
  const projected = projectFields(source, fields) as Record<string, unknown>;
  const metadata = isRecord(projected.metadata) ? projected.metadata : {};
  return {
    intent: {
      ...projected,
      apiVersion: before.apiVersion,
      kind: before.kind,
      metadata: {
        ...metadata,
        name: before.metadata.name,
        ...(before.metadata.namespace ? { namespace: before.metadata.namespace } : {}),
      },
    },
  };
}

function secretWithStringData(object: KubeObject, fields: FieldSet): KubeObject {
  const owned = fields['f:stringData'];
  if (object.kind !== 'Secret' || !isRecord(owned) || !isRecord(object.data)) return object;
  const stringData: Record<string, string> = {};
  for (const key of Object.keys(owned)) {
    const name = key.slice(2);
    const encoded = object.data[name];
    if (typeof encoded !== 'string') continue;
    const bytes = Buffer.from(encoded, 'base64');
    const text = bytes.toString('utf8');
    if (Buffer.from(text, 'utf8').equals(bytes)) stringData[name] = text;
  }
  return { ...object, stringData };
}
