import {
  RATE_LIMIT_RESET_EPOCH_SECONDS,
  startGitHubApi,
  type GitHubApi,
  type RepositoryState,
} from '@sophia-testing/github-api';
import {
  AlertAuthorError,
  authorMismatch,
  createDeployment,
  createDeploymentStatus,
  findAlertIssue,
  findDeployment,
  GitHubApiError,
  githubRepository,
  listDeploymentStatuses,
  openAlertIssue,
  syncAlertIssue,
  upsertPullRequestComment,
  type GitHubRepository,
} from '@sophia/github';

// Each token holds only the permission its operations document as their minimum.
const TOKENS = {
  ghs_pullRequestsWrite: { 'pull-requests': 'write' },
  ghs_pullRequestsRead: { 'pull-requests': 'read' },
  ghs_issuesWrite: { issues: 'write' },
  ghs_deploymentsWrite: { deployments: 'write' },
  ghs_appInstallation: { 'pull-requests': 'write' },
  ghs_appIssues: { issues: 'write' },
} as const;

let api: GitHubApi;
let repository: RepositoryState;

beforeAll(async () => {
  api = await startGitHubApi({
    tokens: TOKENS,
    identities: { ghs_appInstallation: 'sophia-deploy[bot]', ghs_appIssues: 'sophia-deploy[bot]' },
  });
  repository = api.repository('sophia/sophia-app');
});

afterAll(() => api.stop());

function client(token: keyof typeof TOKENS): GitHubRepository {
  return githubRepository({ token, repository: 'sophia/sophia-app', apiUrl: api.url });
}

function requestsSince(start: number): string[] {
  return api.requests.slice(start).map((request) => `${request.method} ${request.path}`);
}

describe('upsertPullRequestComment', () => {
  it('creates the comment once, then updates it in place, finding it past the first page', async () => {
    const pull = repository.addPullRequest('Bump the frontend');
    // Other people's comments fill the first page of 100, so the plan's comment lands on the second.
    for (let index = 0; index < 120; index++) repository.addComment(pull, `review note ${index}`);
    const github = client('ghs_pullRequestsWrite');
    const start = api.requests.length;

    const first = await upsertPullRequestComment(github, { pullNumber: pull, key: 'production', body: 'plan v1' });
    const second = await upsertPullRequestComment(github, { pullNumber: pull, key: 'production', body: 'plan v2' });

    expect(first.created).toBe(true);
    expect(second).toEqual({ ...first, created: false });
    const ours = repository.comments.filter((comment) => comment.body.includes('sophia-deploy-plan:production'));
    expect(ours).toHaveLength(1);
    expect(ours[0].body).toBe('<!-- sophia-deploy-plan:production -->\nplan v2');
    const writes = api.requests.slice(start).filter((request) => request.method !== 'GET');
    expect(writes.map((request) => `${request.method} ${request.path}`)).toEqual([
      `POST /repos/sophia/sophia-app/issues/${pull}/comments`,
      `PATCH /repos/sophia/sophia-app/issues/comments/${first.id}`,
    ]);
    expect(writes[1].body).toEqual({ body: '<!-- sophia-deploy-plan:production -->\nplan v2' });
    // Both calls read both pages of comments.
    expect(api.requests.slice(start).filter((request) => request.query.page === '2')).toHaveLength(2);
  });

  it('keeps one comment per key: a staging plan is a second comment beside the production one', async () => {
    const pull = repository.addPullRequest('Bump the backend');
    const github = client('ghs_pullRequestsWrite');
    await upsertPullRequestComment(github, { pullNumber: pull, key: 'production', body: 'p' });
    await upsertPullRequestComment(github, { pullNumber: pull, key: 'staging', body: 's' });
    await upsertPullRequestComment(github, { pullNumber: pull, key: 'staging', body: 's2' });
    expect(repository.comments.filter((comment) => comment.issueNumber === pull).map((c) => c.body)).toEqual([
      '<!-- sophia-deploy-plan:production -->\np',
      '<!-- sophia-deploy-plan:staging -->\ns2',
    ]);
  });

  it('fails with the operation, the status and GitHub message, never the token, when the token may only read', async () => {
    const pull = repository.addPullRequest('Read-only token');
    const failure = await upsertPullRequestComment(client('ghs_pullRequestsRead'), {
      pullNumber: pull,
      key: 'production',
      body: 'plan',
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GitHubApiError);
    expect(failure).toMatchObject({
      operation: 'upsertPullRequestComment',
      status: 403,
      githubMessage: 'Resource not accessible by integration',
    });
    expect(String((failure as Error).message)).toBe(
      'upsertPullRequestComment: GitHub answered HTTP 403: Resource not accessible by integration',
    );
    expect(JSON.stringify(failure)).not.toContain('ghs_');
    expect((failure as GitHubApiError).rateLimit).toBeUndefined();
  });

  it('a 403 for a rate limit says which limit and until when, and that it is no missing permission', async () => {
    const pull = repository.addPullRequest('Busy hour');
    const github = client('ghs_pullRequestsWrite');
    const write = () =>
      upsertPullRequestComment(github, { pullNumber: pull, key: 'production', body: 'plan' }).catch(
        (error: unknown) => error as GitHubApiError,
      );
    api.rateLimitNext('primary');
    const primary = (await write()) as GitHubApiError;
    expect(primary).toBeInstanceOf(GitHubApiError);
    expect(primary).toMatchObject({
      status: 403,
      rateLimit: { kind: 'primary', resetAt: new Date(RATE_LIMIT_RESET_EPOCH_SECONDS * 1000) },
    });
    expect(primary.message).toBe(
      "upsertPullRequestComment: GitHub answered HTTP 403: API rate limit exceeded for installation ID 1000. (rate limited: this token's API requests are used up until 2026-01-01 01:00:00 UTC; not a missing permission)",
    );
    api.rateLimitNext('secondary');
    const secondary = (await write()) as GitHubApiError;
    // Its answer also says x-ratelimit-remaining: 0; the message names the secondary limit, and that wins.
    expect(secondary).toMatchObject({ status: 403, rateLimit: { kind: 'secondary', retryAfterSeconds: 60 } });
    expect(secondary.message).toContain(
      '(rate limited: too many requests in a short time (a secondary rate limit); GitHub asks to wait 60 s; not a missing permission)',
    );
    // The limit passed, the same call goes through.
    expect(await write()).toMatchObject({ created: true });
  });

  it("never takes over someone else's comment that carries the marker: it writes its own", async () => {
    const pull = repository.addPullRequest('Marker in a review');
    repository.addComment(pull, 'LGTM <!-- sophia-deploy-plan:deploy-plans -->', 'mallory');
    const github = client('ghs_pullRequestsWrite');

    const first = await upsertPullRequestComment(github, { pullNumber: pull, key: 'deploy-plans', body: 'plan v1' });
    const second = await upsertPullRequestComment(github, { pullNumber: pull, key: 'deploy-plans', body: 'plan v2' });

    expect(first).toMatchObject({ created: true, author: 'github-actions[bot]' });
    expect(second).toEqual({ ...first, created: false });
    expect(
      repository.comments.filter((comment) => comment.issueNumber === pull).map((c) => [c.user.login, c.body]),
    ).toEqual([
      ['mallory', 'LGTM <!-- sophia-deploy-plan:deploy-plans -->'],
      ['github-actions[bot]', '<!-- sophia-deploy-plan:deploy-plans -->\nplan v2'],
    ]);
  });

  it("updates a GitHub App's comment when told the app's login, and reports the author it wrote as", async () => {
    const pull = repository.addPullRequest('App token');
    const github = client('ghs_appInstallation');
    const options = { pullNumber: pull, key: 'deploy-plans', author: 'Sophia-Deploy[bot]' };

    const first = await upsertPullRequestComment(github, { ...options, body: 'v1' });
    const second = await upsertPullRequestComment(github, { ...options, body: 'v2' });
    // Told the wrong login, it finds nothing of its own: a new comment, whose author says why.
    const third = await upsertPullRequestComment(github, { pullNumber: pull, key: 'deploy-plans', body: 'v3' });

    expect(first).toMatchObject({ created: true, author: 'sophia-deploy[bot]' });
    expect(second).toEqual({ ...first, created: false });
    expect(third).toMatchObject({ created: true, author: 'sophia-deploy[bot]' });
  });

  it('refuses a key that would end the hidden marker, before any request', async () => {
    const start = api.requests.length;
    await expect(
      upsertPullRequestComment(client('ghs_pullRequestsWrite'), { pullNumber: 1, key: 'a-->b', body: 'x' }),
    ).rejects.toThrow(TypeError);
    expect(api.requests.length).toBe(start);
  });
});

describe('alert issues', () => {
  const alert = { label: 'production-health', key: 'production', title: 'Production is unhealthy' };

  it('opens one issue, comments while unhealthy, closes on recovery, and never duplicates', async () => {
    const github = client('ghs_issuesWrite');
    // Look-alikes the search must not take for the alert: same title without the marker, another
    // alert's marker under the same label, and a pull request carrying the label.
    await github.octokit.rest.issues.create({
      owner: 'sophia',
      repo: 'sophia-app',
      title: alert.title,
      body: 'written by hand',
      labels: [alert.label],
    });
    // Written by a person: the title alone finds only an issue a bot opened.
    repository.issues.at(-1)!.user = { login: 'octocat', id: 583231, type: 'User' };
    await github.octokit.rest.issues.create({
      owner: 'sophia',
      repo: 'sophia-app',
      title: 'Staging is unhealthy',
      body: '<!-- sophia-alert:staging -->\ndown',
      labels: [alert.label],
    });
    const start = api.requests.length;
    const ours = () => repository.issues.filter((issue) => issue.body?.includes('<!-- sophia-alert:production -->'));

    const opened = await syncAlertIssue(github, alert, { healthy: false, body: 'gate report 1' });
    expect(opened.action).toBe('opened');
    const again = await syncAlertIssue(github, alert, { healthy: false, body: 'gate report 2' });
    expect(again).toEqual({ action: 'commented', issue: opened.issue });
    expect(await openAlertIssue(github, { ...alert, body: 'gate report 3' })).toEqual({
      issue: opened.issue,
      created: false,
    });
    expect(ours()).toHaveLength(1);
    expect(ours()[0]).toMatchObject({ state: 'open', labels: [alert.label], title: alert.title });

    const recovered = await syncAlertIssue(github, alert, { healthy: true, body: 'healthy again' });
    expect(recovered).toEqual({ action: 'closed', issue: opened.issue });
    expect(ours()[0]).toMatchObject({ state: 'closed', state_reason: 'completed' });
    expect(await findAlertIssue(github, alert)).toBeUndefined();
    expect(await syncAlertIssue(github, alert, { healthy: true, body: 'still healthy' })).toEqual({ action: 'none' });

    const number = opened.issue!.number;
    expect(repository.comments.filter((c) => c.issueNumber === number).map((c) => c.body)).toEqual([
      'gate report 2',
      'healthy again',
    ]);
    expect(requestsSince(start).filter((line) => !line.startsWith('GET'))).toEqual([
      'POST /repos/sophia/sophia-app/issues',
      `POST /repos/sophia/sophia-app/issues/${number}/comments`,
      `POST /repos/sophia/sophia-app/issues/${number}/comments`,
      `PATCH /repos/sophia/sophia-app/issues/${number}`,
    ]);
    // The search is by label while the open issue carries it; without it, among every open issue.
    const searches = api.requests.slice(start).filter((r) => r.method === 'GET' && r.path.endsWith('/issues'));
    expect(
      searches.filter((r) => r.query.state === 'open').every((r) => r.query.labels === alert.label || !r.query.labels),
    ).toBe(true);

    // A new outage after the recovery is a new issue.
    const next = await syncAlertIssue(github, alert, { healthy: false, body: 'down again' });
    expect(next.action).toBe('opened');
    expect(next.issue!.number).not.toBe(number);
    expect(ours().filter((issue) => issue.state === 'open')).toHaveLength(1);
  });

  it('with a failure state, comments only when something fails not yet reported in the outage, or the reminder is due', async () => {
    const github = client('ghs_issuesWrite');
    // A key of its own: an alert is found by its key's marker also without its label.
    const alert = { label: 'state-health', key: 'production-state', title: 'Production state is unhealthy' };
    const down = { healthy: false, body: 'refused', state: ['timeout', 'https://sophia.example refused'] };
    const opened = await syncAlertIssue(github, alert, down);
    expect(opened.action).toBe('opened');
    const number = opened.issue!.number;
    const comments = () => repository.comments.filter((c) => c.issueNumber === number).map((c) => c.body);

    expect(await syncAlertIssue(github, alert, { ...down, body: 'refused again' })).toEqual({
      action: 'unchanged',
      issue: opened.issue,
    });
    expect(await syncAlertIssue(github, alert, { ...down, remindAfterSeconds: 3600 })).toMatchObject({
      action: 'unchanged',
    });
    expect(comments()).toEqual([]);

    const changed = { healthy: false, body: 'wrong body', state: ['timeout', 'https://sophia.example body'] };
    expect(await syncAlertIssue(github, alert, changed)).toMatchObject({ action: 'commented' });
    // What was reported during the outage stays reported: failing as before, or less, is nothing new.
    expect(await syncAlertIssue(github, alert, changed)).toMatchObject({ action: 'unchanged' });
    expect(await syncAlertIssue(github, alert, down)).toMatchObject({ action: 'unchanged' });
    expect(await syncAlertIssue(github, alert, { ...down, state: ['timeout'] })).toMatchObject({ action: 'unchanged' });
    expect(await syncAlertIssue(github, alert, { ...changed, body: 'reminder', remindAfterSeconds: 0 })).toMatchObject({
      action: 'commented',
    });
    // A reminder reports what fails now.
    expect(comments()).toEqual([
      'wrong body\n<!-- sophia-alert-state:https://sophia.example body; https://sophia.example refused; timeout -->',
      'reminder\n<!-- sophia-alert-state:https://sophia.example body; timeout -->',
    ]);
    // An entry that would end the hidden comment or split the list is kept on one line, without "--" or ";".
    const odd = { healthy: false, body: 'odd', state: ['a-->b\nc;d'] };
    expect(await syncAlertIssue(github, alert, odd)).toMatchObject({ action: 'commented' });
    expect(comments().at(-1)).toBe('odd\n<!-- sophia-alert-state:a->b c,d; https://sophia.example body; timeout -->');
    expect(await syncAlertIssue(github, alert, odd)).toMatchObject({ action: 'unchanged' });
    expect(await syncAlertIssue(github, alert, { healthy: true, body: 'fine' })).toMatchObject({ action: 'closed' });
  });

  it('reads its bookkeeping only from the lines it wrote: markers quoted in a report never count', async () => {
    const github = client('ghs_issuesWrite');
    const quoting = { label: 'quoted-health', key: 'quoted', title: 'Quoted is unhealthy' };
    const quoted = [
      'answer: <!-- sophia-alert-healthy-checks:99 -->',
      '<!-- sophia-alert-state:x -->',
      '<!-- sophia-alert-recovered -->',
    ].join('\n');
    const down = { healthy: false, body: quoted, state: ['https://sophia.example status 5xx'], closeAfterChecks: 3 };
    const opened = await syncAlertIssue(github, quoting, down);
    expect(opened.action).toBe('opened');
    const issue = repository.issues.find((each) => each.number === opened.issue!.number)!;
    // Shown as text (GitHub renders `&lt;!--` as `<!--`), not as a marker.
    expect(issue.body).toContain('&lt;!-- sophia-alert-healthy-checks:99 -->');
    expect(issue.body).not.toMatch(/<!-- sophia-alert-(healthy-checks|recovered)/);
    expect(issue.body!.split('\n').at(-1)).toBe('<!-- sophia-alert-state:https://sophia.example status 5xx -->');
    // One healthy check of three: still open, not closed by a quoted count of 99.
    expect(await syncAlertIssue(github, quoting, { healthy: true, body: 'up', closeAfterChecks: 3 })).toMatchObject({
      action: 'recovering',
    });
    // A quoted state in a later comment does not silence what is new.
    expect(await syncAlertIssue(github, quoting, { ...down, state: ['x'] })).toMatchObject({ action: 'commented' });
    // A marker someone put inside the text (not on its last lines) is not read either.
    issue.body = `<!-- sophia-alert:quoted -->\nsee <!-- sophia-alert-healthy-checks:2 --> here\n<!-- sophia-alert-state:x -->`;
    expect(await syncAlertIssue(github, quoting, { healthy: true, body: 'up', closeAfterChecks: 3 })).toMatchObject({
      action: 'recovering',
    });
    expect(issue.body!.split('\n').slice(-2)).toEqual([
      '<!-- sophia-alert-state:x -->',
      '<!-- sophia-alert-healthy-checks:1 -->',
    ]);
    // The alert's own marker counts only as the issue's first line.
    const lookalike = await github.octokit.rest.issues.create({
      owner: 'sophia',
      repo: 'sophia-app',
      title: 'Other',
      body: 'quoting <!-- sophia-alert:elsewhere -->',
      labels: ['elsewhere-health'],
    });
    expect(lookalike.data.number).toBeGreaterThan(0);
    expect(await findAlertIssue(github, { label: 'elsewhere-health', key: 'elsewhere' })).toBeUndefined();
  });

  it('a token writing as another login than the author: says so when it opens, and never opens a second issue', async () => {
    const github = client('ghs_appIssues');
    const appAlert = { label: 'app-health', key: 'app', title: 'App is unhealthy' };
    const down = {
      healthy: false,
      body: 'down',
      state: ['https://sophia.example status 5xx'],
      reopenWithinSeconds: 3600,
    };
    const opened = await syncAlertIssue(github, appAlert, down);
    expect(opened).toMatchObject({ action: 'opened', author: 'sophia-deploy[bot]' });
    expect(authorMismatch('Alert issue', opened.author!, 'alert-author', 'github-actions[bot]')).toBe(
      'Alert issue was written as "sophia-deploy[bot]", not as alert-author "github-actions[bot]": the next run looks for what "github-actions[bot]" wrote and will not find it. Set alert-author: sophia-deploy[bot]',
    );
    for (let run = 0; run < 2; run += 1) {
      const refused = syncAlertIssue(github, appAlert, down);
      await expect(refused).rejects.toThrow(AlertAuthorError);
      await expect(refused).rejects.toThrow(
        `Alert issue #${opened.issue!.number} was opened by "sophia-deploy[bot]", not by alert-author "github-actions[bot]": no second issue is opened. If the token writes as "sophia-deploy[bot]", set alert-author: sophia-deploy[bot]`,
      );
    }
    await expect(openAlertIssue(github, { ...appAlert, body: 'down' })).rejects.toThrow(AlertAuthorError);
    expect(repository.issues.filter((issue) => issue.labels.includes('app-health'))).toHaveLength(1);
    // Told the login it writes as, it keeps that one issue.
    const told = { ...appAlert, author: 'sophia-deploy[bot]' };
    expect(await syncAlertIssue(github, told, { ...down, state: ['timeout'] })).toEqual({
      action: 'commented',
      issue: opened.issue,
    });
    expect(authorMismatch('Alert issue', 'Sophia-Deploy[bot]', 'alert-author', 'sophia-deploy[bot]')).toBeUndefined();
  });

  it('skips a pull request carrying the label and marker', async () => {
    const pull = repository.addPullRequest('Alert-looking pull request');
    const record = repository.issues.find((issue) => issue.number === pull)!;
    record.labels.push('pull-health');
    record.body = '<!-- sophia-alert:pull-only -->';
    expect(await findAlertIssue(client('ghs_issuesWrite'), { label: 'pull-health', key: 'pull-only' })).toBeUndefined();
  });
});

describe('deployment records', () => {
  const sha = 'b'.repeat(40);

  it('creates a deployment and posts its statuses with the log and environment URLs', async () => {
    const github = client('ghs_deploymentsWrite');
    repository.refs['release/7'] = sha;
    const deployment = await createDeployment(github, {
      ref: 'release/7',
      environment: 'production',
      payload: { release: '7' },
    });
    expect(deployment).toMatchObject({ sha, ref: 'release/7', environment: 'production', productionEnvironment: true });
    const logUrl = 'https://github.com/sophia/sophia-app/actions/runs/1';
    await createDeploymentStatus(github, deployment.id, { state: 'in_progress', logUrl });
    const done = await createDeploymentStatus(github, deployment.id, {
      state: 'success',
      logUrl,
      environmentUrl: 'https://sophia.example',
      description: 'x'.repeat(200),
    });
    expect(done).toMatchObject({ state: 'success', logUrl, environmentUrl: 'https://sophia.example' });
    expect(done.description).toHaveLength(140);
    const created = api.requests.find((r) => r.method === 'POST' && r.path === '/repos/sophia/sophia-app/deployments');
    expect(created?.body).toMatchObject({ auto_merge: false, required_contexts: [] });

    expect((await findDeployment(github, { environment: 'production', sha }))?.id).toBe(deployment.id);
    expect((await listDeploymentStatuses(github, deployment.id)).map((status) => status.state)).toEqual([
      'success',
      'in_progress',
    ]);
  });

  it('reads deployments and statuses back as exactly the fields their records declare, in camelCase', async () => {
    const github = client('ghs_deploymentsWrite');
    const created = await createDeployment(github, { ref: 'main', environment: 'preview', transientEnvironment: true });
    await createDeploymentStatus(github, created.id, { state: 'queued', environmentUrl: 'https://preview.example' });
    const found = await findDeployment(github, { environment: 'preview', ref: 'main' });
    // GitHub's url, node_id, creator and the like are left behind; a missing description reads as null.
    expect(found).toEqual({
      id: created.id,
      sha: created.sha,
      ref: 'main',
      environment: 'preview',
      task: 'deploy',
      description: null,
      payload: {},
      productionEnvironment: false,
      transientEnvironment: true,
      createdAt: created.createdAt,
    });
    const [status] = await listDeploymentStatuses(github, created.id);
    expect(status).toEqual({
      id: status.id,
      state: 'queued',
      description: '',
      environment: 'preview',
      logUrl: '',
      environmentUrl: 'https://preview.example',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('marks a replaced staging deployment inactive by itself; a replaced production one only when told', async () => {
    const github = client('ghs_deploymentsWrite');
    const first = await createDeployment(github, { ref: 'main', environment: 'staging' });
    await createDeploymentStatus(github, first.id, { state: 'success' });
    const second = await createDeployment(github, { ref: sha, environment: 'staging' });
    await createDeploymentStatus(github, second.id, { state: 'success' });
    expect((await listDeploymentStatuses(github, first.id))[0].state).toBe('inactive');

    const live = await createDeployment(github, { ref: 'main', environment: 'production' });
    await createDeploymentStatus(github, live.id, { state: 'success' });
    const failed = await createDeployment(github, { ref: sha, environment: 'production' });
    await createDeploymentStatus(github, failed.id, { state: 'failure', logUrl: 'https://logs' });
    expect((await listDeploymentStatuses(github, live.id))[0].state).toBe('success');
    await createDeploymentStatus(github, failed.id, { state: 'inactive' });
    expect((await findDeployment(github, { environment: 'production', ref: 'main' }))?.id).toBe(live.id);
  });

  it('names the operation and GitHub message when the ref does not exist', async () => {
    await expect(
      createDeployment(client('ghs_deploymentsWrite'), { ref: 'no-such-branch', environment: 'staging' }),
    ).rejects.toMatchObject({
      operation: 'createDeployment',
      status: 422,
      githubMessage: 'No ref found for: no-such-branch',
    });
  });

  it('reports a request that got no answer with status 0', async () => {
    const closed = await startGitHubApi();
    await closed.stop();
    const github = githubRepository({ token: 'ghs_x', repository: 'sophia/sophia-app', apiUrl: closed.url });
    await expect(findDeployment(github, { environment: 'staging' })).rejects.toMatchObject({
      operation: 'listDeployments',
      status: 0,
    });
  });
});

describe('githubRepository', () => {
  it('takes the repository and API root from GITHUB_REPOSITORY and GITHUB_API_URL, as in a job', async () => {
    const saved = { repository: process.env.GITHUB_REPOSITORY, url: process.env.GITHUB_API_URL };
    process.env.GITHUB_REPOSITORY = 'sophia/sophia-app';
    process.env.GITHUB_API_URL = api.url;
    try {
      const github = githubRepository({ token: 'ghs_deploymentsWrite' });
      expect(github).toMatchObject({ owner: 'sophia', repo: 'sophia-app' });
      expect(await findDeployment(github, { environment: 'nowhere' })).toBeUndefined();
    } finally {
      for (const [name, value] of [
        ['GITHUB_REPOSITORY', saved.repository],
        ['GITHUB_API_URL', saved.url],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('refuses an empty token and a repository that is not owner/name', () => {
    expect(() => githubRepository({ token: '', repository: 'a/b' })).toThrow(/token is required/);
    expect(() => githubRepository({ token: 't', repository: 'sophia' })).toThrow(/"owner\/name"/);
  });
});
