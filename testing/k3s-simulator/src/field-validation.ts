/**
 * Unknown-field detection for `fieldValidation=Strict` (kubectl's default `--validate=strict`)
 * and `Warn`, against the resource's OpenAPI schema (the published one for built-in kinds, the
 * CRD's structural schema for custom resources). `x-kubernetes-preserve-unknown-fields` and
 * schemas without properties (free-form maps, RawExtension) accept anything below them.
 */
import { isPlainObject, type Json, type StoredObject } from './types.js';

export interface UnknownField {
  /** `spec.template.spec.containers[0].imagee` (strict decoding's spelling). */
  indexed: string;
  /** `.spec.template.spec.containers[name="app"].imagee` (server-side apply's spelling). */
  keyed: string;
}

/** A schema with its `$ref` / single `allOf` indirections followed. */
export function resolveSchema(schema: Json, components: Record<string, Json>): Json {
  let current = schema;
  for (let depth = 0; current && depth < 16; depth++) {
    if (typeof current.$ref === 'string') {
      current = components[current.$ref.replace('#/components/schemas/', '')];
    } else if (!current.properties && Array.isArray(current.allOf) && current.allOf.length === 1) {
      current = current.allOf[0];
    } else return current;
  }
  return current;
}

/** `[name="app"]` or `[containerPort=80,protocol="TCP"]`, as structured-merge-diff prints a list element. */
function elementKey(item: Json, keys: string[] | undefined, index: number): string {
  if (!keys?.length || !isPlainObject(item)) return `[${index}]`;
  const parts = keys.filter((key) => item[key] !== undefined).map((key) => `${key}=${JSON.stringify(item[key])}`);
  return parts.length ? `[${parts.join(',')}]` : `[${index}]`;
}

function walk(
  value: Json,
  schema: Json,
  components: Record<string, Json>,
  indexed: string,
  keyed: string,
  out: UnknownField[],
): void {
  const resolved = resolveSchema(schema, components);
  if (!resolved || value === null || value === undefined) return;
  if (resolved['x-kubernetes-preserve-unknown-fields'] === true) return;
  if (Array.isArray(value)) {
    if (!resolved.items) return;
    // Older published schemas mark associative lists only by their strategic merge key.
    const mergeKey: string | undefined = resolved['x-kubernetes-patch-merge-key'];
    const keys: string[] | undefined = resolved['x-kubernetes-list-map-keys'] ?? (mergeKey ? [mergeKey] : undefined);
    value.forEach((item, index) =>
      walk(item, resolved.items, components, `${indexed}[${index}]`, `${keyed}${elementKey(item, keys, index)}`, out),
    );
    return;
  }
  if (!isPlainObject(value)) return;
  if (isPlainObject(resolved.properties)) {
    for (const [field, child] of Object.entries(value)) {
      const childIndexed = indexed ? `${indexed}.${field}` : field;
      const childKeyed = `${keyed}.${field}`;
      if (!(field in resolved.properties)) out.push({ indexed: childIndexed, keyed: childKeyed });
      else walk(child, resolved.properties[field], components, childIndexed, childKeyed, out);
    }
  } else if (isPlainObject(resolved.additionalProperties)) {
    for (const [field, child] of Object.entries(value)) {
      walk(
        child,
        resolved.additionalProperties,
        components,
        indexed ? `${indexed}.${field}` : field,
        `${keyed}.${field}`,
        out,
      );
    }
  }
}

/** Fields of `object` its schema does not declare; none when the kind has no schema. */
export function unknownFields(
  object: StoredObject,
  schema: { schema: Json; components: Record<string, Json> } | undefined,
): UnknownField[] {
  if (!schema) return [];
  const out: UnknownField[] = [];
  walk(object, schema.schema, schema.components, '', '', out);
  return out;
}
