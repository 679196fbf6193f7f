/** The demo's account for a terminal: one line per thing that happened, fitted to 100 columns, colour when it is a TTY. */
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JobRecord, StepRecord } from '@sophia-testing/workflow-runner';
import type { KubernetesPlan } from '@sophia/kubernetes';
import type { FrontendPlan } from '@sophia/releases';

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

const MARK: Record<StepRecord['result'], string> = {
  success: green('✓'),
  failure: red('✗'),
  skipped: dim('–'),
  cancelled: dim('⊘'),
};

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

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

/** The width the account fits: every line is wrapped or cut to it. */
export const COLUMNS = 100;

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** Visible length, colour codes left out. */
export function visibleLength(text: string): number {
  return text.replace(ANSI, '').length;
}

/**
 * A path as the account shows it: under the temp directory, `$TMPDIR/...` when TMPDIR names it
 * (the shell expands it back, so the line can still be pasted), so a long TMPDIR does not push
 * lines past the width; other paths as they are.
 */
export function shownPath(file: string, base = tmpdir(), tmpdirVariable = process.env.TMPDIR): string {
  const relative = path.relative(base, file);
  if (!tmpdirVariable || path.resolve(tmpdirVariable) !== path.resolve(base)) return file;
  if (relative.startsWith('..') || path.isAbsolute(relative)) return file;
  return relative ? `$TMPDIR/${relative}` : '$TMPDIR';
}

/** Plain text wrapped to the account's width, continuation lines under the first one's text. */
export function wrapTo(text: string, indent: string, width = COLUMNS): string[] {
  return wrap(text.replace(/\s*\n\s*/g, ' '), width - indent.length).map((line) => indent + line);
}

function stepLine(step: StepRecord): string {
  const time = step.result === 'skipped' ? '' : dim(`  ${seconds(step.durationMs)}`);
  const name = step.name.length > 70 ? `${step.name.slice(0, 67)}...` : step.name;
  return `    ${MARK[step.result]} ${name}${time}`;
}

/**
 * The outputs that tell what a step did, one short line each. `applied` is there because `changed`
 * leaves out what a deploy created: on a first push it is `[]` although every workload is new.
 */
const TELLING_OUTPUTS = ['release-id', 'applied', 'changed', 'healthy', 'from', 'to', 'node', 'digest'];

/** An output as the account shows it: `applied` (a JSON array of `{kind, namespace, name}`) as `Kind/namespace/name`. */
function toldValue(name: string, value: string): string {
  if (name !== 'applied') return value;
  try {
    const objects = JSON.parse(value) as { kind: string; namespace?: string; name: string }[];
    return objects.map((object) => [object.kind, object.namespace, object.name].filter(Boolean).join('/')).join(', ');
  } catch {
    return value;
  }
}

function outputLine(outputs: Record<string, string>): string[] {
  const told = TELLING_OUTPUTS.filter((name) => outputs[name]).map(
    (name) => `${name} ${toldValue(name, outputs[name])}`,
  );
  return told.length === 0 ? [] : wrapTo(`→ ${told.join(', ')}`, '        ').map((line) => dim(line));
}

/**
 * One job, said once: its result and environment, then each step that did something here (the
 * runner-setup steps that have nothing to do are left out), the telling outputs of each action,
 * and the first error of a failed step. Job summaries are left to GitHub's run page.
 */
export function renderJob(job: JobRecord): string {
  if (job.result === 'skipped') return `  ${MARK.skipped} ${job.name} ${dim('skipped')}`;
  const environment = job.environment ? dim(`  (${job.environment.name})`) : '';
  const out = [`  ${MARK[job.result]} ${bold(job.name)}${environment}${dim(`  ${seconds(job.durationMs)}`)}`];
  if (job.note) out.push(...wrapTo(job.note, '      ').map((line) => red(line)));
  for (const step of job.steps) {
    if (step.result === 'skipped' || (step.result === 'success' && step.note?.endsWith('nothing to do here'))) continue;
    out.push(stepLine(step));
    if (step.result === 'failure') {
      const error = step.annotations.find((annotation) => annotation.level === 'error')?.message ?? step.note ?? '';
      const first = error.split('\n')[0];
      if (first)
        out.push(...wrapTo(first.length > 300 ? `${first.slice(0, 297)}...` : first, '        ').map((l) => red(l)));
    } else {
      out.push(...outputLine(step.outputs));
    }
  }
  return out.join('\n');
}

function planOf<T>(step: StepRecord): T | undefined {
  try {
    return step.outputs.plan ? (JSON.parse(step.outputs.plan) as T) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The deploy plan a job published (its steps' `plan` outputs), one short line per component and
 * host, as the reviewers read it in the job's summary: the files each frontend host would gain,
 * change and lose, the Kubernetes objects to create and change, the image changes, the MCP node.
 */
export function planLines(job: JobRecord): string[] {
  const lines: string[] = [];
  for (const step of job.steps) {
    const frontend = planOf<FrontendPlan>(step);
    if (frontend?.target === 'frontend') {
      for (const host of frontend.hosts)
        lines.push(
          `frontend ${host.label} (live: ${host.liveRelease || 'nothing'}): ${host.alreadyLive ? 'already live' : `+${host.added.count} ~${host.changed.count} -${host.removed.count} files`}` +
            (host.nginxConfig ? `, nginx config ${host.nginxConfig.change}` : ''),
        );
    }
    const kubernetes = planOf<KubernetesPlan>(step);
    if (kubernetes?.target === 'kubernetes') {
      const { created, configured, unchanged } = kubernetes.counts;
      const what = step.uses?.includes('deploy-mcp-node') ? 'mcp' : 'backend';
      const images = kubernetes.images.map((image) => `${image.container} → ${image.to.replace(/@sha256:.*/, '')}`);
      const node = kubernetes.placement
        ? `, on ${kubernetes.placement.node} (label ${kubernetes.placement.label})`
        : '';
      lines.push(
        `${what}: ${created} to create, ${configured} to change, ${unchanged} unchanged${images.length > 0 ? `; images ${images.join(', ')}` : ''}${node}`,
      );
    }
  }
  return lines;
}
