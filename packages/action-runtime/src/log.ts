import * as core from '@actions/core';
import { InputReader, type InputSource, type RunnerHooks } from '@sophia/inputs';
import type { Log } from '@sophia/reporting';

/** The runner's log, as the `Log` every domain package writes to: groups fold per host and per phase. */
export const actionLog: Log = {
  info: (line) => core.info(line),
  warning: (message) => core.warning(message),
  debug: (line) => core.debug(line),
  group: (title, work) => core.group(title, work),
};

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
