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

/** What syncAlertIssue did. */
export type AlertAction = 'opened' | 'commented' | 'closed' | 'none';

/**
 * The alert issue's whole lifecycle for one check: unhealthy with no open issue opens one
 * (`body` is its first text), unhealthy with one open comments `body` on it, healthy with one
 * open comments `body` and closes it, healthy with none does nothing.
 *
 * REST and errors: those of findAlertIssue, openAlertIssue, commentOnIssue and closeIssue.
 * Minimum token permission: `issues: write`.
 */
export async function syncAlertIssue(
  github: GitHubRepository,
  alert: AlertKey & { title: string },
  check: { healthy: boolean; body: string },
): Promise<{ action: AlertAction; issue?: AlertIssue }> {
  const open = await findAlertIssue(github, alert);
  if (check.healthy) {
    if (!open) return { action: 'none' };
    await closeIssue(github, open.number, check.body);
    return { action: 'closed', issue: open };
  }
  if (open) {
    await commentOnIssue(github, open.number, check.body);
    return { action: 'commented', issue: open };
  }
  return { action: 'opened', issue: await createAlertIssue(github, { ...alert, body: check.body }) };
}
