/**
 * An input the user gave (or left out) that a step refused before changing anything; the message
 * always names the input. The input layer's `InputError` and the errors a domain package throws
 * about an input it was handed (a manifest pattern that matches nothing, a namespace the cluster
 * does not have) both extend it, so the action boundary publishes its refused-input summary for
 * either without the domain package depending on the input layer.
 */
export class RefusedInputError extends Error {
  constructor(
    /** The input's name as action.yml spells it (`manifests`, `namespace`). */
    readonly input: string,
    message: string,
  ) {
    super(message);
    this.name = 'RefusedInputError';
  }
}
