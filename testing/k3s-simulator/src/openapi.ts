/**
 * OpenAPI stubs just rich enough for kubectl's default `--validate=strict`: for every
 * `.../{name}` path a PATCH operation carrying `x-kubernetes-group-version-kind` and a
 * `fieldValidation` query parameter, so kubectl leaves validation to the server
 * (`fieldValidation=Strict`) and downloads no schemas. 1.29+ read the v3 JSON documents;
 * 1.27/1.28 read v2 as protobuf (gnostic's openapi_v2.Document), hand-encoded here.
 */
import { createHash } from 'node:crypto';
import { GROUPS, RESOURCE_TYPES, type ResourceType } from './resources.js';
import type { Json } from './types.js';

function groupVersionPath(group: string): string {
  return group ? `apis/${group}/v1` : 'api/v1';
}

function objectPaths(type: ResourceType): string[] {
  const base = `/${groupVersionPath(type.group)}`;
  return type.namespaced ? [`${base}/namespaces/{namespace}/${type.plural}/{name}`] : [`${base}/${type.plural}/{name}`];
}

function v3Document(group: string): Json {
  const paths: Record<string, Json> = {};
  for (const type of RESOURCE_TYPES.filter((candidate) => candidate.group === group)) {
    for (const path of objectPaths(type)) {
      paths[path] = {
        patch: {
          operationId: `patch${type.kind}`,
          'x-kubernetes-action': 'patch',
          'x-kubernetes-group-version-kind': { group: type.group, version: type.version, kind: type.kind },
          parameters: [
            { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
            { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
            { name: 'force', in: 'query', schema: { type: 'boolean', uniqueItems: true } },
          ],
          responses: { '200': { description: 'OK' } },
        },
      };
    }
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths,
    components: { schemas: {} },
  };
}

const V3_DOCUMENTS = new Map<string, string>(
  ['', ...GROUPS].map((group) => [groupVersionPath(group), JSON.stringify(v3Document(group))]),
);

function hashOf(body: string): string {
  return createHash('sha512').update(body).digest('hex').toUpperCase().slice(0, 128);
}

export function openApiV3Root(): Json {
  const paths: Record<string, Json> = {};
  for (const [path, body] of V3_DOCUMENTS)
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hashOf(body)}` };
  return { paths };
}

export function openApiV3Document(path: string): string | undefined {
  return V3_DOCUMENTS.get(path);
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

function v2PathItem(type: ResourceType): Buffer {
  const gvk = `group: "${type.group}"\nkind: ${type.kind}\nversion: ${type.version}\n`;
  // NamedAny { name, value: Any { yaml } }
  const extension = message(field(1, 'x-kubernetes-group-version-kind'), field(2, message(field(2, gvk))));
  // ParametersItem { parameter: Parameter { non_body_parameter: NonBodyParameter { query_parameter_sub_schema } } }
  const queryParameter = (name: string, kind: string): Buffer =>
    field(8, field(1, field(2, field(3, message(field(2, 'query'), field(4, name), field(6, kind))))));
  const operation = message(
    field(5, `patch${type.group ? type.group.split('.')[0] : 'Core'}V1Namespaced${type.kind}`),
    queryParameter('fieldValidation', 'string'),
    queryParameter('fieldManager', 'string'),
    queryParameter('force', 'boolean'),
    field(13, extension),
  );
  return field(8, operation); // PathItem.patch
}

let v2Document: Buffer | undefined;

export function openApiV2Protobuf(): Buffer {
  if (v2Document) return v2Document;
  const namedPaths = RESOURCE_TYPES.flatMap((type) =>
    objectPaths(type).map((path) => field(2, message(field(1, path), field(2, v2PathItem(type))))),
  );
  v2Document = message(
    field(1, '2.0'),
    field(2, message(field(1, 'Kubernetes'), field(2, 'unversioned'))),
    field(8, message(...namedPaths)),
  );
  return v2Document;
}
