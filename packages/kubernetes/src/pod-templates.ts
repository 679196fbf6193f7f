import { isRecord, type JsonPath, type KubeObject } from './objects.js';

/** Where a kind keeps the pod it runs: the pod spec and the pod metadata, as paths into the object. */
export interface PodTemplateLocation {
  specPath: JsonPath;
  metadataPath: JsonPath;
}

const TEMPLATE_PATHS: Record<string, JsonPath> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/** The kinds that run pods, so placement and images reach every one of them. */
export function podTemplateLocation(kind: string): PodTemplateLocation | undefined {
  if (kind === 'Pod') return { specPath: ['spec'], metadataPath: ['metadata'] };
  const template = TEMPLATE_PATHS[kind];
  return template ? { specPath: [...template, 'spec'], metadataPath: [...template, 'metadata'] } : undefined;
}

/** True for kinds that carry a pod template (or are a Pod): the objects images, placement and traceability apply to. */
export function runsPods(object: Pick<KubeObject, 'kind'>): boolean {
  return podTemplateLocation(object.kind) !== undefined;
}

/** The value at `path`, or undefined as soon as a step is missing or not an object. Never throws. */
export function getPath(root: unknown, path: JsonPath): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** Walks down `path`, creating empty maps where nothing is yet, and returns the map at its end. */
export function ensureMap(root: Record<string, unknown>, path: JsonPath): Record<string, unknown> {
  let current: Record<string, unknown> = root;
  for (const key of path) {
    const next = current[key as string];
    if (!isRecord(next)) current[key as string] = {};
    current = current[key as string] as Record<string, unknown>;
  }
  return current;
}

/** A container (or init container) of a pod template, with its path for error messages. */
export interface ContainerRef {
  container: Record<string, unknown>;
  path: JsonPath;
}

/** Every container and init container of a pod spec, with its path for error messages. */
export function containersOf(object: KubeObject): ContainerRef[] {
  const location = podTemplateLocation(object.kind);
  if (!location) return [];
  const spec = getPath(object, location.specPath);
  if (!isRecord(spec)) return [];
  const found: ContainerRef[] = [];
  for (const field of ['initContainers', 'containers', 'ephemeralContainers']) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    list.forEach((container, index) => {
      if (isRecord(container)) found.push({ container, path: [...location.specPath, field, index] });
    });
  }
  return found;
}
