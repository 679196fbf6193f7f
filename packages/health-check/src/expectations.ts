import { describeValue, formatDuration, shortenValue, type BodyMatcher, type StatusRange } from '@sophia/inputs';
import type { BodyRegexMatcher, MatchBudget } from './body-regex.js';

export function statusExpected(status: number, ranges: readonly StatusRange[]): boolean {
  return ranges.some((range) => status >= range.from && status <= range.to);
}

export function describeStatusRanges(ranges: readonly StatusRange[]): string {
  return shortenValue(
    ranges.map((range) => (range.from === range.to ? `${range.from}` : `${range.from}-${range.to}`)).join(','),
  );
}

/** The time a body check may take (see MatchBudget), and the name of the limit `ms` comes from, for messages. */
export interface MatchLimit extends MatchBudget {
  name: string;
}

/**
 * Why `check` (expected-body or expected-json and its value, as messages name them) was not checked
 * when no thread to evaluate it had started within `limit.startMs`: that is the runner's load, so the
 * message does not blame the check.
 */
export function checkNotStarted(check: string, limit: MatchLimit): string {
  return (
    `${check} was not evaluated: the thread that evaluates it had not started within ${formatDuration(limit.startMs)} ` +
    `(what was left of timeout); the runner is overloaded, which says nothing about the check`
  );
}

/**
 * Why a body fails `matcher`, or undefined when it passes. A regex is matched by `regexes` within
 * `limit` (see MatchLimit); one that runs out of time fails the body with a message saying why,
 * never hangs the gate.
 */
export async function bodyMismatch(
  body: string,
  matcher: BodyMatcher | undefined,
  regexes: BodyRegexMatcher,
  limit: MatchLimit,
): Promise<string | undefined> {
  if (!matcher) return undefined;
  if (matcher.kind === 'substring')
    return body.includes(matcher.text) ? undefined : `body does not ${describeBodyMatcher(matcher)}`;
  const outcome = await regexes.match(matcher.regex, body, limit);
  if (outcome === 'matched') return undefined;
  if (outcome === 'not-matched') return `body does not ${describeBodyMatcher(matcher)}`;
  if (outcome === 'unstarted') return checkNotStarted(`expected-body ${shortenValue(matcher.regex.text)}`, limit);
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
