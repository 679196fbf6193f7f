/** Discovery documents: legacy (APIVersions, APIGroupList, APIResourceList) and aggregated (v2, v2beta1). */
import type { ApiCatalog } from './catalog.js';
import type { ServedResource } from './resources.js';
import type { Json } from './types.js';

export function apiVersions(serverAddress: string): Json {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function apiGroupList(catalog: ApiCatalog): Json {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: catalog.groups().map(({ group, versions }) => ({
      name: group,
      versions: versions.map((version) => ({ groupVersion: `${group}/${version}`, version })),
      preferredVersion: { groupVersion: `${group}/${versions[0]}`, version: versions[0] },
    })),
  };
}

/** The kind a subresource answers with (Scale for scale, the parent's kind for status). */
function subresourceKind(entry: ServedResource, name: string): { group: string; version: string; kind: string } {
  return entry.subresources[name]?.kind ?? { group: entry.type.group, version: entry.version, kind: entry.type.kind };
}

function optionalLists(entry: ServedResource): Json {
  return {
    ...(entry.type.shortNames.length ? { shortNames: entry.type.shortNames } : {}),
    ...(entry.type.categories.length ? { categories: entry.type.categories } : {}),
  };
}

export function apiResourceList(catalog: ApiCatalog, group: string, version: string): Json | undefined {
  const entries = catalog.served().filter((entry) => entry.type.group === group && entry.version === version);
  if (entries.length === 0) return undefined;
  const resources: Json[] = [];
  for (const entry of entries) {
    resources.push({
      name: entry.type.plural,
      singularName: entry.type.singular,
      namespaced: entry.type.namespaced,
      kind: entry.type.kind,
      verbs: entry.verbs,
      ...optionalLists(entry),
    });
    for (const [name, subresource] of Object.entries(entry.subresources)) {
      const kind = subresourceKind(entry, name);
      resources.push({
        name: `${entry.type.plural}/${name}`,
        singularName: '',
        namespaced: entry.type.namespaced,
        ...(kind.group !== group || kind.version !== version ? { group: kind.group, version: kind.version } : {}),
        kind: kind.kind,
        verbs: subresource.verbs,
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

function discoveryGroup(catalog: ApiCatalog, group: string, versions: string[]): Json {
  return {
    metadata: { name: group, creationTimestamp: null },
    versions: versions.map((version) => ({
      version,
      resources: catalog
        .served()
        .filter((entry) => entry.type.group === group && entry.version === version)
        .map((entry) => ({
          resource: entry.type.plural,
          responseKind: { group, version, kind: entry.type.kind },
          scope: entry.type.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: entry.type.singular,
          verbs: entry.verbs,
          ...optionalLists(entry),
          ...(Object.keys(entry.subresources).length
            ? {
                subresources: Object.entries(entry.subresources).map(([name, subresource]) => ({
                  subresource: name,
                  responseKind: subresourceKind(entry, name),
                  verbs: subresource.verbs,
                })),
              }
            : {}),
        })),
      freshness: 'Current',
    })),
  };
}

/** The aggregated document for `/api` (core group) or `/apis` (named groups). */
export function aggregatedDiscovery(catalog: ApiCatalog, core: boolean, version: 'v2' | 'v2beta1'): Json {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: core
      ? [discoveryGroup(catalog, '', ['v1'])]
      : catalog.groups().map(({ group, versions }) => discoveryGroup(catalog, group, versions)),
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
