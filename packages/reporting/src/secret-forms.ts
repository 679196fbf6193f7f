/**
 * The secrets a value carries (a header's credentials, a URL's userinfo and query values) and the
 * forms in which each can come back in a server's answer or a message. Shared by the input layer, which
 * registers them with the runner's masker, and the health check, which redacts them from its report.
 */
/** Fragments shorter than this are not secrets of their own: masking them would blank ordinary words. */
const MIN_FRAGMENT = 4;

/** An RFC 9110 token68 credential (Bearer, Basic, most custom schemes): one opaque string, `=` padding only at its end. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Every secret a header value carries, whatever the header and its scheme: the whole value; after an
 * auth scheme (`Bearer x`, `Token token="x"`, any custom `Scheme x`), the credential; each parameter
 * value of `name=value` / `name="value"` lists, separated by `,` (RFC 9110 section 11 auth-params)
 * or `;` (Cookie, RFC 6265 section 4.2); and, for a base64 `user:password` (Basic), the decoded pair
 * and the password. Shape: strings, longest first, each at least 4 characters: a shorter value (`0`,
 * `2`, `on`) is no credential, and masking it would blank every digit or word it appears in, the
 * report's counts and statuses included.
 */
export function headerSecrets(value: string): string[] {
  const whole = value.trim();
  const secrets = new Set<string>([whole]);
  const scheme = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s+(\S.*)$/.exec(whole);
  for (const part of scheme ? [whole, scheme[2].trim()] : [whole]) {
    secrets.add(part);
    if (TOKEN68.test(part)) {
      addBasicPair(part, secrets);
      continue;
    }
    for (const parameter of part.split(/[,;]/)) {
      const at = parameter.indexOf('=');
      const raw = (at >= 0 ? parameter.slice(at + 1) : parameter).trim();
      const unquoted = /^"(.*)"$/s.exec(raw)?.[1].replace(/\\(.)/g, '$1') ?? raw;
      secrets.add(raw);
      secrets.add(unquoted);
    }
  }
  return [...secrets].filter((secret) => secret.length >= MIN_FRAGMENT).sort((a, b) => b.length - a.length);
}

/** A base64 `user:password` (what Basic carries) adds the decoded pair and the password alone. */
function addBasicPair(credential: string, secrets: Set<string>): void {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(credential)) return;
  const decoded = Buffer.from(credential, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  // Only text decodes to a pair: an opaque token that happens to be valid base64 decodes to binary.
  if (colon < 0 || !/^[\x20-\x7e\x80-\uffff]+$/.test(decoded) || decoded.includes('\ufffd')) return;
  secrets.add(decoded);
  secrets.add(decoded.slice(colon + 1));
}

/**
 * The credentials in the userinfo of a URL (`https://user:password@host/`), read from the text as
 * given, so that even a URL that does not parse cannot reveal them: the userinfo as written and
 * percent-decoded, the password alone, and the Basic credential (base64 of `user:password`) that
 * Node sends for it. Empty when the URL has no userinfo.
 */
export function urlCredentialSecrets(raw: string): string[] {
  const decode = (text: string): string => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  const secrets = new Set<string>();
  // Two readings: the URL parser's (the authority ends at the first / ? #) and the widest one (up to
  // the last @ of the token), so a password holding an unencoded / ? # is masked whole either way.
  const strict = /^\s*[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#\s]*)@/.exec(raw)?.[1];
  // The widest reading only when a colon (a password) comes before the first / ? #: an @ later in
  // a plain path (`https://host/a@b`) is no credential.
  const widest = /^\s*[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#\s:]*:\S*)@/.exec(raw)?.[1];
  for (const userinfo of new Set([strict, widest])) {
    if (!userinfo) continue;
    const colon = userinfo.indexOf(':');
    const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
    const password = colon >= 0 ? userinfo.slice(colon + 1) : '';
    const pair = `${decode(user)}:${decode(password)}`;
    for (const secret of [userinfo, decode(userinfo), password, decode(password), pair]) secrets.add(secret);
    secrets.add(Buffer.from(pair).toString('base64'));
  }
  return [...secrets].filter((secret) => secret.length >= MIN_FRAGMENT).sort((a, b) => b.length - a.length);
}

/**
 * Query values that are clearly no credential: flags and numbers of up to 7 digits (`?verbose=true`,
 * `?limit=50`). A longer number may be one (numeric tokens, PINs, account keys).
 */
const PLAIN_QUERY_VALUE = /^(true|false|\d{1,7})$/i;

/**
 * The values of the query parameters of a URL (`?token=…&sig=…`), and of the parameters its fragment
 * carries (`#access_token=…&state=…`, as an OAuth implicit grant returns them: RFC 6749 section
 * 4.2.2), read from the text as given (the query from the first `?` to a `#` or whitespace, the
 * fragment from that `#` to whitespace) so that a URL that does not parse cannot reveal them either:
 * each value as written and percent-decoded (`+` as a space), and a bare query part without `=`
 * whole (a bare fragment, `#readme`, is an anchor and stays). Every such value of a health URL is
 * taken for a secret (`token`, `access_token`, `key`, `sig` and whatever name a service chose),
 * except those that are clearly not: shorter than 4 characters, `true`/`false`, or a decimal number
 * of up to 7 digits, which masking would blank in ordinary text (statuses, sizes). Parameter names
 * are never secrets: the report keeps `?token=***`.
 */
export function urlQuerySecrets(raw: string): string[] {
  const [, query = '', fragment = ''] = /^[^?#\s]*(?:\?([^#\s]*))?(?:#(\S*))?/.exec(raw.trim()) ?? [];
  const parts = [...query.split('&'), ...fragment.split('&').filter((part) => part.includes('='))];
  const secrets = new Set<string>();
  for (const part of parts) {
    const value = part.includes('=') ? part.slice(part.indexOf('=') + 1) : part;
    for (const form of [value, decodeQueryValue(value)]) {
      if (form.length >= MIN_FRAGMENT && !PLAIN_QUERY_VALUE.test(form)) secrets.add(form);
    }
  }
  return [...secrets].sort((a, b) => b.length - a.length);
}

function decodeQueryValue(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/** Every secret a URL carries: its userinfo credentials (urlCredentialSecrets) and query and fragment parameter values (urlQuerySecrets). */
export function urlSecrets(raw: string): string[] {
  return [...new Set([...urlCredentialSecrets(raw), ...urlQuerySecrets(raw)])].sort((a, b) => b.length - a.length);
}

/**
 * The forms in which a secret can come back from a server or be printed: as it is; JSON-escaped;
 * percent-encoded as encodeURIComponent, as the URL parser encodes a path, a query and a fragment,
 * and as a form (space as `+`), each with upper- and lower-case hex digits; its UTF-8 bytes in
 * lower-case hex, bare and separated by `:` or `-`; and base64 and base64url,
 * at each of the three alignments it can take inside a longer encoded text (the characters that
 * depend on its neighbours dropped). The GitHub runner's own masker encodes registered secrets
 * likewise (base64 at three offsets, URI and JSON escaping: actions/runner SecretMasker value
 * encoders); doing it here covers the job summary and outputs, which the runner does not mask.
 */
export function secretForms(secret: string): string[] {
  // A value shorter than 4 characters (`on`, `1`) is no secret: masking it would blank ordinary text.
  if (secret.length < MIN_FRAGMENT) return [];
  const forms = new Set<string>([secret, JSON.stringify(secret).slice(1, -1)]);
  const encoded = [
    encodeURIComponent(secret),
    new URL(`http://h/${secret.replace(/[?#]/g, encodeURIComponent)}`).pathname.slice(1),
    new URL(`http://h/?${secret.replace(/#/g, '%23')}`).search.slice(1),
    new URL(`http://h/#${secret}`).hash.slice(1),
    new URLSearchParams({ s: secret }).toString().slice(2),
  ];
  for (const form of encoded) {
    forms.add(form);
    forms.add(form.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()));
  }
  const bytes = Buffer.from(secret, 'utf8');
  const hex = bytes.toString('hex');
  forms.add(hex);
  // Hex bytes as fingerprints and dumps separate them (`5a:71:39`, `5a-71-39`).
  for (const separator of [':', '-']) forms.add(hex.replace(/..(?!$)/g, `$&${separator}`));
  for (const offset of [0, 1, 2]) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    const base64 = padded.toString('base64');
    // Characters 0..ceil(offset*4/3) mix in the padding bytes, and the last group may mix in what follows.
    const from = Math.ceil((offset * 4) / 3);
    const to = Math.floor((padded.length * 4) / 3);
    const core = offset === 0 && padded.length % 3 === 0 ? base64 : base64.slice(from, to);
    if (core.length >= 6) {
      forms.add(core);
      forms.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  // Standing alone, its last group is whole: with padding, and without it as base64url leaves it.
  if (bytes.length % 3 !== 0) {
    forms.add(bytes.toString('base64'));
    forms.add(bytes.toString('base64url'));
  }
  return [...forms].filter((form) => form.length > 0);
}
