import * as core from '@actions/core';
import { InputReader, runnerInputs, type RunnerHooks } from '@sophia/inputs';
import type { Log } from '@sophia/reporting';

/** The runner's log, as the `Log` every domain package writes to: groups fold per host and per phase. */
export const actionLog: Log = {
  info: (line) => core.info(line),
  warning: (message) => core.warning(message),
  debug: (line) => core.debug(line),
  group: (title, work) => core.group(title, work),
};

/** A problem at a place in the repository (a manifest line), shown by GitHub on the file itself. */
export interface FileProblem {
  file: string;
  /** 1-based. */
  line: number;
  message: string;
}

/**
 * Each problem as an annotation on its file and line, titled `title` ("Manifest problem",
 * "Placement"): an error, or a warning for what is worth seeing but does not fail the step.
 */
export function annotateFileProblems(
  problems: FileProblem[],
  title: string,
  level: 'error' | 'warning' = 'error',
): void {
  for (const problem of problems) {
    core[level](problem.message, { file: problem.file, startLine: problem.line, title });
  }
}

/** What the input reader needs from the runner: secrets masked in the log, warnings as annotations. */
export const runnerInputHooks: RunnerHooks = {
  mask: (secret) => core.setSecret(secret),
  warn: (message) => core.warning(message),
};

/** The reader of this step's inputs (the runner's INPUT_* variables), masking and warning through the runner. */
export function actionInputs(): InputReader {
  return new InputReader(runnerInputs, runnerInputHooks);
}

/**
 * Runs `work`; when it throws an error carrying `problems` at files and lines (a `ManifestError`),
 * each becomes an error annotation titled `title` on its file before the error goes on.
 */
export async function annotatingFileProblems<T>(title: string, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const problems = (error as { problems?: unknown } | undefined)?.problems;
    if (Array.isArray(problems)) annotateFileProblems(problems as FileProblem[], title);
    throw error;
  }
}
