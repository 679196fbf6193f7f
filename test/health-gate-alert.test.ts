/**
 * health-gate's summary and the alert issue built from it, when production answers with text
 * that looks like the alert's hidden bookkeeping: the gate's reason quotes the wrong body, and
 * that quote must neither render as HTML nor steer the alert (its closing count, its flood control).
 * The sources (runHealthCheck, healthSummary, syncAlertIssue) against the GitHub REST API stand-in.
 * Mentions and issue references a server or GitHub answers with are quoted too, never linked.
 */
import { bodyMatcher, statusRanges } from '@sophia/inputs';
import { failureSignature, runHealthCheck } from '@sophia/health-check';
import { GitHubApiError, githubRepository, syncAlertIssue } from '@sophia/github';
import {
  htmlText,
  linkableReferences,
  renderMarkdown,
  startGitHubApi,
  type GitHubApi,
} from '@sophia-testing/github-api';
import { reply, startServer, type TestServer } from '@sophia-testing/http-servers';
import { alertFailure } from '../actions/health-gate/src/alert.js';
import { healthSummary } from '../actions/health-gate/src/summary.js';

const alert = { label: 'health-alert', key: 'production', title: 'Health alert: production is unhealthy' };
let api: GitHubApi;
let server: TestServer | undefined;

beforeAll(async () => {
  api = await startGitHubApi({ tokens: { ghs_alertText0000: { issues: 'write' } } });
});
afterEach(async () => {
  await server?.stop();
  server = undefined;
});
afterAll(() => api.stop());

/** One gate run against a server answering `body`, expecting a body it never has. */
async function gateAgainst(body: string) {
  server ??= await startServer((_request, response) => reply(response, 200, body));
  // A plain expected body: no regex, so no regex thread.
  const report = await runHealthCheck({
    urls: [new URL(server.url)],
    expectedStatus: statusRanges('expected-status', '200-299'),
    expectedBody: bodyMatcher('expected-body', '"version"'),
    method: 'GET',
    headers: [],
    intervalMs: 50,
    requestTimeoutMs: 1000,
    timeoutMs: 300,
    initialDelayMs: 0,
    successThreshold: 3,
    failureThreshold: 3,
    insecureTls: false,
  });
  expect(report.healthy).toBe(false);
  return report;
}

function repositoryClient(name: string) {
  api.repository(`sophia/${name}`);
  return githubRepository({ token: 'ghs_alertText0000', repository: `sophia/${name}`, apiUrl: api.url });
}

it('a body quoting the healthy-check count neither closes the alert early nor renders as HTML', async () => {
  const report = await gateAgainst('maintenance <!-- sophia-alert-healthy-checks:99 --> <b>x</b>');
  const summary = healthSummary(report);
  const { html } = renderMarkdown(summary);
  expect(html).not.toContain('<!--');
  expect(html).not.toContain('<b>');
  expect(html).toContain('<table>');
  // Shown as the text it is.
  expect(html).toContain('maintenance &lt;!-- sophia-alert-healthy-checks:99 --&gt; &lt;b&gt;x&lt;/b&gt;');

  const github = repositoryClient('quoted-count');
  expect(await syncAlertIssue(github, alert, { healthy: false, body: summary, closeAfterChecks: 3 })).toMatchObject({
    action: 'opened',
  });
  for (const expected of ['recovering', 'recovering', 'closed']) {
    expect(await syncAlertIssue(github, alert, { healthy: true, body: 'up', closeAfterChecks: 3 })).toMatchObject({
      action: expected,
    });
  }
});

it('a body quoting a state marker does not stop the flood control: the same failure comments once', async () => {
  const github = repositoryClient('quoted-state');
  const actions = [];
  for (let run = 0; run < 3; run += 1) {
    const report = await gateAgainst('down <!-- sophia-alert-state:x --> x');
    const check = {
      healthy: false,
      body: healthSummary(report),
      state: failureSignature(report),
      remindAfterSeconds: 86400,
    };
    actions.push((await syncAlertIssue(github, alert, check)).action);
  }
  expect(actions).toEqual(['opened', 'unchanged', 'unchanged']);
});

it('a body naming people, teams and issues reads as written in the alert issue, and links and notifies no one', async () => {
  const quoted = 'ping @sophia/oncall and @octocat about #12, GH-3 and sophia/infra#4 at C:\\srv\\_x_';
  const report = await gateAgainst(quoted);
  const { html } = renderMarkdown(healthSummary(report));
  expect(linkableReferences(html)).toEqual([]);
  // The reason above the table and the last problem in its cell both quote the body (as a JSON string) as it is.
  expect(htmlText(html).split(`body does not contain "\\"version\\"": ${JSON.stringify(quoted)}`)).toHaveLength(3);
});

it('an alert refused for a rate limit says so, and not that the token lacks issues: write', () => {
  const error = new GitHubApiError('openAlertIssue', 403, 'API rate limit exceeded for installation ID 1000.', {
    kind: 'primary',
    resetAt: new Date(Date.UTC(2026, 0, 1, 1)),
  });
  const { message } = alertFailure(error);
  expect(message).toBe(
    "The alert issue could not be kept: openAlertIssue: GitHub answered HTTP 403: API rate limit exceeded for installation ID 1000. (rate limited: this token's API requests are used up until 2026-01-01 01:00:00 UTC; not a missing permission). The next run tries again.",
  );
  expect(
    alertFailure(new GitHubApiError('openAlertIssue', 403, 'Resource not accessible by integration')).message,
  ).toContain('`issues: write`');
});

it("GitHub's refusal is quoted as text in the summary of an alert that could not be kept", () => {
  const answer = 'Resource not accessible by integration <!-- @sophia/admins `x` *y* #5';
  const error = new GitHubApiError('openAlertIssue', 403, answer);
  const { html } = renderMarkdown(alertFailure(error).publication.summary ?? '');
  expect(html).not.toContain('<!--');
  expect(linkableReferences(html)).toEqual([]);
  expect(htmlText(html)).toContain(`Not kept: ${error.message}`);
});
