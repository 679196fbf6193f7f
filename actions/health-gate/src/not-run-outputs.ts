import type { OutputValue } from '@sophia/action-runtime';

/**
 * The outputs this action sets when nothing ran (an input refused, a cancel before the step published):
 * not healthy, no round. A subset of action.yml's outputs, as the README's "When nothing runs" says.
 */
export const NOT_RUN_OUTPUTS: Readonly<Record<string, OutputValue>> = { healthy: false, rounds: 0 };
