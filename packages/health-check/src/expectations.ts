import { describeValue, formatDuration, shortenValue, type BodyMatcher, type StatusRange } from '@sophia/inputs';
import type { BodyRegexMatcher } from './body-regex.js';

export function statusExpected(status: number, ranges: readonly StatusRange[]): boolean {
  return ranges.some((range) => status >= range.from && status <= range.to);
}

export function describeStatusRanges(ranges: readonly StatusRange[]): string {
  return shortenValue(
    ranges.map((range) => (range.from === range.to ? `${range.from}` : `${range.from}-${range.to}`)).join(','),
  );
}

/**
 * Why a body fails `matcher`, or undefined when it passes. A regex is matched by `regexes` within
 * `limitMs` milliseconds (named `limitName` in the message); one that runs out of time fails the body
 * with a message saying why, never hangs the gate.
 */
export async function bodyMismatch(
  body: string,
  matcher: BodyMatcher | undefined,
  regexes: BodyRegexMatcher,
  limit: { ms: number; name: string },
): Promise<string | undefined> {
  if (!matcher) return undefined;
  if (matcher.kind === 'substring')
    return body.includes(matcher.text) ? undefined : `body does not ${describeBodyMatcher(matcher)}`;
  const outcome = await regexes.match(matcher.regex, body, limit.ms);
  if (outcome === 'matched') return undefined;
  if (outcome === 'not-matched') return `body does not ${describeBodyMatcher(matcher)}`;
  return (
    `expected-body ${shortenValue(matcher.regex.text)} was still being matched against the ${Buffer.byteLength(body)}-byte body ` +
    `when ${limit.name} (${formatDuration(limit.ms)}) ran out: an RE2 match costs the pattern's size times the body's, ` +
    `so use a shorter pattern (fewer or smaller repetitions such as {500}) or a substring`
  );
}

export function describeBodyMatcher(matcher: BodyMatcher): string {
  return matcher.kind === 'substring'
    ? `contain ${describeValue(matcher.text)}`
    : `match ${shortenValue(matcher.regex.text)}`;
}
