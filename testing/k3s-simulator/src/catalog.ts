/**
 * What one cluster serves right now: the built-in resources of the Kubernetes minor it reports,
 * plus the resources of its established CustomResourceDefinitions. Discovery, OpenAPI and
 * routing read it; its `generation` changes whenever the served set does, which changes the
 * discovery ETag and the OpenAPI hashes, so kubectl's caches refresh as against a real server.
 */
import type { Json } from './types.js';
import {
  apiVersionOf,
  builtinApi,
  builtinResources,
  typeOf,
  compareVersions,
  type ResourceType,
  type ServedResource,
} from './resources.js';

export class ApiCatalog {
  private custom: ServedResource[] = [];
  /** Component schemas of custom group-versions (`apis/<group>/<version>` -> name -> schema). */
  private customComponents = new Map<string, Record<string, Json>>();
  private servedCache: { key: string; served: ServedResource[] } | undefined;
  generation = 0;

  /** `minor()` is the table to serve, e.g. "1.33" (it follows the version the cluster reports). */
  constructor(readonly minor: () => string) {}

  served(): ServedResource[] {
    const key = `${this.minor()}#${this.generation}`;
    if (this.servedCache?.key !== key) {
      this.servedCache = { key, served: [...builtinResources(this.minor()), ...this.custom] };
    }
    return this.servedCache.served;
  }

  /** Replaces the custom resources (CustomResourceDefinitions' served versions). */
  setCustom(resources: ServedResource[], components: Map<string, Record<string, Json>>): void {
    this.custom = resources;
    this.customComponents = components;
    this.generation++;
  }

  /** OpenAPI component schemas of a group-version path (`api/v1`, `apis/apps/v1`), or undefined if not served. */
  components(groupVersionPath: string): Record<string, Json> | undefined {
    const custom = this.customComponents.get(groupVersionPath);
    if (custom) return custom;
    const table = builtinApi().versions[this.minor()];
    const names = table.groupVersions[groupVersionPath]?.schemas;
    if (!names) return undefined;
    const schemas = builtinApi().schemas;
    return Object.fromEntries(names.map((name) => [name, schemas[name][table.schemaIndex[name]]]));
  }

  /** The object schema of a served resource version, with the components its `$ref`s point into. */
  objectSchema(entry: ServedResource): { schema: Json; components: Record<string, Json> } | undefined {
    const path = entry.type.group ? `apis/${entry.type.group}/${entry.version}` : `api/${entry.version}`;
    const components = this.components(path);
    if (!components) return undefined;
    for (const schema of Object.values(components)) {
      const kinds: Json[] = schema['x-kubernetes-group-version-kind'] ?? [];
      if (
        kinds.some(
          (gvk) => gvk.group === entry.type.group && gvk.version === entry.version && gvk.kind === entry.type.kind,
        )
      )
        return { schema, components };
    }
    return undefined;
  }

  find(group: string, version: string, plural: string): ServedResource | undefined {
    return this.served().find(
      (entry) => entry.type.group === group && entry.version === version && entry.type.plural === plural,
    );
  }

  /** The served resource for an apiVersion + kind, as kubectl's REST mapping resolves it. */
  findKind(apiVersion: string, kind: string): ServedResource | undefined {
    return this.served().find(
      (entry) => apiVersionOf(entry.type, entry.version) === apiVersion && entry.type.kind === kind,
    );
  }

  /** The type of a kind, optionally `Kind.group` (`IngressRoute.traefik.io`); without a group the core group's first. */
  typeOfKind(qualifiedKind: string): ResourceType {
    const [kind, ...group] = qualifiedKind.split('.');
    const served = this.served().filter(
      (entry) => entry.type.kind === kind && (group.length === 0 || entry.type.group === group.join('.')),
    );
    const found = served.find((entry) => entry.type.group === '') ?? served[0];
    return found?.type ?? typeOf(kind);
  }

  /** Whether a type is still served in some version (a deleted CRD's is not). */
  serves(type: ResourceType): boolean {
    return this.served().some((entry) => entry.type === type);
  }

  /** Named groups with their versions, preferred first, in the order discovery lists them. */
  groups(): Array<{ group: string; versions: string[] }> {
    const byGroup = new Map<string, Set<string>>();
    for (const entry of this.served()) {
      if (entry.type.group === '') continue;
      let versions = byGroup.get(entry.type.group);
      if (!versions) byGroup.set(entry.type.group, (versions = new Set()));
      versions.add(entry.version);
    }
    // CRD groups follow the built-in ones, by name, as their equal group priority orders them.
    const builtin = new Set(builtinResources(this.minor()).map((entry) => entry.type.group));
    const custom = [...byGroup.keys()].filter((group) => !builtin.has(group)).sort();
    return [...[...byGroup.keys()].filter((group) => builtin.has(group)), ...custom].map((group) => ({
      group,
      versions: [...(byGroup.get(group) ?? [])].sort(compareVersions),
    }));
  }
}
