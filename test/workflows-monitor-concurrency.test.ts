/**
 * monitor.yml's concurrency group (`sophia-monitor-<alert>`, cancel-in-progress false) as GitHub
 * applies it (docs: "Control the concurrency of workflows and jobs": at most one running and one
 * pending run per group, a newer queued run cancels the pending one): three runs of the example's
 * monitor at once against a production that is down. One runs, one is cancelled while pending, the
 * newest runs after the first: one alert issue is opened, never two, and the run that does run
 * after it checks production again and finds the outage already reported.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startGitHubApi, type GitHubApi } from '@sophia-testing/github-api';
import { reply, startServer, type TestServer } from '@sophia-testing/http-servers';
import { ConcurrencyGroups, runWorkflow } from '@sophia-testing/workflow-runner';
import { exampleWorkflowsDir, repoRoot } from './support/workflows.js';

const TOKEN = 'ghs_monitorConcurrency';
let site: TestServer;
let api: GitHubApi;
let app: string;

beforeAll(async () => {
  site = await startServer((_request, response) => reply(response, 503, 'upstream unavailable'));
  api = await startGitHubApi({ tokens: { [TOKEN]: { issues: 'write' } } });
  app = mkdtempSync(path.join(tmpdir(), 'monitor-concurrency-'));
  mkdirSync(path.join(app, '.github', 'workflows'), { recursive: true });
  cpSync(path.join(exampleWorkflowsDir, 'monitor.yml'), path.join(app, '.github', 'workflows', 'monitor.yml'));
});

afterAll(async () => {
  await site?.stop();
  await api?.stop();
  rmSync(app, { recursive: true, force: true });
});

test('three monitor runs at once: one issue, the pending run replaced by the newest is cancelled', async () => {
  const repository = api.repository('sophia/sophia-app');
  const groups = new ConcurrencyGroups();
  const monitor = (runId: string, event: 'schedule' | 'workflow_dispatch') =>
    runWorkflow({
      file: '.github/workflows/monitor.yml',
      workspace: app,
      event,
      runId,
      concurrency: groups,
      repositories: { 'sophia/deploy-actions@v1': repoRoot },
      secrets: { GITHUB_TOKEN: TOKEN },
      github: { api_url: api.url, repository: 'sophia/sophia-app' },
      // A check that waits out 4 s: the three runs all reach the group while the first one checks.
      vars: {
        PRODUCTION_SITE_URL: site.origin,
        PRODUCTION_API_URL: `${site.origin}/api`,
        MONITOR_TIMEOUT: '4s',
        HEALTH_INTERVAL: '100ms',
      },
    });
  const runs = await Promise.all([
    monitor('a', 'schedule'),
    monitor('b', 'workflow_dispatch'),
    monitor('c', 'schedule'),
  ]);

  // The order the runs reached the group in is GitHub's (arbitrary); what each one did follows from it.
  expect(groups.events.map((event) => [event.group, event.event])).toEqual([
    ['sophia-monitor-production', 'running'],
    ['sophia-monitor-production', 'pending'],
    ['sophia-monitor-production', 'cancelled'],
    ['sophia-monitor-production', 'pending'],
    ['sophia-monitor-production', 'released'],
    ['sophia-monitor-production', 'running'],
    ['sophia-monitor-production', 'released'],
  ]);
  const [first, replaced, , newest] = groups.events.map((event) => event.run);
  const byId = (id: string) => runs.find((run) => run.runId === id)!;
  // The replaced run checked nothing: its job calling monitor.yml was cancelled before any step.
  expect(byId(replaced).result).toBe('cancelled');
  expect(byId(replaced).jobs).toEqual([expect.objectContaining({ id: 'production', result: 'cancelled', steps: [] })]);
  expect(byId(first).result).toBe('success');
  expect(byId(newest).result).toBe('success');
  const alertOf = (id: string) => byId(id).jobs.find((job) => job.outputs.alert !== undefined)?.outputs.alert;
  expect(alertOf(first)).toBe('opened');
  expect(alertOf(newest)).toBe('unchanged');

  expect(repository.issues).toHaveLength(1);
  expect(repository.issues[0]).toMatchObject({ state: 'open', labels: ['health-alert'] });
  expect(repository.comments).toEqual([]);
}, 120_000);
