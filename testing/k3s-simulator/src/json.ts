import { isInteger, isSafeNumber, parse, stringify } from 'lossless-json';

/**
 * Kubernetes objects are open-ended JSON documents; the simulator treats them structurally. Declared
 * here, beside the reader that makes them, so the JSON rules import nothing of the simulator.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/**
 * The API server decodes JSON numbers as Go values: an integer that fits int64 stays an int64,
 * anything else is a float64 (k8s.io/apimachinery's json.Unmarshal with UseNumber). int64 fields
 * (activeDeadlineSeconds, runAsUser, a CRD's `format: int64`) hold integers beyond 2^53, which a JS
 * number rounds: those are BigInt here, everything else a number.
 */
function int64OrFloat(text: string): number | bigint {
  if (!isInteger(text) || isSafeNumber(text)) return Number(text);
  const value = BigInt(text);
  return value === BigInt.asIntN(64, value) ? value : Number(text);
}

/**
 * A number of 16 digits or more, where JSON has values: after `:`, `[` or `,`, or as the whole
 * text. Digits inside strings (a containerID's hex, a checksum) do not count: a running pod has
 * such strings, and sending every copy of it through the slower lossless reader made the
 * controllers' passes several times slower.
 */
const LONG_NUMBER = /(?:^|[:,[])\s*-?\d{16}/;

/** JSON.parse that keeps int64 digits (see int64OrFloat); JSON.parse where no number of 16 digits could need it. */
export function parseApiJson(text: string): Json {
  return LONG_NUMBER.test(text) ? parse(text, null, int64OrFloat) : JSON.parse(text);
}

/** JSON.stringify that writes a BigInt's digits, as the server writes an int64; JSON.stringify when there is none. */
export function apiJson(value: Json): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return stringify(value) as string;
  }
}

/**
 * For a YAML body read with `intAsBigInt` (an apply patch may be YAML): each integer as
 * int64OrFloat makes it, so YAML and JSON bodies give the same values.
 */
export function int64Reviver(_key: unknown, value: Json): Json {
  return typeof value === 'bigint' ? int64OrFloat(String(value)) : value;
}
