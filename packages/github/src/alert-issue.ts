import { calling, marker, type GitHubRepository } from './client.js';

/** Which alert: the label every alert issue carries, and the key of this alert's marker. */
export interface AlertKey {
  /** The label to search by (such as `production-health`); GitHub creates it on first use. */
  label: string;
  /** Identifies the alert within the label (such as `production`), in its hidden marker. */
  key: string;
}

/** An open alert issue as found or opened: its number and title. */
export interface AlertIssue {
  number: number;
  title: string;
  /** The issue's page on github.com. */
  htmlUrl: string;
}

/**
 * The one open issue carrying `label` and this alert's hidden marker `<!-- sophia-alert:<key> -->`,
 * or undefined. Searched by label and marker, never by title, through the issues list (not the
 * search API, whose index lags behind: a just-opened issue would be missed and opened twice).
 * Pull requests, which the issues list also returns, are skipped.
 *
 * REST: GET /repos/{owner}/{repo}/issues?state=open&labels={label} (every page).
 * Minimum token permission: `issues: read`.
 * Throws GitHubApiError (operation `findAlertIssue`).
 */
export async function findAlertIssue(github: GitHubRepository, alert: AlertKey): Promise<AlertIssue | undefined> {
  const hidden = marker('alert', alert.key);
  return calling('findAlertIssue', async () => {
    const { octokit, owner, repo } = github;
    const issues = await octokit.paginate(octokit.rest.issues.listForRepo, {
      owner,
      repo,
      state: 'open',
      labels: alert.label,
      per_page: 100,
    });
    const found = issues
      .filter((issue) => !issue.pull_request && issue.body?.includes(hidden))
      .sort((a, b) => a.number - b.number)[0];
    return found ? { number: found.number, title: found.title, htmlUrl: found.html_url } : undefined;
  });
}

/**
 * Opens the alert's issue with `title` and `body` (Markdown, after the hidden marker) unless one
 * is open already, which is then returned untouched: never two open issues for one alert from
 * runs one after another (runs at the same time must be kept apart by the workflow's
 * `concurrency:`).
 *
 * REST: GET /repos/{owner}/{repo}/issues, POST /repos/{owner}/{repo}/issues (with `labels`).
 * Minimum token permission: `issues: write`.
 * Throws GitHubApiError (operation `openAlertIssue`, or `findAlertIssue` for the search).
 */
export async function openAlertIssue(
  github: GitHubRepository,
  alert: AlertKey & { title: string; body: string },
): Promise<{ issue: AlertIssue; created: boolean }> {
  const existing = await findAlertIssue(github, alert);
  if (existing) return { issue: existing, created: false };
  return { issue: await createAlertIssue(github, alert), created: true };
}

function createAlertIssue(
  github: GitHubRepository,
  alert: AlertKey & { title: string; body: string },
): Promise<AlertIssue> {
  const body = `${marker('alert', alert.key)}\n${alert.body}`;
  return calling('openAlertIssue', async () => {
    const { octokit, owner, repo } = github;
    const { data } = await octokit.rest.issues.create({ owner, repo, title: alert.title, body, labels: [alert.label] });
    return { number: data.number, title: data.title, htmlUrl: data.html_url };
  });
}

/**
 * Adds a comment (Markdown) to an issue; returns the comment's id and page.
 *
 * REST: POST /repos/{owner}/{repo}/issues/{issue_number}/comments.
 * Minimum token permission: `issues: write`.
 * Throws GitHubApiError (operation `commentOnIssue`).
 */
export async function commentOnIssue(
  github: GitHubRepository,
  issueNumber: number,
  body: string,
): Promise<{ id: number; htmlUrl: string }> {
  return calling('commentOnIssue', async () => {
    const { octokit, owner, repo } = github;
    const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
    return { id: data.id, htmlUrl: data.html_url };
  });
}

/**
 * Comments on an issue (saying why it closes), then closes it as completed.
 *
 * REST: POST /repos/{owner}/{repo}/issues/{issue_number}/comments, PATCH
 * /repos/{owner}/{repo}/issues/{issue_number} (`state: closed`, `state_reason: completed`).
 * Minimum token permission: `issues: write`.
 * Throws GitHubApiError (operation `commentOnIssue` or `closeIssue`).
 */
export async function closeIssue(github: GitHubRepository, issueNumber: number, comment: string): Promise<void> {
  await commentOnIssue(github, issueNumber, comment);
  await calling('closeIssue', async () => {
    const { octokit, owner, repo } = github;
    await octokit.rest.issues.update({
      owner,
      repo,
      issue_number: issueNumber,
      state: 'closed',
      state_reason: 'completed',
    });
  });
}

/** What syncAlertIssue did; `unchanged`: unhealthy as last reported, so nothing was written. */
export type AlertAction = 'opened' | 'commented' | 'unchanged' | 'closed' | 'none';

/** One health check, as syncAlertIssue reports it. */
export interface AlertCheck {
  healthy: boolean;
  /** Markdown: the new issue's text, the comment while unhealthy, the closing comment. */
  body: string;
  /**
   * What the failure is, in one short line (such as which URLs fail and how), kept in a hidden
   * marker of what is written. With it, a check that is unhealthy in the same way as last
   * reported writes nothing (`unchanged`) until `remindAfterSeconds` have passed since then.
   * Without it, every unhealthy check comments.
   */
  state?: string;
  /** Seconds after which an unchanged failure is reported again; absent: never. */
  remindAfterSeconds?: number;
}

const STATE_MARKER = /<!-- sophia-alert-state:(.*) -->/;

/** A state as its marker keeps it: on one line, without the "--" that would end the HTML comment. */
function markedState(state: string): string {
  return state.replace(/-{2,}/g, '-').replace(/[\r\n]+/g, ' ');
}

/** The hidden line that records a failure's state in an alert issue's body or comment. */
function stateMarker(state: string): string {
  return `<!-- sophia-alert-state:${markedState(state)} -->`;
}

function withState(body: string, state: string | undefined): string {
  return state === undefined ? body : `${body}\n${stateMarker(state)}`;
}

/**
 * The latest failure state recorded on the issue (its body, then its comments) and when it was
 * written (ms since the epoch), or undefined when none is.
 *
 * REST: GET /repos/{owner}/{repo}/issues/{issue_number}, GET .../issues/{issue_number}/comments
 * (every page). Minimum token permission: `issues: read`.
 */
async function lastState(
  github: GitHubRepository,
  issueNumber: number,
): Promise<{ state: string; at: number } | undefined> {
  return calling('syncAlertIssue', async () => {
    const { octokit, owner, repo } = github;
    const { data: issue } = await octokit.rest.issues.get({ owner, repo, issue_number: issueNumber });
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number: issueNumber,
      per_page: 100,
    });
    let found: { state: string; at: number } | undefined;
    for (const written of [{ body: issue.body, created_at: issue.created_at }, ...comments]) {
      const state = STATE_MARKER.exec(written.body ?? '')?.[1];
      if (state !== undefined) found = { state, at: Date.parse(written.created_at) };
    }
    return found;
  });
}

/**
 * The alert issue's whole lifecycle for one check: unhealthy with no open issue opens one
 * (`body` is its first text), unhealthy with one open comments `body` on it (with `state`: only
 * when the failure changed or the reminder is due, else `unchanged`), healthy with one open
 * comments `body` and closes it, healthy with none does nothing.
 *
 * REST and errors: those of findAlertIssue, openAlertIssue, commentOnIssue and closeIssue, and
 * with `state` GET .../issues/{n} and .../issues/{n}/comments (operation `syncAlertIssue`).
 * Minimum token permission: `issues: write`.
 */
export async function syncAlertIssue(
  github: GitHubRepository,
  alert: AlertKey & { title: string },
  check: AlertCheck,
): Promise<{ action: AlertAction; issue?: AlertIssue }> {
  const open = await findAlertIssue(github, alert);
  if (check.healthy) {
    if (!open) return { action: 'none' };
    await closeIssue(github, open.number, check.body);
    return { action: 'closed', issue: open };
  }
  const body = withState(check.body, check.state);
  if (!open) return { action: 'opened', issue: await createAlertIssue(github, { ...alert, body }) };
  if (check.state !== undefined) {
    const last = await lastState(github, open.number);
    const due =
      check.remindAfterSeconds !== undefined &&
      last !== undefined &&
      Date.now() - last.at >= check.remindAfterSeconds * 1000;
    if (last?.state === markedState(check.state) && !due) return { action: 'unchanged', issue: open };
  }
  await commentOnIssue(github, open.number, body);
  return { action: 'commented', issue: open };
}
