import { InputError } from '@sophia/inputs';
import { kubernetesPlanMarkdown, type KubernetesPlan } from '@sophia/kubernetes';
import { frontendPlanMarkdown, type FrontendPlan } from '@sophia/releases';
import { PLAN_SCHEMA } from '@sophia/reporting';

/** One plan of the `plans` input: which environment and component it is for, and the document. */
export interface EnvironmentPlan {
  environment: string;
  component: string;
  plan: FrontendPlan | KubernetesPlan;
}

const NAME = /^[A-Za-z0-9._-]+$/;
const LINE_FORMAT = '"<environment> <component> <plan JSON>"';

/**
 * Parses the `plans` input: one plan a line (`<environment> <component> <plan JSON>`); a line
 * without a plan is a component that was not planned and is left out.
 * Throws InputError (input `plans`) for a line of another shape, a plan that is not JSON, not of
 * schema PLAN_SCHEMA or of an unknown target. No plan at all is an empty list.
 */
export function parsePlans(raw: string): EnvironmentPlan[] {
  const plans: EnvironmentPlan[] = [];
  raw.split('\n').forEach((text, index) => {
    const line = text.trim();
    if (line === '') return;
    const where = `Input "plans" line ${index + 1}`;
    const [environment = '', component = ''] = line.split(/\s+/, 2);
    if (!NAME.test(environment) || !NAME.test(component)) {
      throw new InputError('plans', `${where} must be ${LINE_FORMAT}, got "${line.slice(0, 60)}"`);
    }
    const json = line.slice(line.indexOf(component, environment.length) + component.length).trim();
    if (json === '') return;
    let plan: unknown;
    try {
      plan = JSON.parse(json);
    } catch {
      throw new InputError(
        'plans',
        `${where} (${environment} ${component}) must end with a plan in JSON, got "${json.slice(0, 60)}"`,
      );
    }
    const { schema, target } = (plan ?? {}) as { schema?: unknown; target?: unknown };
    if (schema !== PLAN_SCHEMA) {
      throw new InputError(
        'plans',
        `${where} (${environment} ${component}) must be a plan of schema "${PLAN_SCHEMA}", got schema ${JSON.stringify(schema) ?? 'none'}`,
      );
    }
    if (target !== 'frontend' && target !== 'kubernetes') {
      throw new InputError(
        'plans',
        `${where} (${environment} ${component}) must be a plan of target "frontend" or "kubernetes", got ${JSON.stringify(target) ?? 'none'}`,
      );
    }
    plans.push({ environment, component, plan: plan as FrontendPlan | KubernetesPlan });
  });
  return plans;
}

/** Where a cut environment's section says why it ends there. */
export const CUT_NOTE =
  "\n\n---\n**This environment's plan is cut here:** the comment would be longer than GitHub allows (65536 characters). The plan job's summary shows it whole.\n";

/**
 * The comment's Markdown, at most `limit` UTF-16 code units: a section per environment (in the
 * order of first mention, `failed` ones included), a part per component; a failed environment's
 * section says its plan could not be made, linking `runUrl` when there is one.
 * Every environment keeps a share of the limit, so a long staging plan never pushes production
 * out: the room is split evenly, a section shorter than its share leaves the rest to the others,
 * and a section longer than its share is cut at a line with CUT_NOTE.
 */
export function plansMarkdown(
  plans: EnvironmentPlan[],
  failed: string[],
  runUrl: string,
  limit: number,
): { body: string; truncated: boolean } {
  const environments = [...new Set([...plans.map((entry) => entry.environment), ...failed])];
  const intro = `What a deploy of this pull request would change in each environment, computed with a dry run: nothing was changed. Updated on every push.`;
  const head = ['## Deploy plans', '', intro, ''].join('\n') + '\n';
  const sections = environments.map((environment) => {
    const parts = [`## ${environment}`, ''];
    if (failed.includes(environment)) {
      const where = runUrl ? `[the run's log](${runUrl})` : "the run's log";
      parts.push(`**The plan could not be made** (see ${where}): a deploy's effect here is not known.`, '');
    } else {
      for (const { component, plan } of plans.filter((entry) => entry.environment === environment)) {
        parts.push(`### ${environment}: ${component}`, '');
        parts.push(plan.target === 'frontend' ? frontendPlanMarkdown(plan) : kubernetesPlanMarkdown(plan), '');
      }
    }
    return parts.join('\n') + '\n';
  });
  // Shortest first, so what a short section leaves unused goes to the longer ones after it.
  const share = new Map<number, number>();
  let room = limit - head.length;
  const order = sections.map((_, index) => index).sort((a, b) => sections[a].length - sections[b].length);
  order.forEach((index, position) => {
    const fair = Math.floor(room / (order.length - position));
    share.set(index, Math.min(sections[index].length, fair));
    room -= share.get(index)!;
  });
  const fitted = sections.map((section, index) => fitSection(section, share.get(index)!));
  return {
    body: head + fitted.map((entry) => entry.body).join(''),
    truncated: fitted.some((entry) => entry.truncated),
  };
}

/**
 * A section cut to at most `limit` UTF-16 code units, CUT_NOTE included, at the last line break
 * before the limit (never inside a surrogate pair), so it ends on a whole line.
 */
function fitSection(section: string, limit: number): { body: string; truncated: boolean } {
  if (section.length <= limit) return { body: section, truncated: false };
  let end = Math.max(limit - CUT_NOTE.length, 0);
  const lineEnd = section.lastIndexOf('\n', end);
  if (lineEnd > 0) end = lineEnd;
  else if (/[\uD800-\uDBFF]/.test(section.charAt(end - 1))) end -= 1;
  return { body: section.slice(0, end) + CUT_NOTE, truncated: true };
}
