import { RELEASE_ID_PATTERN } from './release-id.js';
import type { RunContext } from '@sophia/reporting';

/** The record every release has (`.deploy/records/<id>/release.json`): what it is, where it came from, whether it worked. */
export type ReleaseStatus = 'complete' | 'failed';

/** The contents of a release's `release.json`. */
export interface ReleaseInfo {
  id: string;
  status: ReleaseStatus;
  commit: string;
  ref: string;
  runUrl: string;
  actor: string;
  /** ISO time the release was built. */
  createdAt: string;
  files: number;
  bytes: number;
  /** Set when a release is marked failed: why, and when. */
  failedReason?: string;
  failedAt?: string;
}

/** Where a release comes from: read from the runner's environment by the action. */
export interface ReleaseOrigin {
  commit: string;
  ref: string;
  runUrl: string;
  actor: string;
  runId: string;
}

/**
 * A release's origin from the run that builds it (as the action reads it from the runner; empty
 * strings when unknown). The run id names the attempt too (`<id>.<attempt>`), because a re-run
 * deploys again under the same run id; outside a runner it is `local-<pid>`.
 */
export function releaseOrigin(run: RunContext): ReleaseOrigin {
  return {
    commit: run.commit,
    ref: run.ref,
    runUrl: run.runUrl,
    actor: run.actor,
    runId: run.runId ? `${run.runId}.${run.runAttempt || '1'}` : `local-${process.pid}`,
  };
}

/**
 * A release record read back from a host; undefined when it is not JSON or lacks an id and a known status. Never
 * throws.
 */
export function parseReleaseInfo(text: string): ReleaseInfo | undefined {
  try {
    const value = JSON.parse(text) as ReleaseInfo;
    if (typeof value?.id !== 'string' || (value.status !== 'complete' && value.status !== 'failed')) return undefined;
    return value;
  } catch {
    return undefined;
  }
}

/** The record as written on the host: indented JSON with a final newline, for people who read it there. */
export function serializeReleaseInfo(info: ReleaseInfo): string {
  return JSON.stringify(info, null, 2) + '\n';
}

/** `releases/<id>` as `current` points at it; anything else (a scratch name included) is not one of ours. */
export function releaseIdFromLink(link: string | undefined): string | undefined {
  const id = link?.startsWith('releases/') ? link.slice('releases/'.length) : undefined;
  return id !== undefined && RELEASE_ID_PATTERN.test(id) ? id : undefined;
}
