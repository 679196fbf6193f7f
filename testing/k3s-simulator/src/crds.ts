/**
 * CustomResourceDefinitions (apiextensions.k8s.io/v1), as the apiextensions-apiserver handles them:
 * validated and defaulted on write; established by a controller (NamesAccepted, then Established)
 * that adds their served versions to discovery and OpenAPI (which changes the discovery ETag and
 * the OpenAPI hashes, so kubectl's caches refresh); deleted by first deleting every object of
 * their kind (the `customresourcecleanup.apiextensions.k8s.io` finalizer). Not simulated:
 * conversion webhooks (every served version reads the stored object as is), CEL validation rules.
 */
import type { ApiCatalog } from './catalog.js';
import { typeOf, type ResourceType, type ServedResource } from './resources.js';
import { invalid, type StatusCause } from './status.js';
import { clone, nowIso, type Json, type StoredObject } from './types.js';

/** The finalizer a CRD carries while its objects are deleted. */
export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';
export const crdType = typeOf('CustomResourceDefinition');
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const CUSTOM_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** The API server's defaulting of a CRD (names.singular, names.listKind, conversion). */
export function defaultCustomResourceDefinition(crd: StoredObject): void {
  const spec = crd.spec;
  if (!spec?.names) return;
  spec.names.singular ??= String(spec.names.kind ?? '').toLowerCase();
  spec.names.listKind ??= `${spec.names.kind}List`;
  spec.conversion ??= { strategy: 'None' };
}

/** The apiextensions validation rules manifests most often break, with the API server's messages. */
export function validateCustomResourceDefinition(crd: StoredObject): void {
  const causes: StatusCause[] = [];
  const spec = crd.spec ?? {};
  const required = (field: string): void => {
    causes.push({ type: 'FieldValueRequired', message: 'Required value', field });
  };
  if (!spec.group) required('spec.group');
  if (!spec.names?.plural) required('spec.names.plural');
  if (!spec.names?.kind) required('spec.names.kind');
  if (spec.group && spec.names?.plural && crd.metadata.name !== `${spec.names.plural}.${spec.group}`) {
    causes.push({
      type: 'FieldValueInvalid',
      message: `Invalid value: "${crd.metadata.name}": must be spec.names.plural+"."+spec.group`,
      field: 'metadata.name',
    });
  }
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    causes.push({
      type: 'FieldValueNotSupported',
      message: `Unsupported value: "${spec.scope ?? ''}": supported values: "Cluster", "Namespaced"`,
      field: 'spec.scope',
    });
  }
  const versions: Json[] = spec.versions ?? [];
  if (versions.length === 0) required('spec.versions');
  if (versions.length > 0 && versions.filter((version) => version.storage).length !== 1) {
    causes.push({
      type: 'FieldValueInvalid',
      message: `Invalid value: []apiextensions.CustomResourceDefinitionVersion{...}: must have exactly one version marked as storage version`,
      field: 'spec.versions',
    });
  }
  versions.forEach((version, index) => {
    if (!version.schema?.openAPIV3Schema) {
      causes.push({
        type: 'FieldValueRequired',
        message: 'Required value: schemas are required',
        field: `spec.versions[${index}].schema.openAPIV3Schema`,
      });
    }
  });
  if (causes.length > 0) throw invalid('CustomResourceDefinition', 'apiextensions.k8s.io', crd.metadata.name, causes);
}

/** Marks a CRD for deletion as its REST storage does: the cleanup finalizer and a Terminating condition. */
export function beginCustomResourceDefinitionDeletion(crd: StoredObject): StoredObject {
  const next = clone(crd);
  next.metadata.deletionTimestamp ??= nowIso();
  next.metadata.finalizers = [...new Set([...(next.metadata.finalizers ?? []), CRD_CLEANUP_FINALIZER])];
  next.status = {
    ...(next.status ?? {}),
    conditions: [
      ...(next.status?.conditions ?? []).filter((condition: Json) => condition.type !== 'Terminating'),
      {
        type: 'Terminating',
        status: 'True',
        lastTransitionTime: nowIso(),
        reason: 'InstanceDeletionInProgress',
        message: 'CustomResource deletion is in progress',
      },
    ],
  };
  return next;
}

function isEstablished(crd: StoredObject): boolean {
  return (crd.status?.conditions ?? []).some((entry: Json) => entry.type === 'Established' && entry.status === 'True');
}

/** Per catalog: the ResourceType of each CRD (by uid), kept so the store's bucket stays the same. */
const customTypes = new WeakMap<ApiCatalog, Map<string, ResourceType>>();
const signatures = new WeakMap<ApiCatalog, string>();

export function typeFor(catalog: ApiCatalog, crd: StoredObject): ResourceType {
  let types = customTypes.get(catalog);
  if (!types) customTypes.set(catalog, (types = new Map()));
  const spec = crd.spec;
  const storage = (spec.versions as Json[]).find((version) => version.storage) ?? spec.versions[0];
  const scale = storage.subresources?.scale;
  const fields: ResourceType = {
    group: spec.group,
    version: storage.name,
    plural: spec.names.plural,
    singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
    kind: spec.names.kind,
    namespaced: spec.scope === 'Namespaced',
    shortNames: spec.names.shortNames ?? [],
    categories: spec.names.categories ?? [],
    subresources: [
      ...(storage.subresources?.status ? (['status'] as const) : []),
      ...(scale?.specReplicasPath === '.spec.replicas' ? (['scale'] as const) : []),
    ],
    customResourceDefinition: crd.metadata.name,
  };
  const existing = types.get(crd.metadata.uid);
  if (existing) return Object.assign(existing, fields);
  types.set(crd.metadata.uid, fields);
  return fields;
}

/** ObjectMeta and the schemas it refers to, from the built-in core document. */
function objectMetaComponents(catalog: ApiCatalog): Record<string, Json> {
  const core = catalog.components('api/v1') ?? {};
  const out: Record<string, Json> = {};
  const visit = (name: string): void => {
    if (out[name] || !core[name]) return;
    out[name] = core[name];
    for (const match of JSON.stringify(core[name]).matchAll(/#\/components\/schemas\/([^"]+)/g)) visit(match[1]);
  };
  visit(OBJECT_META);
  return out;
}

function schemaName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

/** Rebuilds the catalog's custom resources from the established, not deleting CRDs (when they changed). */
export function publish(catalog: ApiCatalog, crds: StoredObject[]): void {
  const live = crds.filter((crd) => isEstablished(crd) && !crd.metadata.deletionTimestamp);
  const signature = JSON.stringify([
    catalog.minor(),
    ...live.map((crd) => [crd.metadata.uid, crd.metadata.generation]),
  ]);
  if (signatures.get(catalog) === signature) return;
  signatures.set(catalog, signature);
  const resources: ServedResource[] = [];
  const components = new Map<string, Record<string, Json>>();
  const meta = objectMetaComponents(catalog);
  for (const crd of live) {
    const type = typeFor(catalog, crd);
    for (const version of crd.spec.versions as Json[]) {
      if (!version.served) continue;
      const subresources: ServedResource['subresources'] = {};
      if (version.subresources?.status) subresources.status = { verbs: ['get', 'patch', 'update'] };
      if (version.subresources?.scale)
        subresources.scale = {
          verbs: ['get', 'patch', 'update'],
          kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
        };
      resources.push({
        type,
        version: version.name,
        verbs: CUSTOM_VERBS,
        subresources,
        printerColumns: version.additionalPrinterColumns,
      });
      const path = `apis/${type.group}/${version.name}`;
      const schema = clone(
        version.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      );
      schema.properties = {
        ...(schema.properties ?? {}),
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { allOf: [{ $ref: `#/components/schemas/${OBJECT_META}` }] },
      };
      schema['x-kubernetes-group-version-kind'] = [{ group: type.group, version: version.name, kind: type.kind }];
      const documents = components.get(path) ?? { ...meta };
      documents[schemaName(type.group, version.name, type.kind)] = schema;
      components.set(path, documents);
    }
  }
  catalog.setCustom(resources, components);
}
