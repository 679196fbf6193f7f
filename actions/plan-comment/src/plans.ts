import { readFileSync } from 'node:fs';
import { InputError } from '@sophia/inputs';
import { kubernetesPlanMarkdown, type KubernetesPlan } from '@sophia/kubernetes';
import { frontendPlanMarkdown, type FrontendPlan } from '@sophia/releases';
import { markdownText, PLAN_SCHEMA } from '@sophia/reporting';

/** One plan of the `plan-files` input: which environment and component it is for, and the document. */
export interface EnvironmentPlan {
  environment: string;
  component: string;
  plan: FrontendPlan | KubernetesPlan;
}

/**
 * An environment's name as the plan inputs spell it (`plan-files`, `sections`, `failed`), and a component's on a
 * `plan-files` line: letters, digits and `. _ -`, so a name never holds the spaces that separate a line's fields.
 */
export const ENVIRONMENT_NAME = /^[A-Za-z0-9._-]+$/;
const LINE_FORMAT = '"<environment> <component> <plan file>"';

/**
 * Parses the `plan-files` input: one plan a line (`<environment> <component> <path>`), the path
 * being a deploy action's `plan-file` output in this job; a line without a path is a component
 * that was not planned and is left out. Plans travel as files because a plan has no size bound
 * and an input is an environment variable of the action's process, which Linux caps at 128 KiB
 * (MAX_ARG_STRLEN): a larger one fails the step with `spawn E2BIG`.
 * Throws InputError (input `plan-files`) for a line of another shape, a file that cannot be read,
 * a plan that is not JSON, not of schema PLAN_SCHEMA or of an unknown target. No plan at all is an empty list.
 */
export function parsePlanFiles(
  raw: string,
  read: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): EnvironmentPlan[] {
  const plans: EnvironmentPlan[] = [];
  raw.split('\n').forEach((text, index) => {
    const line = text.trim();
    if (line === '') return;
    const where = `Input "plan-files" line ${index + 1}`;
    const [environment = '', component = ''] = line.split(/\s+/, 2);
    if (!ENVIRONMENT_NAME.test(environment) || !ENVIRONMENT_NAME.test(component)) {
      throw new InputError('plan-files', `${where} must be ${LINE_FORMAT}, got "${line.slice(0, 60)}"`);
    }
    const file = line.slice(line.indexOf(component, environment.length) + component.length).trim();
    if (file === '') return;
    let json: string;
    try {
      json = read(file);
    } catch (error) {
      throw new InputError(
        'plan-files',
        `${where} (${environment} ${component}) must name a readable plan file, got "${file}": ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    let plan: unknown;
    try {
      plan = JSON.parse(json);
    } catch {
      throw new InputError(
        'plan-files',
        `${where} (${environment} ${component}) must name a plan in JSON, got "${json.slice(0, 60)}"`,
      );
    }
    const { schema, target } = (plan ?? {}) as { schema?: unknown; target?: unknown };
    if (schema !== PLAN_SCHEMA) {
      throw new InputError(
        'plan-files',
        `${where} (${environment} ${component}) must be a plan of schema "${PLAN_SCHEMA}", got schema ${JSON.stringify(schema) ?? 'none'}`,
      );
    }
    if (target !== 'frontend' && target !== 'kubernetes') {
      throw new InputError(
        'plan-files',
        `${where} (${environment} ${component}) must be a plan of target "frontend" or "kubernetes", got ${JSON.stringify(target) ?? 'none'}`,
      );
    }
    plans.push({ environment, component, plan: plan as FrontendPlan | KubernetesPlan });
  });
  return plans;
}

/** One environment's part of the comment, rendered where its plans are (the `sections` output, one JSON line each). */
export interface PlanSection {
  environment: string;
  /** The section's Markdown, already within its share of the comment. */
  markdown: string;
}

/**
 * The most UTF-8 bytes all sections of one comment may take as the `sections` input, JSON-encoded:
 * below the 128 KiB Linux caps one environment variable at (MAX_ARG_STRLEN, 131072 bytes with
 * the variable's name), with room for names and line breaks.
 */
export const SECTIONS_INPUT_BYTES = 120 * 1024;

/**
 * Parses the `sections` input: one `sections` output line a line (`{"environment", "markdown"}`),
 * blank lines left out. Throws InputError (input `sections`) for a line that is not such a JSON object.
 */
export function parseSections(raw: string): PlanSection[] {
  return raw
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line, index) => {
      let section: unknown;
      try {
        section = JSON.parse(line);
      } catch {
        section = undefined;
      }
      const { environment, markdown } = (section ?? {}) as { environment?: unknown; markdown?: unknown };
      if (typeof environment !== 'string' || !ENVIRONMENT_NAME.test(environment) || typeof markdown !== 'string') {
        throw new InputError(
          'sections',
          `Input "sections" line ${index + 1} must be a line of the "sections" output ({"environment", "markdown"}), got "${line.slice(0, 60)}"`,
        );
      }
      return { environment, markdown };
    });
}

/** Where a cut environment's section says why it ends there. */
export const CUT_NOTE =
  "\n\n---\n**This environment's plan is cut here:** the comment would be longer than GitHub allows (65536 characters). The plan job's summary shows it whole.\n";

const COMMENT_HEAD =
  [
    '## Deploy plans',
    '',
    'What a deploy of this pull request would change in each environment, computed with a dry run: nothing was changed. Updated on every push.',
    '',
  ].join('\n') + '\n';

/**
 * One environment's section of the comment, whole: a part per component of `plans` (those of
 * `environment`), or, when `failed`, that its plan could not be made, linking `runUrl` when there is one.
 */
function environmentSection(environment: string, plans: EnvironmentPlan[], failed: boolean, runUrl: string): string {
  const parts = [`## ${markdownText(environment)}`, ''];
  if (failed) {
    const where = runUrl ? `[the run's log](${runUrl})` : "the run's log";
    parts.push(`**The plan could not be made** (see ${where}): a deploy's effect here is not known.`, '');
  } else {
    for (const { component, plan } of plans.filter((entry) => entry.environment === environment)) {
      parts.push(`### ${markdownText(`${environment}: ${component}`)}`, '');
      parts.push(plan.target === 'frontend' ? frontendPlanMarkdown(plan) : kubernetesPlanMarkdown(plan), '');
    }
  }
  return parts.join('\n') + '\n';
}

/**
 * The sections of each environment of `plans`, rendered in the plan job, each cut to its share of
 * a comment of at most `limit` UTF-16 code units that `environments` environments share, and to
 * its share of SECTIONS_INPUT_BYTES as a JSON line: what the job passes on (a job output, then the
 * comment's `sections` input) is bounded whatever the plans' size.
 */
export function planSections(
  plans: EnvironmentPlan[],
  environments: number,
  limit: number,
): { sections: PlanSection[]; truncated: boolean } {
  const names = [...new Set(plans.map((entry) => entry.environment))];
  const share = Math.floor((limit - COMMENT_HEAD.length) / Math.max(environments, names.length));
  const bytes = Math.floor(SECTIONS_INPUT_BYTES / Math.max(environments, names.length));
  let truncated = false;
  const sections = names.map((environment) => {
    const whole = environmentSection(environment, plans, false, '');
    let room = share;
    for (;;) {
      const fitted = fitSection(whole, room);
      const size = Buffer.byteLength(JSON.stringify({ environment, markdown: fitted.body }));
      if (size <= bytes || room <= CUT_NOTE.length) {
        truncated ||= fitted.truncated;
        return { environment, markdown: fitted.body };
      }
      // Characters that take more than a byte each: shrink by how far over the bytes are.
      room = Math.max(CUT_NOTE.length, Math.floor((room * bytes) / size) - 1);
    }
  });
  return { sections, truncated };
}

/**
 * The comment's Markdown, at most `limit` UTF-16 code units: a section per environment (in the
 * order of first mention in `plans`, then `sections`, then `failed`), a part per component; a
 * failed environment's section says its plan could not be made, linking `runUrl` when there is
 * one, whatever plans or sections it has. `sections` are those rendered by plan jobs (planSections).
 * Every environment keeps a share of the limit, so a long staging plan never pushes production
 * out: the room is split evenly, a section shorter than its share leaves the rest to the others,
 * and a section longer than its share is cut at a line with CUT_NOTE.
 */
export function plansMarkdown(
  plans: EnvironmentPlan[],
  sections: PlanSection[],
  failed: string[],
  runUrl: string,
  limit: number,
): { body: string; truncated: boolean } {
  const environments = [
    ...new Set([...plans.map((entry) => entry.environment), ...sections.map((entry) => entry.environment), ...failed]),
  ];
  const whole = environments.map((environment) => {
    if (failed.includes(environment)) return environmentSection(environment, [], true, runUrl);
    const rendered = sections.filter((entry) => entry.environment === environment).map((entry) => entry.markdown);
    const local = plans.some((entry) => entry.environment === environment)
      ? environmentSection(environment, plans, false, runUrl)
      : '';
    return rendered.length > 0 ? rendered.join('') + local.replace(/^## .*\n\n/, '') : local;
  });
  // Shortest first, so what a short section leaves unused goes to the longer ones after it.
  const share = new Map<number, number>();
  let room = limit - COMMENT_HEAD.length;
  const order = whole.map((_, index) => index).sort((a, b) => whole[a].length - whole[b].length);
  order.forEach((index, position) => {
    const fair = Math.floor(room / (order.length - position));
    share.set(index, Math.min(whole[index].length, fair));
    room -= share.get(index)!;
  });
  const fitted = whole.map((section, index) => fitSection(section, share.get(index)!));
  const cutBefore = sections.some((entry) => entry.markdown.endsWith(CUT_NOTE));
  return {
    body: COMMENT_HEAD + fitted.map((entry) => entry.body).join(''),
    truncated: cutBefore || fitted.some((entry) => entry.truncated),
  };
}

/**
 * A line that opens an HTML block with a fold's tag, as the plan renderers write their folds
 * (`<details><summary>…</summary>` and `</details>` at the start of a line): an HTML block of
 * CommonMark 0.31 §4.6 type 6, which runs to the next blank line and whose text is raw HTML.
 */
const FOLD_BLOCK_START = /^ {0,3}<\/?(?:details|summary)(?:[\s/>]|$)/i;

/**
 * What must be closed after `kept` so that nothing it opened runs past the cut: the closing line
 * of an open fenced code block (CommonMark 0.31 §4.5: a line of at least the opening's backticks
 * or tildes), then a `</details>` line per `<details>` still open (GitHub's renderer closes HTML
 * blocks only where their tags close, so an open fold would swallow every later environment).
 * Folds are counted by structure, in the HTML blocks that the renderers' fold lines open, never
 * by searching the text: a tag inside a code span or escaped text is not HTML, and a file name
 * such as `x</details>y.js` (legal: only control characters are refused) must not count as one.
 */
function closersFor(kept: string): string {
  let fence: string | undefined;
  let inFoldBlock = false;
  let openDetails = 0;
  for (const line of kept.split('\n')) {
    if (inFoldBlock && line.trim() === '') {
      inFoldBlock = false;
      continue;
    }
    if (!inFoldBlock) {
      const fenceRun = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
      if (fence !== undefined) {
        if (fenceRun && fenceRun[0] === fence[0] && fenceRun.length >= fence.length && line.trim() === fenceRun) {
          fence = undefined;
        }
        continue;
      }
      if (fenceRun) {
        fence = fenceRun;
        continue;
      }
      if (!FOLD_BLOCK_START.test(line)) continue;
      inFoldBlock = true;
    }
    openDetails += (line.match(/<details(?=[\s>])/gi) ?? []).length - (line.match(/<\/details\s*>/gi) ?? []).length;
  }
  return (fence === undefined ? '' : `\n${fence}\n`) + '\n</details>\n'.repeat(Math.max(openDetails, 0));
}

/**
 * A section cut to at most `limit` UTF-16 code units, CUT_NOTE included, at the last line break
 * before the limit (never inside a surrogate pair), so it ends on a whole line; a code block or
 * `<details>` fold open at the cut is closed before CUT_NOTE, so the note and the environments
 * after it never render inside it.
 */
function fitSection(section: string, limit: number): { body: string; truncated: boolean } {
  if (section.length <= limit) return { body: section, truncated: false };
  let room = Math.max(limit - CUT_NOTE.length, 0);
  for (;;) {
    let end = room;
    const lineEnd = section.lastIndexOf('\n', end);
    if (lineEnd > 0) end = lineEnd;
    else if (/[\uD800-\uDBFF]/.test(section.charAt(end - 1))) end -= 1;
    const kept = section.slice(0, end);
    const closers = closersFor(kept);
    // Closing takes room too: cut earlier until the closers fit (each step drops a line at least).
    if (end + closers.length <= room || end === 0) return { body: kept + closers + CUT_NOTE, truncated: true };
    room = Math.max(Math.min(room - closers.length, end - 1), 0);
  }
}
