/**
 * What the frontend release flow reports, per host and in total: the deploy's and the rollback's
 * reports, for the action's outputs and job summary and for the errors that carry them (errors.ts).
 */

/**
 * What happened on one host. `unknown`: the connection broke during the switch and the host could
 * not be reached again to put it right; `serving` is then undefined and the next deploy or
 * rollback converges it.
 */
export type HostOutcome = 'live' | 'not switched' | 'failed' | 'rolled back' | 'unknown';

/** What the deploy did on one host. Times are seconds; byte counts as noted. */
export interface HostReport {
  /** The host as the user named it. */
  host: string;
  /** `hostLabel` (`host:port`): how outputs, summaries, logs and errors name the host. */
  label: string;
  releaseId: string;
  previousReleaseId?: string;
  releasePath: string;
  outcome: HostOutcome;
  filesUploaded: number;
  filesReused: number;
  /** Compressed bytes of the release archive sent to this host. */
  bytesUploaded: number;
  seconds: number;
  /** Why this host failed, if it did. */
  error?: string;
  /**
   * The release this host serves when the deploy ended, as read from `current` ('' when nothing is
   * live; undefined when the host could not be asked).
   */
  serving?: string;
  cleanedPartials: string[];
  pruned: string[];
  /** Files of the live release found changed on the server; they were sent again rather than linked. */
  drifted: string[];
  /** Problems that did not stop the release (a release that could not be pruned). */
  warnings: string[];
  tookOverLockFrom?: string;
  /**
   * Only when the deploy offered a kept manifest for this host (`FrontendDeployRequest.knownManifest`):
   * `true` when the host confirmed it is the live release's, so the live manifest was not read back;
   * `false` when it is not (it was read back, or there was no live release to compare with).
   */
  knownManifestUsed?: boolean;
  /**
   * True while this run's deploy lock is held on the host as the report is made: in a report
   * published at the cancel, or when freeing it failed. The action's post step frees it (or the next
   * deploy takes it over after lock-timeout).
   */
  lockHeld?: boolean;
  /** SSH exec channels this deploy opened on the host. */
  channels?: number;
  /** This host's progress lines in order, without the label: the action folds them into one log group per host. */
  log: string[];
}

/** The whole frontend deploy: the release id and every host's report, in the order of the `host` input. */
export interface FrontendDeployReport {
  releaseId: string;
  /** The deploy directory on every host (`FrontendDeployRequest.target`). */
  target: string;
  /** The URL the smoke check fetched (`FrontendDeployRequest.smokeUrl`), where the site is served; absent without one. */
  smokeUrl?: string;
  hosts: HostReport[];
  /** Undefined when every host went live; the first failure's message otherwise. */
  error?: string;
  /**
   * Set when the run was cancelled (`FrontendDeployRequest.signal`): `before switch` (no host
   * changed) or `during switch` (the switch or smoke check had begun; hosts were put back).
   */
  cancelled?: 'before switch' | 'during switch';
}

/**
 * Which release a rollback goes to on one host (see chooseRelease), with warnings about a named release that is marked
 * failed or has no record.
 */
export interface ReleaseChoice {
  /** The live release before the rollback (undefined when nothing is live). */
  from?: string;
  to: string;
  alreadyLive: boolean;
  warnings: string[];
}

/**
 * What a rollback did on one host: `switched` to `to`; `already live` (nothing to do); `not switched`
 * (its own switch failed, or it was never switched because another host failed); `put back` on `from`
 * after it had switched and another host failed; `unknown` when it could not be put back (see `error`).
 */
export type HostRollbackOutcome = 'switched' | 'already live' | 'not switched' | 'put back' | 'unknown';

/** What a frontend rollback did on one host. */
export interface HostRollback extends ReleaseChoice {
  /** The host as the user named it. */
  host: string;
  /** `hostLabel` (`host:port`): how outputs, summaries, logs and errors name the host. */
  label: string;
  markedFailed: boolean;
  outcome: HostRollbackOutcome;
  /** Why this host failed, if it did. */
  error?: string;
  /** This host's progress lines in order, without the label. */
  log: string[];
}
