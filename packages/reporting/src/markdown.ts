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
