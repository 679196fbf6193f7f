/** One table cell; `|` and newlines are escaped so a value cannot break the table. */
export type Cell = string | number | boolean;

function escapeCell(cell: Cell): string {
  return String(cell).replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

/**
 * A GitHub-flavoured Markdown table (header row, `---` separators, `|` escaped, newlines as `<br>`),
 * ending in a newline. Markdown rather than HTML so a summary also reads well as plain text in a terminal.
 */
export function markdownTable(header: string[], rows: Cell[][]): string {
  const lines = [
    `| ${header.map(escapeCell).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
  ];
  return lines.join('\n') + '\n';
}

/** A size in bytes as people read it: `512 B`, `1.5 KiB`, `3.2 MiB` (binary units, one decimal). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The most characters of one outside text (an error message) a summary shows before cutting it. */
export const MARKDOWN_TEXT_CHARS = 2000;

const MARKDOWN_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * Text from outside the suite (an error message quoting what a user typed) as Markdown that shows
 * it as written: never read as HTML, code, emphasis, links or a table. `&`, `<`, `>` become
 * entities; `\`, backtick, `*`, `_`, `~`, `[`, `]` and `|` are backslash-escaped (CommonMark lets
 * any ASCII punctuation be, https://spec.commonmark.org/0.31.2/#backslash-escapes); line breaks
 * become `<br>`, so the text stays one paragraph whatever its lines begin with. Text longer than
 * `maxChars` (default MARKDOWN_TEXT_CHARS) is cut there and ends in `… (N characters)`.
 */
export function markdownText(text: string, maxChars = MARKDOWN_TEXT_CHARS): string {
  const shown = text.length > maxChars ? text.slice(0, maxChars) : text;
  const escaped = shown
    .replace(/[&<>]/g, (char) => MARKDOWN_ENTITIES[char])
    .replace(/[\\`*_~[\]|]/g, '\\$&')
    .replace(/\r\n|\r|\n/g, '<br>');
  return text.length > maxChars ? `${escaped}… (${text.length} characters)` : escaped;
}
