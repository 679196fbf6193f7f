export const id = 161;
export const ids = [161];
export const modules = {

/***/ 7161:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  dz: () => (/* reexport */ input_error_InputError),
  i_: () => (/* reexport */ InputReader),
  PF: () => (/* reexport */ bodyMatcher),
  zM: () => (/* reexport */ scalars_boolean),
  bp: () => (/* reexport */ describeValue),
  p0: () => (/* reexport */ scalars_duration),
  a3: () => (/* reexport */ formatDuration),
  n3: () => (/* reexport */ headerSecrets),
  b3: () => (/* reexport */ headers),
  BC: () => (/* reexport */ hideUrlUserinfo),
  q3: () => (/* reexport */ httpUrl),
  nd: () => (/* reexport */ scalars_integer),
  bL: () => (/* reexport */ jsonCheck),
  c3: () => (/* reexport */ collections_listOf),
  k6: () => (/* reexport */ maskHeaderValues),
  N$: () => (/* reexport */ maskUrlSecrets),
  yL: () => (/* reexport */ oneOf),
  eo: () => (/* reexport */ secretForms),
  Vx: () => (/* reexport */ shortenValue),
  F: () => (/* reexport */ statusRanges),
  Fn: () => (/* reexport */ urlSecrets)
});

// UNUSED EXPORTS: KUBE_SECRET_INPUTS, MAX_HEADER_VALUE_BYTES, MAX_PATH_CHARS, PRIVATE_KEY_SHAPE, QUOTED_VALUE_CHARS, RELEASE_ID_PATTERN, RELEASE_ID_RULE, SSH_INPUT_NAMES, SSH_SECRET_INPUTS, checkPrivateKeyShape, commandLine, fieldManagerName, headerLineSecrets, hostList, imageOverrides, inputsFrom, ipAddress, isDns1123Label, isDns1123Subdomain, isLabelValue, isQualifiedName, keyValueMap, kubernetesName, label, labelSelector, maskSecret, matching, mustBe, namespaceName, parseHost, readKubeConnection, readKubernetesDeployInputs, readSshInputs, refuseNonLine, releaseId, remotePath, splitList, taint, text, urlCredentialSecrets, urlQuerySecrets, workloadKey, workloadRef, workloadRefs, workspacePath

;// CONCATENATED MODULE: ../../packages/inputs/src/input-error.ts
/** An input the user gave (or left out) that the action cannot use. The message always names the input. */
class input_error_InputError extends Error {
    input;
    constructor(input, message) {
        super(message);
        this.input = input;
        this.name = 'InputError';
    }
}
/** The most of a value an error message quotes back: enough to recognise it, never a wall of text. */
const QUOTED_VALUE_CHARS = 100;
/**
 * A value the user gave as a message or report repeats it: whole when at most QUOTED_VALUE_CHARS
 * characters, else its first QUOTED_VALUE_CHARS characters, `…` and its length, so a 100 KB input
 * yields a short line. `show` formats the part shown (e.g. JSON.stringify to quote it); default as is.
 */
function shortenValue(raw, show = (text) => text) {
    if (raw.length <= QUOTED_VALUE_CHARS)
        return show(raw);
    return `${show(raw.slice(0, QUOTED_VALUE_CHARS))}… (${raw.length} characters)`;
}
/**
 * How an error message shows a value the user gave: JSON-quoted and shortened (see shortenValue).
 * Secrets are never echoed back: their messages describe the problem without the value.
 */
function describeValue(raw, secret = false) {
    if (secret)
        return 'a value that does not fit';
    return shortenValue(raw, JSON.stringify);
}
/**
 * The error for a bad value: `Input "<name>" must be <expected>, got <value>`, the value quoted through describeValue
 * (hidden when `secret`).
 */
function input_error_mustBe(name, expected, raw, secret = false) {
    return new input_error_InputError(name, `Input "${name}" must be ${expected}, got ${describeValue(raw, secret)}`);
}

;// CONCATENATED MODULE: ../../packages/inputs/src/paths.ts

/**
 * The longest path or command line an input may hold: Linux's PATH_MAX. Longer values cannot name a
 * file (the kernel answers ENAMETOOLONG), so they are refused here, naming the input.
 */
const MAX_PATH_CHARS = 4096;
/** Refuses NUL, line breaks and values longer than MAX_PATH_CHARS, naming the input. */
function paths_refuseNonLine(name, raw) {
    // eslint-disable-next-line no-control-regex
    if (/[\u0000\n\r]/.test(raw))
        throw new InputError(name, `Input "${name}" must not contain NUL or line breaks`);
    if (raw.length > MAX_PATH_CHARS) {
        throw new InputError(name, `Input "${name}" must be at most ${MAX_PATH_CHARS} characters, got ${raw.length}`);
    }
}
/**
 * An absolute path on a remote host, normalised (duplicate and trailing slashes removed).
 * `/` itself is refused because deploys create and prune directories below the path.
 */
const remotePath = (name, raw) => {
    paths_refuseNonLine(name, raw);
    const trimmed = raw.trim();
    if (!trimmed.startsWith('/'))
        throw mustBe(name, 'an absolute path (starting with /)', raw);
    const segments = trimmed.split('/').filter((segment) => segment.length > 0);
    if (segments.some((segment) => segment === '..' || segment === '.')) {
        throw mustBe(name, 'an absolute path without "." or ".." segments', raw);
    }
    if (segments.length === 0)
        throw mustBe(name, 'a directory below / (not / itself)', raw);
    return '/' + segments.join('/');
};
/**
 * A local path on the runner, relative to the workspace (the working directory) or absolute. The
 * workflow author chooses it, so it is not confined to the checkout; it only has to be one clean line.
 */
const paths_workspacePath = (name, raw) => {
    paths_refuseNonLine(name, raw);
    const trimmed = raw.trim();
    if (trimmed.length === 0)
        throw mustBe(name, 'a path in the workspace', raw);
    return trimmed;
};

// EXTERNAL MODULE: ../../node_modules/.pnpm/re2js@2.10.0/node_modules/re2js/build/index.js
var build = __webpack_require__(8330);
;// CONCATENATED MODULE: ../../packages/inputs/src/collections.ts


/** Splits a list input; blank entries are dropped and each entry trimmed. */
function collections_splitList(raw, separator = 'newline-or-comma') {
    const pattern = separator === 'newline' ? /\r?\n/ : /\r?\n|,/;
    return raw
        .split(pattern)
        .map((entry) => entry.trim())
        .filter((entry) => entry.length > 0);
}
/**
 * A parser for a list input whose entries each go through `item`; errors name the input and quote the bad entry, not
 * the whole list.
 */
function collections_listOf(item, separator = 'newline-or-comma') {
    return (name, raw) => collections_splitList(raw, separator).map((entry) => item(name, entry));
}
/** `key=value` lines; the first `=` splits, so values may themselves contain `=`. */
function collections_keyValueMap(options = {}) {
    return (name, raw) => {
        const map = new Map();
        for (const entry of collections_splitList(raw, options.separator ?? 'newline')) {
            const at = entry.indexOf('=');
            if (at <= 0)
                throw mustBe(name, 'a list of key=value entries', entry);
            const key = entry.slice(0, at).trim();
            const value = entry.slice(at + 1).trim();
            if (options.key)
                options.key(name, key);
            if (map.has(key))
                throw new InputError(name, `Input "${name}" names "${key}" twice`);
            map.set(key, value);
        }
        return map;
    };
}
/**
 * The largest header value accepted, in bytes (one per character, values being Latin-1): 8 KiB, the
 * default limit of nginx (`large_client_header_buffers`) and Apache (`LimitRequestFieldSize`), so a
 * longer value would be refused by the server on every probe rather than here once.
 */
const MAX_HEADER_VALUE_BYTES = 8 * 1024;
/**
 * A field-value as RFC 9110 section 5.5 allows it: visible ASCII, space, tab and obs-text (0x80-0xFF,
 * read as Latin-1, which is what Node sends). CR, LF and NUL would split or end the header line, and a
 * character above 0xFF has no byte to go on the wire: Node refuses both, but only when the request is
 * sent, which would make every probe fail until the timeout.
 */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** The syntax of a header name: an RFC 9110 token (section 5.6.2). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/**
 * HTTP headers as `Name: value` lines -> [name, value] pairs, values trimmed. Names must be RFC 9110
 * tokens; values RFC 9110 field-values of at most MAX_HEADER_VALUE_BYTES. Values may be secrets, so
 * they are never quoted back. Throws InputError naming the input.
 */
const headers = (name, raw) => collections_splitList(raw, 'newline').map((line) => {
    const at = line.indexOf(':');
    const field = at > 0 ? line.slice(0, at).trim() : '';
    if (!TOKEN.test(field)) {
        throw new input_error_InputError(name, `Input "${name}" must be lines of "Name: value", got a line without a valid header name`);
    }
    const value = line.slice(at + 1).trim();
    if (!FIELD_VALUE.test(value)) {
        throw new input_error_InputError(name, `Input "${name}": the value of header ${describeValue(field)} must be visible ASCII or Latin-1 characters, spaces or tabs (no line breaks, NUL or characters above U+00FF)`);
    }
    if (value.length > MAX_HEADER_VALUE_BYTES) {
        throw new input_error_InputError(name, `Input "${name}": the value of header ${describeValue(field)} is ${value.length} bytes, more than the ${MAX_HEADER_VALUE_BYTES} servers commonly accept`);
    }
    return [field, value];
});
/** Status codes and ranges such as `200-299,301`. */
const statusRanges = (name, raw) => {
    const ranges = collections_splitList(raw, 'newline-or-comma').map((entry) => {
        const match = /^(\d{3})(?:\s*-\s*(\d{3}))?$/.exec(entry);
        const from = match ? Number(match[1]) : NaN;
        const to = match ? Number(match[2] ?? match[1]) : NaN;
        if (!match || from < 100 || to > 599 || from > to) {
            throw input_error_mustBe(name, 'HTTP status codes or ranges from 100 to 599, such as 200-299,301', entry);
        }
        return { from, to };
    });
    if (ranges.length === 0)
        throw input_error_mustBe(name, 'HTTP status codes or ranges from 100 to 599, such as 200-299,301', raw);
    return ranges;
};
/** JavaScript flag letters and their RE2 equivalents; `g` and `y` are stateful and mean nothing for one test. */
const RE2_FLAGS = {
    i: build/* RE2JS */.L3.CASE_INSENSITIVE,
    m: build/* RE2JS */.L3.MULTILINE,
    s: build/* RE2JS */.L3.DOTALL,
    u: 0,
    g: 0,
    y: 0,
};
/**
 * The size of a compiled RE2JS program. RE2JS has no public accessor, so this reads its internal
 * `re2Input.prog.inst` (re2js 2.x) and falls back to Infinity should a release move it.
 */
function programSize(compiled) {
    const size = compiled.re2Input?.prog?.inst?.length;
    return typeof size === 'number' && size > 0 ? size : Infinity;
}
/** A substring, or `/pattern/flags` for a regular expression in RE2 syntax (flags i, m, s; g, u and y are ignored). */
const bodyMatcher = (name, raw) => {
    const match = /^\/(.+)\/([a-z]*)$/s.exec(raw.trim());
    if (!match)
        return { kind: 'substring', text: raw };
    const [, source, flags] = match;
    const unknown = [...flags].filter((flag) => !(flag in RE2_FLAGS));
    if (unknown.length > 0)
        throw input_error_mustBe(name, '/regex/ with flags among i, m, s (g, u and y are ignored)', raw);
    let compiled;
    const re2Flags = [...flags].reduce((all, flag) => all | RE2_FLAGS[flag], 0);
    try {
        compiled = build/* RE2JS */.L3.compile(source, re2Flags);
    }
    catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw input_error_mustBe(name, `a valid /regex/ in RE2 syntax, without backreferences or lookarounds (${reason})`, raw);
    }
    return {
        kind: 'regex',
        regex: {
            text: `/${source}/${flags}`,
            source,
            flags: re2Flags,
            programSize: programSize(compiled),
            test: (body) => compiled.matcher(body).find(),
        },
    };
};

;// CONCATENATED MODULE: ../../packages/inputs/src/runner-hooks.ts
// Apart from the reader so that parsers (secrets.ts) can mask values without importing the reader,
// which imports the parsers.
/**
 * The runner matches masks line by line, so a multi-line secret is also masked one line at a time.
 * Lines shorter than 4 characters are left out: masking them would censor ordinary words everywhere.
 */
function maskSecret(value, mask) {
    if (!value.trim())
        return;
    mask(value);
    const lines = new Set(value.split(/\r?\n/).map((line) => line.trim()));
    for (const line of lines) {
        if (line.length >= 4 && line !== value)
            mask(line);
    }
}

;// CONCATENATED MODULE: ../../packages/inputs/src/secrets.ts


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
function headerSecrets(value) {
    const whole = value.trim();
    const secrets = new Set([whole]);
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
function addBasicPair(credential, secrets) {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(credential))
        return;
    const decoded = Buffer.from(credential, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // Only text decodes to a pair: an opaque token that happens to be valid base64 decodes to binary.
    if (colon < 0 || !/^[\x20-\x7e\x80-\uffff]+$/.test(decoded) || decoded.includes('\ufffd'))
        return;
    secrets.add(decoded);
    secrets.add(decoded.slice(colon + 1));
}
/** The secrets of every `Name: value` line, whatever its shape, so a malformed line cannot reveal a token. */
function headerLineSecrets(raw) {
    return collections_splitList(raw, 'newline').flatMap((line) => {
        const at = line.indexOf(':');
        const value = (at >= 0 ? line.slice(at + 1) : line).trim();
        return value ? headerSecrets(value) : [];
    });
}
/**
 * The credentials in the userinfo of a URL (`https://user:password@host/`), read from the text as
 * given, so that even a URL that does not parse cannot reveal them: the userinfo as written and
 * percent-decoded, the password alone, and the Basic credential (base64 of `user:password`) that
 * Node sends for it. Empty when the URL has no userinfo.
 */
function urlCredentialSecrets(raw) {
    const decode = (text) => {
        try {
            return decodeURIComponent(text);
        }
        catch {
            return text;
        }
    };
    const secrets = new Set();
    // Two readings: the URL parser's (the authority ends at the first / ? #) and the widest one (up to
    // the last @ of the token), so a password holding an unencoded / ? # is masked whole either way.
    const strict = /^\s*[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#\s]*)@/.exec(raw)?.[1];
    // The widest reading only when a colon (a password) comes before the first / ? #: an @ later in
    // a plain path (`https://host/a@b`) is no credential.
    const widest = /^\s*[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#\s:]*:\S*)@/.exec(raw)?.[1];
    for (const userinfo of new Set([strict, widest])) {
        if (!userinfo)
            continue;
        const colon = userinfo.indexOf(':');
        const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
        const password = colon >= 0 ? userinfo.slice(colon + 1) : '';
        const pair = `${decode(user)}:${decode(password)}`;
        for (const secret of [userinfo, decode(userinfo), password, decode(password), pair])
            secrets.add(secret);
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
function urlQuerySecrets(raw) {
    const [, query = '', fragment = ''] = /^[^?#\s]*(?:\?([^#\s]*))?(?:#(\S*))?/.exec(raw.trim()) ?? [];
    const parts = [...query.split('&'), ...fragment.split('&').filter((part) => part.includes('='))];
    const secrets = new Set();
    for (const part of parts) {
        const value = part.includes('=') ? part.slice(part.indexOf('=') + 1) : part;
        for (const form of [value, decodeQueryValue(value)]) {
            if (form.length >= MIN_FRAGMENT && !PLAIN_QUERY_VALUE.test(form))
                secrets.add(form);
        }
    }
    return [...secrets].sort((a, b) => b.length - a.length);
}
function decodeQueryValue(value) {
    try {
        return decodeURIComponent(value.replace(/\+/g, ' '));
    }
    catch {
        return value;
    }
}
/** Every secret a URL carries: its userinfo credentials (urlCredentialSecrets) and query and fragment parameter values (urlQuerySecrets). */
function urlSecrets(raw) {
    return [...new Set([...urlCredentialSecrets(raw), ...urlQuerySecrets(raw)])].sort((a, b) => b.length - a.length);
}
/**
 * `text` with the userinfo of a leading URL (everything between `://` and the last `@` of the
 * first whitespace-free token, whatever it holds) replaced by `***`, for quoting a URL in a message
 * before it is shortened: the runner masks only whole secrets, so a cut one would show its start.
 * Wider than the URL parser's authority on purpose: a password with an unencoded / ? # must not
 * show either.
 */
function hideUrlUserinfo(text) {
    return text.replace(/^(\s*[A-Za-z][A-Za-z0-9+.-]*:\/\/)\S*@/, '$1***@');
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
function secretForms(secret) {
    // A value shorter than 4 characters (`on`, `1`) is no secret: masking it would blank ordinary text.
    if (secret.length < MIN_FRAGMENT)
        return [];
    const forms = new Set([secret, JSON.stringify(secret).slice(1, -1)]);
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
    for (const separator of [':', '-'])
        forms.add(hex.replace(/..(?!$)/g, `$&${separator}`));
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
/**
 * Registers with the runner every header value, the credentials inside it and their encoded forms,
 * before the headers are parsed, so that a malformed line cannot reveal a token in an error.
 */
function maskHeaderValues(raw, mask) {
    for (const secret of headerLineSecrets(raw))
        for (const form of secretForms(secret))
            maskSecret(form, mask);
}
/**
 * Registers the secrets of each URL in a list input (one per line: userinfo credentials and query
 * values, see urlSecrets) and their encoded forms.
 */
function maskUrlSecrets(raw, mask) {
    for (const line of collections_splitList(raw, 'newline')) {
        for (const secret of urlSecrets(line))
            for (const form of secretForms(secret))
                maskSecret(form, mask);
    }
}

;// CONCATENATED MODULE: ../../packages/inputs/src/scalars.ts



/** The input's text unchanged: the default parser of `required` and `optional`. */
const scalars_text = (_name, raw) => raw;
/**
 * A parser for a base-10 integer from `min` to `max` inclusive (an optional `-`, no decimals or exponent).
 * @throws InputError naming the input and the range otherwise.
 */
function scalars_integer(min, max) {
    return (name, raw) => {
        const trimmed = raw.trim();
        if (!/^-?\d+$/.test(trimmed))
            throw input_error_mustBe(name, `an integer from ${min} to ${max}`, raw);
        const value = Number(trimmed);
        if (!Number.isSafeInteger(value) || value < min || value > max) {
            throw input_error_mustBe(name, `an integer from ${min} to ${max}`, raw);
        }
        return value;
    };
}
const TRUE_WORDS = new Set(['true', 'True', 'TRUE']);
const FALSE_WORDS = new Set(['false', 'False', 'FALSE']);
/** YAML 1.2 core schema booleans, as the runner's own `core.getBooleanInput` accepts them. */
const scalars_boolean = (name, raw) => {
    const trimmed = raw.trim();
    if (TRUE_WORDS.has(trimmed))
        return true;
    if (FALSE_WORDS.has(trimmed))
        return false;
    throw input_error_mustBe(name, 'a boolean (true or false)', raw);
};
const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_EXPECTED = 'a duration such as 500ms, 30s, 5m or 1h';
/** Durations in milliseconds; compound forms like `1m30s` are accepted, bare numbers are not (the unit would be a guess). */
function scalars_duration(options = {}) {
    const { minMs = 0, maxMs = 24 * 3_600_000 } = options;
    return (name, raw) => {
        const trimmed = raw.trim();
        if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(trimmed))
            throw input_error_mustBe(name, DURATION_EXPECTED, raw);
        let total = 0;
        for (const match of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
            total += Number(match[1]) * DURATION_UNITS[match[2]];
        }
        total = Math.round(total);
        if (total < minMs || total > maxMs) {
            throw input_error_mustBe(name, `a duration from ${formatDuration(minMs)} to ${formatDuration(maxMs)}`, raw);
        }
        return total;
    };
}
/**
 * A duration in milliseconds written the way the duration inputs take it: the largest whole unit of h, m, s (`90000` →
 * `90s`, `120000` → `2m`), else `<n>ms`.
 */
function formatDuration(ms) {
    if (ms % 3_600_000 === 0 && ms > 0)
        return `${ms / 3_600_000}h`;
    if (ms % 60_000 === 0 && ms > 0)
        return `${ms / 60_000}m`;
    if (ms % 1000 === 0 && ms > 0)
        return `${ms / 1000}s`;
    return `${ms}ms`;
}
/**
 * A parser that accepts exactly one of `choices` (after trimming, case-sensitive).
 * @throws InputError listing the choices otherwise.
 */
function oneOf(choices) {
    return (name, raw) => {
        const trimmed = raw.trim();
        if (choices.includes(trimmed))
            return trimmed;
        throw input_error_mustBe(name, `one of ${choices.join(', ')}`, raw);
    };
}
/** A value matching a pattern; `expected` says in words what the pattern means. */
function matching(pattern, expected) {
    return (name, raw) => {
        const trimmed = raw.trim();
        if (!pattern.test(trimmed))
            throw input_error_mustBe(name, expected, raw);
        return trimmed;
    };
}
/**
 * What a release id may be: it names `<target>/releases/<id>`. It starts with a letter or digit, so it
 * can never take the shape of the deploy's own scratch names, which all start with a dot
 * (`releases/.<id>.partial` is a release being built, removed by the next run as debris).
 */
const RELEASE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** `RELEASE_ID_PATTERN` in words, for every message that refuses a release id. */
const RELEASE_ID_RULE = '1 to 64 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit';
/** A release id (`RELEASE_ID_PATTERN`), trimmed. Throws InputError naming the input when it is not one. */
const releaseId = (name, raw) => {
    const trimmed = raw.trim();
    if (!RELEASE_ID_PATTERN.test(trimmed))
        throw mustBe(name, `a release id of ${RELEASE_ID_RULE}`, raw);
    return trimmed;
};
/**
 * An http:// or https:// URL. Throws InputError naming the input, quoting the value with any
 * userinfo hidden (see hideUrlUserinfo), for a value that is not one, or whose `#` comes before an
 * `@`: a fragment is never sent, so that `#` is almost surely an unencoded one in a password, and
 * the URL parser would read the user name as the host.
 */
function httpUrl(name, raw) {
    const trimmed = raw.trim();
    const quoted = hideUrlUserinfo(raw);
    let url;
    try {
        url = new URL(trimmed);
    }
    catch {
        throw input_error_mustBe(name, 'an http:// or https:// URL', quoted);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw input_error_mustBe(name, 'an http:// or https:// URL', quoted);
    if (url.hash.includes('@')) {
        throw input_error_mustBe(name, 'an http:// or https:// URL whose user and password percent-encode / ? # (%2F %3F %23)', quoted);
    }
    return url;
}
/** A shell command line run on a host: one line, so it cannot smuggle a second command in after a newline. */
const scalars_commandLine = (name, raw) => {
    refuseNonLine(name, raw);
    return raw.trim();
};

// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
// EXTERNAL MODULE: ../../packages/reporting/src/index.ts + 3 modules
var src = __webpack_require__(9361);
;// CONCATENATED MODULE: ../../packages/inputs/src/hosts.ts




const HOSTNAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const EXPECTED = 'host names or addresses such as web-1, web-1:2222, 10.0.0.5 or [2001:db8::1]:22';
function port(name, entry, text) {
    const value = Number(text);
    if (!/^\d{1,5}$/.test(text) || value < 1 || value > 65535)
        throw mustBe(name, EXPECTED, entry);
    return value;
}
/**
 * Parses `host`, `host:port`, an IPv6 address, or `[ipv6]:port`.
 * @throws InputError naming input `name` when the entry is not an RFC 1123 host name or IP address, or the port is not
 * 1-65535.
 */
function parseHost(name, entry) {
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed) {
        if (isIP(bracketed[1]) !== 6)
            throw mustBe(name, EXPECTED, entry);
        return bracketed[2] === undefined
            ? { host: bracketed[1] }
            : { host: bracketed[1], port: port(name, entry, bracketed[2]) };
    }
    const colons = entry.split(':').length - 1;
    if (colons > 1) {
        if (isIP(entry) !== 6)
            throw mustBe(name, EXPECTED, entry);
        return { host: entry };
    }
    const [host, portText] = entry.split(':');
    if (!IPV4.test(host) && (!HOSTNAME.test(host) || /^[\d.]+$/.test(host)))
        throw mustBe(name, EXPECTED, entry);
    return portText === undefined ? { host } : { host, port: port(name, entry, portText) };
}
/**
 * The `host` input: hosts separated by newlines or commas, each as `parseHost` reads it.
 * @param defaultPort the port of an entry that names none (the `port` input; 22, SSH's own default,
 *   when the caller has none), so that `web-1` and `web-1:22` are refused as one host named twice.
 * @throws InputError naming the input, for a bad entry, an empty list, or a host named twice
 *   (the same `hostLabel` once the default port is applied).
 */
function hosts_hostList(name, raw, defaultPort = 22) {
    const targets = splitList(raw, 'newline-or-comma').map((entry) => parseHost(name, entry));
    if (targets.length === 0)
        throw mustBe(name, EXPECTED, raw);
    const seen = new Set();
    for (const target of targets) {
        const label = hostLabel({ host: target.host, port: target.port ?? defaultPort });
        if (seen.has(label)) {
            throw mustBe(name, `a list without repeated hosts (${label} is named twice; an entry without a port uses ${defaultPort})`, raw);
        }
        seen.add(label);
    }
    return targets;
}
/** A single IPv4 or IPv6 address (no port), as Kubernetes lists it in a node's status.addresses. */
function ipAddress(name, raw) {
    const trimmed = raw.trim();
    if (isIP(trimmed) === 0)
        throw mustBe(name, 'an IPv4 or IPv6 address such as 104.171.202.117', raw);
    return trimmed;
}

;// CONCATENATED MODULE: ../../packages/inputs/src/kubernetes-syntax.ts


const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/**
 * An RFC 1123 subdomain as Kubernetes checks object names (IsDNS1123Subdomain in apimachinery's validation package): at
 * most 253 characters, lower-case alphanumerics, `-` and `.`.
 */
function isDns1123Subdomain(value) {
    return value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}
/**
 * An RFC 1123 label as Kubernetes checks namespace names (IsDNS1123Label in apimachinery): at most 63 characters,
 * lower-case alphanumerics and `-`.
 */
function isDns1123Label(value) {
    return value.length <= 63 && DNS1123_LABEL.test(value);
}
/** A label or annotation key: optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
function isQualifiedName(key) {
    const parts = key.split('/');
    if (parts.length > 2)
        return false;
    const [prefix, local] = parts.length === 2 ? parts : [undefined, parts[0]];
    if (prefix !== undefined && !isDns1123Subdomain(prefix))
        return false;
    return local.length >= 1 && local.length <= 63 && QUALIFIED_NAME.test(local);
}
/**
 * A label value as Kubernetes accepts it (IsValidLabelValue in apimachinery): empty, or at most 63 alphanumerics, `-`,
 * `_`, `.`, starting and ending alphanumeric.
 */
function isLabelValue(value) {
    return value.length <= 63 && LABEL_VALUE.test(value);
}
/**
 * Parses an object name (trimmed) with the API server's rule (isDns1123Subdomain).
 * @throws InputError when it is not one.
 */
const kubernetesName = (name, raw) => {
    const trimmed = raw.trim();
    if (!isDns1123Subdomain(trimmed)) {
        throw mustBe(name, 'a Kubernetes name (lower-case letters, digits, "-" and ".", starting and ending alphanumeric, at most 253 characters)', raw);
    }
    return trimmed;
};
/**
 * Parses a namespace name (trimmed) with the API server's rule (isDns1123Label).
 * @throws InputError when it is not one.
 */
const kubernetes_syntax_namespaceName = (name, raw) => {
    const trimmed = raw.trim();
    if (!isDns1123Label(trimmed)) {
        throw mustBe(name, 'a namespace name (lower-case letters, digits and "-", at most 63 characters)', raw);
    }
    return trimmed;
};
/**
 * Parses `key=value` as `kubectl label` takes it.
 * @throws InputError when the `=` is missing or either side breaks the API server's label rules.
 */
const label = (name, raw) => {
    const trimmed = raw.trim();
    const at = trimmed.indexOf('=');
    const key = at < 0 ? '' : trimmed.slice(0, at);
    const value = at < 0 ? '' : trimmed.slice(at + 1);
    if (at < 0 || !isQualifiedName(key) || !isLabelValue(value)) {
        throw mustBe(name, 'a label key=value (such as sophia.ai/pool=mcp)', raw);
    }
    return { key, value };
};
/** `key=value:Effect` or `key:Effect`, as `kubectl taint` writes them. */
const kubernetes_syntax_taint = (name, raw) => {
    const trimmed = raw.trim();
    const match = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(trimmed);
    if (!match || !isQualifiedName(match[1]) || !isLabelValue(match[2] ?? '')) {
        throw mustBe(name, 'a taint key=value:Effect with Effect NoSchedule, PreferNoSchedule or NoExecute', raw);
    }
    return { key: match[1], value: match[2] ?? '', effect: match[3] };
};
/** Each workload kind by every name kubectl takes for it: singular, plural, short (`kubectl api-resources`). */
const WORKLOAD_KIND_NAMES = {
    deployment: 'Deployment',
    deployments: 'Deployment',
    deploy: 'Deployment',
    statefulset: 'StatefulSet',
    statefulsets: 'StatefulSet',
    sts: 'StatefulSet',
    daemonset: 'DaemonSet',
    daemonsets: 'DaemonSet',
    ds: 'DaemonSet',
};
/**
 * The one spelling of a Kubernetes object in outputs, maps, logs and summaries, and the key that
 * tells objects apart: `<namespace>/<Kind>/<name>` (such as `team-a/Deployment/api`), so two
 * objects of one kind and name in different namespaces stay apart. A reference without a
 * namespace (a cluster-scoped object, or a `<Kind>/<name>` the user wrote) is spelled
 * `<Kind>/<name>`; the two forms cannot collide, having three parts and two. It lives beside
 * `workloadRef`, which reads it back (the deploy actions' `changed` output is the rollback
 * action's `workloads` input).
 */
function workloadKey(ref) {
    return ref.namespace ? `${ref.namespace}/${ref.kind}/${ref.name}` : `${ref.kind}/${ref.name}`;
}
const WORKLOAD_EXAMPLES = 'workloads such as deployment/api, statefulset/db or sophia/Deployment/chat-api';
/**
 * Reads one workload reference: `<Kind>/<name>` or `<namespace>/<Kind>/<name>`, the kind in any
 * case, singular, plural or kubectl's short name (`deploy`, `sts`, `ds`). The inverse of
 * `workloadKey`: `workloadRef(input, workloadKey(ref))` gives `ref` back.
 * Throws InputError naming the input `name` when `raw` is not such a reference.
 */
const workloadRef = (name, raw) => {
    const parts = raw.trim().split('/');
    const namespace = parts.length === 3 ? parts.shift() : undefined;
    const [kindText, objectName, extra] = parts;
    const kind = WORKLOAD_KIND_NAMES[(kindText ?? '').toLowerCase()];
    const validNamespace = namespace === undefined || isDns1123Label(namespace);
    if (!kind || extra !== undefined || !objectName || !isDns1123Subdomain(objectName) || !validNamespace) {
        throw mustBe(name, WORKLOAD_EXAMPLES, raw);
    }
    return namespace === undefined ? { kind, name: objectName } : { kind, name: objectName, namespace };
};
/**
 * Workload references one per line, or a JSON array of them as the deploy actions' `changed`
 * output gives it (`[]`: an empty list, nothing to do).
 */
const workloadRefs = (name, raw) => {
    const trimmed = raw.trim();
    if (!trimmed.startsWith('['))
        return listOf(workloadRef, 'newline')(name, raw);
    let entries;
    try {
        entries = JSON.parse(trimmed);
    }
    catch {
        throw mustBe(name, `a JSON array of ${WORKLOAD_EXAMPLES}`, raw);
    }
    if (!Array.isArray(entries) || !entries.every((entry) => typeof entry === 'string')) {
        throw mustBe(name, `a JSON array of ${WORKLOAD_EXAMPLES}`, raw);
    }
    return entries.map((entry) => workloadRef(name, entry));
};
/** A label selector as kubectl's `-l` takes it: comma-separated `k=v`, `k!=v`, `k`, `!k`, `k in (a,b)`. */
const labelSelector = (name, raw) => {
    const trimmed = raw.trim();
    const requirements = trimmed.split(/,(?![^()]*\))/).map((part) => part.trim());
    const valid = requirements.every((requirement) => {
        const set = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(requirement);
        if (set)
            return isQualifiedName(set[1]) && set[3].split(',').every((v) => isLabelValue(v.trim()));
        const eq = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s]*)$/.exec(requirement);
        if (eq)
            return isQualifiedName(eq[1]) && isLabelValue(eq[3]);
        const exists = /^(!?)([^\s!=]+)$/.exec(requirement);
        return exists !== null && isQualifiedName(exists[2]);
    });
    if (!trimmed || !valid)
        throw mustBe(name, 'a label selector such as app=api,tier in (web,mcp)', raw);
    return trimmed;
};

;// CONCATENATED MODULE: ../../packages/inputs/src/input-reader.ts



/**
 * An InputSource over fixed values (absent names read as empty, as the runner gives unset inputs): for actions called
 * from code and for tests.
 */
function inputsFrom(values) {
    return (name) => values[name] ?? '';
}
/**
 * Reads and parses inputs. Defaults live in each action.yml, which the runner applies, so an
 * empty value here means the user left a required input out or blanked one on purpose.
 */
class InputReader {
    source;
    runner;
    masked = new Set();
    constructor(source, runner) {
        this.source = source;
        this.runner = runner;
    }
    /**
     * Masks secret inputs before anything else is read, so that no error or log line about
     * another input can reveal them. Each input is masked once however often it is read.
     */
    maskSecrets(...names) {
        for (const name of names) {
            if (this.masked.has(name))
                continue;
            this.masked.add(name);
            maskSecret(this.source(name), this.runner.mask);
        }
    }
    /** The input's text exactly as given (not trimmed, '' when unset). */
    raw(name) {
        return this.source(name);
    }
    /** True when the input has any non-blank text. */
    given(name) {
        return this.source(name).trim().length > 0;
    }
    /**
     * The input, trimmed and parsed (YAML block scalars add a final newline).
     * @throws InputError when it is blank or `parse` rejects it.
     */
    required(name, parse = scalars_text) {
        const raw = this.source(name);
        if (raw.trim().length === 0)
            throw new input_error_InputError(name, `Input "${name}" is required`);
        return parse(name, raw.trim() === raw ? raw : raw.replace(/^\s*\n|\n\s*$/g, '').trim());
    }
    /**
     * The input parsed as by `required`, or undefined when it is blank.
     * @throws InputError when given but `parse` rejects it.
     */
    optional(name, parse = scalars_text) {
        return this.given(name) ? this.required(name, parse) : undefined;
    }
    /**
     * Two inputs of which exactly one must be given (`workloads` or `selector`, `node` or
     * `node-address`): the one given, parsed, as `{ first }` or `{ second }`.
     * @param requiredWhy what follows "is required" when neither is given (" when ...", " (the ...)").
     * @throws InputError naming the first input when both are given or neither is.
     */
    exactlyOne([firstName, parseFirst], [secondName, parseSecond], requiredWhy) {
        const first = this.optional(firstName, parseFirst);
        const second = this.optional(secondName, parseSecond);
        if (first !== undefined && second !== undefined) {
            throw new input_error_InputError(firstName, `Give either input "${firstName}" or input "${secondName}", not both`);
        }
        if (first !== undefined)
            return { first };
        if (second !== undefined)
            return { second };
        throw new input_error_InputError(firstName, `Input "${firstName}" or input "${secondName}" is required${requiredWhy}`);
    }
    /** A secret is masked before anything can log it, line by line so multi-line keys stay hidden too. */
    secret(name, options) {
        this.maskSecrets(name);
        const raw = this.source(name);
        if (raw.trim().length === 0) {
            if (options.required)
                throw new input_error_InputError(name, `Input "${name}" is required`);
            return undefined;
        }
        return raw;
    }
}

;// CONCATENATED MODULE: ../../packages/inputs/src/ssh-inputs.ts



/**
 * Every input the SSH connection reads, in action.yml order: the actions that connect over SSH declare these same
 * names.
 */
const SSH_INPUT_NAMES = (/* unused pure expression or super */ null && ([
    'host',
    'port',
    'user',
    'ssh-key',
    'ssh-key-passphrase',
    'known-hosts',
    'host-fingerprint',
    'insecure-skip-host-key-check',
    'connect-timeout',
    'connect-attempts',
]));
/** The SSH inputs masked in the log before anything else is read, so no error message can print them. */
const SSH_SECRET_INPUTS = (/* unused pure expression or super */ null && (['ssh-key', 'ssh-key-passphrase']));
const KEY_ARMOR = /-----BEGIN ((OPENSSH|RSA|EC|DSA|ENCRYPTED) )?PRIVATE KEY-----[\s\S]+-----END ((OPENSSH|RSA|EC|DSA|ENCRYPTED) )?PRIVATE KEY-----/;
/** How a private key looks, for messages: what users compare their secret with. */
const PRIVATE_KEY_SHAPE = 'a "-----BEGIN OPENSSH PRIVATE KEY-----" line, lines of base64, then "-----END OPENSSH PRIVATE KEY-----" (or the same with RSA, EC or PEM headers)';
/**
 * Refuses an `ssh-key` that cannot be a private key, saying why without quoting it: a public key
 * given instead, a key whose line breaks were lost (pasted into a one-line field, or stored with
 * spaces or literal "\n" for newlines), or text without the PEM armor.
 */
function checkPrivateKeyShape(key) {
    const fail = (problem) => {
        throw new InputError('ssh-key', `Input "ssh-key" ${problem}; a private key is ${PRIVATE_KEY_SHAPE}`);
    };
    if (/^\s*(ssh-(ed25519|rsa|dss)|ecdsa-sha2-\S+|sk-\S+)\s+AAAA/.test(key)) {
        fail('holds a public key (the .pub file), not the private key');
    }
    if (!KEY_ARMOR.test(key))
        fail('must be a private key in OpenSSH or PEM form, got a value that does not fit');
    if (/PRIVATE KEY-----\\n/.test(key))
        fail('has "\\n" written where its line breaks should be: store the key with real line breaks');
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----[^\n]*-----END/.test(key)) {
        fail('is a private key on one line: its line breaks were lost (a one-line field, or newlines turned into spaces); store the file as it is');
    }
}
function knownHostsLines(name, raw) {
    const entries = raw.split(/\r?\n/).filter((line) => line.trim() && !line.trim().startsWith('#'));
    for (const line of entries) {
        const fields = line.trim().split(/\s+/);
        const offset = fields[0].startsWith('@') ? 1 : 0;
        if (fields.length < 3 + offset || !/^[A-Za-z0-9+/]+={0,3}$/.test(fields[2 + offset])) {
            throw mustBe(name, 'known_hosts lines ("host key-type base64-key")', line);
        }
    }
    if (entries.length === 0)
        throw mustBe(name, 'known_hosts lines ("host key-type base64-key")', raw);
    return raw;
}
function fingerprint(name, raw) {
    const trimmed = raw.trim();
    if (!/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(trimmed)) {
        throw mustBe(name, 'a host key fingerprint such as SHA256:<43 base64 characters> (ssh-keygen -lf prints it)', raw);
    }
    return trimmed.replace(/=$/, '');
}
/** The SSH inputs every SSH-reaching action shares, validated before any connection is opened. */
function ssh_inputs_readSshInputs(inputs) {
    inputs.maskSecrets(...SSH_SECRET_INPUTS);
    const privateKey = inputs.secret('ssh-key', { required: false });
    const passphrase = inputs.secret('ssh-key-passphrase', { required: false });
    const port = inputs.required('port', integer(1, 65535));
    const hosts = inputs.required('host', (name, raw) => hostList(name, raw, port));
    const user = inputs.required('user', (name, raw) => {
        if (!/^[A-Za-z0-9._][A-Za-z0-9._-]{0,31}$/.test(raw.trim()))
            throw mustBe(name, 'a user name', raw);
        return raw.trim();
    });
    if (!privateKey)
        throw new InputError('ssh-key', 'Input "ssh-key" is required');
    checkPrivateKeyShape(privateKey);
    const insecure = inputs.required('insecure-skip-host-key-check', boolean);
    const knownHosts = inputs.optional('known-hosts', knownHostsLines);
    const hostFingerprint = inputs.optional('host-fingerprint', fingerprint);
    let hostKeys;
    if (knownHosts !== undefined && hostFingerprint !== undefined) {
        throw new InputError('known-hosts', 'Give either input "known-hosts" or input "host-fingerprint", not both');
    }
    else if (knownHosts !== undefined) {
        hostKeys = { kind: 'known-hosts', knownHosts };
    }
    else if (hostFingerprint !== undefined) {
        hostKeys = { kind: 'fingerprint', fingerprint: hostFingerprint };
    }
    else if (insecure) {
        hostKeys = { kind: 'insecure' };
    }
    else {
        throw new InputError('known-hosts', 'Input "known-hosts" or input "host-fingerprint" is required to verify the server (or set insecure-skip-host-key-check: true)');
    }
    if (insecure) {
        inputs.runner.warn('insecure-skip-host-key-check is true: the server is not verified, and a man in the middle could receive this deploy');
    }
    return {
        hosts,
        port,
        user,
        privateKey,
        passphrase,
        hostKeys: insecure ? { kind: 'insecure' } : hostKeys,
        connectTimeoutMs: inputs.required('connect-timeout', duration({ minMs: 1000, maxMs: 600_000 })),
        connectAttempts: inputs.required('connect-attempts', integer(1, 10)),
    };
}

;// CONCATENATED MODULE: ../../packages/inputs/src/kube-inputs.ts




/** Every secret among the connection inputs; masked before any of them is parsed. */
const KUBE_SECRET_INPUTS = (/* unused pure expression or super */ null && (['kubeconfig', 'ssh-key', 'ssh-key-passphrase']));
/** Either a kubeconfig (kubectl runs here) or SSH to the server (kubectl runs there): exactly one. */
function readKubeConnection(inputs) {
    inputs.maskSecrets(...KUBE_SECRET_INPUTS);
    const kubeconfig = inputs.secret('kubeconfig', { required: false });
    const viaSsh = inputs.given('host');
    if (kubeconfig && viaSsh) {
        throw new InputError('kubeconfig', 'Give either input "kubeconfig" or the SSH inputs ("host", "user", "ssh-key"), not both');
    }
    if (kubeconfig) {
        if (!/^\s*(apiVersion|clusters|kind|contexts|current-context|users|preferences)\s*:/m.test(kubeconfig)) {
            throw mustBe('kubeconfig', 'the content of a kubeconfig file (YAML with clusters, users and contexts)', kubeconfig, true);
        }
        return { mode: 'kubeconfig', kubeconfig, kubectl: inputs.required('kubectl', workspacePath) };
    }
    if (!viaSsh) {
        throw new InputError('kubeconfig', 'Input "kubeconfig" is required (or give "host", "user" and "ssh-key" to run kubectl on the server over SSH)');
    }
    const ssh = readSshInputs(inputs);
    if (ssh.hosts.length !== 1) {
        throw mustBe('host', 'one server when kubectl runs over SSH', inputs.raw('host'));
    }
    return { mode: 'ssh', ssh, kubectlCommand: inputs.required('kubectl-command', commandLine) };
}

;// CONCATENATED MODULE: ../../packages/inputs/src/kube-deploy-inputs.ts





const IMAGE_NAME = /^[a-z0-9][a-z0-9._/:-]*$/i;
const IMAGE_REFERENCE = /^[a-z0-9][a-z0-9._/-]*(:[0-9]+\/[a-z0-9._/-]+)?(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(@sha256:[a-f0-9]{64})?$/i;
/** `name=image:tag` lines; a bad key or reference names the line, because image lists are long. */
const imageOverrides = (name, raw) => {
    const images = keyValueMap({
        separator: 'newline',
        key: (input, key) => {
            if (!IMAGE_NAME.test(key))
                throw mustBe(input, 'lines of name=image:tag (such as api=ghcr.io/sophia/api:1.4.2)', key);
            return key;
        },
    })(name, raw);
    for (const [key, reference] of images) {
        if (!IMAGE_REFERENCE.test(reference)) {
            throw mustBe(name, 'lines of name=image:tag (such as api=ghcr.io/sophia/api:1.4.2)', `${key}=${reference}`);
        }
    }
    return images;
};
/**
 * The `field-manager` input: the name server-side apply records as owner of the fields it sets. Kubernetes allows at
 * most 128 characters (validation of managedFields[].manager in apimachinery); the character set here is narrower than
 * the API's printable ASCII, so the name reads the same in logs, flags and managedFields.
 */
const fieldManagerName = matching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'a field manager name (letters, digits, ".", "_", ":" and "-", at most 128 characters)');
/** Read in the order the action.yml files list them, so the first bad input is the one reported. */
function readKubernetesDeployInputs(inputs) {
    return {
        manifests: inputs.required('manifests', listOf(workspacePath, 'newline')),
        images: inputs.optional('images', imageOverrides) ?? new Map(),
        namespace: inputs.optional('namespace', namespaceName),
        rolloutTimeoutMs: inputs.required('rollout-timeout', duration({ minMs: 100 })),
        serverSide: inputs.required('server-side', boolean),
        fieldManager: inputs.required('field-manager', fieldManagerName),
        forceConflicts: inputs.required('force-conflicts', boolean),
        rollbackOnFailure: inputs.required('rollback-on-failure', boolean),
        dryRun: inputs.required('dry-run', boolean),
    };
}

// EXTERNAL MODULE: ../../node_modules/.pnpm/@jmespath-community+jmespath@1.3.0/node_modules/@jmespath-community/jmespath/dist/index.mjs
var dist = __webpack_require__(6790);
;// CONCATENATED MODULE: ../../packages/inputs/src/json-check.ts


/**
 * Parses the `expected-json` input: a JMESPath expression (jmespath.org) evaluated against each JSON body.
 * @throws InputError quoting the compiler's reason when it does not compile.
 */
const jsonCheck = (name, raw) => {
    const text = raw.trim();
    let expression;
    try {
        expression = (0,dist/* compile */.wE)(text);
    }
    catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw input_error_mustBe(name, `a JMESPath expression such as status == 'ok' (${reason.slice(0, 100)})`, raw);
    }
    return { text, evaluate: (document) => dist/* TreeInterpreter */.Z2.search(expression, document) };
};

;// CONCATENATED MODULE: ../../packages/inputs/src/index.ts















/***/ }),

/***/ 9361:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  Qj: () => (/* reexport */ markdownTable)
});

// UNUSED EXPORTS: ReportedError, hostLabel, silentLog

;// CONCATENATED MODULE: ../../packages/reporting/src/log.ts
/** A log that drops everything: the default where a caller gives none. */
const silentLog = {
    info: () => { },
    warning: () => { },
    debug: () => { },
    group: (_title, work) => work(),
};

;// CONCATENATED MODULE: ../../packages/reporting/src/reported-error.ts
/**
 * The one error type a domain package throws when it failed after doing something worth reporting:
 * it carries the report as far as the work got, so the action can write its outputs and job
 * summary from it before the step fails. Errors thrown before anything happened (bad input, no
 * connection) are plain errors and carry no report.
 *
 * Subclasses only narrow the report's type and the error's name (`DeployFailedError`,
 * `RollbackRolloutError`); the action layer catches `ReportedError` without knowing which.
 */
class ReportedError extends Error {
    report;
    constructor(message, report) {
        super(message);
        this.report = report;
        this.name = 'ReportedError';
    }
}

;// CONCATENATED MODULE: ../../packages/reporting/src/markdown.ts
function escapeCell(cell) {
    return String(cell).replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}
/**
 * A GitHub-flavoured Markdown table (header row, `---` separators, `|` escaped, newlines as `<br>`),
 * ending in a newline. Markdown rather than HTML so a summary also reads well as plain text in a terminal.
 */
function markdownTable(header, rows) {
    const lines = [
        `| ${header.map(escapeCell).join(' | ')} |`,
        `| ${header.map(() => '---').join(' | ')} |`,
        ...rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
    ];
    return lines.join('\n') + '\n';
}

;// CONCATENATED MODULE: ../../packages/reporting/src/index.ts








/***/ })

};
