/** The HTTP face of the simulator: routing, auth, content negotiation, watch streams. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash, randomUUID } from 'node:crypto';
import type { ClusterApi, DeleteOptions, WriteOptions } from './api.js';
import {
  aggregatedDiscovery,
  apiGroupList,
  apiResourceList,
  apiVersions,
  requestedAggregatedVersion,
} from './discovery.js';
import { decodeKubernetesProtobuf } from './protobuf.js';
import { checkEviction } from './controllers/disruption.js';
import { notSimulatedWarning } from './not-simulated.js';
import { openApiV2Protobuf, openApiV3Document, openApiV3Root } from './openapi.js';
import type { ApiCatalog } from './catalog.js';
import { apiVersionOf, type ResourceType, type ServedResource } from './resources.js';
import { fieldSelectorPredicate, labelSelectorPredicate, labelSelectorString } from './selectors.js';
import { ApiError, badRequest, expired, methodNotAllowed } from './status.js';
import type { Change, ObjectStore } from './store.js';
import { toTable, wantsTable, type ServerInfo } from './table.js';
import { applyMergePatch } from './patch/merge-patch.js';
import { applyJsonPatch } from './patch/json-patch.js';
import { applyStrategicMergePatch } from './patch/strategic-merge.js';
import type { Json, StoredObject } from './types.js';
import { apiJson, parseApiJson } from './json.js';

export interface ServerContext {
  api: ClusterApi;
  catalog: ApiCatalog;
  store: ObjectStore;
  token: string;
  version: () => { major: string; minor: string; gitVersion: string };
  /** Called for each request, so tests can see what kubectl asked. */
  onRequest?: (method: string, url: string, headers: IncomingMessage['headers']) => void;
  /** Consulted for each request to a resource's URL; see FaultHook. */
  faults?: () => FaultHook | undefined;
}

/** A request to a resource's URL as a FaultHook sees it: `body` is JSON text (protobuf decoded), absent on GET. */
export interface FaultRequest {
  method: string;
  /** The URL path, e.g. `/apis/apps/v1/namespaces/web/deployments/api`. */
  path: string;
  query: URLSearchParams;
  body?: string;
}

/**
 * A failing or hostile server, chosen per request: `'reset'` destroys the connection before the
 * request is handled (nothing is written); `'drop-answer'` handles it (a write lands) then destroys
 * the connection instead of answering; `{status, message}` answers a Kubernetes Status error
 * (reason from the status code, as the API server's) without handling it; undefined serves it.
 */
export type FaultHook = (
  request: FaultRequest,
) => 'reset' | 'drop-answer' | { status: number; message: string } | undefined;

/** Status reasons by code, as k8s.io/apimachinery/pkg/api/errors names them. */
const STATUS_REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

const COMMON_HEADERS = { 'Cache-Control': 'no-cache, private' };
const PUBLIC_PATHS = new Set(['/version', '/healthz', '/readyz', '/livez']);

function send(res: ServerResponse, code: number, body: Json, contentType = 'application/json'): void {
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : apiJson(body);
  res.writeHead(code, { ...COMMON_HEADERS, 'Content-Type': contentType, 'Audit-Id': randomUUID() });
  res.end(payload);
}

function sendError(res: ServerResponse, error: unknown): void {
  const apiError =
    error instanceof ApiError
      ? error
      : new ApiError(500, 'InternalError', `Internal error occurred: ${(error as Error).message}`);
  send(res, apiError.code, apiError.toStatus());
}

/** The body as text; protobuf bodies are kept byte for byte (latin1) for the decoder. */
function readBody(req: IncomingMessage): Promise<string> {
  const binary = (req.headers['content-type'] ?? '').startsWith('application/vnd.kubernetes.protobuf');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString(binary ? 'latin1' : 'utf8')));
    req.on('error', reject);
  });
}

function parseBody(text: string): Json {
  if (text.trim() === '') return undefined;
  try {
    return parseApiJson(text);
  } catch (error) {
    throw badRequest(`the body of the request could not be decoded: ${(error as Error).message}`);
  }
}

interface ResourceRoute {
  type: ResourceType;
  /** The version the URL names, as served. */
  served: ServedResource;
  namespace?: string;
  name?: string;
  subresource?: string;
}

function routeResource(catalog: ApiCatalog, pathname: string): ResourceRoute | undefined | 'group' {
  const segments = pathname.split('/').filter(Boolean);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 2) {
    group = '';
    version = segments[1];
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 3) {
    group = segments[1];
    version = segments[2];
    rest = segments.slice(3);
  } else return undefined;
  if (rest.length === 0) return 'group';
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const served = catalog.find(group, version, rest[2]);
    if (served?.type.namespaced)
      return { type: served.type, served, namespace: rest[1], name: rest[3], subresource: rest[4] };
  }
  const served = catalog.find(group, version, rest[0]);
  if (!served) return undefined;
  return { type: served.type, served, name: rest[1], subresource: rest[2] };
}

/** Adds a `Warning: 299` header (kubectl prints each as `Warning: <text>`). */
export function addWarning(res: ServerResponse, message: string): void {
  const previous = res.getHeader('Warning');
  const warning = `299 - ${JSON.stringify(message)}`;
  res.setHeader(
    'Warning',
    previous ? [...(Array.isArray(previous) ? previous : [String(previous)]), warning] : warning,
  );
}

function writeOptions(
  query: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
  route?: ResourceRoute,
): WriteOptions {
  return {
    servedVersion: route?.served.version,
    fieldValidation: query.get('fieldValidation') ?? undefined,
    warn: (message) => addWarning(res, message),
    fieldManager: query.get('fieldManager') ?? undefined,
    userAgent: req.headers['user-agent'],
    dryRun: query.getAll('dryRun').includes('All'),
    force: query.get('force') === 'true',
  };
}

/**
 * The Eviction API: refuses with 429 while a PodDisruptionBudget forbids it (kubectl drain
 * retries), otherwise deletes the pod with the eviction's delete options and answers 201.
 */
function evict(context: ServerContext, route: ResourceRoute, body: Json, res: ServerResponse): void {
  const name = route.name ?? '';
  if (body?.metadata?.name && body.metadata.name !== name) {
    throw badRequest(`name in URL does not match name in Eviction object`);
  }
  const pod = context.api.get(route.type, route.namespace, name);
  checkEviction(context.store, pod);
  const options: DeleteOptions = { ...(body?.deleteOptions ?? {}) };
  const dryRun = Array.isArray(body?.deleteOptions?.dryRun) && body.deleteOptions.dryRun.includes('All');
  context.api.delete(route.type, route.namespace, name, options, dryRun);
  send(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

function serverInfo(context: ServerContext): ServerInfo {
  return { minor: Number.parseInt(context.version().minor, 10) };
}

/** Objects are stored in their type's storage version; a read through another version names that one. */
/**
 * Objects as the Table kubectl asks for (`Accept: application/json;as=Table`): the kind's printer
 * columns, or a custom resource's additionalPrinterColumns as served, for this server's minor.
 */
function tableOf(
  context: ServerContext,
  route: ResourceRoute,
  query: URLSearchParams,
  objects: StoredObject[],
  listMeta: Json,
): Json {
  return toTable(
    route.type.kind,
    objects,
    listMeta,
    query.get('includeObject') ?? undefined,
    route.served.printerColumns,
    serverInfo(context),
  );
}

function presenter(route: ResourceRoute): (object: StoredObject) => StoredObject {
  const apiVersion = apiVersionOf(route.type, route.served.version);
  return (object) => (object.apiVersion === apiVersion ? object : { ...object, apiVersion });
}

const METHOD_VERBS: Record<string, (named: boolean, watch: boolean) => string> = {
  GET: (named, watch) => (named ? 'get' : watch ? 'watch' : 'list'),
  POST: () => 'create',
  PUT: () => 'update',
  PATCH: () => 'patch',
  DELETE: (named) => (named ? 'delete' : 'deletecollection'),
};

/** 405 for a verb the resource does not serve (e.g. update on componentstatuses), as the API server answers. */
function checkVerb(route: ResourceRoute, method: string, name: string | undefined, query: URLSearchParams): void {
  const watch = query.get('watch') === 'true' || query.get('watch') === '1';
  const verb = METHOD_VERBS[method]?.(Boolean(name), watch);
  if (!verb || !route.served.verbs.includes(verb))
    throw methodNotAllowed('the server does not allow this method on the requested resource');
}

/**
 * Create-only kinds (TokenReview, SubjectAccessReview and their kin, Binding) are answered and not
 * stored. The simulator authorizes every authenticated request, so access reviews are allowed;
 * the others are answered unchanged with a warning that they are not simulated.
 */
function review(route: ResourceRoute, body: Json, res: ServerResponse): StoredObject {
  const object: StoredObject = { ...(body ?? {}), metadata: { ...(body?.metadata ?? {}) } };
  object.apiVersion = apiVersionOf(route.type, route.served.version);
  object.kind = route.type.kind;
  if (route.type.kind.endsWith('AccessReview')) {
    object.status = { allowed: true, reason: 'the simulated cluster authorizes every authenticated request' };
  } else if (route.type.kind === 'SelfSubjectRulesReview') {
    object.status = {
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    };
  } else {
    addWarning(res, `${route.type.kind} is not simulated: the request was answered unchanged and nothing was done`);
  }
  return object;
}

function listKind(type: ResourceType): string {
  return `${type.kind}List`;
}

function scaleOf(type: ResourceType, object: StoredObject): StoredObject {
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: object.metadata.name,
      namespace: object.metadata.namespace,
      uid: object.metadata.uid,
      resourceVersion: object.metadata.resourceVersion,
      creationTimestamp: object.metadata.creationTimestamp,
    },
    spec: { replicas: object.spec?.replicas ?? 0 },
    status: { replicas: object.status?.replicas ?? 0, selector: labelSelectorString(object.spec?.selector) },
  };
}

/** A log for a started container; the kubelet's refusal (400) for one that never started. */
function podLog(pod: StoredObject, requested: string | null): string {
  const containers: Json[] = pod.spec?.containers ?? [];
  const name: string = requested ?? containers[0]?.name ?? '';
  if (!containers.some((container) => container.name === name)) {
    throw badRequest(`container ${name} is not valid for pod ${pod.metadata.name}`);
  }
  const status = (pod.status?.containerStatuses ?? []).find((entry: Json) => entry.name === name);
  const waiting = status?.state?.waiting?.reason;
  if (!status || (waiting && !status.lastState?.terminated)) {
    const why =
      waiting === 'ImagePullBackOff' || waiting === 'ErrImagePull'
        ? 'trying and failing to pull image'
        : (waiting ?? 'ContainerCreating');
    throw badRequest(`container "${name}" in pod "${pod.metadata.name}" is waiting to start: ${why}`);
  }
  const image = containers.find((container) => container.name === name)?.image;
  const started = status.state?.running?.startedAt ?? status.lastState?.terminated?.startedAt ?? pod.status?.startTime;
  return `${started} simulated container ${name} (${image}) started on ${pod.spec?.nodeName}\n`;
}

/**
 * `authenticate: false` serves like the API server's old insecure port: kubectl sends no bearer
 * token over plain http, so the http endpoint (loopback only) admits every request.
 */
export function createRequestHandler(
  context: ServerContext,
  authenticate = true,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(context, req, res, authenticate).catch((error) => {
      if (!res.headersSent) sendError(res, error);
      else res.end();
    });
  };
}

async function handle(
  context: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  authenticate: boolean,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = req.method ?? 'GET';
  context.onRequest?.(method, req.url ?? '/', req.headers);
  const pathname = url.pathname.replace(/\/+$/, '') || '/';
  if (authenticate && !PUBLIC_PATHS.has(pathname) && req.headers.authorization !== `Bearer ${context.token}`) {
    send(res, 401, new ApiError(401, 'Unauthorized', 'Unauthorized').toStatus());
    return;
  }
  const accept = req.headers.accept;
  switch (pathname) {
    case '/version': {
      const version = context.version();
      send(res, 200, {
        major: version.major,
        minor: version.minor,
        gitVersion: version.gitVersion,
        gitCommit: '0000000000000000000000000000000000000000',
        gitTreeState: 'clean',
        buildDate: '2025-01-01T00:00:00Z',
        goVersion: 'go1.23.4',
        compiler: 'gc',
        platform: 'linux/amd64',
      });
      return;
    }
    case '/healthz':
    case '/readyz':
    case '/livez':
      send(res, 200, 'ok', 'text/plain; charset=utf-8');
      return;
    case '/api':
    case '/apis': {
      const aggregated = requestedAggregatedVersion(accept);
      if (aggregated) {
        // The ETag names the served set, so a new CRD's resources reach clients that revalidate.
        const body = JSON.stringify(aggregatedDiscovery(context.catalog, pathname === '/api', aggregated));
        const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
        res.setHeader('ETag', etag);
        if (req.headers['if-none-match'] === etag) {
          res.writeHead(304, COMMON_HEADERS);
          res.end();
          return;
        }
        send(res, 200, body, `application/json;g=apidiscovery.k8s.io;v=${aggregated};as=APIGroupDiscoveryList`);
      } else {
        send(
          res,
          200,
          pathname === '/api' ? apiVersions(`${req.headers.host ?? '127.0.0.1'}`) : apiGroupList(context.catalog),
        );
      }
      return;
    }
    case '/openapi/v2':
    case '/swagger-2.0.0.pb-v1':
      send(res, 200, openApiV2Protobuf(context.catalog), 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
      return;
    case '/openapi/v3':
      send(res, 200, openApiV3Root(context.catalog));
      return;
  }
  if (pathname.startsWith('/openapi/v3/')) {
    const document = openApiV3Document(context.catalog, pathname.slice('/openapi/v3/'.length));
    if (document) send(res, 200, document, 'application/json');
    else send(res, 404, new ApiError(404, 'NotFound', 'the server could not find the requested resource').toStatus());
    return;
  }
  const route = routeResource(context.catalog, pathname);
  if (route === 'group') {
    const segments = pathname.split('/').filter(Boolean);
    const list =
      segments[0] === 'api'
        ? apiResourceList(context.catalog, '', segments[1])
        : apiResourceList(context.catalog, segments[1], segments[2]);
    if (list) send(res, 200, list);
    else send(res, 404, new ApiError(404, 'NotFound', 'the server could not find the requested resource').toStatus());
    return;
  }
  if (!route) {
    send(res, 404, new ApiError(404, 'NotFound', 'the server could not find the requested resource').toStatus());
    return;
  }
  let body = method === 'GET' ? '' : await readBody(req);
  if ((req.headers['content-type'] ?? '').startsWith('application/vnd.kubernetes.protobuf')) {
    // kubectl 1.32+ creates with protobuf bodies (typed clients) and never falls back to JSON.
    body = JSON.stringify(decodeKubernetesProtobuf(Buffer.from(body, 'latin1')));
    req.headers['content-type'] = 'application/json';
  }
  const fault = context.faults?.()?.({
    method,
    path: pathname,
    query: url.searchParams,
    ...(method === 'GET' ? {} : { body }),
  });
  if (fault === 'reset') {
    req.socket.destroy();
    return;
  }
  if (typeof fault === 'object') {
    const reason = STATUS_REASONS[fault.status] ?? 'InternalError';
    send(res, fault.status, new ApiError(fault.status, reason, fault.message).toStatus());
    return;
  }
  if (fault === 'drop-answer') {
    // The write is made as usual; only its answer is swallowed and the connection cut.
    res.writeHead = (() => res) as ServerResponse['writeHead'];
    res.setHeader = (() => res) as ServerResponse['setHeader'];
    res.write = (() => true) as ServerResponse['write'];
    res.end = (() => (req.socket.destroy(), res)) as ServerResponse['end'];
  }
  await handleResource({ context, route, method, query: url.searchParams, body, req, res });
}

/** One request to a resource's URL, its body read (and decoded when kubectl sent protobuf). */
interface ResourceRequest {
  context: ServerContext;
  route: ResourceRoute;
  method: string;
  query: URLSearchParams;
  body: string;
  req: IncomingMessage;
  res: ServerResponse;
}

async function handleResource(request: ResourceRequest): Promise<void> {
  const { context, route, method, query, body, req, res } = request;
  const { api } = context;
  const { type, namespace, name, subresource } = route;
  const accept = req.headers.accept;
  const present = presenter(route);
  const single = (stored: StoredObject, code = 200): void => {
    const object = present(stored);
    if (wantsTable(accept))
      send(res, code, tableOf(context, route, query, [object], { resourceVersion: object.metadata.resourceVersion }));
    else send(res, code, object);
  };
  const warnIfNotSimulated = (object: StoredObject): void => {
    const dryRun = query.getAll('dryRun').includes('All');
    if (subresource || dryRun) return;
    const warning = notSimulatedWarning(type, object);
    if (warning) addWarning(res, warning);
    if (route.served.version !== type.version) {
      addWarning(
        res,
        `${apiVersionOf(type, route.served.version)} ${type.kind} is stored as ${apiVersionOf(type)} without conversion: conversion between versions is not simulated`,
      );
    }
  };
  if (subresource === 'eviction' && type.kind === 'Pod' && method === 'POST') {
    evict(context, route, parseBody(body), res);
    return;
  }
  if (subresource && !['status', 'scale', 'log'].includes(subresource)) {
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }
  if (!subresource) checkVerb(route, method, name, query);
  if (!subresource && method === 'POST' && !route.served.verbs.includes('get')) {
    single(review(route, parseBody(body), res), 201);
    return;
  }
  if (subresource === 'log') {
    send(res, 200, podLog(api.get(type, namespace, name ?? ''), query.get('container')), 'text/plain');
    return;
  }
  if (subresource === 'scale') {
    await handleScale(request);
    return;
  }
  switch (method) {
    case 'GET': {
      if (name) {
        single(api.get(type, namespace, name));
        return;
      }
      const watch = query.get('watch');
      if (watch === 'true' || watch === '1') {
        serveWatch(context, route, query, accept, res, present);
        return;
      }
      const limit = Number(query.get('limit') ?? 0);
      const listed = api.list(type, namespace, {
        labelSelector: query.get('labelSelector'),
        fieldSelector: query.get('fieldSelector'),
        limit,
        continueToken: query.get('continue'),
      });
      const listMeta = {
        resourceVersion: listed.resourceVersion,
        ...(listed.continueToken ? { continue: listed.continueToken } : {}),
      };
      if (wantsTable(accept)) send(res, 200, tableOf(context, route, query, listed.items.map(present), listMeta));
      else
        send(res, 200, {
          kind: listKind(type),
          apiVersion: apiVersionOf(type, route.served.version),
          metadata: listMeta,
          items: listed.items.map(present),
        });
      return;
    }
    case 'POST': {
      if (name) throw methodNotAllowed(`the server does not allow this method on the requested resource`);
      const created = api.create(type, namespace, parseBody(body), writeOptions(query, req, res, route));
      warnIfNotSimulated(created);
      single(created, 201);
      return;
    }
    case 'PUT': {
      if (!name) throw methodNotAllowed('the server does not allow this method on the requested resource');
      const previous = api.get(type, namespace, name);
      const updated = api.update(type, previous, parseBody(body), writeOptions(query, req, res, route), {
        subresource,
        checkVersion: true,
      });
      warnIfNotSimulated(updated);
      single(updated);
      return;
    }
    case 'PATCH': {
      if (!name) throw methodNotAllowed('the server does not allow this method on the requested resource');
      const result = api.patch(
        type,
        namespace,
        name,
        req.headers['content-type'] ?? '',
        body,
        writeOptions(query, req, res, route),
        subresource,
      );
      warnIfNotSimulated(result.object);
      single(result.object, result.created ? 201 : 200);
      return;
    }
    case 'DELETE': {
      const options: DeleteOptions = { ...(parseBody(body) ?? {}) };
      const policy = query.get('propagationPolicy');
      if (policy) options.propagationPolicy = policy as DeleteOptions['propagationPolicy'];
      const grace = query.get('gracePeriodSeconds');
      if (grace !== null) options.gracePeriodSeconds = Number(grace);
      const dryRun =
        query.getAll('dryRun').includes('All') ||
        (Array.isArray((options as Json).dryRun) && (options as Json).dryRun.includes('All'));
      if (!name) {
        const listed = api.list(type, namespace, {
          labelSelector: query.get('labelSelector'),
          fieldSelector: query.get('fieldSelector'),
        });
        for (const object of listed.items)
          api.delete(type, object.metadata.namespace, object.metadata.name, options, dryRun);
        send(res, 200, {
          kind: listKind(type),
          apiVersion: apiVersionOf(type),
          metadata: { resourceVersion: String(context.store.currentRevision) },
          items: listed.items,
        });
        return;
      }
      const result = api.delete(type, namespace, name, options, dryRun);
      if (result.immediate) {
        send(res, 200, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: { name, group: type.group || undefined, kind: type.plural, uid: result.object.metadata.uid },
        });
      } else single(result.object, 200);
      return;
    }
    default:
      throw methodNotAllowed('the server does not allow this method on the requested resource');
  }
}

async function handleScale(request: ResourceRequest): Promise<void> {
  const { context, route, method, query, body, req, res } = request;
  const { api } = context;
  const { type, namespace } = route;
  const name = route.name ?? '';
  if (!type.subresources.includes('scale'))
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  const object = api.get(type, namespace, name);
  const scale = scaleOf(type, object);
  if (method === 'GET') {
    send(res, 200, scale);
    return;
  }
  let desired: StoredObject;
  if (method === 'PUT') desired = parseBody(body);
  else if (method === 'PATCH') {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim();
    const patch = contentType === 'application/apply-patch+yaml' ? parseApiJson(body) : parseBody(body);
    desired =
      contentType === 'application/json-patch+json'
        ? applyJsonPatch(scale, patch)
        : contentType === 'application/strategic-merge-patch+json'
          ? applyStrategicMergePatch(scale, patch)
          : applyMergePatch(scale, patch);
  } else throw methodNotAllowed('the server does not allow this method on the requested resource');
  const replicas = Number(desired?.spec?.replicas);
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new ApiError(
      422,
      'Invalid',
      `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${desired?.spec?.replicas}: must be greater than or equal to 0`,
    );
  }
  const updated = api.update(
    type,
    object,
    { ...object, spec: { ...object.spec, replicas } },
    writeOptions(query, req, res, route),
    // A write through /scale keeps its own managedFields entry (`subresource: scale`), apart
    // from the same manager's writes of the whole object, as the real server records it.
    { subresource: 'scale' },
  );
  send(res, 200, scaleOf(type, updated));
}

function serveWatch(
  context: ServerContext,
  route: ResourceRoute,
  query: URLSearchParams,
  accept: string | undefined,
  res: ServerResponse,
  present: (object: StoredObject) => StoredObject,
): void {
  const { type, namespace } = route;
  const byLabel = labelSelectorPredicate(query.get('labelSelector'));
  const byField = fieldSelectorPredicate(query.get('fieldSelector'));
  const matches = (object: StoredObject): boolean =>
    (namespace === undefined || object.metadata.namespace === namespace) && byLabel(object) && byField(object);
  const asTable = wantsTable(accept);
  res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const emit = (eventType: string, stored: Json): void => {
    const object = eventType === 'ERROR' ? stored : present(stored);
    const payload =
      asTable && eventType !== 'ERROR'
        ? tableOf(context, route, query, [object], { resourceVersion: object.metadata.resourceVersion })
        : object;
    res.write(`${apiJson({ type: eventType, object: payload })}\n`);
  };
  // An object modified into or out of the selection is ADDED or DELETED for this watch, as the API server's watch cache does.
  function deliver(change: Change): void {
    if (change.resource !== type) return;
    const now = matches(change.object);
    if (change.type !== 'MODIFIED' || !change.previous) {
      if (now) emit(change.type, change.object);
      return;
    }
    const before = matches(change.previous);
    if (before && now) emit('MODIFIED', change.object);
    else if (now) emit('ADDED', change.object);
    else if (before) emit('DELETED', change.object);
  }
  const from = query.get('resourceVersion');
  if (!from || from === '0') {
    for (const object of context.store.list(type, namespace)) if (matches(object)) emit('ADDED', object);
  } else {
    const revision = Number(from);
    if (!Number.isFinite(revision) || revision < context.store.oldestResumableRevision) {
      emit(
        'ERROR',
        expired(`too old resource version: ${from} (${context.store.oldestResumableRevision + 1})`).toStatus(),
      );
      res.end();
      return;
    }
    for (const change of context.store.changesSince(revision)) deliver(change);
  }
  const unsubscribe = context.store.subscribe(deliver);
  const timeoutSeconds = Number(query.get('timeoutSeconds') ?? 0);
  const timer = timeoutSeconds > 0 ? setTimeout(() => res.end(), timeoutSeconds * 1000) : undefined;
  res.on('close', () => {
    unsubscribe();
    if (timer) clearTimeout(timer);
  });
}
