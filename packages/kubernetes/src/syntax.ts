/**
 * Kubernetes' own syntax rules for names, labels and taints, as the API server checks them, and
 * the one spelling of an object reference. The input parsers (@sophia/inputs) and the manifest
 * checks here both apply these, so a name the inputs accept is one the manifests accept.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * An RFC 1123 subdomain as Kubernetes checks object names (IsDNS1123Subdomain in apimachinery's validation package): at
 * most 253 characters, lower-case alphanumerics, `-` and `.`.
 */
export function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

/**
 * An RFC 1123 label as Kubernetes checks namespace names (IsDNS1123Label in apimachinery): at most 63 characters,
 * lower-case alphanumerics and `-`.
 */
export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

/** A label or annotation key: optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
export function isQualifiedName(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const [prefix, local] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) return false;
  return local.length >= 1 && local.length <= 63 && QUALIFIED_NAME.test(local);
}

/**
 * A label value as Kubernetes accepts it (IsValidLabelValue in apimachinery): empty, or at most 63 alphanumerics, `-`,
 * `_`, `.`, starting and ending alphanumeric.
 */
export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

/** A Kubernetes label: a qualified-name key (optional DNS prefix and `/`) and a label value. */
export interface Label {
  key: string;
  value: string;
}

/** The taint effects the scheduler knows (Kubernetes docs, "Taints and Tolerations"). */
export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

/** A node taint as `kubectl taint` writes it; `value` is '' for a `key:Effect` taint. */
export interface Taint {
  key: string;
  value: string;
  effect: TaintEffect;
}

/**
 * The one spelling of a Kubernetes object in outputs, maps, logs and summaries, and the key that
 * tells objects apart: `<namespace>/<Kind>/<name>` (such as `team-a/Deployment/api`), so two
 * objects of one kind and name in different namespaces stay apart. A reference without a
 * namespace (a cluster-scoped object, or a `<Kind>/<name>` the user wrote) is spelled
 * `<Kind>/<name>`; the two forms cannot collide, having three parts and two. `workloadRef` in
 * @sophia/inputs reads it back (the deploy actions' `changed` output is the rollback action's
 * `workloads` input).
 */
export function workloadKey(ref: { kind: string; name: string; namespace?: string }): string {
  return ref.namespace ? `${ref.namespace}/${ref.kind}/${ref.name}` : `${ref.kind}/${ref.name}`;
}
