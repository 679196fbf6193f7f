import { compileJsonCheck, type JsonCheck } from '@sophia/health-check';
import { mustBe, type Parser } from './input-error.js';

/**
 * Parses the `expected-json` input: a JMESPath expression (jmespath.org) evaluated against each JSON body
 * (`compileJsonCheck`, the rule `@sophia/health-check` owns).
 * @throws InputError quoting the compiler's reason when it does not compile.
 */
export const jsonCheck: Parser<JsonCheck> = (name, raw) => {
  try {
    return compileJsonCheck(raw);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw mustBe(name, `a JMESPath expression such as status == 'ok' (${reason.slice(0, 100)})`, raw);
  }
};
