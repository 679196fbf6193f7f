/**
 * The run an action is part of, from the variables the runner sets (GitHub's "Default environment
 * variables" doc; `runContext()` in `@sophia/action-runtime` reads them). Empty strings where a variable is missing (a local run, a test).
 */
export interface RunContext {
  /** GITHUB_SHA: the commit the run builds. */
  commit: string;
  /** GITHUB_REF, such as `refs/heads/main`. */
  ref: string;
  /** GITHUB_ACTOR: who started the run. */
  actor: string;
  /** GITHUB_RUN_ID: the same for every attempt of a run. */
  runId: string;
  /** GITHUB_RUN_ATTEMPT: `1` for the first attempt. */
  runAttempt: string;
  /** The run's page, see `runUrl`. */
  runUrl: string;
}
