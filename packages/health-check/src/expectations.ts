import type { BodyMatcher, StatusRange } from '@sophia/inputs';

export function statusExpected(status: number, ranges: readonly StatusRange[]): boolean {
  return ranges.some((range) => status >= range.from && status <= range.to);
}

export function describeStatusRanges(ranges: readonly StatusRange[]): string {
  return ranges.map((range) => (range.from === range.to ? `${range.from}` : `${range.from}-${range.to}`)).join(',');
}

export function bodyMatches(body: string, matcher: BodyMatcher | undefined): boolean {
  if (!matcher) return true;
  return matcher.kind === 'substring' ? body.includes(matcher.text) : matcher.regex.test(body);
}

export function describeBodyMatcher(matcher: BodyMatcher): string {
  return matcher.kind === 'substring' ? `contain ${JSON.stringify(matcher.text)}` : `match ${matcher.regex}`;
}

/** A short one-line excerpt, so a mismatch shows what the server did say (e.g. the stale version). */
export function excerpt(body: string, length = 100): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length)}…` : flat;
}
