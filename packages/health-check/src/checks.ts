import { compile, TreeInterpreter, type JSONValue } from '@jmespath-community/jmespath';

/** An inclusive range of HTTP status codes; a single code has `from === to`. */
export interface StatusRange {
  from: number;
  to: number;
}

/**
 * A compiled `expected-body` regular expression. Patterns come from workflow authors and bodies from
 * whatever answers at the URL, so matching must cost time linear in the body whatever the pattern:
 * JavaScript's backtracking RegExp takes exponential time on patterns such as `/^(a+)+$/` and, being
 * synchronous, blocks the event loop so that no deadline can stop it. RE2JS (a pure-JavaScript port
 * of Google's RE2, no native build) guarantees linear time; the price is RE2's syntax, which has no
 * backreferences or lookarounds (https://github.com/google/re2/wiki/Syntax).
 */
export interface BodyRegex {
  /** `/source/flags` as the user wrote it, for messages. */
  readonly text: string;
  /** The pattern between the slashes, in RE2 syntax. */
  readonly source: string;
  /** RE2JS compile flags (RE2JS.CASE_INSENSITIVE | MULTILINE | DOTALL), so another thread can compile it again. */
  readonly flags: number;
  /**
   * Instructions of the compiled program: a match costs up to this many steps per body character
   * (`/[^b]{500}[^a]/` has 503). Infinity when RE2JS does not tell, so callers assume the worst.
   */
  readonly programSize: number;
  /**
   * Matches on the calling thread. Linear in the body, but also in the pattern's size: `/[^b]{500}[^a]/`
   * on a 1 MiB body takes half a minute. Code matching bodies from a server under a deadline must use
   * one that can be stopped (the health gate matches in a worker thread).
   */
  test(body: string): boolean;
}

/**
 * What the `expected-body` input asks of a body: a plain substring, or a `/regex/flags` run by RE2 (linear time, so a
 * hostile pattern cannot hang the gate).
 */
export type BodyMatcher = { kind: 'substring'; text: string } | { kind: 'regex'; regex: BodyRegex };

/**
 * A compiled `expected-json` check: a JMESPath expression (https://jmespath.org/specification.html,
 * the query language of the AWS and Azure CLIs) that must evaluate to `true` on the JSON body, such
 * as `status == 'ok'` or `checks.database.healthy`. JMESPath rather than a grammar of our own: it is
 * specified, has a maintained implementation, and its comparisons and functions cover what health
 * endpoints need. String literals take single quotes: `"ok"` is a field name in JMESPath.
 */
export interface JsonCheck {
  /** The expression as the user wrote it, for messages. */
  readonly text: string;
  /** Evaluates the expression on a parsed JSON document. */
  evaluate(document: unknown): unknown;
}

/**
 * Compiles an `expected-json` expression (JMESPath, https://jmespath.org/specification.html).
 * @throws the compiler's own error (its message says where the expression went wrong) when it does not compile;
 *   the input layer turns it into an InputError naming the input.
 */
export function compileJsonCheck(expression: string): JsonCheck {
  const text = expression.trim();
  const compiled = compile(text);
  return { text, evaluate: (document) => TreeInterpreter.search(compiled, document as JSONValue) };
}
