export const id = 766;
export const ids = [766];
export const modules = {

/***/ 1766:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  runMainThread: () => (/* binding */ runMainThread)
});

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: external "node:url"
var external_node_url_ = __webpack_require__(3136);
;// CONCATENATED MODULE: ../../packages/action-runtime/src/esm-globals.ts


/**
 * An action bundle is ESM, where `__dirname` and `__filename` do not exist, yet bundled CommonJS
 * dependencies read them while loading (ssh2's emscripten-built poly1305 does, and crashes the
 * action before its first line runs). The entry imports this package first, so these globals
 * are in place before any dependency loads; CommonJS modules keep their own, which shadow them.
 */
const globals = globalThis;
if (globals.__filename === undefined) {
    globals.__filename = (0,external_node_url_.fileURLToPath)(import.meta.url);
    globals.__dirname = (0,external_node_path_.dirname)(globals.__filename);
}

// EXTERNAL MODULE: ../../node_modules/.pnpm/@actions+core@3.0.1/node_modules/@actions/core/lib/core.js + 12 modules
var lib_core = __webpack_require__(9120);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ../../packages/reporting/src/markdown.ts

// The one home of how text that others control (file names from a build, values of manifests,
// messages of hosts and clusters) enters the Markdown of a job summary or a pull request comment.
// A library would have to know GitHub's renderer: the escapers of npm (markdown-escape and the
// like) escape Markdown punctuation but leave line breaks, `<!--` and code-span fences as they
// are, and those are what can hide the rest of a comment (a line starting with `<!--` opens an
// HTML block that runs to the end, CommonMark 0.31 §4.6).
/** Longest text a summary shows of one value, in UTF-16 code units, unless the caller says otherwise. */
const MARKDOWN_VALUE_LIMIT = 200;
/**
 * What makes text read otherwise than it is, shown by visibleText as escapes. Controls (Unicode Cc), format characters (Cf: bidi controls such as U+061C and U+202E, zero
 * widths, the soft hyphen, U+180E, tag characters), line and paragraph separators, the whole tag
 * block U+E0000–E007F, and the characters that render blank though they are letters or marks
 * (Hangul fillers U+115F, U+1160, U+3164, U+FFA0; the combining grapheme joiner U+034F).
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u{E0000}-\u{E007F}\u115f\u1160\u3164\uffa0]|\u034f/gu;
const NAMED = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
/**
 * `text` with every control, line-separating or invisible format character shown as an escape
 * (`\n`, `\r`, `\t`, else `\uXXXX`, as JavaScript writes them), so it stays on one line and reads as
 * it is.
 */
function visibleText(text) {
    return text.replace(INVISIBLE, (char) => {
        const code = char.codePointAt(0) ?? 0;
        return NAMED[char] ?? (code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`);
    });
}
/**
 * `text` whole up to `limit` UTF-16 code units, else its start followed by `…`, its size in UTF-8
 * bytes and the first 12 hex digits of its SHA-256, so two long values that differ only past the
 * cut still read as different and a summary stays small however big the value.
 */
function shortened(text, limit = MARKDOWN_VALUE_LIMIT) {
    if (text.length <= limit)
        return text;
    const digest = (0,external_node_crypto_.createHash)('sha256').update(text).digest('hex').slice(0, 12);
    // Never split a surrogate pair.
    const end = /[\uD800-\uDBFF]/.test(text.charAt(limit - 2)) ? limit - 2 : limit - 1;
    return `${text.slice(0, end)}… (${Buffer.byteLength(text)} bytes, sha256 ${digest})`;
}
/**
 * What GitHub turns into a link that notifies or cross-references, when it stands in the text of
 * a comment, an issue or a summary: `@login` and `@org/team` mentions (after a character that is
 * not an ASCII letter, digit or `_`, as GitHub's mention filter reads them: `user@example.com`
 * and `image@sha256:…` are not mentions), `#123` issue references (also the tail of
 * `owner/repo#123` and `repo#123`) and `GH-123`. GitHub's reference filters skip text inside
 * `code`, `pre` and `a` elements (html-pipeline's MentionFilter, IGNORE_PARENTS), so each one is
 * shown as code: it reads exactly as written and links to nobody. A zero-width joiner after `@`
 * would stop the link too, but it stays in what a reader copies, and a backslash escape does not
 * stop it (the filter runs on the rendered text, where the backslash is gone).
 * Commit SHAs and `owner/repo@sha` are left as text: GitHub links them to the commit and
 * notifies nobody, and the digests our summaries print (`sha256 0123abcd…`) would all turn to code.
 */
const REFERENCE = /(?<![A-Za-z0-9_])@[A-Za-z0-9][A-Za-z0-9-]*(?:\/[A-Za-z0-9][A-Za-z0-9_-]*)?|#\d+|\bGH-\d+/gi;
/**
 * A reference (as REFERENCE) standing right where the text resumes after a code span. The span
 * ends the text node, and GitHub's filters read each text node from its start, where a mention or
 * `GH-` needs no separator before it: `#1@octocat` shown as `` `#1`@octocat `` would link
 * @octocat. So right after a reference, whatever precedes it in the raw text, a match here is one too.
 */
const REFERENCE_AT_NODE_START = /@[A-Za-z0-9][A-Za-z0-9-]*(?:\/[A-Za-z0-9][A-Za-z0-9_-]*)?|#\d+|GH-\d+/iy;
/**
 * `text` in pieces: each run of adjacent references GitHub would link once the one before is
 * shown as code (see REFERENCE and REFERENCE_AT_NODE_START), with `reference` true, and the text
 * between them.
 */
function referencePieces(text) {
    const pieces = [];
    const search = new RegExp(REFERENCE);
    const adjacent = new RegExp(REFERENCE_AT_NODE_START);
    let at = 0;
    for (;;) {
        adjacent.lastIndex = at;
        search.lastIndex = at;
        const next = (pieces.at(-1)?.reference ? adjacent.exec(text) : null) ?? search.exec(text);
        if (next === null)
            break;
        const last = pieces.at(-1);
        if (next.index > at)
            pieces.push({ text: text.slice(at, next.index), reference: false });
        // A run of adjacent references is one piece: two code spans side by side would read as one
        // fence of two backticks (`#1``@b`), so the run goes into one span.
        if (next.index === at && last?.reference)
            last.text += next[0];
        else
            pieces.push({ text: next[0], reference: true });
        at = next.index + next[0].length;
    }
    if (at < text.length)
        pieces.push({ text: text.slice(at), reference: false });
    return pieces;
}
/**
 * Plain text as Markdown that renders as exactly that text, on one line: control characters as
 * visibleText shows them, cut as `shortened` does at `limit`, HTML's `&`, `<`, `>` as character
 * references (no tag, comment or entity can open), the punctuation that has a meaning inside
 * a line (`\`, code spans, emphasis, links, table cells, GitHub's strikethrough and `$` math)
 * escaped with a backslash (CommonMark 0.31 §2.4), and every mention or issue reference GitHub
 * would link and notify as a code span (see REFERENCE). Punctuation that means something only at the
 * start of a line (`#`, `-`, `1.`) stays: the caller puts the text after its own words or in a
 * cell, and dots and dashes escaped everywhere would make names unreadable as plain text.
 * For Markdown only: inside a raw HTML block (a `<summary>` line) use htmlBlockText, since Markdown
 * escapes are not read there and their backslashes would show.
 */
function markdownText(text, limit = MARKDOWN_VALUE_LIMIT) {
    return referencePieces(shortened(visibleText(text), limit))
        .map((piece) => 
    // A reference holds only letters, digits, `@`, `#`, `/`, `-` and `_`: nothing a code span must fence.
    piece.reference
        ? `\`${piece.text}\``
        : piece.text
            // `_` inside a word (HTTP_PROXY, snake_case keys) cannot open emphasis (CommonMark 0.31 §6.2): left as it is.
            .replace(/[\\`*[\]|~$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, (char) => `\\${char}`)
            .replace(/&/g, '&amp;')
            .replace(/</g, '&lt;')
            .replace(/>/g, '&gt;'))
        .join('');
}
const HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/**
 * Plain text for a raw HTML block of the Markdown (the `<summary>` line of a `<details>` fold),
 * rendering as exactly that text on one line: as visibleText shows it, cut as `shortened` does at
 * `limit`, `&`, `<`, `>`, `"`, `'` as character references, and every mention or issue reference
 * GitHub would link (see REFERENCE) in a `<code>` element. No Markdown escape: CommonMark passes
 * an HTML block through as it is (0.31 §4.6), so a backslash escape would show its backslash,
 * while the browser reads character references.
 */
function htmlBlockText(text, limit = MARKDOWN_VALUE_LIMIT) {
    return referencePieces(shortened(visibleText(text), limit))
        .map((piece) => {
        const escaped = piece.text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
        return piece.reference ? `<code>${escaped}</code>` : escaped;
    })
        .join('');
}
/**
 * A `<details>` fold: `summary` (plain text, shown by htmlBlockText up to `limit`) on the line that
 * opens it, then `body` (Markdown) between blank lines, so GitHub reads the body as Markdown and
 * not as part of the HTML block (CommonMark 0.31 §4.6: an HTML block of `<details>` ends at a
 * blank line), ending in a newline. The only place the suite writes a raw HTML block.
 */
function markdownDetails(summary, body, limit = MARKDOWN_VALUE_LIMIT) {
    return `<details><summary>${htmlBlockText(summary, limit)}</summary>\n\n${body.replace(/\n+$/, '')}\n\n</details>\n`;
}
/** The longest run of backticks in `text` (0 when none). */
function longestBacktickRun(text) {
    return Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
}
/**
 * `text` as one inline code span, on one line (control characters as visibleText shows them, cut
 * as `shortened` does at `limit`): fenced by one backtick more than the longest run inside, and
 * padded with a space when it starts or ends with a backtick or a space, which CommonMark strips
 * again (0.31 §6.1; a span of spaces only is not stripped, so it is not padded), so no backtick
 * in a file name can end the span early. Nothing inside a code span is HTML, Markdown or a
 * mention GitHub links. Empty text, which no code span can hold, is `*(empty)*`. In a table
 * cell, markdownTable escapes its `|`: GitHub's tables split cells before they read code spans.
 */
function markdownCode(text, limit = MARKDOWN_VALUE_LIMIT) {
    const shown = shortened(visibleText(text), limit);
    if (shown === '')
        return '*(empty)*';
    const fence = '`'.repeat(longestBacktickRun(shown) + 1);
    const pad = /^[` ]|[` ]$/.test(shown) && /[^ ]/.test(shown) ? ' ' : '';
    return `${fence}${pad}${shown}${pad}${fence}`;
}
/**
 * `text` as a fenced code block of the given info string (`diff`, `text`), whole and on its own
 * lines: the fence is one backtick longer than any run inside, at least three, so no line of
 * `text` can close it (CommonMark 0.31 §4.5). Characters that end a line in Markdown but are not
 * line breaks of the text (a lone CR, U+2028, U+2029) and other control characters are shown as
 * visibleText shows them; the text's own line breaks stay.
 */
function markdownCodeBlock(text, info = '') {
    const shown = text
        .split('\n')
        .map((line) => visibleText(line))
        .join('\n');
    const fence = '`'.repeat(Math.max(3, longestBacktickRun(shown) + 1));
    return `${fence}${info}\n${shown}\n${fence}\n`;
}
/**
 * A cell's Markdown with one more backslash before every `|`. A GFM table splits a row into
 * cells before it reads any inline, code spans included: a `|` with a backslash right before it
 * belongs to the cell, whatever comes before that backslash (cmark-gfm's cell scanner takes the
 * longest match of `(escaped_char|[^|\r\n])+`), and exactly that one backslash is then dropped
 * (cmark-gfm `unescape_pipes`; markdown-it's `escapedSplit` does the same). So `\|` always gives
 * back what was written before the table read it: text escaped by markdownText (`\|`) and a code
 * span's `|` and `\|` alike, and a code span in a cell shows its value exactly. A backslash before
 * any other character is left alone: inside a code span it is literal (CommonMark 0.31 §6.1).
 */
function cellMarkdown(cell) {
    const markdown = typeof cell === 'object' ? visibleText(cell.markdown) : markdownText(String(cell));
    return markdown.replace(/\|/g, '\\|');
}
/**
 * A GitHub-flavoured Markdown table (header row, `---` separators), ending in a newline; every
 * cell on one line, plain-text cells escaped by markdownText, and every unescaped `|` of a
 * MarkdownCell escaped, so no value can break the table or the Markdown after it. Markdown
 * rather than HTML so a summary also reads well as plain text in a terminal.
 */
function markdownTable(header, rows) {
    const lines = [
        `| ${header.map(cellMarkdown).join(' | ')} |`,
        `| ${header.map(() => '---').join(' | ')} |`,
        ...rows.map((row) => `| ${row.map(cellMarkdown).join(' | ')} |`),
    ];
    return lines.join('\n') + '\n';
}
/** A size in bytes as people read it: `512 B`, `1.5 KiB`, `3.2 MiB` (binary units, one decimal). */
function formatBytes(bytes) {
    if (bytes < 1024)
        return `${bytes} B`;
    if (bytes < 1024 * 1024)
        return `${(bytes / 1024).toFixed(1)} KiB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
/**
 * The line a summary gives a failure: `**Failed:** ` and the error's message (or the value as a
 * string) as markdownText shows it, cut at 2000 characters: messages quote file names, values and
 * hosts' answers.
 */
function failedMarkdown(error) {
    return `**Failed:** ${markdownText(error instanceof Error ? error.message : String(error), 2000)}`;
}

;// CONCATENATED MODULE: ../../packages/reporting/src/refused-input.ts
/**
 * An input the user gave (or left out) that a step refused before changing anything; the message
 * always names the input. The input layer's `InputError` and the errors a domain package throws
 * about an input it was handed (a manifest pattern that matches nothing, a namespace the cluster
 * does not have) both extend it, so the action boundary publishes its refused-input summary for
 * either without the domain package depending on the input layer.
 */
class RefusedInputError extends Error {
    input;
    constructor(
    /** The input's name as action.yml spells it (`manifests`, `namespace`). */
    input, message) {
        super(message);
        this.input = input;
        this.name = 'RefusedInputError';
    }
}

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: ../../packages/reporting/src/value-description.ts
var value_description = __webpack_require__(3277);
;// CONCATENATED MODULE: ../../packages/inputs/src/input-error.ts

/**
 * An input the user gave (or left out) that the action cannot use, found while reading the inputs.
 * The message always names the input.
 */
class input_error_InputError extends RefusedInputError {
    constructor(input, message) {
        super(input, message);
        this.name = 'InputError';
    }
}
/**
 * The error for a bad value: `Input "<name>" must be <expected>, got <value>`, the value quoted through describeValue
 * (hidden when `secret`).
 */
function input_error_mustBe(name, expected, raw, secret = false) {
    return new input_error_InputError(name, `Input "${name}" must be ${expected}, got ${(0,value_description/* describeValue */.bp)(raw, secret)}`);
}

// EXTERNAL MODULE: ../../packages/reporting/src/duration.ts
var duration = __webpack_require__(2559);
// EXTERNAL MODULE: ../../node_modules/.pnpm/re2js@2.10.0/node_modules/re2js/build/index.js
var build = __webpack_require__(8330);
;// CONCATENATED MODULE: ../../packages/inputs/src/collections.ts



/** Splits a list input; blank entries are dropped and each entry trimmed. */
function splitList(raw, separator = 'newline-or-comma') {
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
function listOf(item, separator = 'newline-or-comma') {
    return (name, raw) => splitList(raw, separator).map((entry) => item(name, entry));
}
/** `key=value` lines; the first `=` splits, so values may themselves contain `=`. */
function keyValueMap(options = {}) {
    return (name, raw) => {
        const map = new Map();
        for (const entry of splitList(raw, options.separator ?? 'newline')) {
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
const headers = (name, raw) => splitList(raw, 'newline').map((line) => {
    const at = line.indexOf(':');
    const field = at > 0 ? line.slice(0, at).trim() : '';
    if (!TOKEN.test(field)) {
        throw new input_error_InputError(name, `Input "${name}" must be lines of "Name: value", got a line without a valid header name`);
    }
    const value = line.slice(at + 1).trim();
    if (!FIELD_VALUE.test(value)) {
        throw new input_error_InputError(name, `Input "${name}": the value of header ${(0,value_description/* describeValue */.bp)(field)} must be visible ASCII or Latin-1 characters, spaces or tabs (no line breaks, NUL or characters above U+00FF)`);
    }
    if (value.length > MAX_HEADER_VALUE_BYTES) {
        throw new input_error_InputError(name, `Input "${name}": the value of header ${(0,value_description/* describeValue */.bp)(field)} is ${value.length} bytes, more than the ${MAX_HEADER_VALUE_BYTES} servers commonly accept`);
    }
    return [field, value];
});
/** Status codes and ranges such as `200-299,301`. */
const statusRanges = (name, raw) => {
    const ranges = splitList(raw, 'newline-or-comma').map((entry) => {
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

// EXTERNAL MODULE: ../../packages/reporting/src/secret-forms.ts
var secret_forms = __webpack_require__(5981);
;// CONCATENATED MODULE: ../../packages/inputs/src/secrets.ts




/** The secrets of every `Name: value` line, whatever its shape, so a malformed line cannot reveal a token. */
function headerLineSecrets(raw) {
    return splitList(raw, 'newline').flatMap((line) => {
        const at = line.indexOf(':');
        const value = (at >= 0 ? line.slice(at + 1) : line).trim();
        return value ? (0,secret_forms/* headerSecrets */.n3)(value) : [];
    });
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
 * Registers with the runner every header value, the credentials inside it and their encoded forms,
 * before the headers are parsed, so that a malformed line cannot reveal a token in an error.
 */
function maskHeaderValues(raw, mask) {
    for (const secret of headerLineSecrets(raw))
        for (const form of (0,secret_forms/* secretForms */.eo)(secret))
            maskSecret(form, mask);
}
/**
 * Registers the secrets of each URL in a list input (one per line: userinfo credentials and query
 * values, see urlSecrets) and their encoded forms.
 */
function maskUrlSecrets(raw, mask) {
    for (const line of splitList(raw, 'newline')) {
        for (const secret of (0,secret_forms/* urlSecrets */.Fn)(line))
            for (const form of (0,secret_forms/* secretForms */.eo)(secret))
                maskSecret(form, mask);
    }
}
/**
 * A token sent in the Authorization header (a GITHUB_TOKEN, a personal access token): one word, as
 * an HTTP header value cannot hold a line break and a token holds no space. Returns it trimmed.
 * Throws InputError naming the input, without quoting the token.
 */
function headerToken(name, raw) {
    const token = raw.trim();
    if (/\s/.test(token))
        throw input_error_mustBe(name, 'a token: one word, without spaces or line breaks', raw, true);
    return token;
}

;// CONCATENATED MODULE: ../../packages/inputs/src/scalars.ts





/** The input's text unchanged: the default parser of `required` and `optional`. */
const scalars_text = (_name, raw) => raw;
/**
 * A parser for a base-10 integer from `min` to `max` inclusive (an optional `-`, no decimals or exponent).
 * @throws InputError naming the input and the range otherwise.
 */
function integer(min, max) {
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
            throw input_error_mustBe(name, `a duration from ${(0,duration/* formatDuration */.a)(minMs)} to ${(0,duration/* formatDuration */.a)(maxMs)}`, raw);
        }
        return total;
    };
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
/** A release id (`RELEASE_ID_PATTERN`, the rule `@sophia/releases` owns), trimmed. Throws InputError naming the input when it is not one. */
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
const commandLine = (name, raw) => {
    refuseNonLine(name, raw);
    return raw.trim();
};
/**
 * A GitHub login: letters, digits and single inner hyphens (GitHub's sign-up rule), with `[bot]`
 * after it for a GitHub App's bot (`github-actions[bot]`), as GitHub shows an author's `login`.
 */
const githubLogin = matching(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\[bot\])?$/, 'a GitHub login, such as github-actions[bot]');

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

;// CONCATENATED MODULE: ../../packages/action-runtime/src/log.ts


/** How many of actionLog's groups are open: their work has begun and not ended. */
let openGroups = 0;
/** The runner's log, as the `Log` every domain package writes to: groups fold per host and per phase. */
const log_actionLog = {
    info: (line) => lib_core.info(line),
    warning: (message) => lib_core.warning(message),
    debug: (line) => lib_core.debug(line),
    group: (title, work) => lib_core.group(title, async () => {
        openGroups += 1;
        try {
            return await work();
        }
        finally {
            openGroups = Math.max(0, openGroups - 1);
        }
    }),
};
/**
 * Closes (`::endgroup::`) the log group whose work is still running, for a step about to be ended by force
 * (its cancel grace ran out): the runner folds every line after an unclosed `::group::` into that group, the
 * step's failure message too. The runner's log has one level of groups, so one `::endgroup::` closes it. Does
 * nothing when no group is open.
 */
function closeOpenLogGroup() {
    if (openGroups === 0)
        return;
    openGroups = 0;
    lib_core.endGroup();
}
/** What the input reader needs from the runner: secrets masked in the log, warnings as annotations. */
const runnerInputHooks = {
    mask: (secret) => lib_core.setSecret(secret),
    warn: (message) => lib_core.warning(message),
};
/**
 * The step's inputs as the runner passes them (its INPUT_* variables, read by the toolkit's
 * `getInput`), untrimmed: each parser decides what whitespace means (a private key keeps its
 * final newline).
 */
const runnerInputs = (name) => lib_core.getInput(name, { trimWhitespace: false });
/** The reader of this step's inputs, masking and warning through the runner. */
function actionInputs() {
    return new InputReader(runnerInputs, runnerInputHooks);
}

;// CONCATENATED MODULE: ../../packages/action-runtime/src/lifecycle.ts







/**
 * The same bundle runs as the main step and, when action.yml names it under `post:`, as the post
 * step; the main step leaves this state behind so the post run knows which it is. This is how
 * actions/checkout tells them apart (its state-helper's `isPost`).
 */
const IS_POST_STATE = 'isPost';
const SECRETS_DIR_STATE = 'secrets-dir';
let secretsDirPath;
/**
 * True once the runner has cancelled this main step (SIGINT, or SIGTERM without an SIGINT before it):
 * the step then fails with CANCELLED_MESSAGE.
 */
function wasCancelled() {
    return cancelledBy !== undefined;
}
/** The step's saved state, handed to the post step by the runner as STATE_<name> variables. */
const stepState = {
    save: (name, value) => lib_core.saveState(name, value),
    get: (name) => lib_core.getState(name),
};
/** True when this process is the action's post step. */
function isPostStep() {
    return lib_core.getState(IS_POST_STATE) === 'true';
}
/**
 * A private directory (mode 0700) under RUNNER_TEMP for files holding secrets, such as a
 * kubeconfig. It is removed when the main step ends however it ends: on success or failure, on
 * the runner's cancel signals (SIGINT, then SIGTERM), and, if the process was killed outright,
 * by the post step, which finds its path in the step's saved state. Created on first use.
 */
function secretsDir() {
    if (secretsDirPath)
        return secretsDirPath;
    const parent = process.env.RUNNER_TEMP || tmpdir();
    mkdirSync(parent, { recursive: true });
    const path = join(parent, `sophia-secrets-${randomBytes(6).toString('hex')}`);
    mkdirSync(path, { mode: 0o700 });
    core.saveState(SECRETS_DIR_STATE, path);
    secretsDirPath = path;
    return path;
}
/**
 * Never throws: a directory that cannot be removed is a warning, so the step's own outcome (a
 * deploy that changed a target) is what the run reports. Node retries ENOTEMPTY and EBUSY itself.
 */
function removeSecretsDir(path = secretsDirPath) {
    if (!path)
        return;
    try {
        (0,external_node_fs_.rmSync)(path, { recursive: true, force: true, maxRetries: 3 });
    }
    catch (error) {
        lib_core.warning(`Could not remove the step's secrets directory ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
}
/** The message of a step the runner cancelled, whatever the action. */
const CANCELLED_MESSAGE = 'The run was cancelled';
/**
 * How long after SIGINT a main step that listens to cancelSignal() may go on putting back what it
 * changed before it is ended: just within the 7.5 s before the runner's SIGTERM. What it knows is
 * published at once on the cancel (publishProvisional), so this bounds only the put-back.
 */
const CANCEL_GRACE_MS = 7000;
/**
 * The grace of a cancel that begins with SIGTERM (a runner that skips SIGINT, or a job's
 * `timeout-minutes` that ends the step so): the runner kills the process tree 2.5 s after SIGTERM,
 * so the step publishes what it knows and ends within this. A put-back that cannot finish in it is
 * the post step's, as after a cancel that outlasts CANCEL_GRACE_MS.
 */
const TERMINATE_GRACE_MS = 2000;
/** The exit code of a step ended by SIGINT (128 + 2) or SIGTERM (128 + 15), as a shell reports it. */
const EXIT_CODE_OF = { SIGINT: 130, SIGTERM: 143 };
const cancellation = new AbortController();
let cancelHeard = false;
let cancelledBy;
/**
 * Aborted (with reason `Error(CANCELLED_MESSAGE)`) when the runner cancels the main step (SIGINT,
 * or SIGTERM when no SIGINT came first). Work that takes this signal stops at once and returns what
 * it has, so the action can publish it (outputs, summary) and then fail with CANCELLED_MESSAGE; it
 * has CANCEL_GRACE_MS to do so (TERMINATE_GRACE_MS after a SIGTERM-first cancel). A main step that
 * never asks for the signal publishes what its action says it knew, unless it published already
 * (see asMainStep), and fails with CANCELLED_MESSAGE.
 */
function cancelSignal() {
    cancelHeard = true;
    return cancellation.signal;
}
/**
 * The exit code a main step that a cancel ended must end with, once its work has ended on its own:
 * 143 when the cancel began with SIGTERM (what the process would have exited with had it not
 * listened), undefined otherwise (a SIGINT cancel fails the step as any failure does).
 */
function cancelExitCode() {
    return cancelledBy === 'SIGTERM' ? EXIT_CODE_OF.SIGTERM : undefined;
}
/**
 * On cancel the runner sends SIGINT to the step's process, then SIGTERM 7.5 s later, and kills the
 * process tree 2.5 s after that
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-cancellation). A
 * SIGTERM that comes without a SIGINT before it (a runner or a `timeout-minutes` kill that skips
 * SIGINT) is that cancel with only the last 2.5 s of it: it is handled as SIGINT is, within
 * TERMINATE_GRACE_MS. A SIGTERM after a SIGINT ends the step at once, as the runner's last word.
 * The secrets go synchronously on that SIGTERM, and on a cancel's first signal when the work does
 * not listen to cancelSignal(); work that listens may still need them to put back what it changed
 * (kubectl's kubeconfig), so they go when it ends (asMainStep) or when its grace runs out. The
 * message says only that the run was cancelled, whether or not this action had secrets on disk.
 */
function handleCancelSignals(publishOnCancel) {
    const onCancel = (signal, graceMs) => {
        cancelledBy = signal;
        const end = () => {
            closeOpenLogGroup();
            removeSecretsDir();
            lib_core.setFailed(CANCELLED_MESSAGE);
            process.exit(EXIT_CODE_OF[signal]);
        };
        if (cancelHeard && !cancellation.signal.aborted) {
            cancellation.abort(new Error(CANCELLED_MESSAGE));
            // The work publishes and the step ends on its own; this only bounds a step that does not.
            setTimeout(end, graceMs).unref();
            return;
        }
        if (!publishOnCancel)
            return end();
        // The work does not stop on the cancel: only what is known goes out, within the grace, then the step ends.
        setTimeout(end, graceMs).unref();
        publishOnCancel()
            .catch(() => undefined)
            .finally(end);
    };
    process.on('SIGTERM', () => {
        if (cancelledBy === undefined)
            return onCancel('SIGTERM', TERMINATE_GRACE_MS);
        closeOpenLogGroup();
        removeSecretsDir();
        process.exit(EXIT_CODE_OF.SIGTERM);
    });
    // Remote clean-up (a deploy lock) is the post step's: it runs after the cancel too, with time of its own.
    process.on('SIGINT', () => {
        if (cancelledBy === undefined)
            onCancel('SIGINT', CANCEL_GRACE_MS);
    });
}
/**
 * The main step's lifecycle: mark the post step, watch for cancel signals, remove secrets at the end.
 * `publishOnCancel` publishes what a step that does not listen to cancelSignal() knew when the cancel
 * came (its outputs and summary); the step ends once it is done, or after CANCEL_GRACE_MS
 * (TERMINATE_GRACE_MS when the cancel began with SIGTERM).
 */
async function asMainStep(work, publishOnCancel) {
    lib_core.saveState(IS_POST_STATE, 'true');
    handleCancelSignals(publishOnCancel);
    try {
        await work();
    }
    finally {
        removeSecretsDir();
    }
}
/** The post step's lifecycle: remove what a killed main step left on disk, then the action's own clean-up. */
async function asPostStep(work) {
    removeSecretsDir(lib_core.getState(SECRETS_DIR_STATE) || undefined);
    await work?.();
}
/**
 * Where a step that runs kubectl and reads the workspace logs and keeps its files, in the shape
 * `withKubectl` and `withDeployManifests` take: the runner's log, `secretsDir()` for files holding
 * secrets (a kubeconfig, removed however the step ends), the checkout that relative inputs
 * start from (`workspaceDir()`), and the run's `cancelSignal()`, which ends kubectl on cancel so
 * the step can publish what it did. Creates the secrets directory on first use.
 */
function onRunner() {
    return { log: actionLog, tempDir: secretsDir(), cwd: workspaceDir(), signal: cancelSignal() };
}

;// CONCATENATED MODULE: ../../packages/action-runtime/src/outputs.ts

/**
 * Objects and arrays are written as JSON so later steps can use `fromJSON()`. Not exported from
 * the package: actions set their outputs through a `Publication`.
 */
function setOutputs(outputs) {
    for (const [name, value] of Object.entries(outputs)) {
        lib_core.setOutput(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
    }
}

;// CONCATENATED MODULE: ../../packages/action-runtime/src/summary.ts

/**
 * Appends Markdown to the job summary (or, with `overwrite`, replaces what this step wrote); a no-op outside a runner (no GITHUB_STEP_SUMMARY). Not
 * exported from the package: actions write their summary through a `Publication`.
 */
async function writeSummary(markdown, overwrite = false) {
    if (!process.env.GITHUB_STEP_SUMMARY)
        return;
    // Each step has its own GITHUB_STEP_SUMMARY file, so overwriting replaces only this step's summary.
    await lib_core.summary.addRaw(markdown, true).write({ overwrite });
}

;// CONCATENATED MODULE: ../../packages/action-runtime/src/publish.ts



let publishedOnce = false;
let provisionalPublished = false;
/** What this step's publications wrote to the log (groups, annotations, warnings), each as a key: see `publish`. */
const written = new Set();
/** Whether this step has published anything yet: the error boundary publishes only for a step that has not. */
function hasPublished() {
    return publishedOnce;
}
/**
 * Writes the outputs, then the log groups, then the file annotations and warnings, then the job
 * summary. Each log group, annotation and warning is written once per step: one that an earlier
 * publication of this step wrote already is left out, so a step that published at a cancel
 * (`publishProvisional`) and again at its end shows each in the log once. After a
 * `publishProvisional`, the summary replaces the provisional one and the outputs are written again,
 * appended after the provisional ones (@actions/core's setOutput only appends): the later entry for
 * a name wins. actions/runner reads GITHUB_OUTPUT once, in a `finally` after
 * the action's process ends, also on a cancel (src/Runner.Worker/ActionRunner.cs, RunAsync);
 * `SetOutputFileCommand.ProcessCommand` (src/Runner.Worker/FileCommandManager.cs) walks the
 * file's entries in order and sets each through `StepsContext.SetOutput`
 * (src/Runner.Worker/StepsContext.cs), which assigns `outputs[name]`, replacing an earlier value.
 */
async function publish(publication) {
    publishedOnce = true;
    const replacing = provisionalPublished;
    provisionalPublished = false;
    await write(publication, { replacing, groups: true });
}
/**
 * Publishes what is known while the work still runs and the runner may end the step before it
 * ends (a cancelled deploy putting back what it changed): its outputs, annotations, warnings and
 * summary; the next `publish` overwrites the summary and outputs. It writes no log group: the work
 * may be inside a group of its own when the cancel comes (a Kubernetes deploy's "Apply and watch
 * the rollouts"), and GitHub's log does not nest groups; and the final publication's groups hold
 * what this one's would, and how it ended. A step ended before its final publication shows what it
 * knew in the summary.
 */
async function publishProvisional(publication) {
    publishedOnce = true;
    const replacing = provisionalPublished;
    await write(publication, { replacing, groups: false });
    provisionalPublished = true;
}
/**
 * For a step that publishes at once on cancel what it knows (a cancelled deploy putting back what it
 * changed, which may outlast the runner's grace): publications queued through it are written one
 * after another (the job summary is one buffer, so two writes must not overlap), and, when `signal`
 * aborts before the work has published anything of its own, `atCancel()` is published first. A
 * publication that cannot be written is a warning.
 */
function provisionalPublisher(signal, atCancel) {
    let queue = Promise.resolve();
    const publish = (publication) => {
        queue = queue
            .then(() => publishProvisional(publication))
            .catch((error) => core.warning(`What the cancelled step knew could not be published: ${error instanceof Error ? error.message : String(error)}`));
    };
    const onAbort = () => publish(atCancel());
    signal.addEventListener('abort', onAbort, { once: true });
    return {
        publish,
        around: async (work) => {
            try {
                return await work();
            }
            finally {
                signal.removeEventListener('abort', onAbort);
                await queue;
            }
        },
    };
}
/** True the first time `entry` of `kind` is offered in this step, recording it; false after. */
function firstTime(kind, entry) {
    const key = JSON.stringify([kind, entry]);
    if (written.has(key))
        return false;
    written.add(key);
    return true;
}
async function write(publication, options) {
    if (publication.outputs)
        setOutputs(publication.outputs);
    for (const group of options.groups ? (publication.logGroups ?? []) : []) {
        if (group.lines.length === 0 || !firstTime('group', group))
            continue;
        lib_core.startGroup(group.title);
        for (const line of group.lines)
            lib_core.info(line);
        lib_core.endGroup();
    }
    for (const annotation of publication.annotations ?? []) {
        if (!firstTime('annotation', annotation))
            continue;
        const { file, line, message, title, level } = annotation;
        lib_core[level](message, { file, startLine: line, title });
    }
    for (const warning of publication.warnings ?? [])
        if (firstTime('warning', warning))
            lib_core.warning(warning);
    if (publication.summary !== undefined)
        await writeSummary(publication.summary, options.replacing);
}
/**
 * Runs the work and publishes its report once, whether the work succeeded or failed with the
 * plan's `reported` error (then the error's report is published and the error rethrown, so the step
 * fails with the outputs and summary in place). Any other error is published with `unreported` when
 * given, and passes through. When the failure's publication itself fails, a warning says so and the
 * step still fails with the original error, not the publication's.
 */
async function publishing(work, plan) {
    let report;
    try {
        report = await work();
    }
    catch (error) {
        const { reported, publicationOf, unreported } = plan;
        if (reported && error instanceof reported)
            await publishFailure(() => publicationOf(error.report));
        else if (unreported)
            await publishFailure(() => unreported(error));
        throw error;
    }
    await publish(plan.publicationOf(report));
    return report;
}
/**
 * Publishes a failure's outputs and summary; when that itself fails, only a warning says so, so
 * that the step fails with the original error, not the publication's.
 */
async function publishFailure(publicationOf) {
    try {
        await publish(publicationOf());
    }
    catch (failure) {
        lib_core.warning(`The outputs and summary of this failure could not be written: ${failure instanceof Error ? failure.message : String(failure)}`);
    }
}

;// CONCATENATED MODULE: ../../packages/action-runtime/src/run-action.ts




/**
 * True when the user re-ran the job with debug logging (`RUNNER_DEBUG=1`) or set the `ACTIONS_STEP_DEBUG` secret, as
 * GitHub documents under "Enabling debug logging"; values `1` or `true`, any case.
 */
function debugEnabled(env = process.env) {
    return ['RUNNER_DEBUG', 'ACTIONS_STEP_DEBUG'].some((name) => ['1', 'true'].includes((env[name] ?? '').toLowerCase()));
}
/**
 * The job summary of a main step cancelled before it published anything (see ActionSteps.whenCancelled);
 * a `whenCancelled` that throws (inputs that cannot be read) is left out.
 */
function cancelledSummary(title, whenCancelled) {
    let known = '';
    try {
        known = whenCancelled ? `\n\n${whenCancelled()}` : '';
    }
    catch {
        // The inputs could not be read: the step never got as far as doing anything with them.
    }
    return `### ${title}\n\n**Failed:** ${CANCELLED_MESSAGE} before this step finished.${known}\n`;
}
/**
 * The job summary of a step that an input error stopped before anything ran: the input, and what
 * was expected of it (the RefusedInputError's message says both: an InputError from reading the
 * inputs, or a domain package's refusal of an input it was handed, such as a KubernetesInputError). The message quotes what the user
 * typed, so it and the input's name go in through markdownText (failedMarkdown for the message):
 * shown as written, control characters visible, cut when long.
 */
function inputRefusedSummary(title, error) {
    const input = markdownText(error.input);
    return `### ${title}\n\nNothing was run: input "${input}" was refused, and nothing was changed.\n\n${failedMarkdown(error)}\n`;
}
/**
 * The one error path of every action: the message goes to `core.setFailed`; the stack only
 * when the user turned step debugging on, because stacks in normal logs bury the reason. A main
 * step that an input error stopped before it published anything still publishes its summary
 * and the outputs that do not depend on the inputs (`steps`).
 */
async function reportFailures(work, steps) {
    try {
        await work();
        // A cancelled step that put back what it changed has published how; it still did not do its job.
        if (wasCancelled())
            lib_core.setFailed(CANCELLED_MESSAGE);
    }
    catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (debugEnabled() && error instanceof Error && error.stack)
            lib_core.info(error.stack);
        if (steps && error instanceof RefusedInputError && !hasPublished()) {
            await publishFailure(() => ({
                outputs: steps.notRunOutputs,
                summary: inputRefusedSummary(steps.title, error),
            }));
        }
        lib_core.setFailed(message);
    }
}
/**
 * Runs an action's bundle as its main step or, when action.yml also names the bundle under
 * `post:` (with `post-if: always()`), as its post step: `steps.post` frees what a cancelled or killed
 * main step may have left (a remote lock); secrets on disk are removed in both steps. A main step
 * that a SIGTERM-first cancel ended exits 143 even when its work ended on its own (see cancelExitCode).
 */
async function runAction(main, steps) {
    if (isPostStep())
        return reportFailures(() => asPostStep(steps.post));
    await reportFailures(() => asMainStep(main, async () => {
        if (hasPublished())
            return;
        await publishFailure(() => ({
            outputs: steps.notRunOutputs,
            summary: cancelledSummary(steps.title, steps.whenCancelled),
        }));
    }), steps);
    process.exitCode = cancelExitCode() ?? process.exitCode;
}

;// CONCATENATED MODULE: ../../packages/action-runtime/src/run-context.ts
/**
 * `<server>/<owner>/<repo>/actions/runs/<id>`, or '' without a repository or run id. A missing
 * GITHUB_SERVER_URL means github.com, as the runner itself assumes (`github.context.serverUrl`).
 */
function runUrl(env = process.env) {
    const server = env.GITHUB_SERVER_URL || 'https://github.com';
    return env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
        ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
        : '';
}
/**
 * The run as GitHub's default environment variables describe it (GITHUB_SHA, GITHUB_REF, GITHUB_ACTOR, GITHUB_RUN_ID,
 * GITHUB_RUN_ATTEMPT, and the run URL from GITHUB_SERVER_URL/GITHUB_REPOSITORY). Absent variables give empty strings,
 * so a run outside a runner still works; never throws.
 */
function runContext(env = process.env) {
    return {
        commit: env.GITHUB_SHA ?? '',
        ref: env.GITHUB_REF ?? '',
        actor: env.GITHUB_ACTOR ?? '',
        runId: env.GITHUB_RUN_ID ?? '',
        runAttempt: env.GITHUB_RUN_ATTEMPT ?? '',
        runUrl: runUrl(env),
    };
}
/** The runner's checkout, where relative paths in inputs start (GITHUB_WORKSPACE; the current directory locally). */
function run_context_workspaceDir(env = process.env) {
    return env.GITHUB_WORKSPACE || process.cwd();
}

// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
var external_node_http_default = /*#__PURE__*/__webpack_require__.n(external_node_http_);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(4708);
var external_node_https_default = /*#__PURE__*/__webpack_require__.n(external_node_https_);
// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
var external_node_net_default = /*#__PURE__*/__webpack_require__.n(external_node_net_);
// EXTERNAL MODULE: ../../node_modules/.pnpm/@actions+http-client@4.0.1/node_modules/@actions/http-client/lib/index.js + 1 modules
var lib = __webpack_require__(8099);
;// CONCATENATED MODULE: ../../packages/action-runtime/src/http-agents.ts






/**
 * The proxy variables the toolkit's HTTP client reads, in its order of precedence
 * (@actions/http-client proxy.ts getProxyUrl: lower case first).
 */
const PROXY_VARIABLES = {
    'https:': ['https_proxy', 'HTTPS_PROXY'],
    'http:': ['http_proxy', 'HTTP_PROXY'],
};
/**
 * The proxy for `protocol` from the environment, or undefined. A value without a scheme means
 * http:// (as the toolkit reads it). Throws an Error naming the variable, its value without
 * credentials, and what was expected, for a value that is not an http:// or https:// URL: the
 * toolkit would silently go direct, and the probes would fail far from the cause.
 */
function proxySetting(protocol, env) {
    const variable = PROXY_VARIABLES[protocol].find((name) => env[name]);
    if (!variable)
        return undefined;
    const value = env[variable].trim();
    const withScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value) ? value : `http://${value}`;
    const hidden = (0,value_description/* shortenValue */.Vx)(hideUrlUserinfo(withScheme));
    let url;
    try {
        url = new URL(withScheme);
    }
    catch {
        throw new Error(`${variable} is not a valid proxy URL: got "${hidden}", expected http://host:port or https://host:port`);
    }
    // A proxy URL has no path: an @ after / ? # is an unencoded one in the user or password, which
    // the URL parser would turn into a wrong host (and print part of the password as its port).
    if (/^[^:]+:\/\/[^@]*[/?#]\S*@/.test(withScheme)) {
        throw new Error(`${variable} is not a valid proxy URL: got "${hidden}", expected http://user:password@host:port with / ? # in the user and password percent-encoded (%2F %3F %23)`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
        throw new Error(`${variable} must be an http:// or https:// proxy URL with a host: got "${hidden}" (the toolkit's client speaks HTTP CONNECT only)`);
    }
    return { url, shown: `proxy ${url.protocol}//${url.host} (${variable})` };
}
/**
 * Loopback addresses as Go's IP.IsLoopback reads them: 127.0.0.0/8 and ::1, the IPv4 range also
 * when IPv4-mapped (`::ffff:127.0.0.1`).
 */
const LOOPBACK = (() => {
    const list = new (external_node_net_default()).BlockList();
    list.addSubnet('127.0.0.0', 8, 'ipv4');
    list.addAddress('::1', 'ipv6');
    return list;
})();
/**
 * True for the hosts that never go through a proxy whatever NO_PROXY says: `localhost` and loopback
 * IP literals, as Go's net/http decides (golang.org/x/net/http/httpproxy, config.useProxy: `host ==
 * "localhost"` or `net.ParseIP(host).IsLoopback()`). Only a real address counts: the toolkit's
 * `isLoopbackAddress` tests the text `127.` and so sends a name such as `127.example.com`, which DNS
 * may put anywhere, around the proxy; Go and curl (whose NO_PROXY matches names as names, never
 * by prefix) send it through.
 */
function isLoopbackHost(host, family) {
    if (host === 'localhost')
        return true;
    return family !== 0 && LOOPBACK.check(host, family === 6 ? 'ipv6' : 'ipv4');
}
/**
 * Whether `url` bypasses the proxy under NO_PROXY (`no_proxy` first), a comma-separated list.
 * The toolkit's rules (@actions/http-client checkBypass), kept: `*`; a name matching the host or a
 * parent domain (`example.com`, `.example.com`), optionally with `:port`; loopback always (real
 * loopback addresses only: see isLoopbackHost).
 * Added, as Go's net/http (golang.org/x/net/http/httpproxy) and curl (CURLOPT_NOPROXY, CIDR since
 * 7.86.0) do: IP addresses compared as addresses, IPv6 with or without brackets (`::1`, `[fd00::1]`,
 * `[fd00::1]:8443`), and CIDR ranges (`10.0.0.0/8`, `fd00::/8`), which the toolkit compares as
 * strings against the bracketed host and so never matches.
 */
function bypassesProxy(url, noProxy) {
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    const hostFamily = external_node_net_default().isIP(host);
    if (isLoopbackHost(host, hostFamily))
        return true;
    for (const raw of noProxy.split(',')) {
        const entry = raw.trim().toLowerCase();
        if (!entry)
            continue;
        if (entry === '*')
            return true;
        if (entry.includes('/')) {
            const [network, bits] = entry.replace(/^\[(.*)\](\/)/, '$1$2').split('/');
            const family = external_node_net_default().isIP(network);
            if (!family || family !== hostFamily || !/^\d+$/.test(bits))
                continue;
            const range = new (external_node_net_default()).BlockList();
            try {
                range.addSubnet(network, Number(bits), family === 6 ? 'ipv6' : 'ipv4');
            }
            catch {
                continue; // a prefix longer than the address: matches nothing, as in Go
            }
            if (range.check(host, family === 6 ? 'ipv6' : 'ipv4'))
                return true;
            continue;
        }
        const { name, port: entryPort } = splitEntry(entry);
        if (entryPort && entryPort !== port)
            continue;
        if (external_node_net_default().isIP(name)) {
            if (hostFamily && sameAddress(host, name))
                return true;
            continue;
        }
        const bare = name.replace(/^\*?\./, '');
        if (host === bare || host.endsWith(`.${bare}`))
            return true;
    }
    return false;
}
/** `name`, `name:port`, `[v6]`, `[v6]:port` or a bare IPv6 address (more than one colon, no port). */
function splitEntry(entry) {
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed)
        return { name: bracketed[1], port: bracketed[2] };
    const colons = entry.split(':').length - 1;
    if (colons === 1) {
        const [name, port] = entry.split(':');
        return { name, port };
    }
    return { name: entry };
}
function sameAddress(a, b) {
    const family = external_node_net_default().isIP(a);
    if (!family || family !== external_node_net_default().isIP(b))
        return false;
    const list = new (external_node_net_default()).BlockList();
    list.addAddress(b, family === 6 ? 'ipv6' : 'ipv4');
    return list.check(a, family === 6 ? 'ipv6' : 'ipv4');
}
/**
 * Routes that honour HTTPS_PROXY, HTTP_PROXY and NO_PROXY (lower-case forms first) as the toolkit's
 * HTTP client (@actions/http-client) does for every other action, with NO_PROXY also matching IP
 * addresses and ranges (see bypassesProxy): self-hosted runners behind a proxy need nothing more.
 * Shape: (url, insecureTls) -> a non-keep-alive route for that URL; with insecureTls, any
 * certificate is accepted. The proxy variables are read from process.env once, here: throws an Error naming the
 * variable when one is not a proxy URL. Proxied agents are the toolkit client's own (CONNECT
 * tunnels with the proxy's credentials); one client per scheme, because the client caches a single
 * agent whatever the scheme.
 */
function toolkitAgents() {
    // process.env itself, not a copy: the toolkit's client reads it again for the proxied agents.
    const env = process.env;
    const proxies = { 'https:': proxySetting('https:', env), 'http:': proxySetting('http:', env) };
    const noProxy = env.no_proxy || env.NO_PROXY || '';
    const clients = new Map();
    const direct = {
        'http:': new (external_node_http_default()).Agent({ keepAlive: false }),
        secure: new (external_node_https_default()).Agent({ keepAlive: false }),
        insecure: new (external_node_https_default()).Agent({ keepAlive: false, rejectUnauthorized: false }),
    };
    return (url, insecureTls) => {
        const proxy = proxies[url.protocol];
        if (!proxy || bypassesProxy(url, noProxy)) {
            const agent = url.protocol !== 'https:' ? direct['http:'] : insecureTls ? direct.insecure : direct.secure;
            return { agent };
        }
        const key = `${url.protocol}${insecureTls}`;
        let client = clients.get(key);
        if (!client) {
            client = new lib/* HttpClient */.Qq('sophia-deploy-actions', [], { keepAlive: false, ignoreSslError: insecureTls });
            clients.set(key, client);
        }
        return { agent: closableTunnel(client.getAgent(url.href)), proxy: proxy.shown };
    };
}
const closable = new WeakSet();
/**
 * Gives the toolkit's tunnelling agent a `destroy()` that also ends the CONNECT requests still
 * waiting for the proxy's answer. The `tunnel` package keeps no handle on them and sets them no time
 * limit, so a proxy that accepts the connection and never answers CONNECT would hold the process
 * open after the gate has finished. Returns the same agent.
 */
function closableTunnel(agent) {
    const tunnel = agent;
    if (closable.has(agent) || typeof tunnel.request !== 'function')
        return agent;
    closable.add(agent);
    const pending = new Set();
    const send = tunnel.request;
    tunnel.request = ((...args) => {
        const connect = send(...args);
        pending.add(connect);
        connect.once('close', () => pending.delete(connect));
        connect.once('connect', () => pending.delete(connect));
        return connect;
    });
    const destroy = agent.destroy?.bind(agent);
    agent.destroy = () => {
        for (const connect of pending)
            connect.destroy();
        pending.clear();
        destroy?.();
    };
    return agent;
}

;// CONCATENATED MODULE: ../../packages/action-runtime/src/plan-file.ts




/**
 * The publication with its `plan` output (a deploy plan document, when the run made one) also
 * written as JSON to a file under RUNNER_TEMP, named `<action>-plan-<random>.json` so two steps of
 * one job never share it, and that file's path as the `plan-file` output: a later step uploads it
 * or reads it without the size limits of an output. A publication without a plan is returned as it is.
 */
function withPlanFile(publication, action) {
    const plan = publication.outputs?.plan;
    if (plan === undefined)
        return publication;
    const dir = process.env.RUNNER_TEMP || tmpdir();
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${action}-plan-${randomBytes(4).toString('hex')}.json`);
    writeFileSync(path, `${JSON.stringify(plan, null, 2)}\n`);
    return { ...publication, outputs: { ...publication.outputs, 'plan-file': path } };
}

;// CONCATENATED MODULE: ../../packages/action-runtime/src/index.ts
// First, so that bundled dependencies find the CommonJS globals when they load.









// EXTERNAL MODULE: ../../packages/health-check/src/index.ts + 9 modules
var src = __webpack_require__(1436);
// EXTERNAL MODULE: ../../node_modules/.pnpm/@actions+github@9.1.1/node_modules/@actions/github/lib/github.js + 22 modules
var github = __webpack_require__(8258);
;// CONCATENATED MODULE: ../../packages/github/src/client.ts

/**
 * A client for one repository. The API root is read here, at call time, rather than left to
 * @actions/github, which reads GITHUB_API_URL once when it is first imported.
 * Throws TypeError when the token is empty or the repository is not `owner/name`.
 */
function githubRepository(options) {
    if (!options.token)
        throw new TypeError("A GitHub token is required (the job's GITHUB_TOKEN, for example)");
    // An empty variable counts as unset, as runContext (action-runtime) reads the runner's variables.
    const repository = options.repository || process.env.GITHUB_REPOSITORY || '';
    const match = /^([^/\s]+)\/([^/\s]+)$/.exec(repository);
    if (!match) {
        throw new TypeError(`repository must be "owner/name" (or GITHUB_REPOSITORY set), got "${repository}"`);
    }
    const baseUrl = (options.apiUrl || process.env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
    return { octokit: (0,github/* getOctokit */.Q)(options.token, { baseUrl }), owner: match[1], repo: match[2] };
}
/**
 * A GitHub REST call that failed: the operation (this package's function), the HTTP status (0
 * when no answer came) and GitHub's own message, with the field errors of a 422. The token is
 * never part of it.
 */
class GitHubApiError extends Error {
    operation;
    status;
    githubMessage;
    rateLimit;
    constructor(
    /** This package's operation, such as `upsertPullRequestComment`. */
    operation, 
    /** The HTTP status of GitHub's answer; 0 when the request got none (network failure). */
    status, 
    /** GitHub's `message` field, or the network error's message. */
    githubMessage, 
    /** Set when the refusal is a rate limit: a 403 then says nothing about the token's permissions. */
    rateLimit) {
        const limited = rateLimit ? ` (${describeRateLimit(rateLimit)})` : '';
        super(`${operation}: GitHub answered ${status === 0 ? 'nothing' : `HTTP ${status}`}: ${githubMessage}${limited}`);
        this.operation = operation;
        this.status = status;
        this.githubMessage = githubMessage;
        this.rateLimit = rateLimit;
        this.name = 'GitHubApiError';
    }
}
/**
 * A rate limit in words: which limit, until when (UTC, to the second) or how long GitHub asks to
 * wait, and that it is not a missing permission. Example: "rate limited: this token's API requests
 * are used up until 2026-01-01 01:00:00 UTC; not a missing permission".
 */
function describeRateLimit(rateLimit) {
    const until = rateLimit.resetAt &&
        ` until ${rateLimit.resetAt
            .toISOString()
            .replace('T', ' ')
            .replace(/\.\d+Z$/, ' UTC')}`;
    const asks = rateLimit.retryAfterSeconds !== undefined && `; GitHub asks to wait ${rateLimit.retryAfterSeconds} s`;
    // A primary limit lasts until its reset; a secondary one as long as retry-after says, when it says.
    const wait = (rateLimit.kind === 'primary' ? until || asks : asks || until) || '';
    const what = rateLimit.kind === 'primary'
        ? "rate limited: this token's API requests are used up"
        : 'rate limited: too many requests in a short time (a secondary rate limit)';
    return `${what}${wait}; not a missing permission`;
}
/** The rate limit a refusal reports, read as GitHub's docs describe it (see GitHubRateLimit); undefined for any other refusal. */
function rateLimitOf(status, message, headers) {
    if (status !== 403 && status !== 429)
        return undefined;
    const header = (name) => {
        const value = headers?.[name];
        return value === undefined ? undefined : String(value);
    };
    const retryAfter = Number(header('retry-after'));
    const retryAfterSeconds = Number.isFinite(retryAfter) && header('retry-after') !== undefined ? retryAfter : undefined;
    const exhausted = header('x-ratelimit-remaining') === '0';
    const reset = Number(header('x-ratelimit-reset'));
    const resetAt = exhausted && Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000) : undefined;
    // The message first, as octokit's throttling plugin reads it: a secondary limit's answer may also
    // carry x-ratelimit-remaining: 0 (GitHub docs, "Exceeding the secondary rate limit").
    if (/\bsecondary rate\b/i.test(message))
        return { kind: 'secondary', resetAt, retryAfterSeconds };
    if (exhausted)
        return { kind: 'primary', resetAt, retryAfterSeconds };
    if (retryAfterSeconds !== undefined)
        return { kind: 'secondary', retryAfterSeconds };
    return undefined;
}
/** Runs one operation's requests, turning octokit's failures into GitHubApiError. */
async function client_calling(operation, run) {
    try {
        return await run();
    }
    catch (error) {
        if (error instanceof GitHubApiError)
            throw error;
        const failure = error;
        const data = failure.response?.data;
        if (typeof failure.status === 'number' && failure.response) {
            const detail = Array.isArray(data?.errors) && data.errors.length > 0 ? ` ${JSON.stringify(data.errors)}` : '';
            const message = typeof data?.message === 'string' ? data.message : (failure.message ?? '');
            const rateLimit = rateLimitOf(failure.status, message, failure.response.headers);
            throw new GitHubApiError(operation, failure.status, `${message}${detail}`, rateLimit);
        }
        // octokit reports a request that got no answer as status 500 without a response.
        throw new GitHubApiError(operation, 0, failure.message ?? String(error));
    }
}
/**
 * The hidden HTML comment that identifies what this suite wrote (`<!-- sophia-<kind>:<key> -->`),
 * so it is found again by content rather than by title or position.
 * Throws TypeError when the key could end the comment or break the line.
 */
function client_marker(kind, key) {
    if (!/^[A-Za-z0-9._/:@+-]+$/.test(key) || key.includes('--')) {
        throw new TypeError(`marker key must be letters, digits and . _ / : @ + - (no "--"), got "${key}"`);
    }
    return `<!-- sophia-${kind}:${key} -->`;
}
/**
 * The pages of a REST list of the repository, 100 items each (GitHub's largest page), read only as
 * the caller iterates: octokit follows each answer's `Link: rel="next"` header (GitHub docs, "Using
 * pagination in the REST API"). Errors are octokit's: the caller runs it inside `calling`.
 */
function client_pagesOf(github, method, query) {
    const { octokit, owner, repo } = github;
    // octokit types `iterator` per route, which a generic M cannot name; M's own types keep what the cast forgets.
    const iterator = octokit.paginate.iterator;
    const pages = iterator(method, { ...query, owner, repo, per_page: 100 });
    return {
        async *[Symbol.asyncIterator]() {
            for await (const page of pages)
                yield page.data;
        },
    };
}
/** Every item of a REST list of the repository, all pages read (see `pagesOf`). */
async function client_listAll(github, method, query) {
    const items = [];
    for await (const page of client_pagesOf(github, method, query))
        items.push(...page);
    return items;
}

;// CONCATENATED MODULE: ../../packages/github/src/author.ts
/**
 * Whom a job's GITHUB_TOKEN writes as on github.com (GitHub docs, "Automatic token
 * authentication"). A GitHub App's installation token writes as `<app-slug>[bot]`; a personal
 * access token as its user. GET /user does not answer an installation token (403), so the
 * author is told, not asked.
 */
const author_DEFAULT_COMMENT_AUTHOR = 'github-actions[bot]';
/**
 * Whether an issue or comment was written by `author` (a login; compared without case, as GitHub
 * compares logins). What this suite finds again by a hidden marker must also be written by the
 * token's author: anyone who may open an issue or comment can copy the marker into their own text.
 */
function author_writtenBy(written, author) {
    return written.user?.login?.toLowerCase() === author.toLowerCase();
}
/**
 * The warning when GitHub shows `written` (a login) as the author of what this suite just
 * created, not `asked`, the login the input named `input` gives: later runs look for what
 * `asked` wrote and will not find it. Undefined when they match (without case) or GitHub showed none.
 * `what` names the text, such as `The plan comment`.
 */
function authorMismatch(what, written, input, asked) {
    if (!written || written.toLowerCase() === asked.toLowerCase())
        return undefined;
    return `${what} was written as "${written}", not as ${input} "${asked}": the next run looks for what "${asked}" wrote and will not find it. Set ${input}: ${written}`;
}

;// CONCATENATED MODULE: ../../packages/github/src/pull-request-comment.ts


/** GitHub's longest issue or pull request comment body, in characters (a longer one is refused with 422). */
const COMMENT_BODY_LIMIT = 65536;
/**
 * The longest `body` that `upsertPullRequestComment` can write for `key`: COMMENT_BODY_LIMIT less
 * its hidden marker line. Counted in UTF-16 code units, which are never fewer than the characters
 * GitHub counts, so a body within it is never refused for its length.
 * Throws TypeError for a bad key (as `upsertPullRequestComment`).
 */
function pullRequestCommentBodyLimit(key) {
    return COMMENT_BODY_LIMIT - marker('deploy-plan', key).length - 1;
}
/**
 * Creates the pull request's comment for `key`, or updates it in place when it exists, so a pull
 * request carries one comment per key however often it is written. The comment is found by the
 * hidden marker `<!-- sophia-deploy-plan:<key> -->` across every page of the pull request's
 * comments, among those written by `author` only (logins compared without case, as GitHub's
 * are): anyone may write the marker into a comment of their own.
 *
 * REST: GET and POST /repos/{owner}/{repo}/issues/{issue_number}/comments, PATCH
 * /repos/{owner}/{repo}/issues/comments/{comment_id} (pull request comments are issue comments).
 * Minimum token permission: `pull-requests: write` (GitHub docs, "Create an issue comment": a
 * pull request's comments need Issues or Pull requests write).
 * Throws GitHubApiError (operation `upsertPullRequestComment`); TypeError for a bad key.
 */
async function upsertPullRequestComment(github, options) {
    const hidden = marker('deploy-plan', options.key);
    const body = `${hidden}\n${options.body}`;
    return calling('upsertPullRequestComment', async () => {
        const { octokit, owner, repo } = github;
        const comments = await listAll(github, octokit.rest.issues.listComments, { issue_number: options.pullNumber });
        const author = options.author ?? DEFAULT_COMMENT_AUTHOR;
        const existing = comments.find((comment) => writtenBy(comment, author) && comment.body?.includes(hidden));
        if (existing) {
            const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body });
            return { id: data.id, htmlUrl: data.html_url, created: false, author: data.user?.login ?? '' };
        }
        const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: options.pullNumber, body });
        return { id: data.id, htmlUrl: data.html_url, created: true, author: data.user?.login ?? '' };
    });
}

;// CONCATENATED MODULE: ../../packages/github/src/alert-issue.ts


function alertIssueOf(issue) {
    return { number: issue.number, title: issue.title, htmlUrl: issue.html_url };
}
/**
 * Whether an issue's text starts with the alert's marker line, where createAlertIssue writes it:
 * the marker anywhere else (inside quoted text) does not count.
 */
function startsWithAlertMarker(issue, alert) {
    return (issue.body ?? '').split('\n', 1)[0].replace(/\r$/, '') === client_marker('alert', alert.key);
}
/** Whether a listed issue is one of this alert's: an issue (not a pull request) the author opened with the marker. */
function isAlertIssue(issue, alert) {
    return (!issue.pull_request &&
        author_writtenBy(issue, alert.author ?? author_DEFAULT_COMMENT_AUTHOR) &&
        startsWithAlertMarker(issue, alert));
}
/**
 * Raised instead of opening a second issue when an open issue of the alert (labelled, its text
 * starting with the alert's marker) was opened by another bot than `alert-author`: the token
 * writes as that bot (a GitHub App's token writes as `<app-slug>[bot]`), so every run would
 * otherwise open one more issue. Its message says which login to set.
 */
class AlertAuthorError extends Error {
    issueNumber;
    written;
    asked;
    constructor(
    /** The open issue's number. */
    issueNumber, 
    /** Who opened it, as GitHub shows. */
    written, 
    /** The author the alert looked for. */
    asked) {
        super(`Alert issue #${issueNumber} was opened by "${written}", not by alert-author "${asked}": no second issue is opened. If the token writes as "${written}", set alert-author: ${written}`);
        this.issueNumber = issueNumber;
        this.written = written;
        this.asked = asked;
        this.name = 'AlertAuthorError';
    }
}
/**
 * Throws AlertAuthorError when an open labelled issue carries the alert's marker line but another
 * bot opened it. Only a bot: a GitHub App writes in a repository only once its owners installed
 * it, while anyone may open an issue carrying the marker (and an issue template may label it),
 * and such an issue must not silence the alert.
 * REST: GET /repos/{owner}/{repo}/issues?state=open&labels={label} (every page).
 */
/** Whether a login is a GitHub App's (`<app-slug>[bot]`, GitHub docs, "About authentication with a GitHub App"). */
function isBot(login) {
    return login?.toLowerCase().endsWith('[bot]') ?? false;
}
async function refuseSecondIssue(github, alert) {
    const labelled = await client_calling('findAlertIssue', () => client_listAll(github, github.octokit.rest.issues.listForRepo, { state: 'open', labels: alert.label }));
    const other = labelled.find((issue) => !issue.pull_request && startsWithAlertMarker(issue, alert) && isBot(issue.user?.login));
    if (other)
        throw new AlertAuthorError(other.number, other.user.login, alert.author ?? author_DEFAULT_COMMENT_AUTHOR);
}
/**
 * The one open issue of this alert, or undefined: first among the open issues carrying `label`
 * that `author` opened with the hidden marker `<!-- sophia-alert:<key> -->`; when none has it
 * (someone removed the label, or edited the text and the marker with it), among every open issue
 * `author` opened, by the marker or the alert's exact `title`: an alert issue a person touched is
 * still found, and no second opens. An issue anyone else opened never counts, whatever it carries.
 * Through the issues list, not the search API, whose index lags behind (a just-opened issue would
 * be missed and opened twice). Pull requests, which the issues list also returns, are skipped.
 *
 * REST: GET /repos/{owner}/{repo}/issues?state=open&labels={label} (every page), then, only when
 * that finds none, GET /repos/{owner}/{repo}/issues?state=open&creator={author} page by page until
 * found: narrowed to the author's issues by GitHub, so a repository's many other open issues are
 * never read (a healthy run with no issue open makes the same few requests however many there are).
 * Minimum token permission: `issues: read`.
 * Throws GitHubApiError (operation `findAlertIssue`).
 */
async function findAlertIssue(github, alert) {
    const found = await openAlertIssueListed(github, alert);
    return found && alertIssueOf(found);
}
async function openAlertIssueListed(github, alert) {
    return client_calling('findAlertIssue', async () => {
        const { octokit } = github;
        const labelled = await client_listAll(github, octokit.rest.issues.listForRepo, { state: 'open', labels: alert.label });
        const found = labelled
            .filter((issue) => isAlertIssue(issue, alert))
            .sort((a, b) => a.number - b.number)[0];
        if (found)
            return found;
        const author = alert.author ?? author_DEFAULT_COMMENT_AUTHOR;
        const ours = (issue) => isAlertIssue(issue, alert) ||
            (!issue.pull_request && alert.title !== undefined && issue.title === alert.title && author_writtenBy(issue, author));
        for await (const page of client_pagesOf(github, octokit.rest.issues.listForRepo, { state: 'open', creator: author })) {
            const match = page.filter(ours).sort((a, b) => a.number - b.number)[0];
            if (match)
                return match;
        }
        return undefined;
    });
}
/**
 * The most recently closed issue of this alert (labelled, opened by the author with its marker),
 * or undefined. Only the newest page of closed labelled issues is read: an older one is outside
 * any sensible window.
 *
 * REST: GET /repos/{owner}/{repo}/issues?state=closed&labels={label}&sort=updated&direction=desc.
 * Minimum token permission: `issues: read`.
 * Throws GitHubApiError (operation `findAlertIssue`).
 */
async function lastClosedAlertIssue(github, alert) {
    return client_calling('findAlertIssue', async () => {
        const { octokit, owner, repo } = github;
        const { data } = await octokit.rest.issues.listForRepo({
            owner,
            repo,
            state: 'closed',
            labels: alert.label,
            sort: 'updated',
            direction: 'desc',
            per_page: 100,
        });
        return data
            .filter((issue) => isAlertIssue(issue, alert) && issue.closed_at)
            .sort((a, b) => Date.parse(b.closed_at) - Date.parse(a.closed_at))[0];
    });
}
/**
 * Opens the alert's issue with `title` and `body` (Markdown, after the hidden marker) unless one
 * is open already, which is then returned untouched: never two open issues for one alert from
 * runs one after another (runs at the same time must be kept apart by the workflow's
 * `concurrency:`).
 *
 * With `created`, `author` is the login GitHub shows as the new issue's (see authorMismatch).
 *
 * REST: GET /repos/{owner}/{repo}/issues, POST /repos/{owner}/{repo}/issues (with `labels`).
 * Minimum token permission: `issues: write`.
 * Throws GitHubApiError (operation `openAlertIssue`, or `findAlertIssue` for the search);
 * AlertAuthorError when another login opened the alert's open issue.
 */
async function openAlertIssue(github, alert) {
    const existing = await findAlertIssue(github, alert);
    if (existing)
        return { issue: existing, created: false };
    return { ...(await createAlertIssue(github, { ...alert, body: withoutOurMarkers(alert.body) })), created: true };
}
/**
 * Opens the issue with `body` (quoted markers already shown as text) after the alert's marker
 * line, unless another login opened one of the alert already (AlertAuthorError). Returns it with
 * the login GitHub shows as its author.
 */
async function createAlertIssue(github, alert) {
    await refuseSecondIssue(github, alert);
    const body = `${client_marker('alert', alert.key)}\n${alert.body}`;
    return client_calling('openAlertIssue', async () => {
        const { octokit, owner, repo } = github;
        const { data } = await octokit.rest.issues.create({ owner, repo, title: alert.title, body, labels: [alert.label] });
        return {
            issue: { number: data.number, title: data.title, htmlUrl: data.html_url },
            author: data.user?.login ?? '',
        };
    });
}
/**
 * Adds a comment (Markdown) to an issue; returns the comment's id and page.
 *
 * REST: POST /repos/{owner}/{repo}/issues/{issue_number}/comments.
 * Minimum token permission: `issues: write`.
 * Throws GitHubApiError (operation `commentOnIssue`).
 */
async function commentOnIssue(github, issueNumber, body) {
    return client_calling('commentOnIssue', async () => {
        const { octokit, owner, repo } = github;
        const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
        return { id: data.id, htmlUrl: data.html_url };
    });
}
/**
 * Comments on an issue (saying why it closes), then closes it as completed.
 *
 * REST: POST /repos/{owner}/{repo}/issues/{issue_number}/comments, PATCH
 * /repos/{owner}/{repo}/issues/{issue_number} (`state: closed`, `state_reason: completed`).
 * Minimum token permission: `issues: write`.
 * Throws GitHubApiError (operation `commentOnIssue` or `closeIssue`).
 */
async function closeIssue(github, issueNumber, comment) {
    await commentOnIssue(github, issueNumber, comment);
    await client_calling('closeIssue', async () => {
        const { octokit, owner, repo } = github;
        await octokit.rest.issues.update({
            owner,
            repo,
            issue_number: issueNumber,
            state: 'closed',
            state_reason: 'completed',
        });
    });
}
/**
 * Reopens a closed issue (GitHub then sets its `state_reason` to `reopened`).
 *
 * REST: PATCH /repos/{owner}/{repo}/issues/{issue_number} (`state: open`).
 * Minimum token permission: `issues: write`.
 * Throws GitHubApiError (operation `reopenIssue`).
 */
async function reopenIssue(github, issueNumber) {
    await client_calling('reopenIssue', async () => {
        const { octokit, owner, repo } = github;
        await octokit.rest.issues.update({ owner, repo, issue_number: issueNumber, state: 'open' });
    });
}
/**
 * Replaces an issue's text. GitHub notifies nobody of an edit, which is why the alert keeps its
 * bookkeeping (healthy checks in a row, recovery after a dismissal) in hidden lines of its text.
 *
 * REST: PATCH /repos/{owner}/{repo}/issues/{issue_number} (`body`).
 * Minimum token permission: `issues: write`.
 * Throws GitHubApiError (operation `syncAlertIssue`).
 */
async function editIssueBody(github, issueNumber, body) {
    await client_calling('syncAlertIssue', async () => {
        const { octokit, owner, repo } = github;
        await octokit.rest.issues.update({ owner, repo, issue_number: issueNumber, body });
    });
}
/**
 * One of the bookkeeping lines this suite writes at the end of an alert issue's text or comment
 * (what fails, healthy checks in a row, recovered since a dismissal), each on its own line.
 */
const BOOKKEEPING_LINE = /^<!-- sophia-alert-(state|healthy-checks|recovered)(?::(.*))? -->$/;
/**
 * Written into an issue closed as not planned or duplicate once production has recovered after the close, by
 * the rule that closes an open issue (see hasRecovered); until then the same line keeps the count
 * of healthy checks in a row since the close (`<!-- sophia-alert-recovered:2 -->`).
 */
const RECOVERED_MARKER = '<!-- sophia-alert-recovered -->';
/**
 * A text split into what precedes its bookkeeping lines and those lines: only the run of whole
 * lines at its very end (after which only blank lines follow) counts, where this suite appends
 * them, so a marker quoted inside the text (an answer of a server, say) never does. GitHub's
 * editor may have turned line breaks into CRLF.
 */
function bookkeeping(body) {
    const lines = (body ?? '').split('\n').map((line) => line.replace(/\r$/, ''));
    while (lines.length > 0 && lines[lines.length - 1].trim() === '')
        lines.pop();
    let start = lines.length;
    while (start > 0 && BOOKKEEPING_LINE.test(lines[start - 1]))
        start -= 1;
    return { text: lines.slice(0, start).join('\n'), lines: lines.slice(start) };
}
/** The value of the last bookkeeping line of `kind` (`''` when it has none), or undefined when there is none. */
function bookkept(body, kind) {
    const found = bookkeeping(body)
        .lines.map((line) => BOOKKEEPING_LINE.exec(line))
        .filter((match) => match[1] === kind);
    return found.length === 0 ? undefined : (found[found.length - 1][2] ?? '');
}
/**
 * Text to write with every `<!--` that opens one of this suite's markers shown as text instead
 * (`&lt;!--`, which GitHub renders the same), so nothing a caller quotes can ever be read back as
 * the suite's own marker.
 */
function withoutOurMarkers(text) {
    return text.replace(/<!--(\s*sophia-)/g, '&lt;!--$1');
}
/** Separates the entries of a state in its marker; an entry cannot hold it (see markedEntry). */
const ENTRY_SEPARATOR = '; ';
/** An entry as its marker keeps it: on one line, without the "--" that would end the HTML comment, nor ";". */
function markedEntry(entry) {
    return entry
        .replace(/-{2,}/g, '-')
        .replace(/[\r\n]+/g, ' ')
        .replace(/;/g, ',');
}
/** The hidden line that records what fails in an alert issue's body or comment. */
function stateMarker(entries) {
    return `<!-- sophia-alert-state:${[...entries].sort().join(ENTRY_SEPARATOR)} -->`;
}
function withState(body, entries) {
    const text = withoutOurMarkers(body);
    return entries === undefined ? text : `${text}\n${stateMarker(entries)}`;
}
/** The count of healthy checks in a row kept in an issue's text (0 when it keeps none). */
function healthyChecksOf(body) {
    const checks = bookkept(body, 'healthy-checks') ?? '';
    return /^\d+$/.test(checks) ? Number(checks) : 0;
}
/** `body` with its bookkeeping line of `kind` replaced by `line`, or removed when `line` is undefined. */
function withBookkeeping(body, kind, line) {
    const { text, lines } = bookkeeping(body);
    const kept = lines.filter((each) => BOOKKEEPING_LINE.exec(each)[1] !== kind);
    return [text, ...kept, ...(line === undefined ? [] : [line])].join('\n');
}
function withHealthyChecks(body, checks) {
    return withBookkeeping(body, 'healthy-checks', checks > 0 ? `<!-- sophia-alert-healthy-checks:${checks} -->` : undefined);
}
/**
 * Whether a person closed the issue as not to be acted on: as not planned, or as a duplicate (of
 * another issue, where the outage is followed). GitHub's `state_reason` of a closed issue is
 * `completed`, `not_planned` or `duplicate` (REST reference, "Update an issue"); only `completed`
 * (what closeIssue writes on recovery) says the problem is over.
 */
function dismissedByPerson(issue) {
    return issue.state_reason === 'not_planned' || issue.state_reason === 'duplicate';
}
/**
 * Whether `checks` healthy checks in a row mean production has recovered: `closeAfterChecks`
 * of them (absent: 1). The one rule for both ends of an outage, the closing of an open issue and
 * the end of a person's dismissal, so a dismissal holds exactly as long as an open issue would.
 */
function hasRecovered(checks, check) {
    return checks >= (check.closeAfterChecks ?? 1);
}
/**
 * Whether a person's dismissal (closed as not planned or duplicate) has ended: production recovered since the
 * close (the bare recovered line). A count in that line (`recovered:N`) is N healthy checks in a
 * row since, not yet a recovery.
 */
function recoveredSince(issue) {
    return bookkept(issue.body, 'recovered') === '';
}
/** The healthy checks in a row counted since a dismissal (0 when none is, or it has ended). */
function healthySinceDismissal(issue) {
    const checks = bookkept(issue.body, 'recovered') ?? '';
    return /^\d+$/.test(checks) ? Number(checks) : 0;
}
/**
 * The latest state recorded on the issue by `author` (its body, then its comments; markers anyone
 * else wrote are ignored, as they could hide a change or put off the reminder) and when it was
 * written (ms since the epoch), or undefined when none is.
 *
 * REST: GET .../issues/{issue_number}/comments (every page). Minimum token permission: `issues: read`.
 */
async function lastState(github, issue, author) {
    return client_calling('syncAlertIssue', async () => {
        const { octokit } = github;
        const comments = await client_listAll(github, octokit.rest.issues.listComments, { issue_number: issue.number });
        let found;
        for (const written of [{ ...issue, created_at: issue.created_at ?? '' }, ...comments]) {
            if (!author_writtenBy(written, author))
                continue;
            const state = bookkept(written.body, 'state');
            if (state !== undefined) {
                found = {
                    entries: new Set(state === '' ? [] : state.split(ENTRY_SEPARATOR)),
                    at: Date.parse(written.created_at),
                };
            }
        }
        return found;
    });
}
/**
 * The alert issue's whole lifecycle for one check:
 * - healthy with an issue open: counts the check in the issue's text; the `closeAfterChecks`-th
 *   healthy check in a row comments `body` and closes the issue as completed (`closed`), an
 *   earlier one writes nothing anyone sees (`recovering`);
 * - healthy with none open: nothing (`none`), except that a last issue a person closed as not
 *   planned counts the check in its text, and the `closeAfterChecks`-th healthy check in a row
 *   since the close marks it as recovered: the dismissal ends by the rule that closes an open issue;
 * - unhealthy with none open: when a person closed the last issue as not planned or duplicate and production
 *   has not recovered since, nothing (`dismissed`: the dismissal holds for this outage, and the
 *   count of healthy checks since the close starts over); else
 *   one closed as completed within `reopenWithinSeconds` is reopened with `body` as a comment,
 *   else a new issue opens with `body` as its first text;
 * - unhealthy with one open: comments `body` (with `state`: only when an entry not yet reported
 *   during the outage appears or the reminder is due, else `unchanged`), and restarts the count
 *   of healthy checks.
 *
 * Bookkeeping is read only from the hidden lines this suite writes (the alert's marker as the
 * first line of the issue, the others as the last lines), and any `<!-- sophia-` that `body`
 * quotes is written as text, so no answer of a server can steer the alert.
 *
 * With `opened`, `author` is the login GitHub shows as the new issue's: when it is not the alert's
 * author (see authorMismatch), later runs do not find the issue as theirs and refuse to open
 * another (AlertAuthorError) rather than open one per run.
 *
 * REST and errors: those of findAlertIssue, openAlertIssue, commentOnIssue and closeIssue, and
 * GET .../issues/{n}/comments, PATCH .../issues/{n} (operation `syncAlertIssue`); AlertAuthorError.
 * Minimum token permission: `issues: write`.
 */
async function syncAlertIssue(github, alert, check) {
    const author = alert.author ?? author_DEFAULT_COMMENT_AUTHOR;
    const open = await openAlertIssueListed(github, alert);
    if (check.healthy) {
        if (!open) {
            const closed = await lastClosedAlertIssue(github, alert);
            if (closed && dismissedByPerson(closed) && !recoveredSince(closed)) {
                const checks = healthySinceDismissal(closed) + 1;
                const line = hasRecovered(checks, check) ? RECOVERED_MARKER : `<!-- sophia-alert-recovered:${checks} -->`;
                await editIssueBody(github, closed.number, withBookkeeping(closed.body, 'recovered', line));
            }
            return { action: 'none' };
        }
        const checks = healthyChecksOf(open.body) + 1;
        if (!hasRecovered(checks, check)) {
            await editIssueBody(github, open.number, withHealthyChecks(open.body, checks));
            return { action: 'recovering', issue: alertIssueOf(open) };
        }
        await closeIssue(github, open.number, withoutOurMarkers(check.body));
        return { action: 'closed', issue: alertIssueOf(open) };
    }
    const current = check.state && new Set(check.state.map(markedEntry));
    if (!open) {
        const closed = await lastClosedAlertIssue(github, alert);
        if (closed && dismissedByPerson(closed) && !recoveredSince(closed)) {
            // Not yet recovered: the healthy checks since the close start over, as an open issue's do.
            if (healthySinceDismissal(closed) > 0) {
                await editIssueBody(github, closed.number, withBookkeeping(closed.body, 'recovered', undefined));
            }
            return { action: 'dismissed', issue: alertIssueOf(closed) };
        }
        const body = withState(check.body, current);
        const windowMs = (check.reopenWithinSeconds ?? 0) * 1000;
        const reopen = closed !== undefined &&
            !dismissedByPerson(closed) &&
            windowMs > 0 &&
            Date.parse(closed.closed_at) >= Date.now() - windowMs;
        if (!reopen) {
            const { issue, author: written } = await createAlertIssue(github, { ...alert, body });
            return { action: 'opened', issue, author: written };
        }
        // The healthy checks that closed it belong to the outage before.
        if (healthyChecksOf(closed.body) > 0) {
            await editIssueBody(github, closed.number, withHealthyChecks(closed.body, 0));
        }
        await reopenIssue(github, closed.number);
        await commentOnIssue(github, closed.number, body);
        return { action: 'reopened', issue: alertIssueOf(closed) };
    }
    if (healthyChecksOf(open.body) > 0)
        await editIssueBody(github, open.number, withHealthyChecks(open.body, 0));
    let reported = current;
    if (current !== undefined) {
        const last = await lastState(github, open, author);
        const due = check.remindAfterSeconds !== undefined &&
            last !== undefined &&
            Date.now() - last.at >= check.remindAfterSeconds * 1000;
        const known = last !== undefined && [...current].every((entry) => last.entries.has(entry));
        if (known && !due)
            return { action: 'unchanged', issue: alertIssueOf(open) };
        // A reminder reports what fails now; otherwise what failed earlier in the outage stays reported.
        if (!due && last)
            reported = new Set([...last.entries, ...current]);
    }
    await commentOnIssue(github, open.number, withState(check.body, reported));
    return { action: 'commented', issue: alertIssueOf(open) };
}

;// CONCATENATED MODULE: ../../packages/github/src/deployments.ts

/**
 * Records a deployment of `ref` to `environment`. It is created with `auto_merge: false` (GitHub
 * would otherwise merge the default branch into a ref behind it) and `required_contexts: []`
 * (GitHub would otherwise refuse, 409, while a commit status of the ref is not green: the
 * workflow's own `needs:` already decide whether to deploy).
 *
 * REST: POST /repos/{owner}/{repo}/deployments.
 * Minimum token permission: `deployments: write`.
 * Throws GitHubApiError (operation `createDeployment`; 422 `No ref found for: <ref>`).
 */
async function deployments_createDeployment(github, options) {
    return calling('createDeployment', async () => {
        const { octokit, owner, repo } = github;
        const response = await octokit.rest.repos.createDeployment({
            owner,
            repo,
            ref: options.ref,
            environment: options.environment,
            description: options.description,
            task: options.task,
            payload: options.payload,
            production_environment: options.productionEnvironment,
            transient_environment: options.transientEnvironment,
            auto_merge: false,
            required_contexts: [],
        });
        // 202 is GitHub's "Auto-merged ..." answer, which auto_merge: false rules out.
        if (!('id' in response.data))
            throw new Error(String(response.data.message));
        return deploymentOf(response.data);
    });
}
/** GitHub's limit on a deployment status description (REST reference). */
const DESCRIPTION_LIMIT = 140;
/**
 * Posts a status of a deployment, which the repository's Environments page shows.
 *
 * REST: POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses.
 * Minimum token permission: `deployments: write`.
 * Throws GitHubApiError (operation `createDeploymentStatus`).
 */
async function deployments_createDeploymentStatus(github, deploymentId, options) {
    const description = options.description && options.description.length > DESCRIPTION_LIMIT
        ? `${options.description.slice(0, DESCRIPTION_LIMIT - 1)}…`
        : options.description;
    return calling('createDeploymentStatus', async () => {
        const { octokit, owner, repo } = github;
        const { data } = await octokit.rest.repos.createDeploymentStatus({
            owner,
            repo,
            deployment_id: deploymentId,
            state: options.state,
            log_url: options.logUrl,
            environment_url: options.environmentUrl,
            description,
            auto_inactive: options.autoInactive,
        });
        return statusOf(data);
    });
}
/**
 * The deployments to `environment`, newest first, narrowed to a `ref` or `sha` when given.
 *
 * REST: GET /repos/{owner}/{repo}/deployments?environment=… (every page).
 * Minimum token permission: `deployments: read`.
 * Throws GitHubApiError (operation `listDeployments`).
 */
async function listDeployments(github, filter) {
    return calling('listDeployments', async () => {
        const deployments = await listAll(github, github.octokit.rest.repos.listDeployments, {
            environment: filter.environment,
            ref: filter.ref,
            sha: filter.sha,
        });
        return deployments.map(deploymentOf).sort((a, b) => b.id - a.id);
    });
}
/**
 * The deployments to `environment`, newest first (GitHub's order), one page of up to 100 at a time:
 * a caller that stops early reads no further page.
 *
 * REST: GET /repos/{owner}/{repo}/deployments?environment=… (page by page, as the caller reads).
 * Minimum token permission: `deployments: read`.
 * Throws GitHubApiError (operation `listDeployments`).
 */
async function* deployments_deploymentPages(github, filter) {
    const pages = pagesOf(github, github.octokit.rest.repos.listDeployments, { environment: filter.environment });
    const iterator = pages[Symbol.asyncIterator]();
    for (;;) {
        const next = await calling('listDeployments', () => iterator.next());
        if (next.done)
            return;
        yield next.value.map(deploymentOf);
    }
}
/**
 * The newest deployment to `environment` of `ref` or `sha`, or undefined.
 * REST, permission and errors: those of listDeployments.
 */
async function findDeployment(github, filter) {
    return (await listDeployments(github, filter))[0];
}
/**
 * A deployment's statuses, newest first: the first is what the Environments page shows.
 *
 * REST: GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses (every page).
 * Minimum token permission: `deployments: read`.
 * Throws GitHubApiError (operation `listDeploymentStatuses`).
 */
async function deployments_listDeploymentStatuses(github, deploymentId) {
    return calling('listDeploymentStatuses', async () => {
        const statuses = await listAll(github, github.octokit.rest.repos.listDeploymentStatuses, {
            deployment_id: deploymentId,
        });
        return statuses.map(statusOf).sort((a, b) => b.id - a.id);
    });
}
/**
 * The one rule by which GitHub's JSON becomes this package's records: each field of the record is
 * GitHub's field of the same name in snake_case (`createdAt` from `created_at`, the REST API's
 * naming), or the field's value in `fields` when GitHub leaves it out or sends null. Fields GitHub
 * sends that the record does not declare are left behind.
 */
function recordRule(fields) {
    const sources = Object.entries(fields).map(([field, fallback]) => ({
        field,
        fallback: fallback,
        source: field.replace(/[A-Z]/g, (capital) => `_${capital.toLowerCase()}`),
    }));
    return (json) => {
        const data = json;
        return Object.fromEntries(sources.map(({ field, fallback, source }) => [field, data[source] ?? fallback]));
    };
}
// GitHub always sends `id`, `sha`, `ref`, `environment`, `task`, `payload` and `created_at` (REST
// reference, "Get a deployment"): their values here only give the record's type.
const deploymentOf = recordRule({
    id: 0,
    sha: '',
    ref: '',
    environment: '',
    task: '',
    description: null,
    payload: undefined,
    productionEnvironment: false,
    transientEnvironment: false,
    createdAt: '',
});
// A status's `id`, `state` and `created_at` are always sent too ("Get a deployment status").
const statusRecordOf = recordRule({
    id: 0,
    state: 'pending',
    description: '',
    environment: '',
    logUrl: '',
    environmentUrl: '',
    createdAt: '',
});
/** A status's log link is `log_url`, else `target_url`, the older field GitHub documents `log_url` as replacing. */
function statusOf(json) {
    const status = statusRecordOf(json);
    return { ...status, logUrl: status.logUrl || json.target_url || '' };
}

;// CONCATENATED MODULE: ../../packages/github/src/deployment-record.ts

/**
 * How many deployments' statuses are read at once: GitHub's secondary rate limits punish bursts of
 * concurrent requests ("Best practices for using the REST API": avoid concurrent requests).
 */
const STATUS_READS_AT_ONCE = 4;
/**
 * The environment's deployments with their state, newest first, read lazily: a page of
 * deployments, then their statuses a few at a time. A caller stops (breaks) as soon as it has
 * found what it needs, so a long history costs only the requests up to there.
 */
async function* histories(github, environment) {
    for await (const page of deploymentPages(github, { environment })) {
        for (let start = 0; start < page.length; start += STATUS_READS_AT_ONCE) {
            const chunk = page.slice(start, start + STATUS_READS_AT_ONCE);
            const read = await Promise.all(chunk.map(async (deployment) => {
                const statuses = await listDeploymentStatuses(github, deployment.id);
                return {
                    deployment,
                    live: statuses[0]?.state === 'success',
                    everLive: statuses.some((status) => status.state === 'success'),
                    replaced: statuses[0]?.state === 'inactive',
                };
            }));
            yield* read;
        }
    }
}
/**
 * Opens the record of a deploy: a deployment of `ref` to `environment` (task `deploy` unless given), then its
 * `in_progress` status with the run's log URL.
 *
 * REST and errors: those of createDeployment and createDeploymentStatus.
 * Minimum token permission: `deployments: write`.
 */
async function startDeploymentRecord(github, options) {
    const deployment = await createDeployment(github, {
        ref: options.ref,
        environment: options.environment,
        description: options.description,
        task: options.task,
        payload: options.payload,
    });
    await createDeploymentStatus(github, deployment.id, {
        state: 'in_progress',
        logUrl: options.logUrl,
        environmentUrl: options.environmentUrl,
        description: options.description,
    });
    return deployment;
}
/**
 * Makes `deploymentId` the environment's one live record: its `success` status, then every other
 * live deployment `inactive` (GitHub does that by itself only outside production:
 * `auto_inactive` of "Create a deployment status" applies to non-transient, non-production
 * environments, and only `success` makes a deployment the active one). The search stops at the
 * first earlier deployment that is inactive: nothing older is live (see DeploymentHistory.replaced).
 * It does not stop at the first live one: a deployment written by something else (a job naming
 * `environment: production` gets a `success` status from GitHub Actions) can stand between this
 * one and the one it replaces, and stopping there would leave that one live for good.
 */
async function markLive(github, deploymentId, options) {
    const links = { logUrl: options.logUrl, environmentUrl: options.environmentUrl };
    await createDeploymentStatus(github, deploymentId, { state: 'success', description: options.description, ...links });
    for await (const history of histories(github, options.environment)) {
        if (history.deployment.id < deploymentId && history.replaced)
            break;
        if (history.deployment.id === deploymentId || !history.live)
            continue;
        await createDeploymentStatus(github, history.deployment.id, {
            state: 'inactive',
            description: `Replaced by deployment ${deploymentId}`,
            ...links,
        });
    }
}
/**
 * Closes the record of a deploy.
 * - `success`: the deployment's `success` status; every other live deployment of the environment
 *   is marked `inactive` (GitHub does that by itself only outside production: `auto_inactive`). The
 *   search stops at the first earlier deployment that is inactive (nothing older is live), so it
 *   reads a few deployments' statuses however long the history.
 * - `failure`: the deployment's `failure` status (`description` says why). With `restored` (what
 *   the run changed was put back), the newest earlier deployment that is still live, else that
 *   ever was, gets a new `success` status: it is what is live again. With `liveDescription` (what
 *   failed serves all the same: a failed health gate that nothing rolled back), the `failure` status
 *   is followed by a `success` one saying so, and the live one before it becomes `inactive`:
 *   GitHub shows only a deployment whose newest status is `success` as active, and the one before
 *   no longer serves. With neither (a rollback that failed too, so what is live is not known), no
 *   other record is touched.
 * Returns the deployment marked live again, if any.
 *
 * REST: those of listDeployments, listDeploymentStatuses and createDeploymentStatus.
 * Minimum token permission: `deployments: write`.
 */
async function finishDeploymentRecord(github, deploymentId, options) {
    const links = { logUrl: options.logUrl, environmentUrl: options.environmentUrl };
    if (options.outcome === 'success') {
        await markLive(github, deploymentId, options);
        return {};
    }
    await createDeploymentStatus(github, deploymentId, { state: 'failure', description: options.description, ...links });
    if (options.liveDescription !== undefined && !options.restored) {
        await markLive(github, deploymentId, { ...options, description: options.liveDescription });
        return {};
    }
    if (!options.restored)
        return {};
    let restored;
    for await (const history of histories(github, options.environment)) {
        if (history.deployment.id >= deploymentId)
            continue;
        if (history.live) {
            restored = history.deployment;
            break;
        }
        if (history.everLive)
            restored ??= history.deployment;
        if (history.replaced)
            break;
    }
    if (restored) {
        await createDeploymentStatus(github, restored.id, {
            state: 'success',
            description: `Live again: deployment ${deploymentId} was rolled back`,
            ...links,
        });
    }
    return { restored };
}
/**
 * What a live record says serves: a rollback record's payload `components` and `base`; a deploy's
 * record names no component (it may have deployed some only), so it is itself the base.
 */
function servedBy(deployment) {
    const payload = deployment.payload;
    const components = payload?.components;
    const base = payload?.rollback?.base;
    if (deployment.task !== 'rollback' || typeof components !== 'object' || components === null) {
        return { components: {}, base: deployment.id };
    }
    return {
        components: Object.fromEntries(Object.entries(components).filter((entry) => typeof entry[1] === 'string')),
        base: typeof base === 'number' ? base : deployment.id,
    };
}
/**
 * Records a manual rollback as what it is: a new deployment of the environment (task `rollback`)
 * whose payload `components` names what each component serves, marked `success` so it is the live
 * one, and the deployment it replaced `inactive`. A rollback changes one component, to whatever
 * release or revision it was asked for, so no earlier deployment describes what serves (deploy A
 * of everything, deploy B of the backend, the frontend rolled back: the frontend is older than A,
 * the backend B's); marking an earlier one live again would name the wrong release.
 * - `ref`: the commit of the deployment replaced (the other components still serve what it
 *   recorded), else `fallbackRef`.
 * - payload `components`: the rolled-back component -> `facts.live`; every other component the
 *   replaced record named (a rollback's) -> the same; `rollback`: `{component, live, replaced,
 *   base}`: deployment ids of the record replaced and of the deploy whose releases the components
 *   not named still serve (the replaced deploy, or the base of the replaced rollback).
 * - description: `Rolled back <component>: <live>; rest as deployment <base>`, cut at 140 characters.
 * Returns the deployment created and the one replaced, if any was live.
 *
 * REST: those of createDeployment, listDeployments, listDeploymentStatuses and createDeploymentStatus.
 * Minimum token permission: `deployments: write`.
 */
async function recordRollback(github, options) {
    let replaced;
    for await (const history of histories(github, options.environment)) {
        if (history.live) {
            replaced = history.deployment;
            break;
        }
        if (history.replaced)
            break;
    }
    const { component, live } = options.facts;
    const before = replaced ? servedBy(replaced) : undefined;
    const components = { ...before?.components, [component]: live };
    const rest = before ? `; rest as deployment ${before.base}` : '';
    const description = `Rolled back ${component}: ${live}${rest}`;
    const links = { logUrl: options.logUrl, environmentUrl: options.environmentUrl };
    const deployment = await startDeploymentRecord(github, {
        ref: replaced?.sha ?? options.fallbackRef,
        environment: options.environment,
        description,
        task: 'rollback',
        payload: {
            components,
            rollback: { component, live, replaced: replaced?.id ?? null, base: before?.base ?? null },
        },
        ...links,
    });
    await finishDeploymentRecord(github, deployment.id, {
        environment: options.environment,
        outcome: 'success',
        restored: false,
        description,
        ...links,
    });
    return { deployment, replaced };
}

;// CONCATENATED MODULE: ../../packages/github/src/index.ts








;// CONCATENATED MODULE: ./src/not-run-outputs.ts
/**
 * The outputs this action sets when nothing ran (an input refused, a cancel before the step published):
 * not healthy, no round. A subset of action.yml's outputs, as the README's "When nothing runs" says.
 */
const NOT_RUN_OUTPUTS = { healthy: false, rounds: 0 };

;// CONCATENATED MODULE: ./src/summary.ts


/** Longest reason a summary shows, in UTF-16 code units (it names every failing URL). */
const REASON_LIMIT = 2000;
function latency(value) {
    return value === null ? '–' : `${value} ms`;
}
/** Lines of one cell, each text as markdownText shows it (answers of the servers probed), or `–` when none. */
function linesCell(lines) {
    const shown = lines.filter((line) => Boolean(line)).map((line) => markdownText(line, 500));
    return { markdown: shown.join('<br>') || '–' };
}
function lastProblem(url) {
    return linesCell([url.lastError && `error: ${url.lastError}`, url.lastMismatch]);
}
/** The job summary: the verdict in one line, the reason as text, then one row per URL. */
function healthSummary(report) {
    const verdict = report.healthy
        ? `✅ **Healthy**: time to healthy ${report.timeToHealthySeconds}s, decided after ${report.elapsedSeconds}s and ${report.rounds} round(s).`
        : report.outcome === 'cancelled'
            ? `⏹️ **Cancelled** after ${report.elapsedSeconds}s and ${report.rounds} completed round(s).`
            : `❌ **Unhealthy** after ${report.elapsedSeconds}s and ${report.rounds} round(s).`;
    const rows = report.urls.map((url) => [
        url.url,
        `${url.passes}/${url.probes}`,
        url.wrongStatus + url.wrongBody,
        url.errors,
        url.lastStatus ?? '–',
        latency(url.latencyMs.p50),
        latency(url.latencyMs.max),
        linesCell(url.redirects.map((hop) => `${hop.status} → ${hop.to}`)),
        // Where the latest answer came from, so a redirect that landed somewhere unexpected shows at once.
        url.finalUrl === url.url ? '–' : url.finalUrl,
        lastProblem(url),
    ]);
    return [
        `### Health gate\n`,
        `${verdict}\n`,
        // The reason quotes what the servers answered: as text, never as Markdown or HTML.
        `${markdownText(report.reason, REASON_LIMIT)}\n`,
        markdownTable([
            'URL',
            'Passed',
            'Wrong answers',
            'Probe errors',
            'Last status',
            'Latency p50',
            'Latency max',
            'Redirects',
            'Final URL',
            'Last problem',
        ], rows),
    ].join('\n');
}
/** The outputs `healthy`, `rounds`, `time-to-healthy` (seconds, empty when never healthy) and `report`, and the summary. */
function healthPublication(report) {
    return {
        outputs: {
            healthy: report.healthy,
            rounds: report.rounds,
            'time-to-healthy': report.timeToHealthySeconds ?? '',
            report,
        },
        summary: healthSummary(report),
    };
}
/**
 * What a check that could not start tells (a proxy variable that is not a URL): `healthy` false, no
 * rounds, no report, and a summary saying no URL was probed and why.
 */
function notCheckedPublication(error) {
    return {
        outputs: { ...NOT_RUN_OUTPUTS, 'time-to-healthy': '', report: '' },
        summary: `### Health gate\n\nNo URL was probed.\n\n${failedMarkdown(error)}\n`,
    };
}

;// CONCATENATED MODULE: ./src/alert.ts




/**
 * Keeps the alert issue in step with the report (see syncAlertIssue): its text is the rendered
 * report and a link to the run; a failure is told apart from those already reported by its
 * failureSignature. Returns the outputs `alert` and `alert-issue-url`, and a warning when GitHub
 * shows another author than `alert-author` for an issue it opened.
 * Throws GitHubApiError when GitHub refuses (a token without `issues: write`, say): see alertFailure.
 */
async function keepAlertIssue(alert, report, runUrl) {
    const github = githubRepository({ token: alert.token });
    const key = markdownText(alert.key);
    const verdict = report.healthy ? `**${key}** is healthy again.` : `**${key}** is unhealthy.`;
    const body = [verdict, runUrl && `Checked by [this run](${runUrl}).`, healthSummary(report)]
        .filter(Boolean)
        .join('\n\n');
    const { action, issue, author } = await syncAlertIssue(github, { label: alert.label, key: alert.key, author: alert.author, title: `Health alert: ${alert.key} is unhealthy` }, {
        healthy: report.healthy,
        body,
        state: (0,src/* failureSignature */.vH)(report),
        remindAfterSeconds: alert.reminderMs / 1000,
        reopenWithinSeconds: alert.reopenWindowMs / 1000,
        closeAfterChecks: alert.closeAfter,
    });
    const mismatch = author && authorMismatch(`Alert issue #${issue.number}`, author, 'alert-author', alert.author);
    return { outputs: { alert: action, 'alert-issue-url': issue?.htmlUrl ?? '' }, warnings: mismatch ? [mismatch] : [] };
}
/** What to do about a GitHub refusal, by its status (GitHub docs, "Troubleshooting the REST API"). */
function hintFor(error) {
    // Its message says which alert-author to set; another run would refuse again.
    if (error instanceof AlertAuthorError)
        return 'Nothing else was written.';
    const status = error instanceof GitHubApiError ? error.status : -1;
    if (status === 401)
        return 'GitHub refused the token: check `github-token`.';
    // A rate limit (its words are in the message) is not a missing permission: the next run tries again.
    if (error instanceof GitHubApiError && error.rateLimit)
        return 'The next run tries again.';
    if (status === 403) {
        return "The token may not write issues: grant `issues: write` in the job's `permissions:` (and in the calling workflow's), or give a token that has it.";
    }
    if (status === 404) {
        return 'GitHub does not show this token the repository (GITHUB_REPOSITORY) or its issues: check that issues are enabled, that the token belongs to this repository, and that it has `issues: write`.';
    }
    if (status === 0)
        return 'GitHub could not be reached: the next run tries again.';
    return 'The next run tries again.';
}
/**
 * The outputs and summary when the alert issue could not be kept: `alert` is `failed`, and the
 * summary says what failed and what to check. Returns the message the step fails with.
 */
function alertFailure(error) {
    const what = error instanceof Error ? error.message : String(error);
    const message = `The alert issue could not be kept: ${what}. ${hintFor(error)}`;
    return {
        publication: {
            outputs: { alert: 'failed', 'alert-issue-url': '' },
            // GitHub's answer is quoted: text, never Markdown of its own.
            summary: `### Alert issue\n\n⚠️ **Not kept**: ${markdownText(what, 2000)}\n\n${hintFor(error)}\n`,
        },
        message,
    };
}

;// CONCATENATED MODULE: ../../packages/inputs/src/json-check.ts


/**
 * Parses the `expected-json` input: a JMESPath expression (jmespath.org) evaluated against each JSON body
 * (`compileJsonCheck`, the rule `@sophia/health-check` owns).
 * @throws InputError quoting the compiler's reason when it does not compile.
 */
const jsonCheck = (name, raw) => {
    try {
        return (0,src/* compileJsonCheck */.O0)(raw);
    }
    catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw input_error_mustBe(name, `a JMESPath expression such as status == 'ok' (${reason.slice(0, 100)})`, raw);
    }
};

;// CONCATENATED MODULE: ./src/input-helper.ts


/**
 * The methods the `method` input accepts: the RFC 9110 methods a health probe can meaningfully send (no CONNECT or
 * TRACE).
 */
const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const REDIRECT_POLICIES = ['none', 'same-origin', 'any'];
/** Reads every input in action.yml order, so the first missing or bad one is the one reported. */
function getInputs(reader = actionInputs()) {
    // Before anything is parsed, so that no error can quote a credential.
    maskUrlSecrets(reader.raw('urls'), reader.runner.mask);
    maskHeaderValues(reader.raw('headers'), reader.runner.mask);
    const settings = {
        urls: reader.required('urls', listOf(httpUrl, 'newline')),
        expectedStatus: reader.required('expected-status', statusRanges),
        expectedBody: reader.optional('expected-body', bodyMatcher),
        expectedJson: reader.optional('expected-json', jsonCheck),
        method: reader.required('method', oneOf(HTTP_METHODS)),
        headers: reader.optional('headers', headers) ?? [],
        followRedirects: reader.required('follow-redirects', oneOf(REDIRECT_POLICIES)),
        intervalMs: reader.required('interval', scalars_duration({ minMs: 10, maxMs: 3_600_000 })),
        requestTimeoutMs: reader.required('request-timeout', scalars_duration({ minMs: 10, maxMs: 600_000 })),
        timeoutMs: reader.required('timeout', scalars_duration({ minMs: 10 })),
        initialDelayMs: reader.required('initial-delay', scalars_duration({ maxMs: 3_600_000 })),
        successThreshold: reader.required('success-threshold', integer(1, 100)),
        failureThreshold: reader.required('failure-threshold', integer(1, 100)),
        insecureTls: reader.required('insecure-tls', scalars_boolean),
        failOnUnhealthy: reader.required('fail-on-unhealthy', scalars_boolean),
        alert: alertSettings(reader),
    };
    // A HEAD answer has no body, so the gate could never pass: say so now rather than after the timeout.
    for (const [name, given] of [
        ['expected-body', settings.expectedBody],
        ['expected-json', settings.expectedJson],
    ]) {
        if (settings.method === 'HEAD' && given) {
            throw new input_error_InputError(name, `Input "${name}" cannot be checked with method HEAD (its answers have no body)`);
        }
    }
    return settings;
}
const ALERT_KEY = matching(/^[A-Za-z0-9][A-Za-z0-9._]*(-[A-Za-z0-9._]+)*$/, 'letters, digits, ".", "_" and single "-", starting with a letter or digit');
function alertSettings(reader) {
    const key = reader.optional('alert-issue', ALERT_KEY);
    const label = reader.required('alert-label');
    const reminderMs = reader.required('alert-reminder', scalars_duration({ minMs: 0, maxMs: 30 * 24 * 3_600_000 }));
    const reopenWindowMs = reader.required('alert-reopen-window', scalars_duration({ minMs: 0, maxMs: 30 * 24 * 3_600_000 }));
    const closeAfter = reader.required('alert-close-after', integer(1, 100));
    const author = reader.required('alert-author', githubLogin);
    const token = reader.secret('github-token', { required: false });
    if (!key)
        return undefined;
    if (!token) {
        throw new input_error_InputError('github-token', 'Input "github-token" is required with "alert-issue" (a token with issues: write)');
    }
    return {
        key,
        label: label.trim(),
        reminderMs,
        reopenWindowMs,
        closeAfter,
        author,
        token: headerToken('github-token', token),
    };
}

;// CONCATENATED MODULE: ./src/main.ts






function logRound(round) {
    log_actionLog.info((0,src/* describeRound */.QH)(round));
    for (const probe of round.probes)
        log_actionLog.info(`  ${(0,src/* describeProbe */.WH)(probe)}`);
}
/**
 * The runbook: read inputs, probe every URL in rounds until a verdict, report, keep the alert
 * issue (with `alert-issue`), fail if unhealthy or if the alert issue could not be kept.
 * `regexThread`: how to start the thread that matches an expected-body regex (the bundle itself).
 */
async function main(regexThread) {
    const settings = getInputs();
    log_actionLog.info(`Checking ${settings.urls.length} URL(s) every ${(0,duration/* formatDuration */.a)(settings.intervalMs)} for up to ${(0,duration/* formatDuration */.a)(settings.timeoutMs)}: ` +
        `healthy after ${settings.successThreshold} passing round(s) in a row, ` +
        `unhealthy after ${settings.failureThreshold} failed round(s) once one has passed`);
    // Outputs and summary are published however the step ends once the inputs are read: a check that
    // could not start (a proxy variable that is not a URL) says so and why, and a cancelled one
    // publishes the rounds it completed.
    const report = await publishing(() => log_actionLog.group('Health checks', () => (0,src/* runHealthCheck */.WC)({
        ...settings,
        regexThread,
        agents: toolkitAgents(),
        onRound: logRound,
        signal: cancelSignal(),
    })), { publicationOf: healthPublication, unreported: notCheckedPublication });
    if (report.outcome === 'cancelled')
        throw new Error(CANCELLED_MESSAGE);
    // The verdict is published already; an alert issue GitHub refused is said apart from it, and
    // fails the step: a monitor (fail-on-unhealthy false) whose alerting is broken would otherwise
    // stay green through an outage nobody hears of.
    let alertFailed;
    if (settings.alert) {
        try {
            const alert = await keepAlertIssue(settings.alert, report, runUrl());
            await publish(alert);
            log_actionLog.info(`Alert issue: ${alert.outputs.alert} ${alert.outputs['alert-issue-url']}`.trim());
        }
        catch (error) {
            const failure = alertFailure(error);
            await publish(failure.publication);
            alertFailed = failure.message;
        }
    }
    if (report.healthy)
        log_actionLog.info(report.reason);
    else if (!settings.failOnUnhealthy) {
        log_actionLog.warning(`${report.reason} (fail-on-unhealthy is false: the verdict does not fail the step, the outputs tell)`);
    }
    const failures = [!report.healthy && settings.failOnUnhealthy && report.reason, alertFailed].filter(Boolean);
    if (failures.length > 0)
        throw new Error(failures.join('; '));
}

;// CONCATENATED MODULE: ./src/main-thread.ts



/**
 * The bundle's role on the main thread: the action under the one error path of every action. One module
 * for the role, so the bundle loads it as one chunk holding @sophia/action-runtime once (two dynamic imports,
 * of the runtime and of main.ts, made ncc ship and load the runtime in two chunks).
 * @param bundle the path of the bundle's own file, which the regex thread is started from.
 */
function runMainThread(bundle) {
    return runAction(() => main({ filename: bundle }), {
        title: 'health-gate',
        notRunOutputs: NOT_RUN_OUTPUTS,
    });
}


/***/ })

};
