import * as core from '@actions/core';

export type Cell = string | number | boolean;

function escapeCell(cell: Cell): string {
  return String(cell).replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

/** A Markdown table; Markdown rather than HTML so the summary also reads well as plain text in a terminal. */
export function markdownTable(header: string[], rows: Cell[][]): string {
  const lines = [
    `| ${header.map(escapeCell).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
  ];
  return lines.join('\n') + '\n';
}

/** Appends Markdown to the job summary; a no-op outside a runner (no GITHUB_STEP_SUMMARY). */
export async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(markdown, true).write();
}
