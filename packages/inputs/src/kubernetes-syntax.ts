import { mustBe, type Parser } from './input-error.js';
import { listOf } from './collections.js';
import {
  isDns1123Label,
  isDns1123Subdomain,
  isLabelValue,
  isQualifiedName,
  type Label,
  type Taint,
  type TaintEffect,
} from '@sophia/kubernetes';

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
