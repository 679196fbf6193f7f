import type { Kubectl } from './kubectl.js';
import { resourceArg, type KubeObject, type ObjectRef } from './objects.js';

/**
 * Revision numbers move: restoring revision 2 of a Deployment makes its ReplicaSet revision 4
 * (the old number goes to `revision-history`), and a StatefulSet's ControllerRevision is
 * renumbered the same way without any history. So a failed revision is recorded twice on the
 * workload: by the number it had, and by its pod template (ReplicaSet pod-template-hash,
 * ControllerRevision name), which never changes. Deploys (on an automatic rollback) and the
 * rollback action (with mark-failed) both write these; `rollback` with `to: previous` skips them.
 */
export const FAILED_REVISIONS_ANNOTATION = 'sophia.ai/failed-revisions';
/**
 * The annotation holding failed pod template names (comma-separated), for workloads whose revision numbers move on
 * (StatefulSet and DaemonSet revisions are ControllerRevision names).
 */
export const FAILED_TEMPLATES_ANNOTATION = 'sophia.ai/failed-pod-templates';

/** The failed revisions a workload records: revision numbers and pod template names, as strings. */
export interface FailedRevisions {
  numbers: string[];
  templates: string[];
}

/** A comma-separated annotation as its entries; missing or empty is none. */
export function annotationList(object: KubeObject | undefined, key: string): string[] {
  return (object?.metadata.annotations?.[key] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/**
 * What a workload records as failed. Read it before a `kubectl rollout undo`: the undo replaces a
 * Deployment's annotations with the ones its old ReplicaSet carried, which would silently drop
 * failures recorded since, so the lists read before are the truth to write back.
 */
export function readFailedRevisions(workload: KubeObject | undefined): FailedRevisions {
  return {
    numbers: annotationList(workload, FAILED_REVISIONS_ANNOTATION),
    templates: annotationList(workload, FAILED_TEMPLATES_ANNOTATION),
  };
}

/** A comma-separated list with the value added once; numbers sort numerically. */
function mergeList(existing: string[], value: string | undefined): string {
  const merged = [...new Set(value ? [...existing, value] : existing)];
  return merged.sort((a, b) => Number(a) - Number(b) || a.localeCompare(b)).join(',');
}

/** Writes `known` (read before the undo) plus the revision that failed, by number and by template. */
export async function recordFailedRevision(
  kubectl: Kubectl,
  ref: ObjectRef,
  known: FailedRevisions,
  failed: { number?: string; template?: string },
): Promise<void> {
  await kubectl.annotate(ref, {
    [FAILED_REVISIONS_ANNOTATION]: mergeList(known.numbers, failed.number),
    [FAILED_TEMPLATES_ANNOTATION]: mergeList(known.templates, failed.template),
  });
}

/** Writes `known` back exactly (an empty list removes its annotation), undoing what a rollout undo replaced. */
export async function restoreFailedRevisions(kubectl: Kubectl, ref: ObjectRef, known: FailedRevisions): Promise<void> {
  const lists: Array<[string, string[]]> = [
    [FAILED_REVISIONS_ANNOTATION, known.numbers],
    [FAILED_TEMPLATES_ANNOTATION, known.templates],
  ];
  const changes = lists.map(([key, values]) => (values.length ? `${key}=${values.join(',')}` : `${key}-`));
  await kubectl.run([
    'annotate',
    resourceArg(ref),
    ...(ref.namespace ? ['--namespace', ref.namespace] : []),
    ...changes,
    '--overwrite',
  ]);
}
