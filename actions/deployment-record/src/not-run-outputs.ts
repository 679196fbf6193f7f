import type { OutputValue } from '@sophia/action-runtime';

/**
 * The outputs this action sets when nothing ran (an input refused, a cancel before GitHub answered): no
 * deployment record written, replaced or restored. A subset of action.yml's outputs, as the README's
 * "When nothing runs" says.
 */
export const NOT_RUN_OUTPUTS: Readonly<Record<string, OutputValue>> = {
  'deployment-id': '',
  'restored-deployment-id': '',
  'replaced-deployment-id': '',
};
