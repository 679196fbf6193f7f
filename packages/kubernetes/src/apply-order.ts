import type { Manifest } from './manifests.js';
import { isRecord, objectKey, type KubeObject } from './objects.js';

/**
 * Helm's install order (helm.sh/helm/v3 pkg/releaseutil/kind_sorter.go, InstallOrder): what
 * others use comes first (namespaces, policies, accounts, configuration, storage, definitions,
 * RBAC, services), then the workloads, then what routes to them. Kinds it does not list follow,
 * sorted by kind, as Helm sorts them.
 */
export const INSTALL_ORDER = [
  'PriorityClass',
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
];

/** The manifests in install order; objects of one kind keep the order they were written in. */
export function sortForApply(manifests: Manifest[]): Manifest[] {
  const rank = (kind: string) => {
    const at = INSTALL_ORDER.indexOf(kind);
    return at < 0 ? INSTALL_ORDER.length : at;
  };
  return manifests
    .map((manifest, index) => ({ manifest, index }))
    .sort(
      (a, b) =>
        rank(a.manifest.object.kind) - rank(b.manifest.object.kind) ||
        (rank(a.manifest.object.kind) === INSTALL_ORDER.length
          ? a.manifest.object.kind.localeCompare(b.manifest.object.kind)
          : 0) ||
        a.index - b.index,
    )
    .map(({ manifest }) => manifest);
}

/** Kinds other objects cannot even be checked without: the namespace they live in, the definition of their kind. */
export function isFoundation(object: Pick<KubeObject, 'kind'>): boolean {
  return object.kind === 'Namespace' || object.kind === 'CustomResourceDefinition';
}

/** `group/Kind` of an object (`apps/Deployment`, `/ConfigMap` for the core group). */
export function groupKindOf(object: Pick<KubeObject, 'apiVersion' | 'kind'>): string {
  const slash = object.apiVersion.lastIndexOf('/');
  return `${slash < 0 ? '' : object.apiVersion.slice(0, slash)}/${object.kind}`;
}

/** `group/Kind` a CustomResourceDefinition serves. */
export function definedGroupKind(definition: KubeObject): string | undefined {
  const spec = definition.spec;
  const names = isRecord(spec) && isRecord(spec.names) ? spec.names : undefined;
  return typeof spec?.group === 'string' && typeof names?.kind === 'string' ? `${spec.group}/${names.kind}` : undefined;
}

/**
 * Which objects the server can check now, and which only once the namespaces and definitions
 * of this deploy exist: an object in a namespace the deploy creates, or of a kind a
 * CustomResourceDefinition of the deploy introduces, is refused by a dry run until then
 * (`namespaces "x" not found`, `no matches for kind`), although `kubectl apply -f` of the same
 * files works because it creates in order.
 */
export interface ApplyPlan {
  /** Namespaces and CustomResourceDefinitions, in install order. */
  foundations: KubeObject[];
  /** Everything else that can be checked before anything is written. */
  checkable: KubeObject[];
  /** Everything else that needs a namespace or definition this deploy creates. */
  deferred: KubeObject[];
}

/** Splits objects (already in install order) given which foundations are live. */
export function planApply(objects: KubeObject[], liveFoundations: KubeObject[]): ApplyPlan {
  const live = new Set(liveFoundations.map(objectKey));
  const foundations = objects.filter(isFoundation);
  const newNamespaces = new Set(
    foundations
      .filter((object) => object.kind === 'Namespace' && !live.has(objectKey(object)))
      .map((object) => object.metadata.name),
  );
  const newKinds = new Set(
    foundations
      .filter((object) => object.kind === 'CustomResourceDefinition' && !live.has(objectKey(object)))
      .map(definedGroupKind)
      .filter((groupKind): groupKind is string => groupKind !== undefined),
  );
  const needsFoundation = (object: KubeObject) =>
    (object.metadata.namespace !== undefined && newNamespaces.has(object.metadata.namespace)) ||
    newKinds.has(groupKindOf(object));
  const rest = objects.filter((object) => !isFoundation(object));
  return {
    foundations,
    checkable: rest.filter((object) => !needsFoundation(object)),
    deferred: rest.filter(needsFoundation),
  };
}

/**
 * The objects with their scope as the server decides it, not as a static list of kinds guesses:
 * an object of a cluster-scoped kind loses the namespace the deploy gave it (kubectl drops it
 * too), so it is read back, compared and reported under its real name. `clusterScoped` holds the
 * server's cluster-scoped `group/Kind`s (from Kubectl.servedApis); a CustomResourceDefinition
 * of this deploy decides for its own kind through `spec.scope`, since the server does not serve
 * that kind yet.
 */
export function settleScopes(objects: KubeObject[], clusterScoped: ReadonlySet<string>): KubeObject[] {
  const scoped = new Set(clusterScoped);
  for (const definition of objects.filter((object) => object.kind === 'CustomResourceDefinition')) {
    const groupKind = definedGroupKind(definition);
    if (groupKind === undefined) continue;
    if (definition.spec?.scope === 'Cluster') scoped.add(groupKind);
    else scoped.delete(groupKind);
  }
  return objects.map((object) => {
    if (object.metadata.namespace === undefined || !scoped.has(groupKindOf(object))) return object;
    const metadata = { ...object.metadata };
    delete metadata.namespace;
    return { ...object, metadata };
  });
}
