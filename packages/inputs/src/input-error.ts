/** An input the user gave (or left out) that the action cannot use. The message always names the input. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(message);
    this.name = 'InputError';
  }
}

export type Parser<T> = (name: string, raw: string) => T;

/** The most of a value an error message quotes back: enough to recognise it, never a wall of text. */
export const QUOTED_VALUE_CHARS = 100;

/**
 * How an error message shows a value the user gave: JSON-quoted, cut to a short prefix with its length
 * when longer, so a 100 KB input yields a short message. Secrets are never echoed back: their messages
 * describe the problem without the value.
 */
export function describeValue(raw: string, secret = false): string {
  if (secret) return 'a value that does not fit';
  if (raw.length <= QUOTED_VALUE_CHARS) return JSON.stringify(raw);
  return `${JSON.stringify(raw.slice(0, QUOTED_VALUE_CHARS))}… (${raw.length} characters)`;
}

export function mustBe(name: string, expected: string, raw: string, secret = false): InputError {
  return new InputError(name, `Input "${name}" must be ${expected}, got ${describeValue(raw, secret)}`);
}
