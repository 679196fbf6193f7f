/**
 * deploy.yml's concurrency group (`sophia-deploy-<environment>`, cancel-in-progress false) queues
 * runs as GitHub does (docs: "Control the concurrency of workflows and jobs"): a run queued while
 * another of the group is in progress waits, and a newer one queued behind it cancels it and
 * takes its place. Three runs of deploy.yml for staging through one set of concurrency groups;
 * the first holds its group until the test lets its build finish. A caller holding the group itself
 * (any case) is cancelled as a deadlock, as GitHub does.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConcurrencyGroups, runWorkflow, type ConcurrencyEvent } from '@sophia-testing/workflow-runner';
import { repoRoot } from './support/workflows.js';

let workspace: string;

beforeAll(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'deploy-concurrency-'));
});

afterAll(() => rmSync(workspace, { recursive: true, force: true }));

async function until(what: string, holds: () => boolean): Promise<void> {
  for (let tries = 0; !holds(); tries++) {
    if (tries > 600) throw new Error(`gave up waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('a second deploy of an environment waits for the first to end; a third replaces the pending second', async () => {
  const groups = new ConcurrencyGroups();
  const started: string[] = [];
  const deploy = (runId: string, buildCommand: string) =>
    runWorkflow({
      file: path.join(repoRoot, '.github', 'workflows', 'deploy.yml'),
      workspace,
      event: 'workflow_call',
      runId,
      concurrency: groups,
      onStepStart: (job) => started.push(`${runId} ${job}`),
      inputs: {
        environment: 'staging',
        components: 'frontend',
        'frontend-url': 'http://127.0.0.1:9/',
        'frontend-host': '127.0.0.1:9',
        'frontend-build-command': buildCommand,
        'health-urls': 'http://127.0.0.1:9/healthz',
        'health-interval': '100ms',
        'health-timeout': '200ms',
      },
      environments: { staging: {} },
    });
  const events = (run: string) => groups.events.filter((event) => event.run === run).map((event) => event.event);

  // The first run's build waits for a file: the run is in progress until the test creates it.
  const release = path.join(workspace, 'release-first');
  const first = deploy('first', `while [ ! -e ${release} ]; do sleep 0.05; done; exit 1`);
  await until('the first run builds', () => started.includes('first frontend'));
  const second = deploy('second', 'exit 1');
  await until('the second run is pending', () => events('second').includes('pending'));
  const third = deploy('third', 'exit 1');
  await until('the third run is pending', () => events('third').includes('pending'));

  // Neither waiting run has started a job while the first is in progress.
  expect(started.filter((entry) => !entry.startsWith('first '))).toEqual([]);
  expect(await second).toMatchObject({ result: 'cancelled', runId: 'second', jobs: [] });
  writeFileSync(release, '');
  const [firstRun, thirdRun] = await Promise.all([first, third]);

  expect(groups.events).toEqual<ConcurrencyEvent[]>([
    { group: 'sophia-deploy-staging', run: 'first', event: 'running' },
    { group: 'sophia-deploy-staging', run: 'second', event: 'pending' },
    { group: 'sophia-deploy-staging', run: 'second', event: 'cancelled' },
    { group: 'sophia-deploy-staging', run: 'third', event: 'pending' },
    { group: 'sophia-deploy-staging', run: 'first', event: 'released' },
    { group: 'sophia-deploy-staging', run: 'third', event: 'running' },
    { group: 'sophia-deploy-staging', run: 'third', event: 'released' },
  ]);
  // The first ran to its end; the third ran all of its jobs after it.
  expect(firstRun.jobs.map((job) => job.id)).toContain('health-gate');
  expect(thirdRun.jobs.map((job) => [job.id, job.result])).toEqual(firstRun.jobs.map((job) => [job.id, job.result]));
  const lastOfFirst = started.findLastIndex((entry) => entry.startsWith('first '));
  expect(started.findIndex((entry) => entry.startsWith('third '))).toBeGreaterThan(lastOfFirst);
  expect(started.some((entry) => entry.startsWith('second '))).toBe(false);
}, 120_000);

test('group names are compared case-insensitively, and another environment does not wait', async () => {
  const groups = new ConcurrencyGroups();
  expect(await groups.acquire('sophia-deploy-Staging', 'a')).toBe('running');
  const same = groups.acquire('SOPHIA-DEPLOY-STAGING', 'b');
  expect(await groups.acquire('sophia-deploy-production', 'c')).toBe('running');
  expect(groups.events.map((event) => `${event.run} ${event.event}`)).toEqual(['a running', 'b pending', 'c running']);
  groups.release('sophia-deploy-Staging', 'a');
  expect(await same).toBe('running');
});

test.each([
  ['the whole workflow', 'concurrency: SOPHIA-DEPLOY-staging\n', ''],
  ['the calling job', '', '    concurrency: Sophia-Deploy-Staging\n'],
])(
  "a caller holding deploy.yml's group in another case (%s) is cancelled as a deadlock, not left waiting",
  async (_where, workflowLevel, jobLevel) => {
    const app = mkdtempSync(path.join(tmpdir(), 'deploy-concurrency-app-'));
    mkdirSync(path.join(app, '.github', 'workflows'), { recursive: true });
    writeFileSync(
      path.join(app, '.github', 'workflows', 'pipeline.yml'),
      [
        'name: Pipeline',
        'on: push',
        `${workflowLevel}jobs:`,
        '  staging:',
        `${jobLevel}    uses: sophia/deploy-actions/.github/workflows/deploy.yml@v1`,
        '    with:',
        '      environment: staging',
        '      components: frontend',
        '      frontend-url: http://127.0.0.1:9/',
        '      health-urls: http://127.0.0.1:9/healthz',
        '',
      ].join('\n'),
    );
    try {
      const run = await runWorkflow({
        file: '.github/workflows/pipeline.yml',
        workspace: app,
        concurrency: new ConcurrencyGroups(),
        repositories: { 'sophia/deploy-actions@v1': repoRoot },
        environments: { staging: {} },
      });
      expect(run.result).toBe('cancelled');
      expect(run.jobs.map((job) => [job.id, job.result])).toEqual([['staging', 'cancelled']]);
      expect(run.jobs[0].note).toBe(
        "Canceling since a deadlock was detected for concurrency group: 'sophia-deploy-staging' between " +
          "'.github/workflows/pipeline.yml' (job staging) and the workflow it calls, .github/workflows/deploy.yml",
      );
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  },
);
