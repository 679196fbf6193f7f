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
const down = { healthy: false, body: 'down', state: 'https://sophia.example status 5xx', reopenWithinSeconds: 3600 };
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
