/** Discovery documents: legacy (APIVersions, APIGroupList, APIResourceList) and aggregated (v2, v2beta1). */
import { GROUPS, RESOURCE_TYPES, verbsOf, type ResourceType } from './resources.js';
import type { Json } from './types.js';

const SUBRESOURCE_VERBS = ['get', 'patch', 'update'];

export function apiVersions(serverAddress: string): Json {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function apiGroupList(): Json {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: GROUPS.map((group) => ({
      name: group,
      versions: [{ groupVersion: `${group}/v1`, version: 'v1' }],
      preferredVersion: { groupVersion: `${group}/v1`, version: 'v1' },
    })),
  };
}

function subresourceKind(
  type: ResourceType,
  subresource: 'status' | 'scale',
): { group: string; version: string; kind: string } {
  return subresource === 'scale'
    ? { group: 'autoscaling', version: 'v1', kind: 'Scale' }
    : { group: type.group, version: type.version, kind: type.kind };
}

export function apiResourceList(group: string, version: string): Json | undefined {
  const types = RESOURCE_TYPES.filter((type) => type.group === group && type.version === version);
  if (types.length === 0) return undefined;
  const resources: Json[] = [];
  for (const type of types) {
    resources.push({
      name: type.plural,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: verbsOf(type),
      ...(type.shortNames.length ? { shortNames: type.shortNames } : {}),
      ...(type.categories.length ? { categories: type.categories } : {}),
    });
    for (const subresource of type.subresources) {
      const kind = subresourceKind(type, subresource);
      resources.push({
        name: `${type.plural}/${subresource}`,
        singularName: '',
        namespaced: type.namespaced,
        ...(subresource === 'scale' ? { group: kind.group, version: kind.version } : {}),
        kind: kind.kind,
        verbs: SUBRESOURCE_VERBS,
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}

function discoveryGroup(group: string): Json {
  const types = RESOURCE_TYPES.filter((type) => type.group === group);
  return {
    metadata: { name: group, creationTimestamp: null },
    versions: [
      {
        version: 'v1',
        resources: types.map((type) => ({
          resource: type.plural,
          responseKind: { group: type.group, version: type.version, kind: type.kind },
          scope: type.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: type.singular,
          verbs: verbsOf(type),
          ...(type.shortNames.length ? { shortNames: type.shortNames } : {}),
          ...(type.categories.length ? { categories: type.categories } : {}),
          ...(type.subresources.length
            ? {
                subresources: type.subresources.map((subresource) => ({
                  subresource,
                  responseKind: subresourceKind(type, subresource),
                  verbs: SUBRESOURCE_VERBS,
                })),
              }
            : {}),
        })),
        freshness: 'Current',
      },
    ],
  };
}

/** The aggregated document for `/api` (core group) or `/apis` (named groups). */
export function aggregatedDiscovery(core: boolean, version: 'v2' | 'v2beta1'): Json {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: core ? [discoveryGroup('')] : GROUPS.map(discoveryGroup),
  };
}

/** Which aggregated discovery version the Accept header asks for, if any. */
export function requestedAggregatedVersion(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  if (!accept) return undefined;
  for (const part of accept.split(',')) {
    if (!part.includes('as=APIGroupDiscoveryList')) continue;
    if (/;\s*v=v2beta1/.test(part)) return 'v2beta1';
    if (/;\s*v=v2(;|$|\s)/.test(part)) return 'v2';
  }
  return undefined;
}
