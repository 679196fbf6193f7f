import { InputError, type Parser } from './input-error.js';
import { text } from './scalars.js';
import { maskSecret, type RunnerHooks } from './runner-hooks.js';

/**
 * Where raw input strings come from, `''` for an input not given: the step's inputs as the runner
 * passes them (`actionInputs` in `@sophia/action-runtime`, the one reader of the runner's
 * environment), or a map in tests. This package only validates the values it is given.
 */
export type InputSource = (name: string) => string;

/**
 * An InputSource over fixed values (absent names read as empty, as the runner gives unset inputs): for actions called
 * from code and for tests.
 */
export function inputsFrom(values: Record<string, string>): InputSource {
  return (name) => values[name] ?? '';
}

/**
 * Reads and parses inputs. Defaults live in each action.yml, which the runner applies, so an
 * empty value here means the user left a required input out or blanked one on purpose.
 */
export class InputReader {
  private readonly masked = new Set<string>();

  constructor(
    private readonly source: InputSource,
    readonly runner: RunnerHooks,
  ) {}

  /**
   * Masks secret inputs before anything else is read, so that no error or log line about
   * another input can reveal them. Each input is masked once however often it is read.
   */
  maskSecrets(...names: string[]): void {
    for (const name of names) {
      if (this.masked.has(name)) continue;
      this.masked.add(name);
      maskSecret(this.source(name), this.runner.mask);
    }
  }

  /** The input's text exactly as given (not trimmed, '' when unset). */
  raw(name: string): string {
    return this.source(name);
  }

  /** True when the input has any non-blank text. */
  given(name: string): boolean {
    return this.source(name).trim().length > 0;
  }

  /**
   * The input, trimmed and parsed (YAML block scalars add a final newline).
   * @throws InputError when it is blank or `parse` rejects it.
   */
  required<T = string>(name: string, parse: Parser<T> = text as Parser<T>): T {
    const raw = this.source(name);
    if (raw.trim().length === 0) throw new InputError(name, `Input "${name}" is required`);
    return parse(name, raw.trim() === raw ? raw : raw.replace(/^\s*\n|\n\s*$/g, '').trim());
  }

  /**
   * The input parsed as by `required`, or undefined when it is blank.
   * @throws InputError when given but `parse` rejects it.
   */
  optional<T = string>(name: string, parse: Parser<T> = text as Parser<T>): T | undefined {
    return this.given(name) ? this.required(name, parse) : undefined;
  }

  /**
   * Two inputs of which exactly one must be given (`workloads` or `selector`, `node` or
   * `node-address`): the one given, parsed, as `{ first }` or `{ second }`.
   * @param requiredWhy what follows "is required" when neither is given (" when ...", " (the ...)").
   * @throws InputError naming the first input when both are given or neither is.
   */
  exactlyOne<A, B>(
    [firstName, parseFirst]: [string, Parser<A>],
    [secondName, parseSecond]: [string, Parser<B>],
    requiredWhy: string,
  ): { first: A; second?: undefined } | { first?: undefined; second: B } {
    const first = this.optional(firstName, parseFirst);
    const second = this.optional(secondName, parseSecond);
    if (first !== undefined && second !== undefined) {
      throw new InputError(firstName, `Give either input "${firstName}" or input "${secondName}", not both`);
    }
    if (first !== undefined) return { first };
    if (second !== undefined) return { second };
    throw new InputError(firstName, `Input "${firstName}" or input "${secondName}" is required${requiredWhy}`);
  }

  /** A secret is masked before anything can log it, line by line so multi-line keys stay hidden too. */
  secret(name: string, options: { required: boolean }): string | undefined {
    this.maskSecrets(name);
    const raw = this.source(name);
    if (raw.trim().length === 0) {
      if (options.required) throw new InputError(name, `Input "${name}" is required`);
      return undefined;
    }
    return raw;
  }
}
