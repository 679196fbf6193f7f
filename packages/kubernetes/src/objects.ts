import { workloadKey } from './syntax.js';

/** The parts of a Kubernetes object this package reads and writes; everything else passes through untouched. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    [key: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * A path into an object, as keys and array indexes (`['spec', 'template', 'spec', 'containers', 0]`): how errors point
 * at a field.
 */
export type JsonPath = Array<string | number>;

/**
 * Built-in kinds without a namespace, known before any cluster is reached (so files are checked
 * offline). Other kinds are taken as namespaced until the deploy asks the server
 * (settleScopes in apply-order.ts), which settles cluster-scoped custom kinds.
 */
const CLUSTER_SCOPED = new Set([
  'APIService',
  'CSIDriver',
  'CSINode',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PriorityClass',
  'RuntimeClass',
  'StorageClass',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

/**
 * True for the built-in kinds that have no namespace (CLUSTER_SCOPED); custom kinds answer false until the server says
 * otherwise.
 */
export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}

/**
 * The kinds whose controllers roll out a pod template in revisions: what a deploy watches, and
 * what `kubectl rollout undo` can take back (kubectl's rollback supports exactly these three).
 */
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;
/** One of WORKLOAD_KINDS. */
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** True for the kinds a deploy waits on and a rollback can undo (WORKLOAD_KINDS). */
export function isWorkload(object: Pick<KubeObject, 'kind'>): boolean {
  return (WORKLOAD_KINDS as readonly string[]).includes(object.kind);
}

/**
 * `workloadKey` of an object of any kind, read from its metadata: unique across a deploy, used to
 * match what was applied with what is live, and to name the object in logs.
 */
export function objectKey(object: Pick<KubeObject, 'kind' | 'metadata'>): string {
  return workloadKey(refOf(object));
}

/**
 * An object named without its namespace, `Kind/name`: for messages that point at a manifest's file
 * and line (which locate the object, and where the namespace may not be settled yet) and for lines
 * under a workload already named with its namespace. Everywhere else `objectKey` names it.
 */
export function kindAndName(object: { kind: string; metadata: { name: string } }): string {
  return workloadKey({ kind: object.kind, name: object.metadata.name });
}

// The spelling's one home is syntax.ts, beside Kubernetes' other syntax rules; passed on here for this module's callers.
export { workloadKey };

/** An object by kind, name and (for a namespaced kind) namespace: what kubectl needs to find it. */
export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
}

/** The object's kind, name and (when it has one) namespace: how kubectl calls and reports name it. */
export function refOf(object: Pick<KubeObject, 'kind' | 'metadata'>): ObjectRef {
  const ref: ObjectRef = { kind: object.kind, name: object.metadata.name };
  if (object.metadata.namespace) ref.namespace = object.metadata.namespace;
  return ref;
}

/** The `kind/name` kubectl takes as a resource argument (`deployment/api`). */
export function resourceArg(ref: { kind: string; name: string }): string {
  return `${ref.kind.toLowerCase()}/${ref.name}`;
}

/** True for a plain JSON object (not null, not an array): the guard every walk through untyped manifest data uses. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy (structuredClone): transforms change copies, never the loaded manifests. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}
