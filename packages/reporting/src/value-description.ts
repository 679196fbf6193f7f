/** The most of a value an error message quotes back: enough to recognise it, never a wall of text. */
export const QUOTED_VALUE_CHARS = 100;

/**
 * A value the user gave as a message or report repeats it: whole when at most QUOTED_VALUE_CHARS
 * characters, else its first QUOTED_VALUE_CHARS characters, `…` and its length, so a 100 KB input
 * yields a short line. `show` formats the part shown (e.g. JSON.stringify to quote it); default as is.
 */
export function shortenValue(raw: string, show: (text: string) => string = (text) => text): string {
  if (raw.length <= QUOTED_VALUE_CHARS) return show(raw);
  return `${show(raw.slice(0, QUOTED_VALUE_CHARS))}… (${raw.length} characters)`;
}

/**
 * How an error message shows a value the user gave: JSON-quoted and shortened (see shortenValue).
 * Secrets are never echoed back: their messages describe the problem without the value.
 */
export function describeValue(raw: string, secret = false): string {
  if (secret) return 'a value that does not fit';
  return shortenValue(raw, JSON.stringify);
}
