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

/** Where a cut comment says why it ends there. */
export const CUT_NOTE =
  "\n\n---\n**The plans are cut here:** the comment would be longer than GitHub allows (65536 characters). Each plan job's summary shows its plan whole.\n";

/**
 * The comment's Markdown: a section per environment (in the order of first mention, `failed` ones
 * included), a part per component; a failed environment's section says its plan could not be made,
 * linking `runUrl` when there is one.
 */
export function plansMarkdown(plans: EnvironmentPlan[], failed: string[], runUrl: string): string {
  const environments = [...new Set([...plans.map((entry) => entry.environment), ...failed])];
  const intro = `What a deploy of this pull request would change in each environment, computed with a dry run: nothing was changed. Updated on every push.`;
  const parts = ['## Deploy plans', '', intro, ''];
  for (const environment of environments) {
    parts.push(`## ${environment}`, '');
    if (failed.includes(environment)) {
      const where = runUrl ? `[the run's log](${runUrl})` : "the run's log";
      parts.push(`**The plan could not be made** (see ${where}): a deploy's effect here is not known.`, '');
      continue;
    }
    for (const { component, plan } of plans.filter((entry) => entry.environment === environment)) {
      parts.push(`### ${environment}: ${component}`, '');
      parts.push(plan.target === 'frontend' ? frontendPlanMarkdown(plan) : kubernetesPlanMarkdown(plan), '');
    }
  }
  return parts.join('\n');
}

/**
 * The body cut to at most `limit` UTF-16 code units, CUT_NOTE included, at the last line break
 * before the limit (never inside a surrogate pair), so the comment GitHub takes ends on a whole line.
 */
export function fitComment(body: string, limit: number): { body: string; truncated: boolean } {
  if (body.length <= limit) return { body, truncated: false };
  let end = limit - CUT_NOTE.length;
  const lineEnd = body.lastIndexOf('\n', end);
  if (lineEnd > 0) end = lineEnd;
  else if (/[\uD800-\uDBFF]/.test(body.charAt(end - 1))) end -= 1;
  return { body: body.slice(0, end) + CUT_NOTE, truncated: true };
}
