import { actionInputs } from '@sophia/action-runtime';
import { headerToken, InputError, integer, listOf, matching, type InputReader } from '@sophia/inputs';
import { parsePlans, type EnvironmentPlan } from './plans.js';

/** What the plan comment needs: the plans, the pull request, the token and the comment's key. */
export interface PlanCommentSettings {
  plans: EnvironmentPlan[];
  pullNumber: number;
  token: string;
  key: string;
  /** The login the token writes as; only its comments are updated. */
  author: string;
  /** Environments whose plan could not be made. */
  failed: string[];
}

/** Reads and checks the inputs (the token is masked first). Throws InputError naming the input. */
export function getInputs(reader: InputReader = actionInputs()): PlanCommentSettings {
  const pullNumber = reader.required('pull-request', integer(1, Number.MAX_SAFE_INTEGER));
  const token = headerToken('github-token', reader.secret('github-token', { required: true })!);
  const key = reader.required(
    'key',
    matching(/^(?!.*--)[A-Za-z0-9._/:@+-]+$/, 'letters, digits and . _ / : @ + - (no "--")'),
  );
  // GitHub logins: letters, digits and single hyphens; an app's bot adds `[bot]`.
  const author = reader.required(
    'comment-author',
    matching(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\[bot\])?$/, 'a GitHub login, such as github-actions[bot]'),
  );
  const failed =
    reader.optional('failed', listOf(matching(/^[A-Za-z0-9._-]+$/, 'environment names'), 'newline-or-comma')) ?? [];
  const plans = (reader.optional('plans', (_name, raw) => parsePlans(raw)) ?? []).filter(
    (entry) => !failed.includes(entry.environment),
  );
  if (plans.length === 0 && failed.length === 0) {
    throw new InputError(
      'plans',
      'Input "plans" is required: give at least one plan (or name the environments in "failed")',
    );
  }
  return { plans, pullNumber, token, key, author, failed };
}
