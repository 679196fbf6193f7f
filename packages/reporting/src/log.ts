/**
 * Where a domain package writes its progress. The action passes the runner's log (`actionLog` in
 * `@sophia/action-runtime`, which turns these into `core.info`/`core.warning`/`core.debug` and log
 * groups); tests and the demo pass their own or nothing. Domain packages never import
 * `@actions/core` themselves: this is their only way to the job's log.
 */
export interface Log {
  /** A line of progress, shown in the log as is. */
  info(line: string): void;
  /** Something the user should act on that does not fail the step (a yellow annotation on a runner). */
  warning(message: string): void;
  /** Detail for step debugging only (shown when RUNNER_DEBUG is on). */
  debug(line: string): void;
  /** Runs `work` with its lines folded under `title` (one host, one phase), and returns what it returns. */
  group<T>(title: string, work: () => Promise<T>): Promise<T>;
}

/** A log that drops everything: the default where a caller gives none. */
export const silentLog: Log = {
  info: () => {},
  warning: () => {},
  debug: () => {},
  group: (_title, work) => work(),
};
