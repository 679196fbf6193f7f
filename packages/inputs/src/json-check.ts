import { compile, TreeInterpreter, type JSONValue } from '@jmespath-community/jmespath';
import { mustBe, type Parser } from './input-error.js';

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
 * Parses the `expected-json` input: a JMESPath expression (jmespath.org) evaluated against each JSON body.
 * @throws InputError quoting the compiler's reason when it does not compile.
 */
export const jsonCheck: Parser<JsonCheck> = (name, raw) => {
  const text = raw.trim();
  let expression: ReturnType<typeof compile>;
  try {
    expression = compile(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw mustBe(name, `a JMESPath expression such as status == 'ok' (${reason.slice(0, 100)})`, raw);
  }
  return { text, evaluate: (document) => TreeInterpreter.search(expression, document as JSONValue) };
};
