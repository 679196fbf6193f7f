/**
 * The application repository's scheduled monitor (examples/sophia-app monitor.yml calling this
 * repository's monitor.yml) through the local runner, against a local site whose health the test
 * flips and GitHub's REST API stand-in, whose token holds only `issues: write`: production turning
 * unhealthy opens one issue with the gate's report; a run failing differently comments; a run
 * failing the same way writes nothing (no alert storm); recovery comments and closes; no run ever
 * fails the workflow for an unhealthy answer.
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

/** What production answers on both health URLs. */
let health: 'ok' | 'down' | 'bad-gateway' | 'degraded' = 'ok';
let site: TestServer;
let api: GitHubApi;
let repository: RepositoryState;
let app: string;

beforeAll(async () => {
  site = await startServer((_request, response) => {
    if (health === 'down') reply(response, 503, 'upstream unavailable');
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

function monitor(runId: string): Promise<WorkflowRun> {
  return runWorkflow({
    file: '.github/workflows/monitor.yml',
    workspace: app,
    event: 'schedule',
    runId,
    repositories: { 'sophia/deploy-actions@v1': repoRoot },
    secrets: { GITHUB_TOKEN: TOKEN },
    github: { api_url: api.url, repository: 'sophia/sophia-app' },
    vars: {
      PRODUCTION_SITE_URL: site.origin,
      PRODUCTION_API_URL: `${site.origin}/api`,
      MONITOR_TIMEOUT: '1s',
      HEALTH_INTERVAL: '100ms',
    },
  });
}

function outcome(run: WorkflowRun): { result: string; healthy?: string; alert?: string } {
  const job = run.jobs.find((each) => each.id === 'production/check');
  return { result: run.result, healthy: job?.outputs.healthy, alert: job?.outputs.alert };
}

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

  health = 'ok';
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

test('a token with issues: read only fails the run with GitHub words, rather than staying silent about an outage', async () => {
  health = 'down';
  const other = api.repository('sophia/other-app');
  const run = await runWorkflow({
    file: '.github/workflows/monitor.yml',
    workspace: app,
    event: 'workflow_dispatch',
    repositories: { 'sophia/deploy-actions@v1': repoRoot },
    secrets: { GITHUB_TOKEN: READ_ONLY },
    // A repository of its own: no alert issue open there yet.
    github: { api_url: api.url, repository: 'sophia/other-app' },
    vars: {
      PRODUCTION_SITE_URL: site.origin,
      PRODUCTION_API_URL: site.origin,
      MONITOR_TIMEOUT: '300ms',
      HEALTH_INTERVAL: '100ms',
    },
  });
  expect(run.result).toBe('failure');
  expect(other.issues).toEqual([]);
  const step = run.jobs
    .find((job) => job.id === 'production/check')!
    .steps.find((each) => each.name === 'Health gate')!;
  expect(step.annotations.map((annotation) => annotation.message)).toEqual([
    'openAlertIssue: GitHub answered HTTP 403: Resource not accessible by integration',
  ]);
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
