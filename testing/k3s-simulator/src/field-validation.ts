/**
 * Field checks against the resource's OpenAPI schema, as the API server makes them while it decodes
 * a request. Unknown-field detection for `fieldValidation=Strict` (kubectl's default `--validate=strict`)
 * and `Warn`, against the resource's OpenAPI schema (the published one for built-in kinds, the
 * CRD's structural schema for custom resources). `x-kubernetes-preserve-unknown-fields` and
 * schemas without properties (free-form maps, RawExtension) accept anything below them.
 */
import { isPlainObject, type Json, type StoredObject } from './types.js';
import { apiJson } from './json.js';

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
  const parts = keys.filter((key) => item[key] !== undefined).map((key) => `${key}=${apiJson(item[key])}`);
  return parts.length ? `[${parts.join(',')}]` : `[${index}]`;
}

/** Where a value sits, in each spelling a server message uses. */
interface FieldLocation {
  /** `spec.template.spec.containers[0].image` (strict decoding's spelling). */
  indexed: string;
  /** `.spec.template.spec.containers[name="app"].image` (server-side apply's spelling). */
  keyed: string;
  /** The innermost Go struct holding the value, and the field path below it (encoding/json's spelling). */
  goStruct: string;
  goField: string;
}

/** What a walk of an object against its schema does at each value. */
interface SchemaVisitor {
  /** Called at every value with its schema (as written, and resolved); returning false skips what is below it. */
  enter?(value: Json, schema: Json, resolved: Json, at: FieldLocation): boolean;
  /** A field of an object that its schema's properties do not declare. */
  unknown?(at: FieldLocation): void;
}

/**
 * Walks `value` beside its schema as the server's decoder does: lists element by element (an
 * associative list's elements by their keys), objects field by field against `properties`, or
 * every entry against `additionalProperties`; nothing below `x-kubernetes-preserve-unknown-fields`.
 */
function walkSchema(
  value: Json,
  schema: Json,
  components: Record<string, Json>,
  at: FieldLocation,
  visitor: SchemaVisitor,
): void {
  const resolved = resolveSchema(schema, components);
  // JSON null leaves a field unset, whatever its type.
  if (!resolved || value === null || value === undefined) return;
  if (visitor.enter && !visitor.enter(value, schema, resolved, at)) return;
  if (resolved['x-kubernetes-preserve-unknown-fields'] === true) return;
  if (Array.isArray(value)) {
    if (!resolved.items) return;
    // Older published schemas mark associative lists only by their strategic merge key.
    const mergeKey: string | undefined = resolved['x-kubernetes-patch-merge-key'];
    const keys: string[] | undefined = resolved['x-kubernetes-list-map-keys'] ?? (mergeKey ? [mergeKey] : undefined);
    value.forEach((item, index) =>
      walkSchema(
        item,
        resolved.items,
        components,
        { ...at, indexed: `${at.indexed}[${index}]`, keyed: `${at.keyed}${elementKey(item, keys, index)}` },
        visitor,
      ),
    );
    return;
  }
  if (!isPlainObject(value)) return;
  const fieldAt = (field: string): Pick<FieldLocation, 'indexed' | 'keyed'> => ({
    indexed: at.indexed ? `${at.indexed}.${field}` : field,
    keyed: `${at.keyed}.${field}`,
  });
  if (isPlainObject(resolved.properties)) {
    const goStruct = refName(schema)?.split('.').pop() ?? at.goStruct;
    for (const [field, child] of Object.entries(value)) {
      const childAt = { ...fieldAt(field), goStruct, goField: at.goField ? `${at.goField}.${field}` : field };
      if (!(field in resolved.properties)) visitor.unknown?.(childAt);
      else walkSchema(child, resolved.properties[field], components, childAt, visitor);
    }
  } else if (isPlainObject(resolved.additionalProperties)) {
    // Go's error names the map field, not the key, and the struct that holds the map.
    for (const [field, child] of Object.entries(value)) {
      walkSchema(child, resolved.additionalProperties, components, { ...at, ...fieldAt(field) }, visitor);
    }
  }
}

const TOP: FieldLocation = { indexed: '', keyed: '', goStruct: '', goField: '' };

/** Fields of `object` its schema does not declare; none when the kind has no schema. */
export function unknownFields(
  object: StoredObject,
  schema: { schema: Json; components: Record<string, Json> } | undefined,
): UnknownField[] {
  if (!schema) return [];
  const out: UnknownField[] = [];
  walkSchema(object, schema.schema, schema.components, TOP, {
    unknown: ({ indexed, keyed }) => out.push({ indexed, keyed }),
  });
  return out;
}

/** The scalar and container kinds structured-merge-diff tells apart (`schema.Scalar`, list, map). */
type SchemaKind = 'string' | 'numeric' | 'boolean' | 'list' | 'map';

/** A value whose JSON type its schema does not allow, located the two ways the server reports it. */
export interface FieldTypeMismatch {
  /** `.spec.template.spec.containers[name="app"].env[name="PORT"].value` (server-side apply's spelling). */
  keyed: string;
  expected: SchemaKind;
  value: Json;
  /** Go's `json.UnmarshalTypeError` parts: the innermost struct, the field path (struct fields only), the Go type. */
  goStruct: string;
  goField: string;
  goType: string;
}

/** The kind a schema demands, or none when it accepts several (int-or-string, Quantity's oneOf, free-form). */
function schemaKind(schema: Json): SchemaKind | undefined {
  if (schema['x-kubernetes-int-or-string'] === true || Array.isArray(schema.oneOf) || Array.isArray(schema.anyOf)) {
    return undefined;
  }
  switch (schema.type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'numeric';
    case 'boolean':
      return 'boolean';
    case 'array':
      return 'list';
    case 'object':
      return 'map';
    default:
      return undefined;
  }
}

function valueKind(value: Json): SchemaKind {
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number' || typeof value === 'bigint') return 'numeric';
  if (typeof value === 'boolean') return 'boolean';
  return 'map';
}

/** `io.k8s.api.core.v1.Container` → `v1.Container`, the Go type name encoding/json prints. */
function goTypeName(ref: string | undefined, schema: Json): string {
  if (ref) {
    const parts = ref.split('.');
    return `${parts[parts.length - 2]}.${parts[parts.length - 1]}`;
  }
  switch (schema.type) {
    case 'string':
      return schema.format === 'byte' ? '[]uint8' : 'string';
    case 'integer':
      return schema.format === 'int32' ? 'int32' : 'int64';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'array':
      return `[]${goTypeName(refName(schema.items), schema.items ?? {})}`;
    default:
      return isPlainObject(schema.additionalProperties)
        ? `map[string]${goTypeName(refName(schema.additionalProperties), schema.additionalProperties)}`
        : 'map[string]interface {}';
  }
}

function refName(schema: Json): string | undefined {
  if (!schema) return undefined;
  if (typeof schema.$ref === 'string') return schema.$ref.replace('#/components/schemas/', '');
  if (!schema.properties && Array.isArray(schema.allOf) && schema.allOf.length === 1) return refName(schema.allOf[0]);
  return undefined;
}

/**
 * Values whose JSON type their schema does not allow (a string `replicas`, a number in
 * `metadata.annotations` or an `env[].value`), in document order; none when the kind has no
 * schema. The real server refuses them while decoding: see {@link decodingError} and
 * {@link typedPatchError} for its two messages.
 */
export function fieldTypeMismatches(
  object: StoredObject,
  schema: { schema: Json; components: Record<string, Json> } | undefined,
  kind: string,
): FieldTypeMismatch[] {
  if (!schema) return [];
  const out: FieldTypeMismatch[] = [];
  walkSchema(
    object,
    schema.schema,
    schema.components,
    { ...TOP, goStruct: kind },
    {
      enter: (value, written, resolved, { keyed, goStruct, goField }) => {
        const expected = schemaKind(resolved);
        if (!expected || valueKind(value) === expected) return true;
        out.push({ keyed, goStruct, goField, expected, value, goType: goTypeName(refName(written), resolved) });
        return false;
      },
    },
  );
  return out;
}

const GO_JSON_VALUE: Record<SchemaKind, string> = {
  string: 'string',
  numeric: 'number',
  boolean: 'bool',
  list: 'array',
  map: 'object',
};

/**
 * What encoding/json (sigs.k8s.io/json) says of the first mismatch when a create, update or
 * non-apply patch is decoded: `json: cannot unmarshal string into Go struct field
 * DeploymentSpec.spec.replicas of type int32`.
 */
export function decodingError(mismatch: FieldTypeMismatch): string {
  const field = mismatch.goField ? `${mismatch.goStruct}.${mismatch.goField}` : mismatch.goStruct;
  return `json: cannot unmarshal ${GO_JSON_VALUE[valueKind(mismatch.value)]} into Go struct field ${field} of type ${mismatch.goType}`;
}

/** Go's `%v` of a decoded JSON value, close enough for the messages below. */
function goValue(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(goValue).join(' ')}]`;
  if (isPlainObject(value)) {
    return `map[${Object.entries(value)
      .map(([key, item]) => `${key}:${goValue(item)}`)
      .join(' ')}]`;
  }
  return String(value);
}

/**
 * structured-merge-diff's message for one mismatch, as server-side apply's typed conversion
 * reports it (typed/validate.go `validateScalar`, value.go `listValue`/`mapValue`):
 * `.spec.replicas: expected numeric (int or float), got string`.
 */
export function typedPatchError(mismatch: FieldTypeMismatch): string {
  const got = mismatch.value;
  switch (mismatch.expected) {
    case 'numeric': {
      const goKind = Array.isArray(got)
        ? '[]interface {}'
        : isPlainObject(got)
          ? 'map[string]interface {}'
          : typeof got === 'boolean'
            ? 'bool'
            : 'string';
      return `${mismatch.keyed}: expected numeric (int or float), got ${goKind}`;
    }
    case 'string':
      return `${mismatch.keyed}: expected string, got &value.valueUnstructured{Value:${goValue(got)}}`;
    case 'boolean':
      return `${mismatch.keyed}: expected boolean, got &{${goValue(got)}}`;
    case 'list':
      return `${mismatch.keyed}: expected list, got &{${goValue(got)}}`;
    case 'map':
      return `${mismatch.keyed}: expected map, got &{${goValue(got)}}`;
  }
}
