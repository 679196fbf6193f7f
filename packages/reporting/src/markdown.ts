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
