import { describeValue, RefusedInputError } from '@sophia/reporting';

/**
 * An input the user gave (or left out) that the action cannot use, found while reading the inputs.
 * The message always names the input.
 */
export class InputError extends RefusedInputError {
  constructor(input: string, message: string) {
    super(input, message);
    this.name = 'InputError';
  }
}

/**
 * Turns the raw text of the input called `name` into a value, or throws InputError naming that input and what was
 * expected.
 */
export type Parser<T> = (name: string, raw: string) => T;

/**
 * The error for a bad value: `Input "<name>" must be <expected>, got <value>`, the value quoted through describeValue
 * (hidden when `secret`).
 */
export function mustBe(name: string, expected: string, raw: string, secret = false): InputError {
  return new InputError(name, `Input "${name}" must be ${expected}, got ${describeValue(raw, secret)}`);
}
