import type { RunContext } from '@sophia/reporting';

/**
 * `<server>/<owner>/<repo>/actions/runs/<id>`, or '' without a repository or run id. A missing
 * GITHUB_SERVER_URL means github.com, as the runner itself assumes (`github.context.serverUrl`).
 */
export function runUrl(env: NodeJS.ProcessEnv = process.env): string {
  const server = env.GITHUB_SERVER_URL || 'https://github.com';
  return env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
    ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
    : '';
}

/**
 * The run as GitHub's default environment variables describe it (GITHUB_SHA, GITHUB_REF, GITHUB_ACTOR, GITHUB_RUN_ID,
 * GITHUB_RUN_ATTEMPT, and the run URL from GITHUB_SERVER_URL/GITHUB_REPOSITORY). Absent variables give empty strings,
 * so a run outside a runner still works; never throws.
 */
export function runContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  return {
    commit: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    actor: env.GITHUB_ACTOR ?? '',
    runId: env.GITHUB_RUN_ID ?? '',
    runAttempt: env.GITHUB_RUN_ATTEMPT ?? '',
    runUrl: runUrl(env),
  };
}

/** The runner's checkout, where relative paths in inputs start (GITHUB_WORKSPACE; the current directory locally). */
export function workspaceDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.GITHUB_WORKSPACE || process.cwd();
}
