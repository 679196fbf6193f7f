import { definedGroupKind, groupKindOf } from './apply-order.js';
import type { ServedApis } from './kubectl.js';
import type { ManifestProblem } from './manifest-error.js';
import type { Manifest } from './manifests.js';
import { isRecord, kindAndName } from './objects.js';

/**
 * The manifests whose kind or apiVersion the server does not serve, each at its file and line with
 * what to do. kubectl itself only says `unable to recognize ... no matches for kind` (from its REST
 * mapping) and names no object; this check reads the same discovery first, so the deploy can stop
 * before anything changes. A CustomResourceDefinition in the same set makes its kind, at each of
 * its `served` versions, count as served: it is created before the objects of that kind.
 */
export function unservedKindProblems(manifests: Manifest[], served: ServedApis): ManifestProblem[] {
  const fromSet = new Map<string, Set<string>>();
  for (const { object } of manifests) {
    if (object.kind !== 'CustomResourceDefinition') continue;
    const groupKind = definedGroupKind(object);
    if (groupKind === undefined) continue;
    const group = groupKind.slice(0, groupKind.lastIndexOf('/'));
    const versions = Array.isArray(object.spec?.versions) ? object.spec.versions : [];
    const names = fromSet.get(groupKind) ?? new Set<string>();
    for (const version of versions)
      if (isRecord(version) && typeof version.name === 'string' && version.served !== false)
        names.add(`${group}/${version.name}`);
    fromSet.set(groupKind, names);
  }
  const problems: ManifestProblem[] = [];
  for (const { object, file, line } of manifests) {
    const groupKind = groupKindOf(object);
    const name = kindAndName(object);
    const definedHere = fromSet.get(groupKind);
    if (definedHere !== undefined) {
      if (!definedHere.has(object.apiVersion))
        problems.push({
          file,
          line,
          message: `${name}: apiVersion ${object.apiVersion} is not a served version of the CustomResourceDefinition in this set (it serves ${[...definedHere].join(', ') || 'none'})`,
        });
      continue;
    }
    if (served.kinds.has(groupKind) && served.groupVersions.has(object.apiVersion)) continue;
    const elsewhere = [...served.kinds.values()].filter((kind) => kind.kind === object.kind);
    if (served.kinds.has(groupKind) || elsewhere.length > 0) {
      const serves = [...new Set(elsewhere.map((kind) => kind.apiVersion))].join(', ');
      problems.push({
        file,
        line,
        message: `${name}: apiVersion ${object.apiVersion} is not served by this cluster; it serves ${object.kind} as ${serves}`,
      });
    } else if (groupKind.startsWith('/') || !object.apiVersion.includes('.')) {
      problems.push({
        file,
        line,
        message: `${name}: kind ${object.kind} in ${object.apiVersion} is not served by this cluster (the API version may have been removed)`,
      });
    } else {
      problems.push({
        file,
        line,
        message: `${name}: kind ${object.kind} (${object.apiVersion}) is not served by this cluster: its CustomResourceDefinition is not installed and not in this manifest set; install its CRD first or add it to the manifests`,
      });
    }
  }
  return problems;
}
