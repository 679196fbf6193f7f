/** The resource types the simulator serves, as discovery announces them. */

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  subresources: Array<'status' | 'scale'>;
}

const STANDARD_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function resource(
  group: string,
  kind: string,
  plural: string,
  options: {
    namespaced?: boolean;
    shortNames?: string[];
    categories?: string[];
    subresources?: Array<'status' | 'scale'>;
  } = {},
): ResourceType {
  return {
    group,
    version: 'v1',
    plural,
    singular: kind === 'Endpoints' ? 'endpoints' : kind.toLowerCase(),
    kind,
    namespaced: options.namespaced ?? true,
    shortNames: options.shortNames ?? [],
    categories: options.categories ?? [],
    subresources: options.subresources ?? [],
  };
}

export const RESOURCE_TYPES: ResourceType[] = [
  resource('', 'Namespace', 'namespaces', { namespaced: false, shortNames: ['ns'], subresources: ['status'] }),
  resource('', 'Node', 'nodes', { namespaced: false, shortNames: ['no'], subresources: ['status'] }),
  resource('', 'Pod', 'pods', { shortNames: ['po'], categories: ['all'], subresources: ['status'] }),
  resource('', 'Service', 'services', { shortNames: ['svc'], categories: ['all'], subresources: ['status'] }),
  resource('', 'ConfigMap', 'configmaps', { shortNames: ['cm'] }),
  resource('', 'Secret', 'secrets'),
  resource('', 'ServiceAccount', 'serviceaccounts', { shortNames: ['sa'] }),
  resource('', 'Event', 'events', { shortNames: ['ev'] }),
  resource('', 'Endpoints', 'endpoints', { shortNames: ['ep'] }),
  resource('apps', 'Deployment', 'deployments', {
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: ['status', 'scale'],
  }),
  resource('apps', 'ReplicaSet', 'replicasets', {
    shortNames: ['rs'],
    categories: ['all'],
    subresources: ['status', 'scale'],
  }),
  resource('apps', 'StatefulSet', 'statefulsets', {
    shortNames: ['sts'],
    categories: ['all'],
    subresources: ['status', 'scale'],
  }),
  resource('apps', 'ControllerRevision', 'controllerrevisions'),
  resource('apps', 'DaemonSet', 'daemonsets', { shortNames: ['ds'], categories: ['all'], subresources: ['status'] }),
  resource('batch', 'Job', 'jobs', { categories: ['all'], subresources: ['status'] }),
  resource('batch', 'CronJob', 'cronjobs', { shortNames: ['cj'], categories: ['all'], subresources: ['status'] }),
  resource('networking.k8s.io', 'Ingress', 'ingresses', { shortNames: ['ing'], subresources: ['status'] }),
  resource('discovery.k8s.io', 'EndpointSlice', 'endpointslices'),
];

export const GROUPS: string[] = [...new Set(RESOURCE_TYPES.map((type) => type.group).filter((group) => group !== ''))];

export function verbsOf(_type: ResourceType): string[] {
  return STANDARD_VERBS;
}

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

export function findByPlural(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((type) => type.group === group && type.version === version && type.plural === plural);
}

export function findByKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((type) => apiVersionOf(type) === apiVersion && type.kind === kind);
}

export function typeOf(kind: string): ResourceType {
  const type = RESOURCE_TYPES.find((candidate) => candidate.kind === kind);
  if (!type) throw new Error(`unknown kind ${kind}`);
  return type;
}
