/**
 * Custom resources against their CustomResourceDefinition's structural schema, as the
 * apiextensions-apiserver treats them on every write: unknown fields pruned (unless
 * `x-kubernetes-preserve-unknown-fields`), `default`s applied where the parent exists, then the
 * OpenAPI v3 validations that matter to manifests (type, required, enum, bounds, lengths, pattern,
 * item counts, int-or-string). Messages follow k8s.io/kube-openapi's validate package. Not
 * simulated: CEL rules (`x-kubernetes-validations`), formats other than int-or-string, oneOf/anyOf.
 */
import { resolveSchema } from './field-validation.js';
import type { StatusCause } from './status.js';
import { clone, isPlainObject, type Json } from './types.js';
import { apiJson } from './json.js';

function typeOfValue(value: Json): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'bigint') return 'integer';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Drops fields the schema does not declare and fills in defaults; `metadata` is left to ObjectMeta. */
export function pruneAndDefault(value: Json, schema: Json, components: Record<string, Json>, root = true): Json {
  const resolved = resolveSchema(schema, components);
  if (!resolved || value === null || value === undefined) return value;
  if (Array.isArray(value)) {
    return resolved.items ? value.map((item) => pruneAndDefault(item, resolved.items, components, false)) : value;
  }
  if (!isPlainObject(value)) return value;
  const properties = isPlainObject(resolved.properties) ? resolved.properties : undefined;
  const preserve = resolved['x-kubernetes-preserve-unknown-fields'] === true;
  const out: Record<string, Json> = {};
  for (const [field, child] of Object.entries(value)) {
    if (root && (field === 'apiVersion' || field === 'kind' || field === 'metadata')) out[field] = child;
    else if (properties && field in properties)
      out[field] = pruneAndDefault(child, properties[field], components, false);
    else if (isPlainObject(resolved.additionalProperties))
      out[field] = pruneAndDefault(child, resolved.additionalProperties, components, false);
    else if (preserve || resolved.additionalProperties === true) out[field] = child;
  }
  for (const [field, property] of Object.entries(properties ?? {})) {
    const resolvedProperty = resolveSchema(property, components);
    if (out[field] === undefined && resolvedProperty?.default !== undefined) {
      out[field] = pruneAndDefault(clone(resolvedProperty.default), resolvedProperty, components, false);
    }
  }
  return out;
}

function quoted(value: Json): string {
  return typeof value === 'string' ? `"${value}"` : apiJson(value);
}

/** The validation causes of `value` at `path` (`spec.routes[0].match`), in the API server's words. */
export function validateStructural(
  value: Json,
  schema: Json,
  components: Record<string, Json>,
  path: string,
  causes: StatusCause[],
): void {
  const resolved = resolveSchema(schema, components);
  if (!resolved || value === undefined) return;
  const actual = typeOfValue(value);
  const wanted: string | undefined = resolved.type;
  if (value === null) {
    if (!resolved.nullable && wanted) {
      causes.push({
        type: 'FieldValueTypeInvalid',
        message: `Invalid value: "null": ${path} in body must be of type ${wanted}: "null"`,
        field: path,
      });
    }
    return;
  }
  if (resolved['x-kubernetes-int-or-string'] === true) {
    if (actual !== 'integer' && actual !== 'string') {
      causes.push({
        type: 'FieldValueTypeInvalid',
        message: `Invalid value: "${actual}": ${path} in body must be of type integer,string: "${actual}"`,
        field: path,
      });
    }
    return;
  }
  if (wanted && wanted !== actual && !(wanted === 'number' && actual === 'integer')) {
    causes.push({
      type: 'FieldValueTypeInvalid',
      message: `Invalid value: "${actual}": ${path} in body must be of type ${wanted}: "${actual}"`,
      field: path,
    });
    return;
  }
  if (Array.isArray(resolved.enum) && !resolved.enum.some((option: Json) => apiJson(option) === apiJson(value))) {
    causes.push({
      type: 'FieldValueNotSupported',
      message: `Unsupported value: ${quoted(value)}: supported values: ${resolved.enum.map(quoted).join(', ')}`,
      field: path,
    });
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (resolved.minimum !== undefined && value < resolved.minimum)
      causes.push({
        type: 'FieldValueInvalid',
        message: `Invalid value: ${value}: ${path} in body should be greater than or equal to ${resolved.minimum}`,
        field: path,
      });
    if (resolved.maximum !== undefined && value > resolved.maximum)
      causes.push({
        type: 'FieldValueInvalid',
        message: `Invalid value: ${value}: ${path} in body should be less than or equal to ${resolved.maximum}`,
        field: path,
      });
  }
  if (typeof value === 'string') {
    if (resolved.minLength !== undefined && value.length < resolved.minLength)
      causes.push({
        type: 'FieldValueInvalid',
        message: `Invalid value: "${value}": ${path} in body should be at least ${resolved.minLength} chars long`,
        field: path,
      });
    if (resolved.maxLength !== undefined && value.length > resolved.maxLength)
      causes.push({
        type: 'FieldValueTooLong',
        message: `Too long: may not be longer than ${resolved.maxLength}`,
        field: path,
      });
    if (typeof resolved.pattern === 'string' && !new RegExp(resolved.pattern, 'u').test(value))
      causes.push({
        type: 'FieldValueInvalid',
        message: `Invalid value: "${value}": ${path} in body should match '${resolved.pattern}'`,
        field: path,
      });
  }
  if (Array.isArray(value)) {
    if (resolved.minItems !== undefined && value.length < resolved.minItems)
      causes.push({
        type: 'FieldValueInvalid',
        message: `Invalid value: ${value.length}: ${path} in body should have at least ${resolved.minItems} items`,
        field: path,
      });
    if (resolved.maxItems !== undefined && value.length > resolved.maxItems)
      causes.push({
        type: 'FieldValueTooMany',
        message: `Too many: ${value.length}: must have at most ${resolved.maxItems} items`,
        field: path,
      });
    if (resolved.items)
      value.forEach((item, index) => validateStructural(item, resolved.items, components, `${path}[${index}]`, causes));
    return;
  }
  if (isPlainObject(value)) {
    for (const field of resolved.required ?? []) {
      if (value[field] === undefined)
        causes.push({
          type: 'FieldValueRequired',
          message: 'Required value',
          field: path ? `${path}.${field}` : field,
        });
    }
    const properties = isPlainObject(resolved.properties) ? resolved.properties : {};
    for (const [field, child] of Object.entries(value)) {
      if (!path && (field === 'apiVersion' || field === 'kind' || field === 'metadata')) continue;
      const childPath = path ? `${path}.${field}` : field;
      if (field in properties) validateStructural(child, properties[field], components, childPath, causes);
      else if (isPlainObject(resolved.additionalProperties))
        validateStructural(child, resolved.additionalProperties, components, childPath, causes);
    }
  }
}
