import { calling, listAll, marker, pagesOf, type GitHubRepository } from './client.js';

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

/** An issue as the issues list returns it: what finding an alert issue reads. */
interface ListedIssue {
  number: number;
  title: string;
  html_url: string;
  body?: string | null;
  closed_at?: string | null;
  pull_request?: unknown;
  user?: { type?: string } | null;
}

function alertIssueOf(issue: ListedIssue): AlertIssue {
  return { number: issue.number, title: issue.title, htmlUrl: issue.html_url };
}

/**
 * The one open issue of this alert, or undefined: first among the open issues carrying `label`,
 * by the hidden marker `<!-- sophia-alert:<key> -->`; when none has it (someone removed the label,
 * or edited the text and the marker with it), among every open issue, by the marker or by the
 * alert's exact `title` on an issue a bot opened (the workflow's token opens them as
 * `github-actions[bot]`): an alert issue a person touched is still found, and no second opens.
 * Through the issues list, not the search API, whose index lags behind (a just-opened issue would
 * be missed and opened twice). Pull requests, which the issues list also returns, are skipped.
 *
 * REST: GET /repos/{owner}/{repo}/issues?state=open&labels={label} (every page), then, only when
 * that finds none, GET /repos/{owner}/{repo}/issues?state=open page by page until found.
 * Minimum token permission: `issues: read`.
 * Throws GitHubApiError (operation `findAlertIssue`).
 */
export async function findAlertIssue(
  github: GitHubRepository,
  alert: AlertKey & { title?: string },
): Promise<AlertIssue | undefined> {
  const hidden = marker('alert', alert.key);
  return calling('findAlertIssue', async () => {
    const { octokit } = github;
    const labelled = await listAll(github, octokit.rest.issues.listForRepo, { state: 'open', labels: alert.label });
    const found = (labelled as ListedIssue[])
      .filter((issue) => !issue.pull_request && issue.body?.includes(hidden))
      .sort((a, b) => a.number - b.number)[0];
    if (found) return alertIssueOf(found);
    const ours = (issue: ListedIssue) =>
      !issue.pull_request &&
      (issue.body?.includes(hidden) ||
        (alert.title !== undefined && issue.title === alert.title && issue.user?.type === 'Bot'));
    for await (const page of pagesOf(github, octokit.rest.issues.listForRepo, { state: 'open' })) {
      const match = (page as ListedIssue[]).filter(ours).sort((a, b) => a.number - b.number)[0];
      if (match) return alertIssueOf(match);
    }
    return undefined;
  });
}

/**
 * The newest closed issue of this alert (labelled, with its marker) closed less than `withinSeconds`
 * ago, or undefined. Only the newest page of closed labelled issues is read: an older one is
 * outside any sensible window.
 *
 * REST: GET /repos/{owner}/{repo}/issues?state=closed&labels={label}&sort=updated&direction=desc.
 * Minimum token permission: `issues: read`.
 * Throws GitHubApiError (operation `findAlertIssue`).
 */
async function recentlyClosedAlertIssue(
  github: GitHubRepository,
  alert: AlertKey,
  withinSeconds: number,
): Promise<AlertIssue | undefined> {
  const hidden = marker('alert', alert.key);
  return calling('findAlertIssue', async () => {
    const { octokit, owner, repo } = github;
    const { data } = await octokit.rest.issues.listForRepo({
      owner,
      repo,
      state: 'closed',
      labels: alert.label,
      sort: 'updated',
      direction: 'desc',
      per_page: 100,
    });
    const since = Date.now() - withinSeconds * 1000;
    const found = (data as ListedIssue[])
      .filter((issue) => !issue.pull_request && issue.body?.includes(hidden))
      .filter((issue) => issue.closed_at && Date.parse(issue.closed_at) >= since)
      .sort((a, b) => Date.parse(b.closed_at!) - Date.parse(a.closed_at!))[0];
    return found ? alertIssueOf(found) : undefined;
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

/**
 * Reopens a closed issue (GitHub then sets its `state_reason` to `reopened`).
 *
 * REST: PATCH /repos/{owner}/{repo}/issues/{issue_number} (`state: open`).
 * Minimum token permission: `issues: write`.
 * Throws GitHubApiError (operation `reopenIssue`).
 */
async function reopenIssue(github: GitHubRepository, issueNumber: number): Promise<void> {
  await calling('reopenIssue', async () => {
    const { octokit, owner, repo } = github;
    await octokit.rest.issues.update({ owner, repo, issue_number: issueNumber, state: 'open' });
  });
}

/**
 * What syncAlertIssue did; `unchanged`: unhealthy as last reported, so nothing was written;
 * `reopened`: a recently closed issue of the alert was reopened with a comment.
 */
export type AlertAction = 'opened' | 'reopened' | 'commented' | 'unchanged' | 'closed' | 'none';

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
  /**
   * Unhealthy with no open issue: an issue of the alert closed less than this many seconds ago is
   * reopened with `body` as a comment instead of a new issue (a flapping service keeps one
   * issue). Absent or 0: a new issue each time.
   */
  reopenWithinSeconds?: number;
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
    const comments = await listAll(github, octokit.rest.issues.listComments, { issue_number: issueNumber });
    let found: { state: string; at: number } | undefined;
    for (const written of [{ body: issue.body, created_at: issue.created_at }, ...comments]) {
      const state = STATE_MARKER.exec(written.body ?? '')?.[1];
      if (state !== undefined) found = { state, at: Date.parse(written.created_at) };
    }
    return found;
  });
}

/**
 * The alert issue's whole lifecycle for one check: unhealthy with no open issue reopens one closed
 * within `reopenWithinSeconds` (commenting `body`), else opens one (`body` is its first text), unhealthy with one open comments `body` on it (with `state`: only
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
  if (!open) {
    const closed = check.reopenWithinSeconds
      ? await recentlyClosedAlertIssue(github, alert, check.reopenWithinSeconds)
      : undefined;
    if (!closed) return { action: 'opened', issue: await createAlertIssue(github, { ...alert, body }) };
    await reopenIssue(github, closed.number);
    await commentOnIssue(github, closed.number, body);
    return { action: 'reopened', issue: closed };
  }
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
