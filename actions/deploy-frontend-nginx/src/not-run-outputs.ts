import type { OutputValue } from '@sophia/action-runtime';

/**
 * The outputs this action sets when nothing ran (an input refused, a cancel before the step published):
 * nothing sent. A subset of action.yml's outputs, as the README's "When nothing runs" says: `release-id`,
 * `release-path` and `hosts` come from inputs that may be the ones refused, so they are left unset.
 */
export const NOT_RUN_OUTPUTS: Readonly<Record<string, OutputValue>> = {
  'files-uploaded': 0,
  'files-reused': 0,
  'bytes-uploaded': 0,
};
