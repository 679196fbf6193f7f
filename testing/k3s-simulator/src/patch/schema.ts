/**
 * The little schema knowledge patches need: which lists merge by key (and on which keys),
 * which are sets, and which are atomic. Strategic merge uses the patchMergeKey of the Go types
 * (one key), server-side apply uses the listMapKeys (ports also key on protocol).
 * Paths are dotted field names with `[]` after a list, e.g. `spec.template.spec.containers[].ports`.
 */

export interface ListSchema {
  /** Strategic merge's patchMergeKey. */
  mergeKey?: string;
  /** Server-side apply's list map keys. */
  mapKeys?: string[];
  /** A list of scalars merged as a set. */
  set?: boolean;
}

const CONTAINERS = '(?:^|\\.)(?:containers|initContainers|ephemeralContainers)';

const LIST_RULES: Array<{ pattern: RegExp; schema: ListSchema }> = [
  { pattern: new RegExp(`${CONTAINERS}$`), schema: { mergeKey: 'name', mapKeys: ['name'] } },
  {
    pattern: new RegExp(`${CONTAINERS}\\[\\]\\.ports$`),
    schema: { mergeKey: 'containerPort', mapKeys: ['containerPort', 'protocol'] },
  },
  { pattern: new RegExp(`${CONTAINERS}\\[\\]\\.env$`), schema: { mergeKey: 'name', mapKeys: ['name'] } },
  {
    pattern: new RegExp(`${CONTAINERS}\\[\\]\\.volumeMounts$`),
    schema: { mergeKey: 'mountPath', mapKeys: ['mountPath'] },
  },
  {
    pattern: new RegExp(`${CONTAINERS}\\[\\]\\.volumeDevices$`),
    schema: { mergeKey: 'devicePath', mapKeys: ['devicePath'] },
  },
  { pattern: new RegExp(`${CONTAINERS}\\[\\]\\.resizePolicy$`), schema: { mapKeys: ['resourceName'] } },
  { pattern: /(?:^|\.)spec\.volumes$/, schema: { mergeKey: 'name', mapKeys: ['name'] } },
  { pattern: /(?:^|\.)imagePullSecrets$/, schema: { mergeKey: 'name', mapKeys: ['name'] } },
  { pattern: /(?:^|\.)hostAliases$/, schema: { mergeKey: 'ip', mapKeys: ['ip'] } },
  {
    pattern: /(?:^|\.)topologySpreadConstraints$/,
    schema: { mergeKey: 'topologyKey', mapKeys: ['topologyKey', 'whenUnsatisfiable'] },
  },
  { pattern: /^spec\.ports$/, schema: { mergeKey: 'port', mapKeys: ['port', 'protocol'] } },
  { pattern: /^metadata\.ownerReferences$/, schema: { mergeKey: 'uid', mapKeys: ['uid'] } },
  { pattern: /^metadata\.finalizers$/, schema: { set: true } },
  { pattern: /^status\.conditions$/, schema: { mergeKey: 'type', mapKeys: ['type'] } },
  { pattern: /^status\.addresses$/, schema: { mergeKey: 'type', mapKeys: ['type'] } },
  { pattern: /(?:^|\.)(?:containerStatuses|initContainerStatuses)$/, schema: { mergeKey: 'name' } },
];

/** Map-valued fields owned as a whole (structType=atomic in the Go types). */
const ATOMIC_MAPS: RegExp[] = [
  /^spec\.selector$/,
  /(?:^|\.)(?:matchLabels)$/,
  /(?:^|\.)resources\.(?:limits|requests)$/,
];

export function listSchema(path: string): ListSchema {
  return LIST_RULES.find((rule) => rule.pattern.test(path))?.schema ?? {};
}

export function isAtomicMap(path: string, kind?: string): boolean {
  if (path === 'spec.selector' && kind === 'Service') return false;
  return ATOMIC_MAPS.some((pattern) => pattern.test(path));
}

export function childPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

export function itemPath(path: string): string {
  return `${path}[]`;
}
