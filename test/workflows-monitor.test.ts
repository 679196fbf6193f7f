/**
 * The application repository's scheduled monitor (examples/sophia-app monitor.yml calling this
 * repository's monitor.yml) through the local runner, against a local site whose health the test
 * flips and GitHub's REST API stand-in, whose token holds only `issues: write`: production turning
 * unhealthy opens one issue with the gate's report; a run failing differently comments; a run
 * failing the same way writes nothing (no alert storm); three healthy runs in a row comment and
 * close; a flapping production keeps one issue and writes nothing more; nobody else's issue or
 * comment is taken for the alert; no run fails the workflow for an unhealthy answer, and a run
 * whose alert issue GitHub refused publishes its verdict, says why, and fails.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startGitHubApi, type GitHubApi, type RepositoryState } from '@sophia-testing/github-api';
import { reply, startServer, type TestServer } from '@sophia-testing/http-servers';
import { runWorkflow, type WorkflowRun } from '@sophia-testing/workflow-runner';
import { exampleWorkflowsDir, repoRoot } from './support/workflows.js';

const TOKEN = 'ghs_monitorIssuesOnly';
const READ_ONLY = 'ghs_monitorIssuesRead';
const MARKER = '<!-- sophia-alert:production -->';

/**
 * What production answers on both health URLs. `flaky`: 2 of every 5 probes of each URL answer
 * 503, in a fixed pattern per URL, the site's failures never in the same round as the API's, so
 * that no two rounds in a row pass and every run is unhealthy, while each URL's latest answer is as
 * often a pass as a 503, depending on where the run stops.
 */
let health: 'ok' | 'down' | 'bad-gateway' | 'degraded' | 'flaky' = 'ok';
const probes = new Map<string, number>();
let site: TestServer;
let api: GitHubApi;
let repository: RepositoryState;
let app: string;

beforeAll(async () => {
  site = await startServer((request, response) => {
    const path = request.url ?? '/';
    const count = probes.get(path) ?? 0;
    probes.set(path, count + 1);
    const flakyFailure = path.startsWith('/api')
      ? count % 5 === 1 || count % 5 === 3
      : count % 5 === 0 || count % 5 === 2;
    if (health === 'down' || (health === 'flaky' && flakyFailure)) reply(response, 503, 'upstream unavailable');
    else if (health === 'bad-gateway') reply(response, 502, 'bad gateway');
    else reply(response, 200, JSON.stringify({ status: health }), { 'content-type': 'application/json' });
  });
  api = await startGitHubApi({ tokens: { [TOKEN]: { issues: 'write' }, [READ_ONLY]: { issues: 'read' } } });
  repository = api.repository('sophia/sophia-app');
  app = mkdtempSync(path.join(tmpdir(), 'monitor-app-'));
  mkdirSync(path.join(app, '.github', 'workflows'), { recursive: true });
  cpSync(path.join(exampleWorkflowsDir, 'monitor.yml'), path.join(app, '.github', 'workflows', 'monitor.yml'));
});

afterAll(async () => {
  await site.stop();
  await api.stop();
  rmSync(app, { recursive: true, force: true });
});

function monitor(runId: string, repo = 'sophia/sophia-app'): Promise<WorkflowRun> {
  return runWorkflow({
    file: '.github/workflows/monitor.yml',
    workspace: app,
    event: 'schedule',
    runId,
    repositories: { 'sophia/deploy-actions@v1': repoRoot },
    secrets: { GITHUB_TOKEN: TOKEN },
    github: { api_url: api.url, repository: repo },
    // 3 s: time enough for a loaded runner to see success-threshold (3) passing rounds of a
    // healthy production; a gate that ends unhealthy waits it out.
    vars: {
      PRODUCTION_SITE_URL: site.origin,
      PRODUCTION_API_URL: `${site.origin}/api`,
      MONITOR_TIMEOUT: '3s',
      HEALTH_INTERVAL: '100ms',
    },
  });
}

function outcome(run: WorkflowRun): { result: string; healthy?: string; alert?: string } {
  const job = run.jobs.find((each) => each.id === 'production/check');
  return { result: run.result, healthy: job?.outputs.healthy, alert: job?.outputs.alert };
}

const alertOf = (run: WorkflowRun) => outcome(run).alert;
const alertIssues = () => repository.issues.filter((issue) => issue.body?.includes(MARKER));
const commentsOn = (number: number) => repository.comments.filter((comment) => comment.issueNumber === number);

test('one issue per outage: opened, commented when the failure changes, silent while it stays, closed on recovery', async () => {
  health = 'ok';
  expect(outcome(await monitor('healthy-before'))).toEqual({ result: 'success', healthy: 'true', alert: 'none' });
  expect(alertIssues()).toEqual([]);

  health = 'down';
  expect(outcome(await monitor('down-1'))).toEqual({ result: 'success', healthy: 'false', alert: 'opened' });
  expect(alertIssues()).toHaveLength(1);
  const [issue] = alertIssues();
  expect(issue).toMatchObject({
    state: 'open',
    labels: ['health-alert'],
    title: 'Health alert: production is unhealthy',
  });
  // The gate's report, rendered: the verdict, and a row per URL with what it answered.
  expect(issue.body).toContain('**production** is unhealthy.');
  expect(issue.body).toContain('❌ **Unhealthy**');
  expect(issue.body).toMatch(/\| .*\/healthz\.json \|.*\| 503 \|/);
  expect(issue.body).toMatch(
    /Checked by \[this run\]\(https:\/\/github\.com\/sophia\/sophia-app\/actions\/runs\/\d+\)/,
  );

  health = 'degraded';
  expect(outcome(await monitor('degraded-1'))).toEqual({ result: 'success', healthy: 'false', alert: 'commented' });
  expect(commentsOn(issue.number)).toHaveLength(1);
  expect(commentsOn(issue.number)[0].body).toContain('body does not contain');

  // The same failure again: nothing new to say, so nothing is written.
  const before = api.requests.length;
  expect(outcome(await monitor('degraded-2'))).toEqual({ result: 'success', healthy: 'false', alert: 'unchanged' });
  expect(api.requests.slice(before).filter((request) => request.method !== 'GET')).toEqual([]);
  expect(commentsOn(issue.number)).toHaveLength(1);

  // Healthy: the issue stays open until alert-close-after (3) healthy runs in a row, counted in a
  // hidden line of its text, an edit that notifies nobody.
  health = 'ok';
  const recovering = api.requests.length;
  for (const run of ['recovering-1', 'recovering-2']) {
    expect(outcome(await monitor(run))).toEqual({ result: 'success', healthy: 'true', alert: 'recovering' });
  }
  expect(
    api.requests.slice(recovering).filter((request) => request.method !== 'GET' && request.method !== 'PATCH'),
  ).toEqual([]);
  expect(alertIssues()).toEqual([expect.objectContaining({ state: 'open' })]);
  expect(commentsOn(issue.number)).toHaveLength(1);
  expect(outcome(await monitor('recovered'))).toEqual({ result: 'success', healthy: 'true', alert: 'closed' });
  expect(alertIssues()).toEqual([expect.objectContaining({ state: 'closed', state_reason: 'completed' })]);
  expect(commentsOn(issue.number).at(-1)!.body).toContain('**production** is healthy again.');
  expect(outcome(await monitor('healthy-after'))).toEqual({ result: 'success', healthy: 'true', alert: 'none' });

  // Failing again within alert-reopen-window (24 h by default): the same issue, reopened with the report.
  health = 'down';
  expect(outcome(await monitor('down-again'))).toEqual({ result: 'success', healthy: 'false', alert: 'reopened' });
  expect(alertIssues()).toEqual([expect.objectContaining({ state: 'open', state_reason: 'reopened' })]);
  expect(commentsOn(issue.number).at(-1)!.body).toContain('**production** is unhealthy.');
  // Every request carried the run's token, which holds issues: write and nothing else.
  expect(new Set(api.requests.map((request) => request.token))).toEqual(new Set([TOKEN]));
  expect(alertIssues().filter((each) => each.state === 'open')).toHaveLength(1);
});

test('a token with issues: read only, or a repository GitHub does not show: the verdict stands, the alert says failed and why, the run fails', async () => {
  health = 'down';
  const other = api.repository('sophia/other-app');
  const checkIn = (repository: string, token: string) =>
    runWorkflow({
      file: '.github/workflows/monitor.yml',
      workspace: app,
      event: 'workflow_dispatch',
      repositories: { 'sophia/deploy-actions@v1': repoRoot },
      secrets: { GITHUB_TOKEN: token },
      github: { api_url: api.url, repository },
      vars: {
        PRODUCTION_SITE_URL: site.origin,
        PRODUCTION_API_URL: site.origin,
        MONITOR_TIMEOUT: '300ms',
        HEALTH_INTERVAL: '100ms',
      },
    });
  const gateOf = (run: WorkflowRun) => {
    const job = run.jobs.find((each) => each.id === 'production/check')!;
    return { job, step: job.steps.find((each) => each.name === 'Health gate')! };
  };

  // A repository of its own: no alert issue open there yet.
  const readOnly = await checkIn('sophia/other-app', READ_ONLY);
  expect(readOnly.result).toBe('failure');
  expect(other.issues).toEqual([]);
  const refused = gateOf(readOnly);
  expect(refused.job.outputs).toMatchObject({ healthy: 'false', alert: 'failed', 'alert-issue-url': '' });
  // The verdict, as a warning (fail-on-unhealthy is false), then what failed the step: the alert.
  expect(refused.step.annotations.map((annotation) => annotation.message)).toEqual([
    expect.stringMatching(
      /^unhealthy: .*\(fail-on-unhealthy is false: the verdict does not fail the step, the outputs tell\)$/,
    ),
    expect.stringMatching(
      /^The alert issue could not be kept: openAlertIssue: GitHub answered HTTP 403: Resource not accessible by integration\. .*`issues: write`/,
    ),
  ]);
  // The summary has the verdict, then what failed about the alert and what to check.
  expect(refused.step.summary).toContain('❌ **Unhealthy**');
  expect(refused.step.summary).toMatch(
    /### Alert issue\n\n⚠️ \*\*Not kept\*\*: openAlertIssue: GitHub answered HTTP 403/,
  );
  expect(refused.step.summary).toContain("grant `issues: write` in the job's `permissions:`");

  // A repository GitHub does not know (or does not show this token): 404 while looking for the issue.
  const missing = gateOf(await checkIn('sophia/no-such-app', TOKEN));
  expect(missing.job.result).toBe('failure');
  expect(missing.job.outputs).toMatchObject({ healthy: 'false', alert: 'failed' });
  expect(missing.step.annotations.map((annotation) => annotation.message)).toEqual([
    expect.stringMatching(/^unhealthy: /),
    expect.stringMatching(/^The alert issue could not be kept: findAlertIssue: GitHub answered HTTP 404: Not Found\. /),
  ]);
  expect(missing.step.summary).toContain('❌ **Unhealthy**');
  expect(missing.step.summary).toContain('GitHub does not show this token the repository (GITHUB_REPOSITORY)');
});

test('an outage answering 502 then 503 comments once; a label removed from the open issue opens no second one', async () => {
  health = 'down';
  await monitor('flap-setup');
  const [open] = alertIssues().filter((each) => each.state === 'open');
  expect(open).toBeDefined();
  const comments = commentsOn(open.number).length;
  for (const [n, answer] of (['bad-gateway', 'down', 'bad-gateway'] as const).entries()) {
    health = answer;
    expect(outcome(await monitor(`flap-${n}`))).toMatchObject({ alert: 'unchanged' });
  }
  expect(commentsOn(open.number)).toHaveLength(comments);

  // Someone removes the label, and edits the text (the marker with it): the issue is still found by its title.
  open.labels = [];
  open.body = 'Looking into it.';
  health = 'degraded';
  expect(outcome(await monitor('unlabelled'))).toMatchObject({ alert: 'commented' });
  expect(repository.issues.filter((each) => !each.pullRequest && each.state === 'open')).toHaveLength(1);
  expect(commentsOn(open.number)).toHaveLength(comments + 1);
});

test("an outsider's issue or comment carrying the alert's hidden markers is never taken for the alert", async () => {
  const hijack = api.repository('sophia/hijack-app');
  // Someone opens an issue with the marker (no label) and one with the marker, the label and the title.
  const spam = hijack.addIssue({
    title: 'Feature idea: dark mode',
    body: `please add dark mode ${MARKER}`,
    login: 'mallory',
  });
  const lookalike = hijack.addIssue({
    title: 'Health alert: production is unhealthy',
    body: MARKER,
    labels: ['health-alert'],
    login: 'mallory',
  });
  health = 'down';
  expect(alertOf(await monitor('hijack-down', 'sophia/hijack-app'))).toBe('opened');
  const own = hijack.issues.filter((issue) => issue.user.login === 'github-actions[bot]');
  expect(own).toHaveLength(1);
  expect(hijack.comments.filter((comment) => comment.issueNumber !== own[0].number)).toEqual([]);

  // A state marker in someone else's comment, naming the failure to come, hides nothing.
  const coming = [`${site.origin}/api/healthz body`, `${site.origin}/healthz.json body`].join('; ');
  hijack.addComment(own[0].number, `<!-- sophia-alert-state:${coming} -->`, 'mallory');
  health = 'degraded';
  expect(alertOf(await monitor('hijack-degraded', 'sophia/hijack-app'))).toBe('commented');

  health = 'ok';
  for (const run of ['hijack-ok-1', 'hijack-ok-2', 'hijack-ok-3']) await monitor(run, 'sophia/hijack-app');
  expect(own[0].state).toBe('closed');
  for (const number of [spam, lookalike]) {
    expect(hijack.issues.find((issue) => issue.number === number)).toMatchObject({ state: 'open', state_reason: null });
    expect(hijack.comments.filter((comment) => comment.issueNumber === number)).toEqual([]);
  }
});

test('a flapping production keeps one issue and writes at most twice in 8 runs', async () => {
  const flapping = api.repository('sophia/flapping-app');
  // Unhealthy runs (2 of 5 probes of each URL answering 503) between healthy ones, never 3 healthy in a row.
  const script = ['flaky', 'ok', 'flaky', 'ok', 'ok', 'flaky', 'ok', 'flaky'] as const;
  const start = api.requests.length;
  const actions: (string | undefined)[] = [];
  for (const [n, answer] of script.entries()) {
    health = answer;
    actions.push(outcome(await monitor(`flapping-${n}`, 'sophia/flapping-app')).alert);
  }
  // What notifies anyone: an issue opened, a comment, an issue closed or reopened.
  const writes = api.requests
    .slice(start)
    .filter(
      (request) => request.method === 'POST' || (request.method === 'PATCH' && 'state' in (request.body as object)),
    );
  // The first unhealthy run opens the issue; healthy runs only count themselves; an unhealthy run
  // comments at most once, when a URL fails that the issue did not name yet.
  expect(actions[0]).toBe('opened');
  expect(actions.filter((_, n) => script[n] === 'ok')).toEqual([
    'recovering',
    'recovering',
    'recovering',
    'recovering',
  ]);
  expect(
    actions
      .slice(1)
      .filter((action, n) => script[n + 1] === 'flaky' && action !== 'unchanged' && action !== 'commented'),
  ).toEqual([]);
  expect(writes.length).toBeLessThanOrEqual(2);
  expect(flapping.issues).toEqual([expect.objectContaining({ state: 'open' })]);
});

test('an alert issue a person closed as not planned stays closed through the outage; after alert-close-after healthy runs in a row, the next outage opens a new one', async () => {
  const dismissed = api.repository('sophia/dismissed-app');
  health = 'down';
  expect(outcome(await monitor('dismiss-down', 'sophia/dismissed-app')).alert).toBe('opened');
  const [first] = dismissed.issues;
  Object.assign(first, { state: 'closed', state_reason: 'not_planned', closed_at: new Date().toISOString() });
  expect(outcome(await monitor('dismiss-still-down', 'sophia/dismissed-app')).alert).toBe('dismissed');
  expect(dismissed.issues).toEqual([expect.objectContaining({ state: 'closed', state_reason: 'not_planned' })]);
  expect(dismissed.comments).toEqual([]);
  // One healthy run is not a recovery (alert-close-after is 3, as for closing an open issue):
  // failing again is the same outage, still dismissed, and the count starts over.
  health = 'ok';
  expect(outcome(await monitor('dismiss-ok-once', 'sophia/dismissed-app')).alert).toBe('none');
  health = 'down';
  expect(outcome(await monitor('dismiss-down-again', 'sophia/dismissed-app')).alert).toBe('dismissed');
  health = 'ok';
  for (const run of ['dismiss-ok-1', 'dismiss-ok-2']) {
    expect(outcome(await monitor(run, 'sophia/dismissed-app')).alert).toBe('none');
  }
  health = 'down';
  expect(outcome(await monitor('dismiss-down-before-recovery', 'sophia/dismissed-app')).alert).toBe('dismissed');
  expect(dismissed.issues).toHaveLength(1);
  expect(dismissed.comments).toEqual([]);
  health = 'ok';
  for (const run of ['dismiss-recovered-1', 'dismiss-recovered-2', 'dismiss-recovered-3']) {
    expect(outcome(await monitor(run, 'sophia/dismissed-app')).alert).toBe('none');
  }
  health = 'down';
  expect(outcome(await monitor('dismiss-next', 'sophia/dismissed-app')).alert).toBe('opened');
  expect(dismissed.issues.map((issue) => [issue.state, issue.state_reason])).toEqual([
    ['closed', 'not_planned'],
    ['open', null],
  ]);
});
