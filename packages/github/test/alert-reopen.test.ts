import { startGitHubApi, type GitHubApi, type RepositoryState } from '@sophia-testing/github-api';
import { githubRepository, syncAlertIssue, type GitHubRepository } from '@sophia/github';

const TOKEN = 'ghs_alertReopen';
let api: GitHubApi;
let repository: RepositoryState;
let github: GitHubRepository;

beforeAll(async () => {
  api = await startGitHubApi({ tokens: { [TOKEN]: { issues: 'write' } } });
  repository = api.repository('sophia/flapping');
  github = githubRepository({ token: TOKEN, repository: 'sophia/flapping', apiUrl: api.url });
});

afterAll(() => api.stop());

const alert = { label: 'health-alert', key: 'production', title: 'Health alert: production is unhealthy' };
const down = { healthy: false, body: 'down', state: ['https://sophia.example status 5xx'], reopenWithinSeconds: 3600 };
const up = { healthy: true, body: 'healthy again' };

it('a service failing again within the window reopens its issue with a comment; after the window, a new issue', async () => {
  const first = await syncAlertIssue(github, alert, down);
  expect(first.action).toBe('opened');
  expect(await syncAlertIssue(github, alert, up)).toMatchObject({ action: 'closed' });

  const again = await syncAlertIssue(github, alert, { ...down, body: 'down again' });
  expect(again).toEqual({ action: 'reopened', issue: first.issue });
  expect(repository.issues).toEqual([expect.objectContaining({ state: 'open', state_reason: 'reopened' })]);
  expect(repository.comments.at(-1)!.body).toMatch(/^down again\n<!-- sophia-alert-state:/);

  // Closed two hours ago: outside the one-hour window, so a new outage is a new issue.
  expect(await syncAlertIssue(github, alert, up)).toMatchObject({ action: 'closed' });
  repository.issues[0].closed_at = new Date(Date.now() - 2 * 3600_000).toISOString();
  const later = await syncAlertIssue(github, alert, down);
  expect(later.action).toBe('opened');
  expect(later.issue!.number).not.toBe(first.issue!.number);
  // Without a window, never reopened.
  expect(await syncAlertIssue(github, alert, up)).toMatchObject({ action: 'closed' });
  expect(await syncAlertIssue(github, alert, { ...down, reopenWithinSeconds: 0 })).toMatchObject({ action: 'opened' });
  expect(repository.issues.filter((issue) => issue.state === 'open')).toHaveLength(1);
});

it('closes after closeAfterChecks healthy checks in a row, the count kept silently in the issue', async () => {
  const slow = { ...alert, key: 'slow-close', title: 'Health alert: slow-close is unhealthy' };
  const opened = await syncAlertIssue(github, slow, down);
  const number = opened.issue!.number;
  const writes = () => repository.comments.filter((comment) => comment.issueNumber === number).length;
  const upTwice = { ...up, closeAfterChecks: 2 };
  expect(await syncAlertIssue(github, slow, upTwice)).toMatchObject({ action: 'recovering' });
  // Unhealthy again before the second healthy check: the count starts over, and nothing new is said.
  expect(await syncAlertIssue(github, slow, down)).toMatchObject({ action: 'unchanged' });
  expect(await syncAlertIssue(github, slow, upTwice)).toMatchObject({ action: 'recovering' });
  expect(writes()).toBe(0);
  expect(await syncAlertIssue(github, slow, upTwice)).toMatchObject({ action: 'closed' });
  expect(repository.issues.find((issue) => issue.number === number)).toMatchObject({ state: 'closed' });
  expect(writes()).toBe(1);
  // Failing again, reopened: its count starts from nothing, not from the checks that closed it.
  expect(await syncAlertIssue(github, slow, down)).toMatchObject({ action: 'reopened' });
  expect(await syncAlertIssue(github, slow, upTwice)).toMatchObject({ action: 'recovering' });
});

it('an issue a person closed as not planned stays closed until production recovers; the next outage opens a new one', async () => {
  const dismissed = { ...alert, key: 'dismissed', title: 'Health alert: dismissed is unhealthy' };
  const opened = await syncAlertIssue(github, dismissed, down);
  const issue = repository.issues.find((each) => each.number === opened.issue!.number)!;
  Object.assign(issue, { state: 'closed', state_reason: 'not_planned', closed_at: new Date().toISOString() });
  expect(await syncAlertIssue(github, dismissed, down)).toMatchObject({ action: 'dismissed' });
  expect(await syncAlertIssue(github, dismissed, { ...down, body: 'other' })).toMatchObject({ action: 'dismissed' });
  expect(issue.state).toBe('closed');
  // The dismissal ends by the rule that closes an open issue: closeAfterChecks healthy checks in a
  // row. One healthy check and then a failure is the same outage, and the count starts over.
  const upTwice = { ...up, closeAfterChecks: 2 };
  expect(await syncAlertIssue(github, dismissed, upTwice)).toMatchObject({ action: 'none' });
  expect(await syncAlertIssue(github, dismissed, down)).toMatchObject({ action: 'dismissed' });
  expect(await syncAlertIssue(github, dismissed, upTwice)).toMatchObject({ action: 'none' });
  expect(await syncAlertIssue(github, dismissed, down)).toMatchObject({ action: 'dismissed' });
  expect(repository.issues.filter((each) => each.body?.includes('sophia-alert:dismissed'))).toHaveLength(1);
  expect(repository.comments.filter((comment) => comment.issueNumber === issue.number)).toEqual([]);
  expect(await syncAlertIssue(github, dismissed, upTwice)).toMatchObject({ action: 'none' });
  expect(await syncAlertIssue(github, dismissed, upTwice)).toMatchObject({ action: 'none' });
  const next = await syncAlertIssue(github, dismissed, down);
  expect(next.action).toBe('opened');
  expect(next.issue!.number).not.toBe(issue.number);
  expect(issue.state).toBe('closed');
});
