import { kubeJson } from './json.js';
import { isRecord, workloadKey, type KubeObject, type ObjectRef } from './objects.js';

/**
 * Where the cluster holds another value than `intended` at an integer beyond 2^53 (a BigInt, see
 * kubectlNumber), as dotted paths the way manifest problems name fields (`spec.limits.0.max`),
 * each with the value written and the value found (`absent` when the cluster has none).
 */
export function roundedIntegers(
  intended: unknown,
  live: unknown,
  path = '',
): Array<{ path: string; written: string; found: string }> {
  if (typeof intended === 'bigint') {
    if (typeof live === 'bigint' && live === intended) return [];
    return [{ path, written: intended.toString(), found: live === undefined ? 'absent' : kubeJson(live) }];
  }
  const join = (key: string | number) => (path ? `${path}.${key}` : String(key));
  if (Array.isArray(intended))
    return intended.flatMap((item, index) =>
      roundedIntegers(item, Array.isArray(live) ? live[index] : undefined, join(index)),
    );
  if (isRecord(intended))
    return Object.entries(intended).flatMap(([key, value]) =>
      roundedIntegers(value, isRecord(live) ? live[key] : undefined, join(key)),
    );
  return [];
}

/**
 * Why a client-side apply left `live` with other integers than `intended`, naming the object and
 * each field; undefined when every integer beyond 2^53 arrived whole. kubectl's client-side apply
 * computes the patch of a custom resource as a JSON merge patch whose numbers pass through Go's
 * float64 (checked against kubectl 1.27 to 1.33: changing a field to 9007199254740993 stores
 * 9007199254740992, to ...995 stores ...996); creating the object, built-in kinds (strategic merge
 * patch) and server-side apply keep every digit. `what` says what the value was meant to be:
 * `written in the manifest`, `it had before the deploy`.
 */
export function roundedIntegersReason(
  ref: ObjectRef,
  intended: KubeObject,
  live: KubeObject | undefined,
  what: string,
): string | undefined {
  if (!live) return undefined;
  const rounded = roundedIntegers(intended, live);
  if (rounded.length === 0) return undefined;
  const fields = rounded.map((field) => `${field.path} is ${field.found}, not ${field.written}`).join('; ');
  return `${workloadKey(ref)}: ${fields} (the value ${what}): kubectl's client-side apply sends a custom resource's changes as float64 numbers, exact only up to 2^53; apply it with server-side: true to keep every digit`;
}
