/**
 * The resource types the simulator serves, as discovery announces them. Built-in resources come
 * from `data/builtin-api.json.gz`, extracted (scripts/extract-builtin-api.mjs) from the OpenAPI v3
 * documents the Kubernetes project publishes for each minor 1.27..1.33; CustomResourceDefinitions
 * add their own. A `ResourceType` is one stored resource (group + plural); the versions a minor
 * serves of it are in `ServedResource`.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Json } from './types.js';

export interface ResourceType {
  group: string;
  /** The storage (and preferred) version; objects are kept with this apiVersion. */
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** The subresources with simulated behaviour (status replaces `.status`, scale maps `.spec.replicas`). */
  subresources: Array<'status' | 'scale'>;
  /** Set for the resources of a CustomResourceDefinition (its name). */
  customResourceDefinition?: string;
}

export interface SubresourceInfo {
  verbs: string[];
  kind?: { group: string; version: string; kind: string };
}

/** One version of a resource as one Kubernetes minor serves it. */
export interface ServedResource {
  type: ResourceType;
  version: string;
  verbs: string[];
  subresources: Record<string, SubresourceInfo>;
  /** A CRD version's additionalPrinterColumns (what `kubectl get` shows of its objects). */
  printerColumns?: Json[];
}

interface BuiltinResource {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  subresources: Record<string, SubresourceInfo>;
}

interface BuiltinData {
  source: string;
  /** Schema name -> its variants across minors (descriptions dropped). */
  schemas: Record<string, Json[]>;
  versions: Record<
    string,
    {
      groupVersions: Record<string, { resources: BuiltinResource[]; schemas: string[] }>;
      /** Schema name -> index of its variant in `schemas`. */
      schemaIndex: Record<string, number>;
    }
  >;
}

let builtinData: BuiltinData | undefined;

/** The extracted definitions (about 1 MB of JSON, 15 ms to read): loaded on first use. */
export function builtinApi(): BuiltinData {
  builtinData ??= JSON.parse(
    gunzipSync(readFileSync(new URL('../data/builtin-api.json.gz', import.meta.url))).toString('utf8'),
  ) as BuiltinData;
  return builtinData;
}

/** The Kubernetes minors with a table of their own. */
export const SUPPORTED_MINORS = ['1.27', '1.28', '1.29', '1.30', '1.31', '1.32', '1.33'];

/** The table a minor uses: its own, or the nearest supported one. */
export function tableMinor(minor: number): string {
  const clamped = Math.min(33, Math.max(27, minor));
  return `1.${clamped}`;
}

/**
 * Short names and categories are not in the OpenAPI documents: they come from each resource's
 * REST storage. These are the ones `kubectl api-resources` lists on a 1.27..1.33 server.
 */
const SHORT_NAMES: Record<string, string[]> = {
  componentstatuses: ['cs'],
  configmaps: ['cm'],
  endpoints: ['ep'],
  events: ['ev'],
  limitranges: ['limits'],
  namespaces: ['ns'],
  nodes: ['no'],
  persistentvolumeclaims: ['pvc'],
  persistentvolumes: ['pv'],
  pods: ['po'],
  replicationcontrollers: ['rc'],
  resourcequotas: ['quota'],
  serviceaccounts: ['sa'],
  services: ['svc'],
  customresourcedefinitions: ['crd', 'crds'],
  daemonsets: ['ds'],
  deployments: ['deploy'],
  replicasets: ['rs'],
  statefulsets: ['sts'],
  horizontalpodautoscalers: ['hpa'],
  cronjobs: ['cj'],
  certificatesigningrequests: ['csr'],
  ingresses: ['ing'],
  networkpolicies: ['netpol'],
  poddisruptionbudgets: ['pdb'],
  priorityclasses: ['pc'],
  storageclasses: ['sc'],
  ipaddresses: ['ip'],
};
const ALL_CATEGORY = new Set([
  'pods',
  'replicationcontrollers',
  'services',
  'daemonsets',
  'deployments',
  'replicasets',
  'statefulsets',
  'horizontalpodautoscalers',
  'cronjobs',
  'jobs',
]);
const API_EXTENSIONS_CATEGORY = new Set([
  'customresourcedefinitions',
  'apiservices',
  'mutatingwebhookconfigurations',
  'validatingwebhookconfigurations',
  'validatingadmissionpolicies',
  'validatingadmissionpolicybindings',
]);

/** Kubernetes version priority (GA > beta > alpha, then higher numbers), as discovery orders them. */
export function compareVersions(a: string, b: string): number {
  const rank = (version: string): [number, number, number] => {
    const match = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version);
    if (!match) return [-1, 0, 0];
    const stability = match[2] === undefined ? 3 : match[2] === 'beta' ? 2 : 1;
    return [stability, Number(match[1]), Number(match[3] ?? 0)];
  };
  const [x, y] = [rank(a), rank(b)];
  for (let index = 0; index < 3; index++) if (x[index] !== y[index]) return y[index] - x[index];
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * One `ResourceType` per built-in group + plural, shared by every minor, so the store keeps one
 * bucket per resource whatever version a client reads it through. The storage version is the
 * preferred version of the newest minor serving it.
 */
const BUILTIN_TYPES = new Map<string, ResourceType>();

function typeKey(group: string, plural: string): string {
  return `${group}/${plural}`;
}

function builtinType(resource: BuiltinResource, preferred: string): ResourceType {
  const key = typeKey(resource.group, resource.plural);
  let type = BUILTIN_TYPES.get(key);
  if (!type) {
    type = {
      group: resource.group,
      version: preferred,
      plural: resource.plural,
      singular: resource.kind.toLowerCase(),
      kind: resource.kind,
      namespaced: resource.namespaced,
      shortNames: SHORT_NAMES[resource.plural] ?? [],
      categories: ALL_CATEGORY.has(resource.plural)
        ? ['all']
        : API_EXTENSIONS_CATEGORY.has(resource.plural)
          ? ['api-extensions']
          : [],
      subresources: (['status', 'scale'] as const).filter((name) => name in resource.subresources),
    };
    // events.k8s.io/v1 Event shares the core Event's storage on a real server, but not its schema.
    BUILTIN_TYPES.set(key, type);
  }
  return type;
}

const builtinServed = new Map<string, ServedResource[]>();

/** The built-in resources a minor serves, every version of each (preferred version first). */
export function builtinResources(minor: string): ServedResource[] {
  const cached = builtinServed.get(minor);
  if (cached) return cached;
  const data = builtinApi();
  const newest = data.versions[SUPPORTED_MINORS[SUPPORTED_MINORS.length - 1]];
  const preferredOf = (
    groupVersions: BuiltinData['versions'][string]['groupVersions'],
    group: string,
    plural: string,
  ) =>
    Object.values(groupVersions)
      .flatMap((entry) => entry.resources)
      .filter((resource) => resource.group === group && resource.plural === plural)
      .map((resource) => resource.version)
      .sort(compareVersions)[0];
  const served: ServedResource[] = [];
  for (const { resources } of Object.values(data.versions[minor].groupVersions)) {
    for (const resource of resources) {
      const preferred =
        preferredOf(newest.groupVersions, resource.group, resource.plural) ??
        preferredOf(data.versions[minor].groupVersions, resource.group, resource.plural);
      served.push({
        type: builtinType(resource, preferred),
        version: resource.version,
        verbs: resource.verbs,
        subresources: resource.subresources,
      });
    }
  }
  served.sort(
    (a, b) =>
      (a.type.group < b.type.group ? -1 : a.type.group > b.type.group ? 1 : 0) || compareVersions(a.version, b.version),
  );
  builtinServed.set(minor, served);
  return served;
}

/** A built-in type by kind (the newest minor's table), for controllers and the cluster's own writes. */
export function typeOf(kind: string): ResourceType {
  const served = builtinResources(SUPPORTED_MINORS[SUPPORTED_MINORS.length - 1]);
  const found =
    served.find((entry) => entry.type.kind === kind && entry.type.group === '') ??
    served.find((entry) => entry.type.kind === kind);
  if (!found) throw new Error(`unknown kind ${kind}`);
  return found.type;
}

/** `apps/v1`, or `v1` for the core group; `version` defaults to the storage version. */
export function apiVersionOf(type: ResourceType, version = type.version): string {
  return type.group ? `${type.group}/${version}` : version;
}
