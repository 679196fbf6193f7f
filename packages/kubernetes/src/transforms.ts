import type { Label, Taint } from './syntax.js';
import { clone, isRecord, kindAndName, type JsonPath, type KubeObject } from './objects.js';
import { containersOf, ensureMap, getPath, podTemplateLocation } from './pod-templates.js';

/**
 * The label recommended by Kubernetes ("Recommended Labels") naming the tool that manages an object; every object a
 * deploy applies carries it with MANAGED_BY_VALUE.
 */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** This suite's value of MANAGED_BY_LABEL. */
export const MANAGED_BY_VALUE = 'sophia-deploy';
/** The commit (GITHUB_SHA) a workload was deployed from, on the object and its pod template. */
export const COMMIT_ANNOTATION = 'sophia.ai/commit';
/** The URL of the run that deployed a workload, on the object and its pod template. */
export const RUN_URL_ANNOTATION = 'sophia.ai/run-url';
/** The annotation `kubectl rollout history` shows as CHANGE-CAUSE; the deploy writes the commit and run there. */
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';

/** The repository part of an image reference: registry and path, without tag or digest. */
export function imageRepository(image: string): string {
  const withoutDigest = image.split('@')[0];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > lastSlash ? withoutDigest.slice(0, colon) : withoutDigest;
}

/** One image a deploy replaced: the container (at `path`), the image written in the manifest and the one deployed. */
export interface ImageSubstitution {
  path: JsonPath;
  container: string;
  from: string;
  to: string;
  /** The key of the `images` entry that matched. */
  key: string;
}

/**
 * Replaces container images named in `images`. A key matches a container whose image repository
 * (tag and digest ignored) equals it, or, failing that, a container of that name.
 */
export function substituteImages(
  object: KubeObject,
  images: ReadonlyMap<string, string>,
): { object: KubeObject; substitutions: ImageSubstitution[]; matchedKeys: string[] } {
  const result = clone(object);
  const substitutions: ImageSubstitution[] = [];
  const matchedKeys = new Set<string>();
  if (images.size === 0) return { object: result, substitutions, matchedKeys: [] };
  for (const { container, path } of containersOf(result)) {
    const current = typeof container.image === 'string' ? container.image : '';
    const name = typeof container.name === 'string' ? container.name : '';
    const key = images.has(imageRepository(current)) ? imageRepository(current) : images.has(name) ? name : undefined;
    if (key === undefined) continue;
    matchedKeys.add(key);
    const replacement = images.get(key)!;
    if (replacement !== current) {
      container.image = replacement;
      substitutions.push({ path: [...path, 'image'], container: name, from: current, to: replacement, key });
    }
  }
  return { object: result, substitutions, matchedKeys: [...matchedKeys] };
}

/** Marks the object, and the pods it runs, as deployed by this suite, so they can be found and cleaned up later. */
export function addManagedByLabel(object: KubeObject): KubeObject {
  const result = clone(object);
  result.metadata.labels = { ...(result.metadata.labels ?? {}), [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
  const location = podTemplateLocation(result.kind);
  if (location && result.kind !== 'Pod' && isRecord(getPath(result, location.metadataPath.slice(0, -1)))) {
    const metadata = ensureMap(result, location.metadataPath);
    metadata.labels = { ...((metadata.labels as Record<string, string>) ?? {}), [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
  }
  return result;
}

/** Where a deploy came from, written as annotations on every object (`addTraceAnnotations`). */
export interface Traceability {
  /** The commit SHA the run deploys. */
  commit?: string;
  /** The workflow run's URL. */
  runUrl?: string;
  /** kubernetes.io/change-cause, which `kubectl rollout history` shows in its CHANGE-CAUSE column. */
  changeCause?: string;
}

/**
 * Records which commit and run produced the object. Only object metadata changes, never the pod
 * template, so redeploying the same images does not restart pods just because the run differs.
 */
export function addTraceAnnotations(object: KubeObject, trace: Traceability): KubeObject {
  const result = clone(object);
  const annotations = { ...(result.metadata.annotations ?? {}) };
  if (trace.commit) annotations[COMMIT_ANNOTATION] = trace.commit;
  if (trace.runUrl) annotations[RUN_URL_ANNOTATION] = trace.runUrl;
  if (trace.changeCause) annotations[CHANGE_CAUSE_ANNOTATION] = trace.changeCause;
  result.metadata.annotations = annotations;
  return result;
}

/**
 * The object without the annotations addTraceAnnotations writes (a copy). Every run writes new
 * ones, so an apply that changed nothing else still configures the object: this tells a run that
 * changed what serves from one that only recorded itself.
 */
export function withoutTraceAnnotations(object: KubeObject): KubeObject {
  const result = clone(object);
  const annotations = { ...(result.metadata.annotations ?? {}) };
  for (const key of [COMMIT_ANNOTATION, RUN_URL_ANNOTATION, CHANGE_CAUSE_ANNOTATION]) delete annotations[key];
  result.metadata.annotations = annotations;
  return result;
}

/** Where pods must run: a node label they select, and optionally the taint of that node they tolerate. */
export interface Placement {
  nodeSelector: Label;
  taint?: Taint;
  /**
   * The node's name, recorded on every pod template (annotation PLACEMENT_NODE_ANNOTATION). A
   * nodeSelector is read only when a pod is scheduled: when the placement moves to another node
   * under the same label, this is what changes the template, so the workloads roll onto it.
   */
  node?: string;
}

/** See Placement.node. */
export const PLACEMENT_NODE_ANNOTATION = 'sophia.ai/node';

/**
 * A manifest's placement that contradicts the node's (a different nodeSelector value, affinity excluding the node), at
 * `path`; prepareManifests collects them with file and line.
 */
export interface PlacementConflict {
  path: JsonPath;
  message: string;
}

/**
 * A pod toleration as the API writes it (core/v1 Toleration); absent fields match anything, as the scheduler reads
 * them.
 */
export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

/** The toleration that lets pods onto a node with this taint: `Equal` on key and value, same effect. */
export function tolerationFor(taint: Taint): Toleration {
  return { key: taint.key, operator: 'Equal', value: taint.value, effect: taint.effect };
}

/**
 * Whether a toleration lets a pod onto a node with this taint, as the scheduler decides it
 * (k8s.io/api core/v1 Toleration.ToleratesTaint): an empty effect matches every effect, an empty
 * key matches every key, `Exists` matches any value, `Equal` (the default operator) the same value,
 * `Lt`/`Gt` a taint value below/above the toleration's when both are integers; any other operator
 * matches nothing. The API server refuses an empty key with any operator but `Exists`
 * (pkg/apis/core/validation ValidateTolerations), so such a toleration never reaches a node.
 */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  const [wanted, actual] = [toleration.value ?? '', taint.value ?? ''];
  switch (toleration.operator ?? '') {
    case '':
    case 'Equal':
      return wanted === actual;
    case 'Exists':
      return true;
    case 'Lt':
    case 'Gt':
      // strconv.ParseInt(value, 10, 64): an optional sign and decimal digits.
      if (!INTEGER.test(wanted) || !INTEGER.test(actual)) return false;
      return toleration.operator === 'Lt' ? BigInt(actual) < BigInt(wanted) : BigInt(actual) > BigInt(wanted);
    default:
      return false;
  }
}
const INTEGER = /^[+-]?\d+$/;

/**
 * Pins every pod template of the object to the placement. A nodeSelector that already asks for
 * the same label with a different value, or a nodeName, contradicts it: that is reported with
 * its path and nothing is changed, because silently overriding the manifest hides a real mistake.
 */
export function injectPlacement(
  object: KubeObject,
  placement: Placement,
): { object: KubeObject; conflicts: PlacementConflict[] } {
  const result = clone(object);
  const location = podTemplateLocation(result.kind);
  if (!location) return { object: result, conflicts: [] };
  const spec = ensureMap(result, location.specPath);
  const { key, value } = placement.nodeSelector;
  const conflicts: PlacementConflict[] = [];
  const selector = isRecord(spec.nodeSelector) ? (spec.nodeSelector as Record<string, string>) : {};
  if (key in selector && String(selector[key]) !== value) {
    conflicts.push({
      path: [...location.specPath, 'nodeSelector', key],
      message: `${kindAndName(result)} has nodeSelector ${key}=${selector[key]}, which contradicts the placement ${key}=${value}`,
    });
  }
  if (typeof spec.nodeName === 'string' && spec.nodeName !== '') {
    conflicts.push({
      path: [...location.specPath, 'nodeName'],
      message: `${kindAndName(result)} sets nodeName ${spec.nodeName}, which bypasses the placement ${key}=${value}`,
    });
  }
  if (conflicts.length > 0) return { object: clone(object), conflicts };
  spec.nodeSelector = { ...selector, [key]: value };
  if (placement.node) {
    const metadata = ensureMap(result, [...location.specPath.slice(0, -1), 'metadata']);
    const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
    metadata.annotations = { ...annotations, [PLACEMENT_NODE_ANNOTATION]: placement.node };
  }
  if (placement.taint) {
    const wanted = tolerationFor(placement.taint);
    const existing = Array.isArray(spec.tolerations) ? (spec.tolerations as Toleration[]) : [];
    if (
      !existing.some((toleration) => tolerates(toleration, placement.taint!) && toleration.effect === wanted.effect)
    ) {
      spec.tolerations = [...existing, wanted];
    }
  }
  return { object: result, conflicts };
}
