/**
 * The one error type a domain package throws when it failed after doing something worth reporting:
 * it carries the report as far as the work got, so the action can write its outputs and job
 * summary from it before the step fails. Errors thrown before anything happened (bad input, no
 * connection) are plain errors and carry no report.
 *
 * Subclasses only narrow the report's type and the error's name (`DeployFailedError`,
 * `RollbackRolloutError`); the action layer catches `ReportedError` without knowing which.
 */
export class ReportedError<Report = unknown> extends Error {
  constructor(
    message: string,
    readonly report: Report,
  ) {
    super(message);
    this.name = 'ReportedError';
  }
}
