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

/** Secrets are never echoed back: their error messages describe the problem without the value. */
export function describeValue(raw: string, secret = false): string {
  if (secret) return 'a value that does not fit';
  return JSON.stringify(raw);
}

export function mustBe(name: string, expected: string, raw: string, secret = false): InputError {
  return new InputError(name, `Input "${name}" must be ${expected}, got ${describeValue(raw, secret)}`);
}
