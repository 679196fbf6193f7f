import { isInteger, isSafeNumber, parse, stringify } from 'lossless-json';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A number as kubectl holds it, from its decimal text: kubectl decodes objects into Go values with
 * apimachinery's JSON reader, which keeps an integer that fits int64 as an int64 and any other
 * number as a float64 (checked with `kubectl create --dry-run=client -o json`: 9007199254740993
 * stays exact, 99999999999999999999 becomes 100000000000000000000). A JS number holds integers
 * exactly only up to 2^53 (Number.MAX_SAFE_INTEGER), so an integer beyond it that fits int64 is a
 * BigInt (spec.activeDeadlineSeconds, securityContext.runAsUser, a CRD's int64 field); every other
 * number stays a number, so ordinary code keeps comparing replicas and ports as numbers.
 */
export function kubectlNumber(text: string): number | bigint {
  if (isInteger(text) && !isSafeNumber(text)) {
    const value = BigInt(text);
    if (value >= INT64_MIN && value <= INT64_MAX) return value;
  }
  return Number(text);
}

/**
 * A number of 16 digits or more (no integer beyond 2^53 is shorter) where JSON has values: after
 * `:`, `[` or `,` (and any whitespace), or as the whole text. Digit runs inside strings do not
 * count: a running pod's containerID is 64 hex digits and often holds a run of 16 decimal ones,
 * which sent nearly every read of a namespace's pods through the slower reader.
 */
const LONG_NUMBER = /(?:^|[:,[])\s*-?\d{16}/;

/**
 * Parses JSON kubectl printed (or an annotation it wrote) without losing int64 digits: integers
 * beyond 2^53 become BigInt (see kubectlNumber). Plain JSON.parse rounds 9007199254740993 to
 * ...992, and a deploy would then restore or report a value the cluster never held. Throws
 * SyntaxError as JSON.parse does. lossless-json is tens of times slower than JSON.parse, so text
 * without LONG_NUMBER takes JSON.parse.
 */
export function parseKubeJson(text: string): unknown {
  if (!LONG_NUMBER.test(text)) return JSON.parse(text);
  return parse(text, null, kubectlNumber);
}

/**
 * JSON for kubectl and for comparisons: BigInt values are written as their exact digits, as
 * kubectl writes an int64 (JSON.stringify throws on a BigInt). Values without one take
 * JSON.stringify, which is faster.
 */
export function kubeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return stringify(value) ?? 'null';
  }
}
