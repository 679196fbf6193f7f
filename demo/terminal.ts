/** The demo's account for a terminal: job summaries' Markdown turned into aligned tables, colour when it is a TTY. */
import type { JobRecord, StepRecord } from '@sophia-testing/workflow-runner';

const useColour = process.stdout.isTTY === true && !process.env.NO_COLOR;

function paint(code: string): (text: string) => string {
  return (text) => (useColour ? `\u001b[${code}m${text}\u001b[0m` : text);
}

export const bold = paint('1');
export const dim = paint('2');
export const red = paint('31');
export const green = paint('32');
export const yellow = paint('33');
export const cyan = paint('36');

const MARK: Record<StepRecord['result'], string> = { success: green('✓'), failure: red('✗'), skipped: dim('–') };

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function splitRow(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) =>
    cell
      .trim()
      .replace(/\\\|/g, '|')
      .replace(/<br\s*\/?>/g, ' / ')
      .replace(/`/g, ''),
  );
}

/** Long cells (error messages) wrap inside their column, so a table fits a terminal. */
const MAX_CELL = 60;

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    for (let piece = word; piece.length > 0; piece = piece.slice(width)) {
      const part = piece.slice(0, width);
      if (current && current.length + 1 + part.length > width) {
        lines.push(current);
        current = part;
      } else {
        current = current ? `${current} ${part}` : part;
      }
    }
  }
  return [...lines, current];
}

function renderTable(lines: string[], indent: string): string[] {
  const rows = lines.filter((line) => !/^\|?\s*:?-{3,}/.test(line.trim())).map(splitRow);
  const widths = rows[0].map((_, column) =>
    Math.min(MAX_CELL, Math.max(...rows.map((row) => (row[column] ?? '').length))),
  );
  const line = (left: string, middle: string, right: string) =>
    indent + left + widths.map((width) => '─'.repeat(width + 2)).join(middle) + right;
  const row = (cells: string[], style: (text: string) => string = (text) => text): string[] => {
    const wrapped = widths.map((width, column) => wrap(cells[column] ?? '', width));
    const height = Math.max(...wrapped.map((cell) => cell.length));
    return Array.from(
      { length: height },
      (_, index) =>
        `${indent}│${widths.map((width, column) => ` ${style((wrapped[column][index] ?? '').padEnd(width))} `).join('│')}│`,
    );
  };
  return [
    line('┌', '┬', '┐'),
    ...row(rows[0], bold),
    line('├', '┼', '┤'),
    ...rows.slice(1).flatMap((cells) => row(cells)),
    line('└', '┴', '┘'),
  ];
}

/** Markdown of a job summary, for reading in a terminal. */
export function renderMarkdown(markdown: string, indent = '      '): string {
  const out: string[] = [];
  const lines = markdown.replace(/<\/?(details|summary|p|div|span)[^>]*>/g, '').split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (line.trim().startsWith('|')) {
      const table: string[] = [];
      while (index < lines.length && lines[index].trim().startsWith('|')) table.push(lines[index++]);
      index -= 1;
      out.push(...renderTable(table, indent));
    } else if (/^#{1,6}\s/.test(line)) {
      out.push(indent + bold(line.replace(/^#+\s*/, '')));
    } else if (line.trim() !== '' || (out.length > 0 && out[out.length - 1].trim() !== '')) {
      out.push(indent + line.replace(/\*\*(.+?)\*\*/g, (_m, text: string) => bold(text)));
    }
  }
  while (out.length > 0 && out[out.length - 1].trim() === '') out.pop();
  return out.join('\n');
}

function stepLine(step: StepRecord): string {
  const what = step.uses && step.name !== step.uses ? dim(` (${step.uses})`) : '';
  const time = step.result === 'skipped' ? '' : dim(`  ${seconds(step.durationMs)}`);
  return `    ${MARK[step.result]} ${step.name}${what}${time}`;
}

/** Outputs worth showing: short values in full, long ones cut. */
function outputLines(outputs: Record<string, string>): string[] {
  return Object.entries(outputs)
    .filter(([, value]) => value !== '')
    .map(([name, value]) => {
      const flat = value.replace(/\s*\n\s*/g, ' ');
      return `        ${dim('→')} ${name} = ${flat.length > 110 ? `${flat.slice(0, 107)}...` : flat}`;
    });
}

export function renderJob(job: JobRecord): string {
  const out: string[] = [];
  const environment = job.environment
    ? dim(`  environment ${job.environment.name}${job.environment.url ? ` (${job.environment.url})` : ''}`)
    : '';
  if (job.result === 'skipped') {
    out.push(
      `  ${MARK.skipped} ${bold(job.name)} ${dim('skipped')}${job.condition ? dim(`: if ${job.condition}`) : ''}`,
    );
    return out.join('\n');
  }
  out.push(`  ${MARK[job.result]} ${bold(job.name)}${environment}${dim(`  ${seconds(job.durationMs)}`)}`);
  for (const step of job.steps) {
    out.push(stepLine(step));
    if (step.note) out.push(...step.note.split('\n').map((line) => `        ${dim(line)}`));
    for (const annotation of step.annotations) {
      const colour = { error: red, warning: yellow, notice: cyan }[annotation.level];
      out.push(`        ${colour(`${annotation.level}:`)} ${annotation.message.split('\n').join('\n        ')}`);
    }
    if (step.uses?.startsWith('./actions/')) out.push(...outputLines(step.outputs));
    if (step.summary.trim()) out.push(renderMarkdown(step.summary));
  }
  return out.join('\n');
}
