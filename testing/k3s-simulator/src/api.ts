/**
 * The API server's write and read semantics over the store: defaulting, validation, generation,
 * field ownership, the four patch types, deletion with propagation policies, dry runs.
 */
import { randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { applyDefaults, foldStringData, type DefaultingContext } from './defaults.js';
import { applyJsonPatch } from './patch/json-patch.js';
import { recordUpdate, serverSideApply } from './patch/managed-fields.js';
import { applyMergePatch } from './patch/merge-patch.js';
import { applyStrategicMergePatch } from './patch/strategic-merge.js';
import { apiVersionOf, typeOf, type ResourceType } from './resources.js';
import { fieldSelectorPredicate, labelSelectorPredicate } from './selectors.js';
import {
  ApiError,
  badRequest,
  invalid,
  notFound,
  qualifiedResource,
  unsupportedMediaType,
  type StatusCause,
} from './status.js';
import type { ObjectStore } from './store.js';
import { clone, isPlainObject, jsonEqual, nowIso, type Json, type StoredObject } from './types.js';
import { randomSuffix } from './names.js';
import { int64Reviver, parseApiJson } from './json.js';
import { validateObject } from './validation.js';
import { decodingError, fieldTypeMismatches, typedPatchError, unknownFields } from './field-validation.js';
import type { ApiCatalog } from './catalog.js';
import {
  beginCustomResourceDefinitionDeletion,
  defaultCustomResourceDefinition,
  validateCustomResourceDefinition,
} from './crds.js';
import { pruneAndDefault, validateStructural } from './structural.js';
import { assignNodePorts, nodePortsInUse } from './node-ports.js';

export interface WriteOptions {
  fieldManager?: string;
  /** Strict | Warn | Ignore, as `fieldValidation` asks. */
  fieldValidation?: string;
  /** Receives `Warning` texts for the response (unknown fields under Warn). */
  warn?: (message: string) => void;
  userAgent?: string;
  dryRun?: boolean;
  force?: boolean;
  /** The version the request's URL names (default: the storage version). */
  servedVersion?: string;
}

export interface ListOptions {
  labelSelector?: string | null;
  fieldSelector?: string | null;
  limit?: number;
  continueToken?: string | null;
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

const GENERATION_KINDS = new Set([
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'Ingress',
  'Pod',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'NetworkPolicy',
  'CustomResourceDefinition',
]);
const KIND_STATUS_ON_CREATE = new Set(['Pod', 'Service', 'Namespace', 'Ingress']);

/** `kubectl.1.33/v1.33.1 (linux/amd64) ...` -> `kubectl.1.33`, as the API server names a manager. */
export function managerFromUserAgent(userAgent: string | undefined): string {
  const prefix = (userAgent ?? '').split('/')[0].trim();
  return prefix || 'unknown';
}

function specOf(object: StoredObject): Json {
  const { metadata: _metadata, status: _status, ...rest } = object;
  return rest;
}

function withoutVolatileMetadata(object: StoredObject): StoredObject {
  const copy = clone(object);
  delete copy.metadata.resourceVersion;
  for (const entry of copy.metadata.managedFields ?? []) delete entry.time;
  return copy;
}

export interface ApiSettings extends DefaultingContext {
  /** How long a deleted, started pod stays Terminating before it is gone (0: at once). */
  podTerminationMs(): number;
}

export class ClusterApi {
  constructor(
    readonly store: ObjectStore,
    private readonly defaulting: ApiSettings,
    readonly catalog: ApiCatalog,
  ) {}

  /** The schema unknown fields are checked against: the served version's, else the storage version's. */
  private schemaOf(
    type: ResourceType,
    version = type.version,
  ): { schema: Json; components: Record<string, Json> } | undefined {
    const entry =
      this.catalog.find(type.group, version, type.plural) ??
      this.catalog.served().find((candidate) => candidate.type === type);
    return entry ? this.catalog.objectSchema(entry) : undefined;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): StoredObject {
    return this.store.mustGet(type, namespace, name);
  }

  list(
    type: ResourceType,
    namespace: string | undefined,
    options: ListOptions = {},
  ): { items: StoredObject[]; resourceVersion: string; continueToken?: string } {
    const byLabel = labelSelectorPredicate(options.labelSelector);
    const byField = fieldSelectorPredicate(options.fieldSelector);
    const resourceVersion = String(this.store.currentRevision);
    let items = this.store.list(type, namespace, (object) => byLabel(object) && byField(object));
    const offset = options.continueToken
      ? Number(Buffer.from(options.continueToken, 'base64').toString('utf8')) || 0
      : 0;
    items = items.slice(offset);
    if (options.limit && options.limit > 0 && items.length > options.limit) {
      const continueToken = Buffer.from(String(offset + options.limit), 'utf8').toString('base64');
      return { items: items.slice(0, options.limit), resourceVersion, continueToken };
    }
    return { items, resourceVersion };
  }

  private requireNamespace(type: ResourceType, namespace: string | undefined, name?: string): void {
    if (!type.namespaced) return;
    if (!namespace) throw badRequest('the namespace of the object must be set');
    const found = this.store.get(typeOf('Namespace'), undefined, namespace);
    if (!found) throw notFound('namespaces', '', namespace);
    if (found.metadata.deletionTimestamp) {
      // The NamespaceLifecycle admission plugin's refusal.
      throw new ApiError(
        403,
        'Forbidden',
        `${qualifiedResource(type.plural, type.group)} "${name ?? ''}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        {
          name,
          group: type.group || undefined,
          kind: type.plural,
          causes: [
            {
              type: 'NamespaceTerminating',
              message: `namespace ${namespace} is being terminated`,
              field: 'metadata.namespace',
            },
          ],
        },
      );
    }
  }

  private checkIdentity(type: ResourceType, namespace: string | undefined, body: StoredObject): void {
    if (!isPlainObject(body) || !isPlainObject(body.metadata)) {
      if (!isPlainObject(body)) throw badRequest('the body of the request was not a Kubernetes object');
      body.metadata = {};
    }
    if (body.kind && body.kind !== type.kind) {
      throw badRequest(
        `the server could not find the requested resource: expected kind ${type.kind}, got ${body.kind}`,
      );
    }
    if (type.namespaced) {
      if (body.metadata.namespace && namespace && body.metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      body.metadata.namespace = namespace ?? body.metadata.namespace;
    }
  }

  create(
    type: ResourceType,
    namespace: string | undefined,
    body: StoredObject,
    options: WriteOptions,
    preManaged = false,
  ): StoredObject {
    const object = clone(body);
    this.checkIdentity(type, namespace, object);
    this.requireNamespace(type, object.metadata.namespace, object.metadata.name ?? object.metadata.generateName);
    if (!object.metadata.name && object.metadata.generateName) {
      object.metadata.name = `${object.metadata.generateName}${randomSuffix()}`;
    }
    object.apiVersion = apiVersionOf(type);
    object.kind = type.kind;
    if (!preManaged) this.checkFields(type, object, options);
    object.metadata.uid = randomUUID();
    delete object.metadata.resourceVersion;
    delete object.metadata.deletionTimestamp;
    if (!KIND_STATUS_ON_CREATE.has(type.kind)) delete object.status;
    foldStringData(object);
    applyDefaults(object, this.defaulting);
    this.admit(type, object);
    this.allocate(type, object, undefined);
    this.applySchema(type, object, options);
    if (GENERATION_KINDS.has(type.kind) || type.customResourceDefinition) object.metadata.generation = 1;
    validateObject(type, object);
    if (!preManaged) recordUpdate(undefined, object, this.managerOf(options), apiVersionOf(type));
    if (options.dryRun) {
      object.metadata.creationTimestamp = nowIso();
      return object;
    }
    return this.store.create(type, object);
  }

  /** What the Service storage allocates on write besides cluster IPs: node ports. */
  private allocate(type: ResourceType, object: StoredObject, previous: StoredObject | undefined): void {
    if (type.kind !== 'Service' || type.group !== '' || !isPlainObject(object.spec)) return;
    assignNodePorts(object, previous, nodePortsInUse(this.store.list(type), object));
  }

  /**
   * Admission plugins on create: DefaultStorageClass gives a claim without a class the default
   * one; DefaultIngressClass gives an Ingress with neither `ingressClassName` nor the legacy
   * `kubernetes.io/ingress.class` annotation the default IngressClass (the newest, when several
   * are marked, as plugin/pkg/admission/network/defaultingressclass does).
   */
  private admit(type: ResourceType, object: StoredObject): void {
    if (
      type.kind === 'PersistentVolumeClaim' &&
      isPlainObject(object.spec) &&
      object.spec.storageClassName === undefined
    ) {
      const fallback = this.store
        .list(typeOf('StorageClass'))
        .find((found) => found.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true');
      if (fallback) object.spec.storageClassName = fallback.metadata.name;
    }
    if (
      type.kind === 'Ingress' &&
      type.group === 'networking.k8s.io' &&
      isPlainObject(object.spec) &&
      object.spec.ingressClassName === undefined &&
      object.metadata.annotations?.['kubernetes.io/ingress.class'] === undefined
    ) {
      const fallback = this.store
        .list(typeOf('IngressClass'))
        .filter((found) => found.metadata.annotations?.['ingressclass.kubernetes.io/is-default-class'] === 'true')
        .sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)))[0];
      if (fallback) object.spec.ingressClassName = fallback.metadata.name;
    }
  }

  /**
   * CRDs are defaulted and validated as the apiextensions-apiserver does; custom resources are
   * pruned, defaulted and validated against their CRD's structural schema (422 with every cause).
   */
  private applySchema(type: ResourceType, object: StoredObject, options: WriteOptions): void {
    if (type.kind === 'CustomResourceDefinition' && type.group === 'apiextensions.k8s.io') {
      defaultCustomResourceDefinition(object);
      validateCustomResourceDefinition(object);
      return;
    }
    if (!type.customResourceDefinition) return;
    const schema = this.schemaOf(type, options.servedVersion);
    if (!schema) return;
    const pruned = pruneAndDefault(object, schema.schema, schema.components);
    for (const key of Object.keys(object)) if (!(key in pruned)) delete object[key];
    Object.assign(object, pruned);
    const causes: StatusCause[] = [];
    validateStructural(object, schema.schema, schema.components, '', causes);
    if (causes.length > 0) throw invalid(type.kind, type.group, object.metadata?.name ?? '', causes);
  }

  /**
   * Decoding a built-in kind: a value of the wrong JSON type is a 400 whatever `fieldValidation`
   * says (custom resources are checked by their structural schema instead); then unknown fields,
   * a 400 under Strict (strict decoding's message), a warning under Warn.
   */
  private checkFields(type: ResourceType, object: StoredObject, options: WriteOptions): void {
    const schema = this.schemaOf(type, options.servedVersion);
    const cannotBeHandled = `${type.kind} in version "${options.servedVersion ?? type.version}" cannot be handled as a ${type.kind}`;
    if (!type.customResourceDefinition) {
      const [mismatch] = fieldTypeMismatches(object, schema, type.kind);
      if (mismatch) throw badRequest(`${cannotBeHandled}: ${decodingError(mismatch)}`);
    }
    const mode = options.fieldValidation ?? 'Ignore';
    if (mode === 'Ignore') return;
    const unknown = unknownFields(object, schema);
    if (unknown.length === 0) return;
    const listed = unknown.map((field) => `unknown field "${field.indexed}"`);
    if (mode === 'Strict') {
      throw badRequest(`${cannotBeHandled}: strict decoding error: ${listed.join(', ')}`);
    }
    for (const message of listed) options.warn?.(message);
  }

  private managerOf(options: WriteOptions): string {
    return options.fieldManager || managerFromUserAgent(options.userAgent);
  }

  /** A write of a whole object (PUT, or the result of a patch). */
  update(
    type: ResourceType,
    previous: StoredObject,
    body: StoredObject,
    options: WriteOptions,
    context: { subresource?: string; preManaged?: boolean; checkVersion?: boolean } = {},
  ): StoredObject {
    const next = clone(body);
    this.checkIdentity(type, previous.metadata.namespace, next);
    if (next.metadata.name !== previous.metadata.name) {
      throw badRequest(
        `the name of the object (${next.metadata.name}) does not match the name on the URL (${previous.metadata.name})`,
      );
    }
    const expectedVersion = context.checkVersion ? next.metadata.resourceVersion : undefined;
    next.kind = type.kind;
    if (!context.preManaged) this.checkFields(type, next, options);
    let result: StoredObject;
    if (context.subresource === 'status') {
      result = clone(previous);
      result.status = next.status;
    } else {
      result = next;
      if (type.subresources.includes('status')) result.status = clone(previous.status);
      result.metadata.uid = previous.metadata.uid;
      result.metadata.creationTimestamp = previous.metadata.creationTimestamp;
      if (previous.metadata.deletionTimestamp) result.metadata.deletionTimestamp = previous.metadata.deletionTimestamp;
      else delete result.metadata.deletionTimestamp;
      foldStringData(result);
      applyDefaults(result, this.defaulting);
      this.allocate(type, result, previous);
      this.applySchema(type, result, options);
    }
    result.apiVersion = apiVersionOf(type);
    result.kind = type.kind;
    if (GENERATION_KINDS.has(type.kind) || type.customResourceDefinition) {
      const changed = !jsonEqual(specOf(previous), specOf(result));
      result.metadata.generation =
        (previous.metadata.generation ?? 1) + (changed && context.subresource !== 'status' ? 1 : 0);
    }
    validateObject(type, result, previous);
    if (!context.preManaged) {
      recordUpdate(previous, result, this.managerOf(options), apiVersionOf(type), context.subresource);
    }
    result.metadata.resourceVersion = previous.metadata.resourceVersion;
    if (jsonEqual(withoutVolatileMetadata(previous), withoutVolatileMetadata(result))) return previous;
    if (options.dryRun) return result;
    const stored = this.store.update(type, result, expectedVersion);
    if (stored.metadata.deletionTimestamp && (stored.metadata.finalizers ?? []).length === 0) {
      this.store.remove(type, stored.metadata.namespace, stored.metadata.name);
    }
    return stored;
  }

  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    contentType: string,
    rawBody: string,
    options: WriteOptions,
    subresource?: string,
  ): { object: StoredObject; created: boolean } {
    const mediaType = contentType.split(';')[0].trim();
    const existing = this.store.get(type, namespace, name);
    if (mediaType === 'application/apply-patch+yaml') {
      return this.apply(type, namespace, name, existing, rawBody, options, subresource);
    }
    if (!existing) throw notFound(type.plural, type.group, name);
    const patch = parseJson(rawBody);
    let patched: StoredObject;
    switch (mediaType) {
      case 'application/strategic-merge-patch+json':
        patched = applyStrategicMergePatch(existing, patch);
        break;
      case 'application/merge-patch+json':
        patched = applyMergePatch(existing, patch);
        break;
      case 'application/json-patch+json':
        patched = applyJsonPatch(existing, patch);
        break;
      default:
        throw unsupportedMediaType(contentType);
    }
    const checkVersion = isPlainObject(patch) && patch.metadata?.resourceVersion !== undefined;
    return { object: this.update(type, existing, patched, options, { subresource, checkVersion }), created: false };
  }

  private apply(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    existing: StoredObject | undefined,
    rawBody: string,
    options: WriteOptions,
    subresource?: string,
  ): { object: StoredObject; created: boolean } {
    if (!options.fieldManager) {
      throw badRequest('PATCH, application/apply-patch+yaml requires fieldManager to be set');
    }
    let applied: StoredObject;
    try {
      applied = parseYaml(rawBody, int64Reviver, { intAsBigInt: true }) as StoredObject;
    } catch (error) {
      throw badRequest(`error decoding YAML: ${(error as Error).message}`);
    }
    if (!isPlainObject(applied)) throw badRequest('invalid object type: applied configuration must be an object');
    if (applied.apiVersion !== apiVersionOf(type, options.servedVersion) || applied.kind !== type.kind) {
      throw badRequest(`invalid object type: ${applied.apiVersion ?? ''}, Kind=${applied.kind ?? ''}`);
    }
    applied.metadata ??= {};
    if (applied.metadata.name && applied.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    applied.metadata.name = name;
    if (type.namespaced) applied.metadata.namespace = namespace;
    if (subresource !== 'status' && type.subresources.includes('status')) delete applied.status;
    const schema = this.schemaOf(type, options.servedVersion);
    const undeclared = unknownFields(applied, schema);
    const where = `${type.namespaced ? `${namespace}/` : ''}${name}; ${apiVersionOf(type, options.servedVersion)}, Kind=${type.kind}`;
    const mismatches = fieldTypeMismatches(applied, schema, type.kind);
    if (mismatches.length > 0) {
      // The field manager's typed conversion fails with a plain Go error, which the server
      // answers as a 500 InternalError; structured-merge-diff joins several as "errors:\n  …".
      const errors = [
        ...mismatches.map(typedPatchError),
        ...undeclared.map((field) => `${field.keyed}: field not declared in schema`),
      ];
      const listed = errors.length === 1 ? errors[0] : ['errors:', ...errors.map((error) => `  ${error}`)].join('\n');
      throw new ApiError(500, 'InternalError', `failed to create typed patch object (${where}): ${listed}`);
    }
    if (undeclared.length > 0 && options.fieldValidation !== 'Ignore') {
      const paths = undeclared.map((field) => `${field.keyed}: field not declared in schema`).join(', ');
      throw badRequest(`failed to create typed patch object (${where}): ${paths}`);
    }
    foldStringData(applied);
    const merged = serverSideApply({
      live: existing,
      applied,
      manager: options.fieldManager,
      force: Boolean(options.force),
      apiVersion: apiVersionOf(type),
    });
    if (!existing) return { object: this.create(type, namespace, merged, options, true), created: true };
    return { object: this.update(type, existing, merged, options, { subresource, preManaged: true }), created: false };
  }

  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions,
    dryRun = false,
  ): { object: StoredObject; immediate: boolean } {
    const existing = this.store.mustGet(type, namespace, name);
    if (options.preconditions?.uid && options.preconditions.uid !== existing.metadata.uid) {
      throw new ApiError(
        409,
        'Conflict',
        `Precondition failed: UID in precondition: ${options.preconditions.uid}, UID in object meta: ${existing.metadata.uid}`,
      );
    }
    if (dryRun) return { object: existing, immediate: true };
    const policy = options.propagationPolicy ?? 'Background';
    if (type.kind === 'Namespace' && type.group === '') {
      // Terminating until the namespace controller has removed its contents (controllers/namespace.ts).
      if (existing.metadata.deletionTimestamp) return { object: existing, immediate: false };
      existing.metadata.deletionTimestamp = nowIso();
      existing.metadata.deletionGracePeriodSeconds = 0;
      existing.spec = { ...(existing.spec ?? {}), finalizers: existing.spec?.finalizers ?? ['kubernetes'] };
      existing.status = { ...(existing.status ?? {}), phase: 'Terminating' };
      return { object: this.store.update(type, existing), immediate: false };
    }
    if (type.kind === 'CustomResourceDefinition' && type.group === 'apiextensions.k8s.io') {
      if (existing.metadata.deletionTimestamp) return { object: existing, immediate: false };
      return { object: this.store.update(type, beginCustomResourceDefinitionDeletion(existing)), immediate: false };
    }
    if (policy === 'Orphan') this.orphanDependents(existing.metadata.uid);
    if (type.kind === 'Pod' && this.terminatesGracefully(existing, options)) {
      if (existing.metadata.deletionTimestamp) return { object: existing, immediate: false };
      const grace: number = options.gracePeriodSeconds ?? existing.spec?.terminationGracePeriodSeconds ?? 30;
      existing.metadata.deletionTimestamp = new Date(Date.now() + grace * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      existing.metadata.deletionGracePeriodSeconds = grace;
      return { object: this.store.update(type, existing), immediate: false };
    }
    const finalizers: string[] = [...(existing.metadata.finalizers ?? [])];
    if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    if (finalizers.length === 0) return { object: this.store.remove(type, namespace, name), immediate: true };
    if (existing.metadata.deletionTimestamp) return { object: existing, immediate: false };
    existing.metadata.finalizers = finalizers;
    existing.metadata.deletionTimestamp = nowIso();
    existing.metadata.deletionGracePeriodSeconds = 0;
    if (existing.metadata.generation) existing.metadata.generation += 1;
    return { object: this.store.update(type, existing), immediate: false };
  }

  /** A started pod is Terminating for a while (the kubelet stops it), unless forced with grace 0. */
  private terminatesGracefully(pod: StoredObject, options: DeleteOptions): boolean {
    return (
      this.defaulting.podTerminationMs() > 0 &&
      Boolean(pod.spec?.nodeName) &&
      options.gracePeriodSeconds !== 0 &&
      pod.status?.phase === 'Running'
    );
  }

  private orphanDependents(uid: string): void {
    for (const { type, object } of this.store.allObjects()) {
      const references: Json[] = object.metadata.ownerReferences ?? [];
      if (!references.some((reference) => reference.uid === uid)) continue;
      const updated = clone(object);
      updated.metadata.ownerReferences = references.filter((reference) => reference.uid !== uid);
      if (updated.metadata.ownerReferences.length === 0) delete updated.metadata.ownerReferences;
      this.store.update(type, updated);
    }
  }
}

function parseJson(body: string): Json {
  try {
    return parseApiJson(body);
  } catch (error) {
    throw badRequest(`error decoding patch: ${(error as Error).message}`);
  }
}
