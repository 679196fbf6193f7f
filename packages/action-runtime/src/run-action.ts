import * as core from '@actions/core';

export function debugEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['RUNNER_DEBUG', 'ACTIONS_STEP_DEBUG'].some((name) => ['1', 'true'].includes((env[name] ?? '').toLowerCase()));
}

/**
 * The one error path of every action: the message goes to `core.setFailed`; the stack only
 * when the user turned step debugging on, because stacks in normal logs bury the reason.
 */
export async function runAction(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (debugEnabled() && error instanceof Error && error.stack) core.info(error.stack);
    core.setFailed(message);
  }
}
