import { headerSecrets, secretForms, shortenValue, urlCredentialSecrets } from '@sophia/inputs';

/**
 * Replaces every secret the user gave the gate, in every form it can come back in, with `***` in
 * text the gate reports (URLs, body excerpts, redirect locations, error messages), as the runner's
 * log masking does. The runner masks the job log, but a server that echoes a token would otherwise
 * carry it into the job summary and the `report` output, which the runner does not mask.
 */
export class Redactor {
  private readonly secrets: string[];

  /**
   * `headers`: the request headers as name/value pairs (every value, and each credential inside it,
   * is a secret: see headerSecrets); `urls`: the URLs probed, whose userinfo is a secret.
   */
  constructor(headers: ReadonlyArray<readonly [string, string]>, urls: readonly URL[] = []) {
    const all = [
      ...headers.flatMap(([, value]) => headerSecrets(value)),
      ...urls.flatMap((url) => urlCredentialSecrets(url.href)),
    ]
      .filter((secret) => secret.length > 0)
      .flatMap(secretForms);
    this.secrets = [...new Set(all)].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let result = text;
    for (const secret of this.secrets) result = result.split(secret).join('***');
    return result;
  }

  /**
   * A URL for the report: any userinfo (`user:password@`) replaced by `***@`, then redacted and
   * shortened (see shortenValue), so no cut ends in half a token.
   */
  url(href: string): string {
    let shown = href;
    try {
      const url = new URL(href);
      if (url.username || url.password) shown = href.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, '$1***@');
    } catch {
      // Not a URL: redacted as text below.
    }
    return shortenValue(this.redact(shown));
  }
}
