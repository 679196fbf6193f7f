import * as core from '@actions/core';
import { asMainStep, asPostStep, isPostStep } from './lifecycle.js';

/**
 * True when the user re-ran the job with debug logging (`RUNNER_DEBUG=1`) or set the `ACTIONS_STEP_DEBUG` secret, as
 * GitHub documents under "Enabling debug logging"; values `1` or `true`, any case.
 */
export function debugEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['RUNNER_DEBUG', 'ACTIONS_STEP_DEBUG'].some((name) => ['1', 'true'].includes((env[name] ?? '').toLowerCase()));
}

/**
 * The one error path of every action: the message goes to `core.setFailed`; the stack only
 * when the user turned step debugging on, because stacks in normal logs bury the reason.
 */
async function reportFailures(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (debugEnabled() && error instanceof Error && error.stack) core.info(error.stack);
    core.setFailed(message);
  }
}

/**
 * Runs an action's bundle as its main step or, when action.yml also names the bundle under
 * `post:` (with `post-if: always()`), as its post step: `post` frees what a cancelled or killed
 * main step may have left (a remote lock); secrets on disk are removed in both steps.
 */
export async function runAction(main: () => Promise<void>, steps: { post?: () => Promise<void> } = {}): Promise<void> {
  if (isPostStep()) await reportFailures(() => asPostStep(steps.post));
  else await reportFailures(() => asMainStep(main));
}
