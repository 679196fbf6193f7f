// Apart from expectations.ts because the regex worker (body-regex.ts) evaluates expected-json
// checks too, and expectations.ts needs the worker's matcher type: one module each way would cycle.
import type { JsonCheck } from './checks.js';
import { describeValue, shortenValue } from '@sophia/reporting';

/** A short one-line excerpt, so a mismatch shows what the server did say (e.g. the stale version). */
export function excerpt(body: string, length = 100): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length)}…` : flat;
}

/**
 * Why a body fails an `expected-json` check, or undefined when it passes: the body must be JSON and
 * the expression must evaluate to exactly `true` (not merely a truthy value, so that a typo in a
 * field name, which yields null, can never pass).
 */
export function jsonCheckFailure(body: string, check: JsonCheck): string | undefined {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    return `body is not JSON, so expected-json ${describeValue(check.text)} cannot hold`;
  }
  let result: unknown;
  try {
    result = check.evaluate(document);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `expected-json ${describeValue(check.text)} failed: ${shortenValue(reason)}`;
  }
  if (result === true) return undefined;
  return `expected-json ${describeValue(check.text)} is ${excerpt(JSON.stringify(result) ?? 'null', 60)}, not true`;
}
