import { mustBe, type Parser } from './input-error.js';
import { listOf } from './collections.js';

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

/**
 * Parses an object name (trimmed) with the API server's rule (isDns1123Subdomain).
 * @throws InputError when it is not one.
 */
export const kubernetesName: Parser<string> = (name, raw) => {
  const trimmed = raw.trim();
  if (!isDns1123Subdomain(trimmed)) {
    throw mustBe(
      name,
      'a Kubernetes name (lower-case letters, digits, "-" and ".", starting and ending alphanumeric, at most 253 characters)',
      raw,
    );
  }
  return trimmed;
};

/**
 * Parses a namespace name (trimmed) with the API server's rule (isDns1123Label).
 * @throws InputError when it is not one.
 */
export const namespaceName: Parser<string> = (name, raw) => {
  const trimmed = raw.trim();
  if (!isDns1123Label(trimmed)) {
    throw mustBe(name, 'a namespace name (lower-case letters, digits and "-", at most 63 characters)', raw);
  }
  return trimmed;
};

/** A Kubernetes label: a qualified-name key (optional DNS prefix and `/`) and a label value. */
export interface Label {
  key: string;
  value: string;
}

/**
 * Parses `key=value` as `kubectl label` takes it.
 * @throws InputError when the `=` is missing or either side breaks the API server's label rules.
 */
export const label: Parser<Label> = (name, raw) => {
  const trimmed = raw.trim();
  const at = trimmed.indexOf('=');
  const key = at < 0 ? '' : trimmed.slice(0, at);
  const value = at < 0 ? '' : trimmed.slice(at + 1);
  if (at < 0 || !isQualifiedName(key) || !isLabelValue(value)) {
    throw mustBe(name, 'a label key=value (such as sophia.ai/pool=mcp)', raw);
  }
  return { key, value };
};

/** The taint effects the scheduler knows (Kubernetes docs, "Taints and Tolerations"). */
export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

/** A node taint as `kubectl taint` writes it; `value` is '' for a `key:Effect` taint. */
export interface Taint {
  key: string;
  value: string;
  effect: TaintEffect;
}

/** `key=value:Effect` or `key:Effect`, as `kubectl taint` writes them. */
export const taint: Parser<Taint> = (name, raw) => {
  const trimmed = raw.trim();
  const match = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(trimmed);
  if (!match || !isQualifiedName(match[1]) || !isLabelValue(match[2] ?? '')) {
    throw mustBe(name, 'a taint key=value:Effect with Effect NoSchedule, PreferNoSchedule or NoExecute', raw);
  }
  return { key: match[1], value: match[2] ?? '', effect: match[3] as TaintEffect };
};

/**
 * A workload reference: `deployment/api` (the namespace then comes from the `namespace` input or
 * the context), or `<namespace>/<Kind>/<name>` such as `sophia/Deployment/chat-api`, the key form
 * of the deploy actions' `changed` output.
 */
export interface WorkloadRef {
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  name: string;
  /** Set only when the reference names its namespace. */
  namespace?: string;
}

/** Each workload kind by every name kubectl takes for it: singular, plural, short (`kubectl api-resources`). */
const WORKLOAD_KIND_NAMES: Record<string, WorkloadRef['kind']> = {
  deployment: 'Deployment',
  deployments: 'Deployment',
  deploy: 'Deployment',
  statefulset: 'StatefulSet',
  statefulsets: 'StatefulSet',
  sts: 'StatefulSet',
  daemonset: 'DaemonSet',
  daemonsets: 'DaemonSet',
  ds: 'DaemonSet',
};

/**
 * The one spelling of a Kubernetes object in outputs, maps, logs and summaries, and the key that
 * tells objects apart: `<namespace>/<Kind>/<name>` (such as `team-a/Deployment/api`), so two
 * objects of one kind and name in different namespaces stay apart. A reference without a
 * namespace (a cluster-scoped object, or a `<Kind>/<name>` the user wrote) is spelled
 * `<Kind>/<name>`; the two forms cannot collide, having three parts and two. It lives beside
 * `workloadRef`, which reads it back (the deploy actions' `changed` output is the rollback
 * action's `workloads` input).
 */
export function workloadKey(ref: { kind: string; name: string; namespace?: string }): string {
  return ref.namespace ? `${ref.namespace}/${ref.kind}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

const WORKLOAD_EXAMPLES = 'workloads such as deployment/api, statefulset/db or sophia/Deployment/chat-api';

/**
 * Reads one workload reference: `<Kind>/<name>` or `<namespace>/<Kind>/<name>`, the kind in any
 * case, singular, plural or kubectl's short name (`deploy`, `sts`, `ds`). The inverse of
 * `workloadKey`: `workloadRef(input, workloadKey(ref))` gives `ref` back.
 * Throws InputError naming the input `name` when `raw` is not such a reference.
 */
export const workloadRef: Parser<WorkloadRef> = (name, raw) => {
  const parts = raw.trim().split('/');
  const namespace = parts.length === 3 ? parts.shift() : undefined;
  const [kindText, objectName, extra] = parts;
  const kind = WORKLOAD_KIND_NAMES[(kindText ?? '').toLowerCase()];
  const validNamespace = namespace === undefined || isDns1123Label(namespace);
  if (!kind || extra !== undefined || !objectName || !isDns1123Subdomain(objectName) || !validNamespace) {
    throw mustBe(name, WORKLOAD_EXAMPLES, raw);
  }
  return namespace === undefined ? { kind, name: objectName } : { kind, name: objectName, namespace };
};

/**
 * Workload references one per line, or a JSON array of them as the deploy actions' `changed`
 * output gives it (`[]`: an empty list, nothing to do).
 */
export const workloadRefs: Parser<WorkloadRef[]> = (name, raw) => {
  const trimmed = raw.trim();
  if (!trimmed.startsWith('[')) return listOf(workloadRef, 'newline')(name, raw);
  let entries: unknown;
  try {
    entries = JSON.parse(trimmed);
  } catch {
    throw mustBe(name, `a JSON array of ${WORKLOAD_EXAMPLES}`, raw);
  }
  if (!Array.isArray(entries) || !entries.every((entry) => typeof entry === 'string')) {
    throw mustBe(name, `a JSON array of ${WORKLOAD_EXAMPLES}`, raw);
  }
  return entries.map((entry: string) => workloadRef(name, entry));
};

/** A label selector as kubectl's `-l` takes it: comma-separated `k=v`, `k!=v`, `k`, `!k`, `k in (a,b)`. */
export const labelSelector: Parser<string> = (name, raw) => {
  const trimmed = raw.trim();
  const requirements = trimmed.split(/,(?![^()]*\))/).map((part) => part.trim());
  const valid = requirements.every((requirement) => {
    const set = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(requirement);
    if (set) return isQualifiedName(set[1]) && set[3].split(',').every((v) => isLabelValue(v.trim()));
    const eq = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s]*)$/.exec(requirement);
    if (eq) return isQualifiedName(eq[1]) && isLabelValue(eq[3]);
    const exists = /^(!?)([^\s!=]+)$/.exec(requirement);
    return exists !== null && isQualifiedName(exists[2]);
  });
  if (!trimmed || !valid) throw mustBe(name, 'a label selector such as app=api,tier in (web,mcp)', raw);
  return trimmed;
};
