import { RE2JS } from 're2js';
import { describeValue } from '@sophia/reporting';
import type { BodyMatcher, StatusRange } from '@sophia/health-check';
import { InputError, mustBe, type Parser } from './input-error.js';

/**
 * How a list input separates its entries: `newline` for entries that may contain commas (regexes, headers),
 * `newline-or-comma` otherwise.
 */
export type ListSeparator = 'newline' | 'newline-or-comma';

/** Splits a list input; blank entries are dropped and each entry trimmed. */
export function splitList(raw: string, separator: ListSeparator = 'newline-or-comma'): string[] {
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
export function listOf<T>(item: Parser<T>, separator: ListSeparator = 'newline-or-comma'): Parser<T[]> {
  return (name, raw) => splitList(raw, separator).map((entry) => item(name, entry));
}

/** `key=value` lines; the first `=` splits, so values may themselves contain `=`. */
export function keyValueMap(
  options: { separator?: ListSeparator; key?: Parser<string> } = {},
): Parser<Map<string, string>> {
  return (name, raw) => {
    const map = new Map<string, string>();
    for (const entry of splitList(raw, options.separator ?? 'newline')) {
      const at = entry.indexOf('=');
      if (at <= 0) throw mustBe(name, 'a list of key=value entries', entry);
      const key = entry.slice(0, at).trim();
      const value = entry.slice(at + 1).trim();
      if (options.key) options.key(name, key);
      if (map.has(key)) throw new InputError(name, `Input "${name}" names "${key}" twice`);
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
export const MAX_HEADER_VALUE_BYTES = 8 * 1024;

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
export const headers: Parser<Array<[string, string]>> = (name, raw) =>
  splitList(raw, 'newline').map((line) => {
    const at = line.indexOf(':');
    const field = at > 0 ? line.slice(0, at).trim() : '';
    if (!TOKEN.test(field)) {
      throw new InputError(
        name,
        `Input "${name}" must be lines of "Name: value", got a line without a valid header name`,
      );
    }
    const value = line.slice(at + 1).trim();
    if (!FIELD_VALUE.test(value)) {
      throw new InputError(
        name,
        `Input "${name}": the value of header ${describeValue(field)} must be visible ASCII or Latin-1 characters, spaces or tabs (no line breaks, NUL or characters above U+00FF)`,
      );
    }
    if (value.length > MAX_HEADER_VALUE_BYTES) {
      throw new InputError(
        name,
        `Input "${name}": the value of header ${describeValue(field)} is ${value.length} bytes, more than the ${MAX_HEADER_VALUE_BYTES} servers commonly accept`,
      );
    }
    return [field, value];
  });

/** Status codes and ranges such as `200-299,301`. */
export const statusRanges: Parser<StatusRange[]> = (name, raw) => {
  const ranges = splitList(raw, 'newline-or-comma').map((entry) => {
    const match = /^(\d{3})(?:\s*-\s*(\d{3}))?$/.exec(entry);
    const from = match ? Number(match[1]) : NaN;
    const to = match ? Number(match[2] ?? match[1]) : NaN;
    if (!match || from < 100 || to > 599 || from > to) {
      throw mustBe(name, 'HTTP status codes or ranges from 100 to 599, such as 200-299,301', entry);
    }
    return { from, to };
  });
  if (ranges.length === 0) throw mustBe(name, 'HTTP status codes or ranges from 100 to 599, such as 200-299,301', raw);
  return ranges;
};

/** JavaScript flag letters and their RE2 equivalents; `g` and `y` are stateful and mean nothing for one test. */
const RE2_FLAGS: Record<string, number> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
  u: 0,
  g: 0,
  y: 0,
};

/**
 * The size of a compiled RE2JS program. RE2JS has no public accessor, so this reads its internal
 * `re2Input.prog.inst` (re2js 2.x) and falls back to Infinity should a release move it.
 */
function programSize(compiled: RE2JS): number {
  const size = (compiled as unknown as { re2Input?: { prog?: { inst?: unknown[] } } }).re2Input?.prog?.inst?.length;
  return typeof size === 'number' && size > 0 ? size : Infinity;
}

/** A substring, or `/pattern/flags` for a regular expression in RE2 syntax (flags i, m, s; g, u and y are ignored). */
export const bodyMatcher: Parser<BodyMatcher> = (name, raw) => {
  const match = /^\/(.+)\/([a-z]*)$/s.exec(raw.trim());
  if (!match) return { kind: 'substring', text: raw };
  const [, source, flags] = match;
  const unknown = [...flags].filter((flag) => !(flag in RE2_FLAGS));
  if (unknown.length > 0) throw mustBe(name, '/regex/ with flags among i, m, s (g, u and y are ignored)', raw);
  let compiled: RE2JS;
  const re2Flags = [...flags].reduce((all, flag) => all | RE2_FLAGS[flag], 0);
  try {
    compiled = RE2JS.compile(source, re2Flags);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw mustBe(name, `a valid /regex/ in RE2 syntax, without backreferences or lookarounds (${reason})`, raw);
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
