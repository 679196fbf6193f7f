import { DEFAULT_COMMENT_AUTHOR, writtenBy } from './author.js';
import { calling, listAll, marker, pagesOf, type GitHubRepository } from './client.js';

/** Which alert: the label every alert issue carries, the key of this alert's marker, and whose issues count. */
export interface AlertKey {
  /** The label to search by (such as `production-health`); GitHub creates it on first use. */
  label: string;
  /** Identifies the alert within the label (such as `production`), in its hidden marker. */
  key: string;
  /**
   * The login the token writes as (see DEFAULT_COMMENT_AUTHOR, the default): only issues this
   * author opened and state markers it wrote count, so nobody else's issue or comment carrying
   * the marker can take the alert over.
   */
  author?: string;
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
  created_at?: string;
  closed_at?: string | null;
  state_reason?: string | null;
  pull_request?: unknown;
  user?: { login?: string } | null;
}

function alertIssueOf(issue: ListedIssue): AlertIssue {
  return { number: issue.number, title: issue.title, htmlUrl: issue.html_url };
}

/**
 * Whether an issue's text starts with the alert's marker line, where createAlertIssue writes it:
 * the marker anywhere else (inside quoted text) does not count.
 */
function startsWithAlertMarker(issue: ListedIssue, alert: AlertKey): boolean {
  return (issue.body ?? '').split('\n', 1)[0].replace(/\r$/, '') === marker('alert', alert.key);
}

/** Whether a listed issue is one of this alert's: an issue (not a pull request) the author opened with the marker. */
function isAlertIssue(issue: ListedIssue, alert: AlertKey): boolean {
  return (
    !issue.pull_request &&
    writtenBy(issue, alert.author ?? DEFAULT_COMMENT_AUTHOR) &&
    startsWithAlertMarker(issue, alert)
  );
}

/**
 * Raised instead of opening a second issue when an open issue of the alert (labelled, its text
 * starting with the alert's marker) was opened by another bot than `alert-author`: the token
 * writes as that bot (a GitHub App's token writes as `<app-slug>[bot]`), so every run would
 * otherwise open one more issue. Its message says which login to set.
 */
export class AlertAuthorError extends Error {
  constructor(
    /** The open issue's number. */
    readonly issueNumber: number,
    /** Who opened it, as GitHub shows. */
    readonly written: string,
    /** The author the alert looked for. */
    readonly asked: string,
  ) {
    super(
      `Alert issue #${issueNumber} was opened by "${written}", not by alert-author "${asked}": no second issue is opened. If the token writes as "${written}", set alert-author: ${written}`,
    );
    this.name = 'AlertAuthorError';
  }
}

/**
 * Throws AlertAuthorError when an open labelled issue carries the alert's marker line but another
 * bot opened it. Only a bot: a GitHub App writes in a repository only once its owners installed
 * it, while anyone may open an issue carrying the marker (and an issue template may label it),
 * and such an issue must not silence the alert.
 * REST: GET /repos/{owner}/{repo}/issues?state=open&labels={label} (every page).
 */
/** Whether a login is a GitHub App's (`<app-slug>[bot]`, GitHub docs, "About authentication with a GitHub App"). */
function isBot(login: string | undefined): login is string {
  return login?.toLowerCase().endsWith('[bot]') ?? false;
}

async function refuseSecondIssue(github: GitHubRepository, alert: AlertKey): Promise<void> {
  const labelled = await calling('findAlertIssue', () =>
    listAll(github, github.octokit.rest.issues.listForRepo, { state: 'open', labels: alert.label }),
  );
  const other = (labelled as ListedIssue[]).find(
    (issue) => !issue.pull_request && startsWithAlertMarker(issue, alert) && isBot(issue.user?.login),
  );
  if (other) throw new AlertAuthorError(other.number, other.user!.login!, alert.author ?? DEFAULT_COMMENT_AUTHOR);
}

/**
 * The one open issue of this alert, or undefined: first among the open issues carrying `label`
 * that `author` opened with the hidden marker `<!-- sophia-alert:<key> -->`; when none has it
 * (someone removed the label, or edited the text and the marker with it), among every open issue
 * `author` opened, by the marker or the alert's exact `title`: an alert issue a person touched is
 * still found, and no second opens. An issue anyone else opened never counts, whatever it carries.
 * Through the issues list, not the search API, whose index lags behind (a just-opened issue would
 * be missed and opened twice). Pull requests, which the issues list also returns, are skipped.
 *
 * REST: GET /repos/{owner}/{repo}/issues?state=open&labels={label} (every page), then, only when
 * that finds none, GET /repos/{owner}/{repo}/issues?state=open&creator={author} page by page until
 * found: narrowed to the author's issues by GitHub, so a repository's many other open issues are
 * never read (a healthy run with no issue open makes the same few requests however many there are).
 * Minimum token permission: `issues: read`.
 * Throws GitHubApiError (operation `findAlertIssue`).
 */
export async function findAlertIssue(
  github: GitHubRepository,
  alert: AlertKey & { title?: string },
): Promise<AlertIssue | undefined> {
  const found = await openAlertIssueListed(github, alert);
  return found && alertIssueOf(found);
}

async function openAlertIssueListed(
  github: GitHubRepository,
  alert: AlertKey & { title?: string },
): Promise<ListedIssue | undefined> {
  return calling('findAlertIssue', async () => {
    const { octokit } = github;
    const labelled = await listAll(github, octokit.rest.issues.listForRepo, { state: 'open', labels: alert.label });
    const found = (labelled as ListedIssue[])
      .filter((issue) => isAlertIssue(issue, alert))
      .sort((a, b) => a.number - b.number)[0];
    if (found) return found;
    const author = alert.author ?? DEFAULT_COMMENT_AUTHOR;
    const ours = (issue: ListedIssue) =>
      isAlertIssue(issue, alert) ||
      (!issue.pull_request && alert.title !== undefined && issue.title === alert.title && writtenBy(issue, author));
    for await (const page of pagesOf(github, octokit.rest.issues.listForRepo, { state: 'open', creator: author })) {
      const match = (page as ListedIssue[]).filter(ours).sort((a, b) => a.number - b.number)[0];
      if (match) return match;
    }
    return undefined;
  });
}

/**
 * The most recently closed issue of this alert (labelled, opened by the author with its marker),
 * or undefined. Only the newest page of closed labelled issues is read: an older one is outside
 * any sensible window.
 *
 * REST: GET /repos/{owner}/{repo}/issues?state=closed&labels={label}&sort=updated&direction=desc.
 * Minimum token permission: `issues: read`.
 * Throws GitHubApiError (operation `findAlertIssue`).
 */
async function lastClosedAlertIssue(github: GitHubRepository, alert: AlertKey): Promise<ListedIssue | undefined> {
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
    return (data as ListedIssue[])
      .filter((issue) => isAlertIssue(issue, alert) && issue.closed_at)
      .sort((a, b) => Date.parse(b.closed_at!) - Date.parse(a.closed_at!))[0];
  });
}

/**
 * Opens the alert's issue with `title` and `body` (Markdown, after the hidden marker) unless one
 * is open already, which is then returned untouched: never two open issues for one alert from
 * runs one after another (runs at the same time must be kept apart by the workflow's
 * `concurrency:`).
 *
 * With `created`, `author` is the login GitHub shows as the new issue's (see authorMismatch).
 *
 * REST: GET /repos/{owner}/{repo}/issues, POST /repos/{owner}/{repo}/issues (with `labels`).
 * Minimum token permission: `issues: write`.
 * Throws GitHubApiError (operation `openAlertIssue`, or `findAlertIssue` for the search);
 * AlertAuthorError when another login opened the alert's open issue.
 */
export async function openAlertIssue(
  github: GitHubRepository,
  alert: AlertKey & { title: string; body: string },
): Promise<{ issue: AlertIssue; created: boolean; author?: string }> {
  const existing = await findAlertIssue(github, alert);
  if (existing) return { issue: existing, created: false };
  return { ...(await createAlertIssue(github, { ...alert, body: withoutOurMarkers(alert.body) })), created: true };
}

/**
 * Opens the issue with `body` (quoted markers already shown as text) after the alert's marker
 * line, unless another login opened one of the alert already (AlertAuthorError). Returns it with
 * the login GitHub shows as its author.
 */
async function createAlertIssue(
  github: GitHubRepository,
  alert: AlertKey & { title: string; body: string },
): Promise<{ issue: AlertIssue; author: string }> {
  await refuseSecondIssue(github, alert);
  const body = `${marker('alert', alert.key)}\n${alert.body}`;
  return calling('openAlertIssue', async () => {
    const { octokit, owner, repo } = github;
    const { data } = await octokit.rest.issues.create({ owner, repo, title: alert.title, body, labels: [alert.label] });
    return {
      issue: { number: data.number, title: data.title, htmlUrl: data.html_url },
      author: data.user?.login ?? '',
    };
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
 * Replaces an issue's text. GitHub notifies nobody of an edit, which is why the alert keeps its
 * bookkeeping (healthy checks in a row, recovery after a dismissal) in hidden lines of its text.
 *
 * REST: PATCH /repos/{owner}/{repo}/issues/{issue_number} (`body`).
 * Minimum token permission: `issues: write`.
 * Throws GitHubApiError (operation `syncAlertIssue`).
 */
async function editIssueBody(github: GitHubRepository, issueNumber: number, body: string): Promise<void> {
  await calling('syncAlertIssue', async () => {
    const { octokit, owner, repo } = github;
    await octokit.rest.issues.update({ owner, repo, issue_number: issueNumber, body });
  });
}

/**
 * What syncAlertIssue did. Written where people see it: `opened`, `reopened` (a recently closed
 * issue of the alert reopened with a comment), `commented`, `closed`. Nothing anyone is notified
 * of: `unchanged` (unhealthy, nothing new to say), `recovering` (healthy, but not yet for
 * `closeAfterChecks` checks in a row: the issue stays open), `dismissed` (unhealthy, but a person
 * closed the last issue as not planned or duplicate and production has not recovered since),
 * `none` (healthy, no issue open).
 */
export type AlertAction =
  'opened' | 'reopened' | 'commented' | 'unchanged' | 'recovering' | 'closed' | 'dismissed' | 'none';

/** One health check, as syncAlertIssue reports it. */
export interface AlertCheck {
  healthy: boolean;
  /** Markdown: the new issue's text, the comment while unhealthy, the closing comment. */
  body: string;
  /**
   * What fails, as short entries (such as one per URL: which URL and how it fails), kept in a
   * hidden marker of what is written, together with the entries reported before during this
   * outage. With it, an unhealthy check all of whose entries were reported already during the
   * outage writes nothing (`unchanged`) until `remindAfterSeconds` have passed since the last
   * report: only something failing in a way not yet reported comments. Without it, every
   * unhealthy check comments.
   */
  state?: readonly string[];
  /** Seconds after which an unchanged failure is reported again; absent: never. */
  remindAfterSeconds?: number;
  /**
   * Unhealthy with no open issue: an issue of the alert closed as completed less than this many
   * seconds ago is reopened with `body` as a comment instead of a new issue (a flapping service
   * keeps one issue). Absent or 0: a new issue each time.
   */
  reopenWithinSeconds?: number;
  /**
   * Healthy checks in a row that close the open issue (counted in a hidden line of its text, an
   * unhealthy check starts the count again); absent: 1, the first healthy check closes it.
   */
  closeAfterChecks?: number;
}

/**
 * One of the bookkeeping lines this suite writes at the end of an alert issue's text or comment
 * (what fails, healthy checks in a row, recovered since a dismissal), each on its own line.
 */
const BOOKKEEPING_LINE = /^<!-- sophia-alert-(state|healthy-checks|recovered)(?::(.*))? -->$/;
/**
 * Written into an issue closed as not planned or duplicate once production has recovered after the close, by
 * the rule that closes an open issue (see hasRecovered); until then the same line keeps the count
 * of healthy checks in a row since the close (`<!-- sophia-alert-recovered:2 -->`).
 */
const RECOVERED_MARKER = '<!-- sophia-alert-recovered -->';

/**
 * A text split into what precedes its bookkeeping lines and those lines: only the run of whole
 * lines at its very end (after which only blank lines follow) counts, where this suite appends
 * them, so a marker quoted inside the text (an answer of a server, say) never does. GitHub's
 * editor may have turned line breaks into CRLF.
 */
function bookkeeping(body: string | null | undefined): { text: string; lines: string[] } {
  const lines = (body ?? '').split('\n').map((line) => line.replace(/\r$/, ''));
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  let start = lines.length;
  while (start > 0 && BOOKKEEPING_LINE.test(lines[start - 1])) start -= 1;
  return { text: lines.slice(0, start).join('\n'), lines: lines.slice(start) };
}

/** The value of the last bookkeeping line of `kind` (`''` when it has none), or undefined when there is none. */
function bookkept(body: string | null | undefined, kind: string): string | undefined {
  const found = bookkeeping(body)
    .lines.map((line) => BOOKKEEPING_LINE.exec(line)!)
    .filter((match) => match[1] === kind);
  return found.length === 0 ? undefined : (found[found.length - 1][2] ?? '');
}

/**
 * Text to write with every `<!--` that opens one of this suite's markers shown as text instead
 * (`&lt;!--`, which GitHub renders the same), so nothing a caller quotes can ever be read back as
 * the suite's own marker.
 */
function withoutOurMarkers(text: string): string {
  return text.replace(/<!--(\s*sophia-)/g, '&lt;!--$1');
}
/** Separates the entries of a state in its marker; an entry cannot hold it (see markedEntry). */
const ENTRY_SEPARATOR = '; ';

/** An entry as its marker keeps it: on one line, without the "--" that would end the HTML comment, nor ";". */
function markedEntry(entry: string): string {
  return entry
    .replace(/-{2,}/g, '-')
    .replace(/[\r\n]+/g, ' ')
    .replace(/;/g, ',');
}

/** The hidden line that records what fails in an alert issue's body or comment. */
function stateMarker(entries: ReadonlySet<string>): string {
  return `<!-- sophia-alert-state:${[...entries].sort().join(ENTRY_SEPARATOR)} -->`;
}

function withState(body: string, entries: ReadonlySet<string> | undefined): string {
  const text = withoutOurMarkers(body);
  return entries === undefined ? text : `${text}\n${stateMarker(entries)}`;
}

/** The count of healthy checks in a row kept in an issue's text (0 when it keeps none). */
function healthyChecksOf(body: string | null | undefined): number {
  const checks = bookkept(body, 'healthy-checks') ?? '';
  return /^\d+$/.test(checks) ? Number(checks) : 0;
}

/** `body` with its bookkeeping line of `kind` replaced by `line`, or removed when `line` is undefined. */
function withBookkeeping(body: string | null | undefined, kind: string, line: string | undefined): string {
  const { text, lines } = bookkeeping(body);
  const kept = lines.filter((each) => BOOKKEEPING_LINE.exec(each)![1] !== kind);
  return [text, ...kept, ...(line === undefined ? [] : [line])].join('\n');
}

function withHealthyChecks(body: string | null | undefined, checks: number): string {
  return withBookkeeping(
    body,
    'healthy-checks',
    checks > 0 ? `<!-- sophia-alert-healthy-checks:${checks} -->` : undefined,
  );
}

/**
 * Whether a person closed the issue as not to be acted on: as not planned, or as a duplicate (of
 * another issue, where the outage is followed). GitHub's `state_reason` of a closed issue is
 * `completed`, `not_planned` or `duplicate` (REST reference, "Update an issue"); only `completed`
 * (what closeIssue writes on recovery) says the problem is over.
 */
function dismissedByPerson(issue: ListedIssue): boolean {
  return issue.state_reason === 'not_planned' || issue.state_reason === 'duplicate';
}

/**
 * Whether `checks` healthy checks in a row mean production has recovered: `closeAfterChecks`
 * of them (absent: 1). The one rule for both ends of an outage, the closing of an open issue and
 * the end of a person's dismissal, so a dismissal holds exactly as long as an open issue would.
 */
function hasRecovered(checks: number, check: AlertCheck): boolean {
  return checks >= (check.closeAfterChecks ?? 1);
}

/**
 * Whether a person's dismissal (closed as not planned or duplicate) has ended: production recovered since the
 * close (the bare recovered line). A count in that line (`recovered:N`) is N healthy checks in a
 * row since, not yet a recovery.
 */
function recoveredSince(issue: ListedIssue): boolean {
  return bookkept(issue.body, 'recovered') === '';
}

/** The healthy checks in a row counted since a dismissal (0 when none is, or it has ended). */
function healthySinceDismissal(issue: ListedIssue): number {
  const checks = bookkept(issue.body, 'recovered') ?? '';
  return /^\d+$/.test(checks) ? Number(checks) : 0;
}

/**
 * The latest state recorded on the issue by `author` (its body, then its comments; markers anyone
 * else wrote are ignored, as they could hide a change or put off the reminder) and when it was
 * written (ms since the epoch), or undefined when none is.
 *
 * REST: GET .../issues/{issue_number}/comments (every page). Minimum token permission: `issues: read`.
 */
async function lastState(
  github: GitHubRepository,
  issue: ListedIssue,
  author: string,
): Promise<{ entries: Set<string>; at: number } | undefined> {
  return calling('syncAlertIssue', async () => {
    const { octokit } = github;
    const comments = await listAll(github, octokit.rest.issues.listComments, { issue_number: issue.number });
    let found: { entries: Set<string>; at: number } | undefined;
    for (const written of [{ ...issue, created_at: issue.created_at ?? '' }, ...comments]) {
      if (!writtenBy(written, author)) continue;
      const state = bookkept(written.body, 'state');
      if (state !== undefined) {
        found = {
          entries: new Set(state === '' ? [] : state.split(ENTRY_SEPARATOR)),
          at: Date.parse(written.created_at),
        };
      }
    }
    return found;
  });
}

/**
 * The alert issue's whole lifecycle for one check:
 * - healthy with an issue open: counts the check in the issue's text; the `closeAfterChecks`-th
 *   healthy check in a row comments `body` and closes the issue as completed (`closed`), an
 *   earlier one writes nothing anyone sees (`recovering`);
 * - healthy with none open: nothing (`none`), except that a last issue a person closed as not
 *   planned counts the check in its text, and the `closeAfterChecks`-th healthy check in a row
 *   since the close marks it as recovered: the dismissal ends by the rule that closes an open issue;
 * - unhealthy with none open: when a person closed the last issue as not planned or duplicate and production
 *   has not recovered since, nothing (`dismissed`: the dismissal holds for this outage, and the
 *   count of healthy checks since the close starts over); else
 *   one closed as completed within `reopenWithinSeconds` is reopened with `body` as a comment,
 *   else a new issue opens with `body` as its first text;
 * - unhealthy with one open: comments `body` (with `state`: only when an entry not yet reported
 *   during the outage appears or the reminder is due, else `unchanged`), and restarts the count
 *   of healthy checks.
 *
 * Bookkeeping is read only from the hidden lines this suite writes (the alert's marker as the
 * first line of the issue, the others as the last lines), and any `<!-- sophia-` that `body`
 * quotes is written as text, so no answer of a server can steer the alert.
 *
 * With `opened`, `author` is the login GitHub shows as the new issue's: when it is not the alert's
 * author (see authorMismatch), later runs do not find the issue as theirs and refuse to open
 * another (AlertAuthorError) rather than open one per run.
 *
 * REST and errors: those of findAlertIssue, openAlertIssue, commentOnIssue and closeIssue, and
 * GET .../issues/{n}/comments, PATCH .../issues/{n} (operation `syncAlertIssue`); AlertAuthorError.
 * Minimum token permission: `issues: write`.
 */
export async function syncAlertIssue(
  github: GitHubRepository,
  alert: AlertKey & { title: string },
  check: AlertCheck,
): Promise<{ action: AlertAction; issue?: AlertIssue; author?: string }> {
  const author = alert.author ?? DEFAULT_COMMENT_AUTHOR;
  const open = await openAlertIssueListed(github, alert);
  if (check.healthy) {
    if (!open) {
      const closed = await lastClosedAlertIssue(github, alert);
      if (closed && dismissedByPerson(closed) && !recoveredSince(closed)) {
        const checks = healthySinceDismissal(closed) + 1;
        const line = hasRecovered(checks, check) ? RECOVERED_MARKER : `<!-- sophia-alert-recovered:${checks} -->`;
        await editIssueBody(github, closed.number, withBookkeeping(closed.body, 'recovered', line));
      }
      return { action: 'none' };
    }
    const checks = healthyChecksOf(open.body) + 1;
    if (!hasRecovered(checks, check)) {
      await editIssueBody(github, open.number, withHealthyChecks(open.body, checks));
      return { action: 'recovering', issue: alertIssueOf(open) };
    }
    await closeIssue(github, open.number, withoutOurMarkers(check.body));
    return { action: 'closed', issue: alertIssueOf(open) };
  }
  const current = check.state && new Set(check.state.map(markedEntry));
  if (!open) {
    const closed = await lastClosedAlertIssue(github, alert);
    if (closed && dismissedByPerson(closed) && !recoveredSince(closed)) {
      // Not yet recovered: the healthy checks since the close start over, as an open issue's do.
      if (healthySinceDismissal(closed) > 0) {
        await editIssueBody(github, closed.number, withBookkeeping(closed.body, 'recovered', undefined));
      }
      return { action: 'dismissed', issue: alertIssueOf(closed) };
    }
    const body = withState(check.body, current);
    const windowMs = (check.reopenWithinSeconds ?? 0) * 1000;
    const reopen =
      closed !== undefined &&
      !dismissedByPerson(closed) &&
      windowMs > 0 &&
      Date.parse(closed.closed_at!) >= Date.now() - windowMs;
    if (!reopen) {
      const { issue, author: written } = await createAlertIssue(github, { ...alert, body });
      return { action: 'opened', issue, author: written };
    }
    // The healthy checks that closed it belong to the outage before.
    if (healthyChecksOf(closed.body) > 0) {
      await editIssueBody(github, closed.number, withHealthyChecks(closed.body, 0));
    }
    await reopenIssue(github, closed.number);
    await commentOnIssue(github, closed.number, body);
    return { action: 'reopened', issue: alertIssueOf(closed) };
  }
  if (healthyChecksOf(open.body) > 0) await editIssueBody(github, open.number, withHealthyChecks(open.body, 0));
  let reported = current;
  if (current !== undefined) {
    const last = await lastState(github, open, author);
    const due =
      check.remindAfterSeconds !== undefined &&
      last !== undefined &&
      Date.now() - last.at >= check.remindAfterSeconds * 1000;
    const known = last !== undefined && [...current].every((entry) => last.entries.has(entry));
    if (known && !due) return { action: 'unchanged', issue: alertIssueOf(open) };
    // A reminder reports what fails now; otherwise what failed earlier in the outage stays reported.
    if (!due && last) reported = new Set([...last.entries, ...current]);
  }
  await commentOnIssue(github, open.number, withState(check.body, reported));
  return { action: 'commented', issue: alertIssueOf(open) };
}
