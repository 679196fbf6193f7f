import { RELEASE_ID_PATTERN, RELEASE_ID_RULE } from '@sophia/releases';
import { formatDuration } from '@sophia/reporting';
import { mustBe, type Parser } from './input-error.js';
import { refuseNonLine } from './paths.js';
import { hideUrlUserinfo } from './secrets.js';

/** The input's text unchanged: the default parser of `required` and `optional`. */
export const text: Parser<string> = (_name, raw) => raw;

/**
 * A parser for a base-10 integer from `min` to `max` inclusive (an optional `-`, no decimals or exponent).
 * @throws InputError naming the input and the range otherwise.
 */
export function integer(min: number, max: number): Parser<number> {
  return (name, raw) => {
    const trimmed = raw.trim();
    if (!/^-?\d+$/.test(trimmed)) throw mustBe(name, `an integer from ${min} to ${max}`, raw);
    const value = Number(trimmed);
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw mustBe(name, `an integer from ${min} to ${max}`, raw);
    }
    return value;
  };
}

const TRUE_WORDS = new Set(['true', 'True', 'TRUE']);
const FALSE_WORDS = new Set(['false', 'False', 'FALSE']);

/** YAML 1.2 core schema booleans, as the runner's own `core.getBooleanInput` accepts them. */
export const boolean: Parser<boolean> = (name, raw) => {
  const trimmed = raw.trim();
  if (TRUE_WORDS.has(trimmed)) return true;
  if (FALSE_WORDS.has(trimmed)) return false;
  throw mustBe(name, 'a boolean (true or false)', raw);
};

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_EXPECTED = 'a duration such as 500ms, 30s, 5m or 1h';

/** Durations in milliseconds; compound forms like `1m30s` are accepted, bare numbers are not (the unit would be a guess). */
export function duration(options: { minMs?: number; maxMs?: number } = {}): Parser<number> {
  const { minMs = 0, maxMs = 24 * 3_600_000 } = options;
  return (name, raw) => {
    const trimmed = raw.trim();
    if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(trimmed)) throw mustBe(name, DURATION_EXPECTED, raw);
    let total = 0;
    for (const match of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
      total += Number(match[1]) * DURATION_UNITS[match[2]];
    }
    total = Math.round(total);
    if (total < minMs || total > maxMs) {
      throw mustBe(name, `a duration from ${formatDuration(minMs)} to ${formatDuration(maxMs)}`, raw);
    }
    return total;
  };
}

/**
 * A parser that accepts exactly one of `choices` (after trimming, case-sensitive).
 * @throws InputError listing the choices otherwise.
 */
export function oneOf<const T extends string>(choices: readonly T[]): Parser<T> {
  return (name, raw) => {
    const trimmed = raw.trim();
    if ((choices as readonly string[]).includes(trimmed)) return trimmed as T;
    throw mustBe(name, `one of ${choices.join(', ')}`, raw);
  };
}

/** A value matching a pattern; `expected` says in words what the pattern means. */
export function matching(pattern: RegExp, expected: string): Parser<string> {
  return (name, raw) => {
    const trimmed = raw.trim();
    if (!pattern.test(trimmed)) throw mustBe(name, expected, raw);
    return trimmed;
  };
}

/** A release id (`RELEASE_ID_PATTERN`, the rule `@sophia/releases` owns), trimmed. Throws InputError naming the input when it is not one. */
export const releaseId: Parser<string> = (name, raw) => {
  const trimmed = raw.trim();
  if (!RELEASE_ID_PATTERN.test(trimmed)) throw mustBe(name, `a release id of ${RELEASE_ID_RULE}`, raw);
  return trimmed;
};

/**
 * An http:// or https:// URL. Throws InputError naming the input, quoting the value with any
 * userinfo hidden (see hideUrlUserinfo), for a value that is not one, or whose `#` comes before an
 * `@`: a fragment is never sent, so that `#` is almost surely an unencoded one in a password, and
 * the URL parser would read the user name as the host.
 */
export function httpUrl(name: string, raw: string): URL {
  const trimmed = raw.trim();
  const quoted = hideUrlUserinfo(raw);
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw mustBe(name, 'an http:// or https:// URL', quoted);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw mustBe(name, 'an http:// or https:// URL', quoted);
  if (url.hash.includes('@')) {
    throw mustBe(name, 'an http:// or https:// URL whose user and password percent-encode / ? # (%2F %3F %23)', quoted);
  }
  return url;
}

/** A shell command line run on a host: one line, so it cannot smuggle a second command in after a newline. */
export const commandLine: Parser<string> = (name, raw) => {
  refuseNonLine(name, raw);
  return raw.trim();
};

/**
 * A GitHub login: letters, digits and single inner hyphens (GitHub's sign-up rule), with `[bot]`
 * after it for a GitHub App's bot (`github-actions[bot]`), as GitHub shows an author's `login`.
 */
export const githubLogin: Parser<string> = matching(
  /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\[bot\])?$/,
  'a GitHub login, such as github-actions[bot]',
);
