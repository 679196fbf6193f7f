import * as core from '@actions/core';
import { InputReader, type InputSource, type RunnerHooks } from '@sophia/inputs';
import type { Log } from '@sophia/reporting';

/** How many of actionLog's groups are open: their work has begun and not ended. */
let openGroups = 0;

/** The runner's log, as the `Log` every domain package writes to: groups fold per host and per phase. */
export const actionLog: Log = {
  info: (line) => core.info(line),
  warning: (message) => core.warning(message),
  debug: (line) => core.debug(line),
  group: (title, work) =>
    core.group(title, async () => {
      openGroups += 1;
      try {
        return await work();
      } finally {
        openGroups = Math.max(0, openGroups - 1);
      }
    }),
};

/**
 * Closes (`::endgroup::`) the log group whose work is still running, for a step about to be ended by force
 * (its cancel grace ran out): the runner folds every line after an unclosed `::group::` into that group, the
 * step's failure message too. The runner's log has one level of groups, so one `::endgroup::` closes it. Does
 * nothing when no group is open.
 */
export function closeOpenLogGroup(): void {
  if (openGroups === 0) return;
  openGroups = 0;
  core.endGroup();
}

/** What the input reader needs from the runner: secrets masked in the log, warnings as annotations. */
export const runnerInputHooks: RunnerHooks = {
  mask: (secret) => core.setSecret(secret),
  warn: (message) => core.warning(message),
};

/**
 * The step's inputs as the runner passes them (its INPUT_* variables, read by the toolkit's
 * `getInput`), untrimmed: each parser decides what whitespace means (a private key keeps its
 * final newline).
 */
export const runnerInputs: InputSource = (name) => core.getInput(name, { trimWhitespace: false });

/** The reader of this step's inputs, masking and warning through the runner. */
export function actionInputs(): InputReader {
  return new InputReader(runnerInputs, runnerInputHooks);
}
