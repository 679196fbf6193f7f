import { actionInputs } from '@sophia/action-runtime';
import {
  githubLogin,
  headerToken,
  InputError,
  integer,
  listOf,
  matching,
  oneOf,
  type InputReader,
} from '@sophia/inputs';
import { ENVIRONMENT_NAME, parsePlanFiles, parseSections, type EnvironmentPlan, type PlanSection } from './plans.js';

/** What the plan comment needs: the plans, the pull request, the token and the comment's key. */
export interface PlanCommentSettings {
  /** `section`: render this job's plans as bounded sections (the `sections` output); `comment`: write the comment. */
  mode: 'comment' | 'section';
  plans: EnvironmentPlan[];
  /** Sections rendered by plan jobs (mode `comment`). */
  sections: PlanSection[];
  /** How many environments share the comment (mode `section`): each section's share of it. */
  environments: number;
  key: string;
  /** Environments whose plan could not be made. */
  failed: string[];
  /** Mode `comment` only: the pull request, the token and the login it writes as (only its comments are updated). */
  pullNumber: number;
  token: string;
  author: string;
}

/** Reads and checks the inputs (the token is masked first). Throws InputError naming the input. */
export function getInputs(reader: InputReader = actionInputs()): PlanCommentSettings {
  const mode = reader.required('mode', oneOf(['comment', 'section'] as const));
  const key = reader.required(
    'key',
    matching(/^(?!.*--)[A-Za-z0-9._/:@+-]+$/, 'letters, digits and . _ / : @ + - (no "--")'),
  );
  const failed =
    reader.optional('failed', listOf(matching(ENVIRONMENT_NAME, 'environment names'), 'newline-or-comma')) ?? [];
  const plans = (reader.optional('plan-files', (_name, raw) => parsePlanFiles(raw)) ?? []).filter(
    (entry) => !failed.includes(entry.environment),
  );
  if (mode === 'section') {
    const environments = reader.required('environments', integer(1, 100));
    return { mode, plans, sections: [], environments, key, failed, pullNumber: 0, token: '', author: '' };
  }
  const pullNumber = reader.required('pull-request', integer(1, Number.MAX_SAFE_INTEGER));
  const token = headerToken('github-token', reader.secret('github-token', { required: true })!);
  const author = reader.required('comment-author', githubLogin);
  const sections = (reader.optional('sections', (_name, raw) => parseSections(raw)) ?? []).filter(
    (entry) => !failed.includes(entry.environment),
  );
  if (plans.length === 0 && sections.length === 0 && failed.length === 0) {
    throw new InputError(
      'plan-files',
      'Input "plan-files" or input "sections" is required: give at least one plan (or name the environments in "failed")',
    );
  }
  return { mode, plans, sections, environments: 0, key, failed, pullNumber, token, author };
}
