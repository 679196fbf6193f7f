import { ReportedError } from '@sophia/reporting';
import type { FrontendDeployReport, HostRollback } from './reports.js';

/**
 * Every error the frontend release flow throws. Before anything changed on a host: `SourceError`,
 * `ReleaseHostError`, `ReleaseRollbackRefusedError` (plain errors, no report). After: the
 * `ReportedError`s `FrontendDeployFailedError` and `FrontendRollbackFailedError`, whose report says
 * what each host serves and why it failed, for the action's outputs and job summary.
 */

/** The build directory cannot become a release (missing, unreadable, a link out of the tree, ...). */
export class SourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceError';
  }
}

/** One step on one host failed; `host` is its `hostLabel` ('' when the failure is not one host's). */
export class ReleaseHostError extends Error {
  constructor(
    readonly host: string,
    message: string,
  ) {
    super(message);
    this.name = 'ReleaseHostError';
  }
}

/** A rollback that cannot proceed; raised before any host changed. */
export class ReleaseRollbackRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReleaseRollbackRefusedError';
  }
}

/**
 * The deploy failed on some host after it began (locks taken, files sent, perhaps switched and put
 * back): the report says, per host, its outcome, what it serves now and why it failed.
 */
export class FrontendDeployFailedError extends ReportedError<FrontendDeployReport> {
  constructor(message: string, report: FrontendDeployReport) {
    super(message, report);
    this.name = 'FrontendDeployFailedError';
  }
}

/**
 * The rollback failed after hosts were locked and chosen for (a switch or a reload failed, or the
 * release rolled back from could not be marked failed): the report has every host's outcome.
 */
export class FrontendRollbackFailedError extends ReportedError<HostRollback[]> {
  constructor(message: string, report: HostRollback[]) {
    super(message, report);
    this.name = 'FrontendRollbackFailedError';
  }
}
