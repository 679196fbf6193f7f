/** The record every release carries as `.release.json`: what it is, where it came from, whether it worked. */
export type ReleaseStatus = 'complete' | 'failed';

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

export function originFromEnvironment(env: NodeJS.ProcessEnv = process.env): ReleaseOrigin {
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
  const runUrl =
    env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : '';
  return {
    commit: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    runUrl,
    actor: env.GITHUB_ACTOR ?? '',
    runId: env.GITHUB_RUN_ID ? `${env.GITHUB_RUN_ID}.${env.GITHUB_RUN_ATTEMPT ?? '1'}` : `local-${process.pid}`,
  };
}

export function parseReleaseInfo(text: string): ReleaseInfo | undefined {
  try {
    const value = JSON.parse(text) as ReleaseInfo;
    if (typeof value?.id !== 'string' || (value.status !== 'complete' && value.status !== 'failed')) return undefined;
    return value;
  } catch {
    return undefined;
  }
}

export function serializeReleaseInfo(info: ReleaseInfo): string {
  return JSON.stringify(info, null, 2) + '\n';
}

/** `releases/<id>` as `current` points at it; anything else is not one of ours. */
export function releaseIdFromLink(link: string | undefined): string | undefined {
  const match = link === undefined ? null : /^releases\/([A-Za-z0-9._-]{1,64})$/.exec(link);
  return match ? match[1] : undefined;
}

export const RELEASE_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
