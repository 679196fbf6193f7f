import { InputError, mustBe, type Parser } from './input-error.js';
import { maskSecret, type RunnerHooks } from './input-reader.js';

export type ListSeparator = 'newline' | 'newline-or-comma';

/** Splits a list input; blank entries are dropped and each entry trimmed. */
export function splitList(raw: string, separator: ListSeparator = 'newline-or-comma'): string[] {
  const pattern = separator === 'newline' ? /\r?\n/ : /\r?\n|,/;
  return raw
    .split(pattern)
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

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

/** Masks every header value before the headers are parsed, so a malformed line cannot reveal a token. */
export function maskHeaderValues(raw: string, mask: RunnerHooks['mask']): void {
  for (const line of splitList(raw, 'newline')) {
    const at = line.indexOf(':');
    maskSecret((at >= 0 ? line.slice(at + 1) : line).trim(), mask);
  }
}

/** HTTP headers as `Name: value` lines. Values may be secrets, so they are never quoted back. */
export const headers: Parser<Array<[string, string]>> = (name, raw) =>
  splitList(raw, 'newline').map((line) => {
    const at = line.indexOf(':');
    const field = at > 0 ? line.slice(0, at).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(field)) {
      throw new InputError(
        name,
        `Input "${name}" must be lines of "Name: value", got a line without a valid header name`,
      );
    }
    return [field, line.slice(at + 1).trim()];
  });

export interface StatusRange {
  from: number;
  to: number;
}

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

export type BodyMatcher = { kind: 'substring'; text: string } | { kind: 'regex'; regex: RegExp };

/** A substring, or `/pattern/flags` for a regular expression. */
export const bodyMatcher: Parser<BodyMatcher> = (name, raw) => {
  const match = /^\/(.+)\/([dgimsuvy]*)$/s.exec(raw.trim());
  if (!match) return { kind: 'substring', text: raw };
  try {
    return { kind: 'regex', regex: new RegExp(match[1], match[2].replace(/[gy]/g, '')) };
  } catch (error) {
    throw mustBe(name, `a valid /regex/flags (${(error as Error).message})`, raw);
  }
};
