import { runAction } from '@sophia/action-runtime';
import { main } from './main.js';
import { NOT_RUN_OUTPUTS } from './not-run-outputs.js';

/**
 * The bundle's role on the main thread: the action under the one error path of every action. One module
 * for the role, so the bundle loads it as one chunk holding @sophia/action-runtime once (two dynamic imports,
 * of the runtime and of main.ts, made ncc ship and load the runtime in two chunks).
 * @param bundle the path of the bundle's own file, which the regex thread is started from.
 */
export function runMainThread(bundle: string): Promise<void> {
  return runAction(() => main({ filename: bundle }), {
    title: 'health-gate',
    notRunOutputs: NOT_RUN_OUTPUTS,
  });
}
