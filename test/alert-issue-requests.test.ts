/**
 * The alert issue against GitHub's REST API stand-in, for what a person does to it and what a busy
 * repository costs: an issue closed as a duplicate is a dismissal, like one closed as not planned
 * (it stays closed while the outage lasts; after a healthy check the next outage opens a new
 * issue); and a healthy run with no issue open makes the same few requests however many other
 * open issues the repository has, even when it must look past the label for an alert issue a
 * person took it off.
 */
import { githubRepository, syncAlertIssue, type GitHubRepository } from '@sophia/github';
import { startGitHubApi, type GitHubApi } from '@sophia-testing/github-api';

const TOKEN = 'ghs_alertRequests000';
const alert = { label: 'health-alert', key: 'production', title: 'Health alert: production is unhealthy' };
const down = { healthy: false, body: 'down', state: ['https://example.com status 5xx'], reopenWithinSeconds: 86_400 };
const up = { healthy: true, body: 'up' };
let api: GitHubApi;
let repositories = 0;

beforeAll(async () => {
  api = await startGitHubApi({ tokens: { [TOKEN]: { issues: 'write' } } });
});
afterAll(() => api?.stop());

function repository(): { github: GitHubRepository; name: string } {
  const name = `sophia/alerts-${(repositories += 1)}`;
  api.repository(name);
  return { github: githubRepository({ token: TOKEN, repository: name, apiUrl: api.url }), name };
}

/** GitHub's reasons for closing an issue (REST reference, "Update an issue"). */
type CloseReason = 'completed' | 'not_planned' | 'duplicate';

/** Closes issue `number` as a person would, with GitHub's `state_reason`. */
async function closeAs(github: GitHubRepository, number: number, reason: CloseReason): Promise<void> {
  await github.octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
    owner: github.owner,
    repo: github.repo,
    issue_number: number,
    state: 'closed',
    state_reason: reason,
  });
}

test.each<CloseReason>(['duplicate', 'not_planned'])(
  'an alert issue a person closed as %s stays closed while the outage lasts',
  async (reason) => {
    const { github, name } = repository();
    const first = await syncAlertIssue(github, alert, down);
    expect(first.action).toBe('opened');
    await closeAs(github, first.issue!.number, reason);

    expect(await syncAlertIssue(github, alert, down)).toMatchObject({ action: 'dismissed' });
    expect(await syncAlertIssue(github, alert, { ...down, state: ['another URL refused'] })).toMatchObject({
      action: 'dismissed',
    });
    expect(api.repository(name).issues).toEqual([expect.objectContaining({ state: 'closed', state_reason: reason })]);
    expect(api.repository(name).comments).toEqual([]);

    // Production recovered since the dismissal: the next outage is a new one.
    expect(await syncAlertIssue(github, alert, up)).toMatchObject({ action: 'none' });
    const next = await syncAlertIssue(github, alert, down);
    expect(next.action).toBe('opened');
    expect(next.issue!.number).not.toBe(first.issue!.number);
  },
);

test('the stand-in refuses a reason GitHub does not know', async () => {
  const { github } = repository();
  const first = await syncAlertIssue(github, alert, down);
  await expect(closeAs(github, first.issue!.number, 'wontfix' as CloseReason)).rejects.toMatchObject({ status: 422 });
});

/** The requests one healthy run with no alert issue open makes, after `others` open issues by people. */
async function healthyRunRequests(others: number, unlabelledAlert: boolean): Promise<number> {
  const { github, name } = repository();
  const state = api.repository(name);
  let alertNumber: number | undefined;
  if (unlabelledAlert) {
    alertNumber = (await syncAlertIssue(github, alert, down)).issue!.number;
    // A person takes the label off: the alert issue is found by its author and title.
    state.issues.find((issue) => issue.number === alertNumber)!.labels = [];
  }
  for (let index = 0; index < others; index += 1) {
    state.addIssue({ title: `bug ${index}`, body: `steps ${index}`, login: index % 2 ? 'octocat' : 'dependabot[bot]' });
  }
  const before = api.requests.length;
  const result = await syncAlertIssue(github, alert, up);
  expect(result).toMatchObject(
    unlabelledAlert ? { action: 'closed', issue: { number: alertNumber } } : { action: 'none' },
  );
  return api.requests.length - before;
}

test('a healthy run with no alert issue makes the same requests with 450 other open issues as with 5', async () => {
  const few = await healthyRunRequests(5, false);
  const many = await healthyRunRequests(450, false);
  expect(many).toBe(few);
  expect(many).toBeLessThanOrEqual(3);
});

test('an alert issue without its label is found among 450 other open issues in as many requests as among 5', async () => {
  expect(await healthyRunRequests(450, true)).toBe(await healthyRunRequests(5, true));
});
