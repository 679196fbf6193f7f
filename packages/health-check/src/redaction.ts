import { decodeHTML } from 'entities';
import { headerSecrets, secretForms, urlSecrets } from '@sophia/reporting';
import { shortenValue } from '@sophia/reporting';

/** A secret folded shorter than this is replaced only where it appears as it is (see Redactor). */
const MIN_FOLDED = 4;

/**
 * Text with its escapes decoded, whitespace and invisible characters dropped, compatibility forms
 * folded (NFKC) and letters in lower case, each character of
 * `text` knowing the span `[from, to)` of the original text it came from.
 */
interface FoldedText {
  text: string;
  from: Int32Array;
  to: Int32Array;
}

/**
 * One escape at the start of the text: percent (`%2F`), JSON and JavaScript (`\u002F`, `\u{2F}`,
 * `\x2F`, `\/`), and HTML character references (`&#x2F;`, `&#47;`, `&sol;`, `&amp;`, also without
 * their `;` where HTML allows it).
 */
const ESCAPE =
  /%[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}|\\u\{[0-9A-Fa-f]{1,6}\}|\\x[0-9A-Fa-f]{2}|\\[^ux]|&(?:#[xX][0-9A-Fa-f]{1,6};?|#\d{1,7};?|[A-Za-z][A-Za-z0-9]{1,31};?)/y;

/** What JSON and JavaScript escapes of one character stand for (`\n` is whitespace, dropped anyway). */
const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', '0': '\0' };

/** What one escape stands for, or undefined when it is not one (`&bogus;`, `\u` before a non-hex). */
function unescape(escape: string): string | undefined {
  if (escape.startsWith('%')) return undefined; // percent runs are decoded together, for UTF-8
  if (escape.startsWith('\\u{')) {
    const code = parseInt(escape.slice(3, -1), 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
  }
  if (escape.startsWith('\\u') || escape.startsWith('\\x')) return String.fromCharCode(parseInt(escape.slice(2), 16));
  if (escape.startsWith('\\')) return SIMPLE_ESCAPES[escape[1]] ?? escape[1];
  const decoded = decodeHTML(escape);
  return decoded === escape ? undefined : decoded;
}

/** A run of percent escapes decoded as UTF-8, or undefined when it is not UTF-8. */
function decodeUtf8(escapes: string): string | undefined {
  try {
    return decodeURIComponent(escapes);
  } catch {
    return undefined;
  }
}

/**
 * The ASCII characters folding drops, by code: whitespace (as `\s`), `+` (a space in a form) and the
 * control characters (U+0000 to U+001F, U+007F), which a server can slip between a secret's letters.
 */
const DROPPED_ASCII = Uint8Array.from({ length: 0x80 }, (_, code) =>
  Number(code < 0x21 || code === 0x2b || code === 0x7f),
);

/** Characters that show nothing: Unicode general categories Cf (format: U+200B, U+00AD, U+FEFF) and Cc (control). */
const INVISIBLE = /^[\p{Cf}\p{Cc}]$/u;

/** What each non-ASCII character folds to, once worked out: a body repeats few distinct characters. */
const FOLDED_CHARACTERS = new Map<string, string>();

/**
 * What one non-ASCII character (a code point) folds to: nothing when it shows nothing (see
 * INVISIBLE) or is whitespace; its compatibility form (NFKC: a fullwidth `Ｚ` is `Z`), so neither
 * hides a secret; letters in lower case where that keeps the length, so each unit keeps its span.
 */
function foldCharacter(char: string): string {
  let folded = FOLDED_CHARACTERS.get(char);
  if (folded === undefined) {
    folded = '';
    if (!INVISIBLE.test(char)) {
      for (const part of char.normalize('NFKC')) {
        if (/\s/.test(part) || part === '+' || INVISIBLE.test(part)) continue;
        const lower = part.toLowerCase();
        folded += lower.length === part.length ? lower : part;
      }
    }
    // Bounded: a hostile body of ever new characters must not grow it without end.
    if (FOLDED_CHARACTERS.size < 65_536) FOLDED_CHARACTERS.set(char, folded);
  }
  return folded;
}

/**
 * One folding pass over `text` (see Redactor for the rule). A run of percent escapes is decoded as
 * UTF-8 where it is, each character then standing for the whole run; else byte by byte. Written for
 * speed (a body may be a MiB): plain ASCII, most of any body, takes no regex and no allocation.
 */
function foldOnce(text: string): FoldedText {
  // Escapes shorten text, but a compatibility form may lengthen it (NFKC: `ﬁ` is `fi`): room grows on demand.
  let units = new Uint16Array(text.length + 16);
  let from = new Int32Array(units.length);
  let to = new Int32Array(units.length);
  let length = 0;
  const push = (unit: number, start: number, end: number): void => {
    if (length === units.length) {
      const size = units.length * 2;
      units = Uint16Array.from({ length: size }, (_, index) => units[index] ?? 0);
      from = Int32Array.from({ length: size }, (_, index) => from[index] ?? 0);
      to = Int32Array.from({ length: size }, (_, index) => to[index] ?? 0);
    }
    units[length] = unit;
    from[length] = start;
    to[length] = end;
    length += 1;
  };
  const emit = (decoded: string, start: number, end: number): void => {
    for (const char of decoded) {
      const code = char.charCodeAt(0);
      if (code < 0x80) {
        if (!DROPPED_ASCII[code]) push(code >= 0x41 && code <= 0x5a ? code + 32 : code, start, end);
        continue;
      }
      const shown = foldCharacter(char);
      for (let unit = 0; unit < shown.length; unit += 1) push(shown.charCodeAt(unit), start, end);
    }
  };
  let at = 0;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    const escapeStart = code === 0x25 || code === 0x5c || code === 0x26; // % \ &
    if (code < 0x80 && !escapeStart) {
      if (!DROPPED_ASCII[code]) push(code >= 0x41 && code <= 0x5a ? code + 32 : code, at, at + 1);
      at += 1;
      continue;
    }
    ESCAPE.lastIndex = at;
    const escape = escapeStart ? ESCAPE.exec(text)?.[0] : undefined;
    if (escape?.startsWith('%')) {
      const run = /(?:%[0-9A-Fa-f]{2})+/y;
      run.lastIndex = at;
      const escapes = run.exec(text)![0];
      const whole = /^(?:%[0-7][0-9A-Fa-f])+$/.test(escapes) ? undefined : decodeUtf8(escapes);
      if (whole !== undefined) emit(whole, at, at + escapes.length);
      else {
        for (let byte = 0; byte < escapes.length; byte += 3) {
          emit(String.fromCharCode(parseInt(escapes.slice(byte + 1, byte + 3), 16)), at + byte, at + byte + 3);
        }
      }
      at += escapes.length;
      continue;
    }
    const decoded = escape === undefined ? undefined : unescape(escape);
    if (escape !== undefined && decoded !== undefined) {
      emit(decoded, at, at + escape.length);
      at += escape.length;
      continue;
    }
    // A non-ASCII character, or an escape character that starts no escape; a surrogate pair stays whole.
    const width = code >= 0xd800 && code <= 0xdbff && at + 1 < text.length ? 2 : 1;
    emit(text.slice(at, at + width), at, at + width);
    at += width;
  }
  return {
    text: new TextDecoder('utf-16le').decode(units.subarray(0, length)),
    from: from.subarray(0, length),
    to: to.subarray(0, length),
  };
}

/** How many times text is folded at most: an escape inside an escape inside an escape (`&amp;#37;2F`) is decoded. */
const FOLD_PASSES = 3;

/** `text` folded until no escape is left to decode, at most FOLD_PASSES times, spans kept to the original text. */
function fold(text: string): FoldedText {
  let folded = foldOnce(text);
  // Only text still holding an escape character can fold further (most bodies fold once).
  for (let pass = 1; pass < FOLD_PASSES && /[%\\&]/.test(folded.text); pass += 1) {
    const again = foldOnce(folded.text);
    if (again.text === folded.text) break;
    const previous = folded;
    folded = {
      text: again.text,
      from: again.from.map((index) => previous.from[index]),
      to: again.to.map((index) => previous.to[index - 1]),
    };
  }
  return folded;
}

/**
 * Replaces every secret the user gave the gate, in every form it can come back in, with `***` in
 * text the gate reports (URLs, body excerpts, redirect locations, error messages), as the runner's
 * log masking does. The runner masks the job log, but a server that echoes a token would otherwise
 * carry it into the job summary and the `report` output, which the runner does not mask.
 *
 * The rule: a server can echo a secret escaped in any of the ways text is escaped, mixed within one
 * string, so rather than list every mix the text is normalised (folded) and compared with the
 * secret folded the same way. Folding decodes percent escapes (either case of hex digits), JSON and
 * JavaScript escapes (`\/`, `\u002f`, `\x2F`), and HTML character references (`&amp;`, `&#x2F;`,
 * `&#47;`, named ones as the `entities` library knows them), twice, so one escape inside another is
 * decoded too; drops whitespace and `+` (a secret wrapped over lines, indented, or form-encoded
 * with spaces as `+`) and characters that show nothing (Unicode categories Cf and Cc: a zero-width
 * space, a soft hyphen, NUL, also when written as an escape such as `&#8203;`); folds compatibility
 * forms as Unicode NFKC does (fullwidth `Ｔｏｋ` is `Tok`); and lower-cases letters (an echo in upper
 * case). A secret's other encodings, which no folding undoes, are compared folded as well: base64
 * and base64url at each alignment, and hex of its bytes, bare or separated (see secretForms). The span of the original text that a match folds from is
 * replaced whole, escapes included. So the percent-decoded form of a header value, `\/` and
 * `\u00XX` escapes, entities, line breaks and case changes, in any mix, are all masked. A secret
 * that folds to fewer than 4 characters (`%41%42` folds to `ab`) is replaced only as it is; a value
 * shorter than 4 characters is no secret at all (see headerSecrets).
 */
export class Redactor {
  /** Folded forms of the secrets, longest first. */
  private readonly folded: string[];
  /** Secrets too short to fold safely, matched as they are. */
  private readonly literal: string[];

  /**
   * `headers`: the request headers as name/value pairs (every value, and each credential inside it,
   * is a secret: see headerSecrets); `urls`: the URLs probed, whose userinfo and query values are
   * secrets (see urlSecrets).
   */
  constructor(headers: ReadonlyArray<readonly [string, string]>, urls: readonly URL[] = []) {
    const forms = [
      ...headers.flatMap(([, value]) => headerSecrets(value)),
      ...urls.flatMap((url) => urlSecrets(url.href)),
    ]
      .filter((secret) => secret.length > 0)
      .flatMap(secretForms);
    const folded = new Set<string>();
    const literal = new Set<string>();
    for (const form of forms) {
      const text = fold(form).text;
      if (text.length >= MIN_FOLDED) folded.add(text);
      else literal.add(form);
    }
    this.folded = [...folded].sort((a, b) => b.length - a.length);
    this.literal = [...literal].sort((a, b) => b.length - a.length);
  }

  /**
   * `text` with every occurrence of a known secret (in any of its encoded forms) replaced by `***`; secrets long enough
   * to fold (see Redactor) are matched on the folded view of the text, so a changed case or spacing cannot let one
   * through.
   */
  redact(text: string): string {
    let result = text;
    if (this.folded.length > 0) {
      const view = fold(text);
      const spans: Array<[number, number]> = [];
      for (const secret of this.folded) {
        for (let at = view.text.indexOf(secret); at >= 0; at = view.text.indexOf(secret, at + 1)) {
          spans.push([view.from[at], view.to[at + secret.length - 1]]);
        }
      }
      result = replaceSpans(text, spans);
    }
    for (const secret of this.literal) result = result.split(secret).join('***');
    return result;
  }

  /**
   * Text from a server or from the user's settings (a Location, a host, a socket error's message) as a
   * message shows it: redacted, then shortened (see shortenValue). The one way a probe message quotes
   * such text: cut first, a token would show its first half, which no longer matches any secret.
   */
  text(raw: string): string {
    return shortenValue(this.redact(raw));
  }

  /** As text(), JSON-quoted (see describeValue): for a value that may be empty or hold odd characters. */
  quoted(raw: string): string {
    return shortenValue(this.redact(raw), JSON.stringify);
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
    return this.text(shown);
  }
}

/** `text` with each span, overlapping ones merged, replaced by `***`. */
function replaceSpans(text: string, spans: Array<[number, number]>): string {
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0]);
  let result = '';
  let copied = 0;
  let [start, end] = spans[0];
  for (const [from, to] of [...spans.slice(1), [Infinity, Infinity] as [number, number]]) {
    if (from <= end) {
      end = Math.max(end, to);
      continue;
    }
    result += `${text.slice(copied, start)}***`;
    copied = end;
    [start, end] = [from, to];
  }
  return result + text.slice(copied);
}
