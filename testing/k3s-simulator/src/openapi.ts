/**
 * The OpenAPI documents kubectl reads. 1.29+ read the v3 JSON documents, one per group-version:
 * here each carries the published component schemas of that group-version (CRDs: their own), and
 * for every `.../{name}` path a PATCH operation with `x-kubernetes-group-version-kind` and a
 * `fieldValidation` query parameter, which is what makes kubectl leave validation to the server
 * (`fieldValidation=Strict`). 1.27/1.28 read v2 as protobuf (gnostic's openapi_v2.Document),
 * hand-encoded here with the same paths and operations but no definitions: with the server
 * validating, kubectl reads no schema from it. Documents are built when first asked for.
 */
import { createHash } from 'node:crypto';
import type { ApiCatalog } from './catalog.js';
import type { ServedResource } from './resources.js';
import type { Json } from './types.js';

function groupVersionPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function objectPath(entry: ServedResource): string {
  const base = `/${groupVersionPath(entry.type.group, entry.version)}`;
  return entry.type.namespaced
    ? `${base}/namespaces/{namespace}/${entry.type.plural}/{name}`
    : `${base}/${entry.type.plural}/{name}`;
}

function groupVersionPaths(catalog: ApiCatalog): string[] {
  const paths = new Set<string>();
  for (const entry of catalog.served()) paths.add(groupVersionPath(entry.type.group, entry.version));
  return [...paths];
}

function v3Document(catalog: ApiCatalog, path: string): Json {
  const paths: Record<string, Json> = {};
  for (const entry of catalog.served()) {
    if (groupVersionPath(entry.type.group, entry.version) !== path || !entry.verbs.includes('patch')) continue;
    paths[objectPath(entry)] = {
      patch: {
        operationId: `patch${entry.type.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: entry.type.group, version: entry.version, kind: entry.type.kind },
        parameters: [
          { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'force', in: 'query', schema: { type: 'boolean', uniqueItems: true } },
        ],
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths,
    components: { schemas: catalog.components(path) ?? {} },
  };
}

/** Documents and their hashes for one catalog state (minor + generation). */
interface DocumentCache {
  key: string;
  bodies: Map<string, string>;
  v2?: Buffer;
}

const caches = new WeakMap<ApiCatalog, DocumentCache>();

function cacheOf(catalog: ApiCatalog): DocumentCache {
  const key = `${catalog.minor()}#${catalog.generation}`;
  let cache = caches.get(catalog);
  if (cache?.key !== key) {
    cache = { key, bodies: new Map() };
    caches.set(catalog, cache);
  }
  return cache;
}

/** A hash naming a document's content: the catalog state and the path determine it. */
function hashOf(catalog: ApiCatalog, path: string): string {
  return createHash('sha512')
    .update(`${cacheOf(catalog).key}|${path}`)
    .digest('hex')
    .toUpperCase()
    .slice(0, 128);
}

export function openApiV3Root(catalog: ApiCatalog): Json {
  const paths: Record<string, Json> = {};
  for (const path of groupVersionPaths(catalog))
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hashOf(catalog, path)}` };
  return { paths };
}

export function openApiV3Document(catalog: ApiCatalog, path: string): string | undefined {
  if (!groupVersionPaths(catalog).includes(path)) return undefined;
  const cache = cacheOf(catalog);
  let body = cache.bodies.get(path);
  if (body === undefined) {
    body = JSON.stringify(v3Document(catalog, path));
    cache.bodies.set(path, body);
  }
  return body;
}

// --- protobuf encoding of the v2 document ---

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let remaining = value;
  while (remaining > 0x7f) {
    bytes.push((remaining & 0x7f) | 0x80);
    remaining >>>= 7;
  }
  bytes.push(remaining);
  return Buffer.from(bytes);
}

function field(number: number, content: Buffer | string): Buffer {
  const body = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return Buffer.concat([varint((number << 3) | 2), varint(body.length), body]);
}

function message(...fields: Buffer[]): Buffer {
  return Buffer.concat(fields);
}

function v2PathItem(entry: ServedResource): Buffer {
  const { group, kind } = entry.type;
  const gvk = `group: "${group}"\nkind: ${kind}\nversion: ${entry.version}\n`;
  // NamedAny { name, value: Any { yaml } }
  const extension = message(field(1, 'x-kubernetes-group-version-kind'), field(2, message(field(2, gvk))));
  // ParametersItem { parameter: Parameter { non_body_parameter: NonBodyParameter { query_parameter_sub_schema } } }
  const queryParameter = (name: string, type: string): Buffer =>
    field(8, field(1, field(2, field(3, message(field(2, 'query'), field(4, name), field(6, type))))));
  const operation = message(
    field(5, `patch${group ? group.split('.')[0] : 'Core'}${entry.version}${kind}`),
    queryParameter('fieldValidation', 'string'),
    queryParameter('fieldManager', 'string'),
    queryParameter('force', 'boolean'),
    field(13, extension),
  );
  return field(8, operation); // PathItem.patch
}

export function openApiV2Protobuf(catalog: ApiCatalog): Buffer {
  const cache = cacheOf(catalog);
  if (cache.v2) return cache.v2;
  const namedPaths = catalog
    .served()
    .filter((entry) => entry.verbs.includes('patch'))
    .map((entry) => field(2, message(field(1, objectPath(entry)), field(2, v2PathItem(entry)))));
  cache.v2 = message(
    field(1, '2.0'),
    field(2, message(field(1, 'Kubernetes'), field(2, 'unversioned'))),
    field(8, message(...namedPaths)),
  );
  return cache.v2;
}
