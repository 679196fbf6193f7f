import { ManifestError, type ManifestProblem } from './manifest-error.js';
import { withObject, type Manifest } from './manifests.js';
import {
  addManagedByLabel,
  addTraceAnnotations,
  injectPlacement,
  substituteImages,
  type Placement,
  type Traceability,
} from './transforms.js';

/**
 * The transforms `prepareManifests` applies: image substitutions (repository → full image reference), the run's
 * traceability annotations, and the node placement of the MCP action; each is skipped when absent.
 */
export interface PrepareOptions {
  images?: ReadonlyMap<string, string>;
  trace?: Traceability;
  placement?: Placement;
  /** Told about image entries no container uses: a typo there would otherwise deploy the old image silently. */
  warn?: (message: string) => void;
}

/**
 * Runs every transform over every manifest. Placement conflicts are collected with file and line
 * and thrown together before anything reaches the cluster.
 */
export function prepareManifests(manifests: Manifest[], options: PrepareOptions): Manifest[] {
  const problems: ManifestProblem[] = [];
  const usedImages = new Set<string>();
  const prepared = manifests.map((manifest) => {
    let object = manifest.object;
    if (options.images) {
      const substituted = substituteImages(object, options.images);
      substituted.matchedKeys.forEach((key) => usedImages.add(key));
      object = substituted.object;
    }
    object = addManagedByLabel(object);
    if (options.trace) object = addTraceAnnotations(object, options.trace);
    if (options.placement) {
      const placed = injectPlacement(object, options.placement);
      for (const conflict of placed.conflicts)
        problems.push({ file: manifest.file, line: manifest.lineOf(conflict.path), message: conflict.message });
      object = placed.object;
    }
    return withObject(manifest, object);
  });
  if (problems.length > 0) throw new ManifestError(problems, 'placement');
  for (const key of options.images?.keys() ?? []) {
    if (!usedImages.has(key))
      options.warn?.(
        `Input "images" names "${key}", but no container in the manifests uses that image or has that name`,
      );
  }
  return prepared;
}
