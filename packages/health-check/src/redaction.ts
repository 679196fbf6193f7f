import { headerSecrets, shortenValue } from '@sophia/inputs';

/**
 * Replaces every header secret in text the gate reports (body excerpts, redirect locations, error
 * messages) with `***`, as the runner's log masking does. The runner masks the job log, but a server
 * that echoes a token would otherwise carry it into the job summary and the `report` output, which
 * the runner does not mask.
 */
export class Redactor {
  private readonly secrets: string[];

  /** `headers`: the request headers as name/value pairs; every value and the credential inside it is a secret. */
  constructor(headers: ReadonlyArray<readonly [string, string]>) {
    const all = headers.flatMap(([, value]) => headerSecrets(value)).filter((secret) => secret.length > 0);
    this.secrets = [...new Set(all)].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let result = text;
    for (const secret of this.secrets) result = result.split(secret).join('***');
    return result;
  }

  /** A URL for the report: redacted, then shortened (see shortenValue), so no cut ends in half a token. */
  url(href: string): string {
    return shortenValue(this.redact(href));
  }
}
