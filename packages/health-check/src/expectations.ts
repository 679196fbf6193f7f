import { describeValue, formatDuration, shortenValue } from '@sophia/reporting';
import type { BodyMatcher, StatusRange } from './checks.js';
import type { BodyRegexMatcher, CheckUnfinished, MatchBudget } from './body-regex.js';

/** True when `status` falls in one of the inclusive ranges of the `expected-status` input. */
export function statusExpected(status: number, ranges: readonly StatusRange[]): boolean {
  return ranges.some((range) => status >= range.from && status <= range.to);
}

/** The ranges as the input writes them (`200-299,301`), shortened like any quoted value, for messages. */
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
 * Why a body fails a check: `detail` says why, for the log and the report. `inconclusive` when the
 * check did not finish within a limit other than its own (see CheckUnfinished: the gate's timeout
 * came first, or no thread had started): such an answer may say less about the URL than one before
 * it, so a report does not let it replace the last conclusive mismatch.
 */
export interface BodyCheckFailure {
  detail: string;
  inconclusive: boolean;
}

/**
 * The failure of `check` (expected-body or expected-json and its value, as messages name them) that
 * did not finish, per `outcome`: `evaluating` names what it was doing to the body ("being matched
 * against"), `cost` says what makes such a check slow and what to do instead.
 */
export function unfinishedCheck(
  check: string,
  outcome: CheckUnfinished,
  body: string,
  limit: MatchLimit,
  { evaluating, cost }: { evaluating: string; cost: string },
): BodyCheckFailure {
  if (outcome === 'unstarted') {
    return {
      detail:
        `${check} was not evaluated: the thread that evaluates it had not started within ${formatDuration(limit.startMs)} ` +
        `(what was left of timeout); the runner is overloaded, which says nothing about the check`,
      inconclusive: true,
    };
  }
  const [name, ms] = outcome === 'deadline' ? ['what was left of timeout', limit.startMs] : [limit.name, limit.ms];
  return {
    detail:
      `${check} was still ${evaluating} the ${Buffer.byteLength(body)}-byte body ` +
      `when ${name} (${formatDuration(ms)}) ran out: ${cost}`,
    inconclusive: outcome === 'deadline',
  };
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
): Promise<BodyCheckFailure | undefined> {
  if (!matcher) return undefined;
  const mismatch = { detail: `body does not ${describeBodyMatcher(matcher)}`, inconclusive: false };
  if (matcher.kind === 'substring') return body.includes(matcher.text) ? undefined : mismatch;
  const outcome = await regexes.match(matcher.regex, body, limit);
  if (outcome === 'matched') return undefined;
  if (outcome === 'not-matched') return mismatch;
  return unfinishedCheck(`expected-body ${shortenValue(matcher.regex.text)}`, outcome, body, limit, {
    evaluating: 'being matched against',
    cost:
      `an RE2 match costs the pattern's size times the body's, ` +
      `so use a shorter pattern (fewer or smaller repetitions such as {500}) or a substring`,
  });
}

/**
 * The expectation as a message continues "body must ...": `contain "ok"` or `match <regex>`, shortened like any quoted
 * value.
 */
export function describeBodyMatcher(matcher: BodyMatcher): string {
  return matcher.kind === 'substring'
    ? `contain ${describeValue(matcher.text)}`
    : `match ${shortenValue(matcher.regex.text)}`;
}
