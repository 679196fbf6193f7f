import { intentOf } from './diff.js';
import { kubeJson } from './json.js';
import { isRecord, objectKey, type KubeObject } from './objects.js';
import { containersOf } from './pod-templates.js';

/**
 * One field of an object that a deploy would change, as the server's dry run made it against the
 * live object (server-owned fields left out, Secret values as fingerprints: see `intentOf`).
 * `path` is dotted from the object's root; a list whose items all have a `name` (containers, env,
 * ports, volumes) is keyed by it as `containers[name=api]`, as a strategic merge matches them;
 * other lists by index `[0]`, or whole when their length changes. `before`/`after` are the JSON
 * values (an int64 beyond 2^53 as its decimal digits); `before` is absent for `add`, `after` for `remove`.
 */
export interface FieldChange {
  path: string;
  op: 'add' | 'remove' | 'replace';
  before?: unknown;
  after?: unknown;
}

/** A container whose image a deploy would change (or start, in a created workload): `from` is absent then. */
export interface ImageChange {
  /** `<namespace>/<Kind>/<name>` of the object running it. */
  workload: string;
  container: string;
  from?: string;
  to: string;
}

/** What a dry run found for one object: its ApplyAction, and for a configured one the fields it would change. */
export interface PlannedChanges {
  changes: FieldChange[];
  images: ImageChange[];
}

/** The value as JSON.stringify can write it: an int64 beyond 2^53 (a BigInt, see kubectlNumber) as its digits. */
function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, jsonSafe(item)]));
  return value;
}

function keyedByName(list: unknown[]): Map<string, unknown> | undefined {
  if (!list.every((item) => isRecord(item) && typeof item.name === 'string')) return undefined;
  const byName = new Map(list.map((item) => [(item as { name: string }).name, item]));
  return byName.size === list.length ? byName : undefined;
}

function walk(before: unknown, after: unknown, path: string, out: FieldChange[]): void {
  if (before === undefined && after === undefined) return;
  if (before === undefined) {
    out.push({ path, op: 'add', after: jsonSafe(after) });
    return;
  }
  if (after === undefined) {
    out.push({ path, op: 'remove', before: jsonSafe(before) });
    return;
  }
  if (isRecord(before) && isRecord(after)) {
    for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort())
      walk(before[key], after[key], path ? `${path}.${key}` : key, out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const beforeNames = keyedByName(before);
    const afterNames = keyedByName(after);
    if (beforeNames && afterNames) {
      for (const name of [...new Set([...beforeNames.keys(), ...afterNames.keys()])])
        walk(beforeNames.get(name), afterNames.get(name), `${path}[name=${name}]`, out);
      return;
    }
    if (before.length === after.length) {
      before.forEach((item, index) => walk(item, after[index], `${path}[${index}]`, out));
      return;
    }
  }
  if (kubeJson(before) !== kubeJson(after))
    out.push({ path, op: 'replace', before: jsonSafe(before), after: jsonSafe(after) });
}

/**
 * The fields that differ between the live object and what the server's dry run made of the
 * manifest, each with its value before and after (see FieldChange); `[]` when they mean the same.
 * Secret values appear only as fingerprints that differ exactly when the values do.
 */
export function fieldChanges(live: KubeObject | undefined, intended: KubeObject): FieldChange[] {
  const out: FieldChange[] = [];
  walk(intentOf(live), intentOf(intended), '', out);
  return out;
}

/** The images of every container (init and ephemeral ones too) of an object that runs pods, by container name. */
function imagesOf(object: KubeObject | undefined): Map<string, string> {
  const images = new Map<string, string>();
  if (!object) return images;
  for (const { container } of containersOf(object))
    if (typeof container.name === 'string' && typeof container.image === 'string')
      images.set(container.name, container.image);
  return images;
}

/** The containers of an object whose image the deploy would change or start; `[]` for objects that run no pods. */
export function imageChanges(live: KubeObject | undefined, intended: KubeObject): ImageChange[] {
  const before = imagesOf(live);
  return [...imagesOf(intended)]
    .filter(([name, image]) => before.get(name) !== image)
    .map(([container, to]) => ({
      workload: objectKey(intended),
      container,
      ...(before.has(container) ? { from: before.get(container) } : {}),
      to,
    }));
}

/** Field and image changes of one object for a dry run's report (deployManifests fills AppliedObject with them). */
export function plannedChanges(live: KubeObject | undefined, intended: KubeObject): PlannedChanges {
  return { changes: live ? fieldChanges(live, intended) : [], images: imageChanges(live, intended) };
}
