/**
 * The pipeline as Sophia's application repository runs it: examples/sophia-app, checked out in a
 * directory outside this repository, its workflows calling sophia/deploy-actions@v1 (resolved to
 * this checkout), run by the local workflow runner against a real sshd + nginx and the cluster
 * simulator. Deploy, a failed gate, and a rollback of exactly what the run changed.
 */
import { runWorkflow, type WorkflowRun } from '@sophia-testing/workflow-runner';
import { startExampleApp, type ExampleAppMachines } from './fixtures/example-app.js';
import { repoRoot } from './support/workflows.js';
import { httpGet } from './frontend-helpers.js';

let machines: ExampleAppMachines;

beforeAll(async () => {
  machines = await startExampleApp();
}, 60_000);

afterAll(() => machines?.stop());

const SHA_A = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const SHA_B = 'b2c3d4e5f60718293a4b5c6d7e8f901234567890';

async function served(): Promise<{ status: string; version: string }> {
  return JSON.parse((await httpGet(new URL('healthz.json', machines.site.siteUrl).href)).body.toString()) as {
    status: string;
    version: string;
  };
}

function results(run: WorkflowRun): Record<string, string> {
  return Object.fromEntries(run.jobs.map((job) => [job.id, job.result]));
}

function push(sha: string, vars: Record<string, string> = {}, productionApproved = true) {
  return runWorkflow({
    ...machines.app.settings,
    file: '.github/workflows/deploy.yml',
    vars: { ...machines.app.settings.vars, ...vars },
    environments: {
      ...machines.app.settings.environments,
      production: { ...machines.app.settings.environments?.production, approve: productionApproved },
    },
    github: { sha },
  });
}

test('the application checkout lives outside this repository', () => {
  expect(machines.app.workspace.startsWith(repoRoot)).toBe(false);
});

test('a push deploys staging, then production; the next push with a broken build is undone exactly', async () => {
  const first = await push(SHA_A);
  expect(results(first)).toMatchObject({
    'staging/frontend': 'success',
    'staging/backend': 'success',
    'staging/mcp': 'success',
    'staging/health-gate': 'success',
    'staging/rollback-frontend': 'skipped',
    'production/frontend': 'success',
    'production/health-gate': 'success',
  });
  expect(first.jobs.find((job) => job.id === 'staging/frontend')?.environment).toEqual({
    name: 'staging',
    url: machines.site.siteUrl.replace(/\/$/, ''),
  });
  expect(await served()).toEqual({ status: 'ok', version: SHA_A });
  expect((await machines.workload('chat-api')).image).toBe(`ghcr.io/sophia-ai/chat-api:${SHA_A}`);
  const mcpBefore = await Promise.all(['mcp-memory', 'mcp-slack'].map(machines.workload));
  // Production redeployed the same commit: nothing of Kubernetes changed.
  const production = first.jobs.filter((job) => job.id.startsWith('production/'));
  expect(production.find((job) => job.id === 'production/backend')?.outputs.changed).toBe('[]');

  // The next push forgot the staging API URL: the site builds, but its health check fails.
  const second = await push(SHA_B, { STAGING_API_URL: '' });
  expect(second.result).toBe('failure');
  expect(results(second)).toMatchObject({
    'staging/frontend': 'success',
    'staging/backend': 'success',
    'staging/mcp': 'success',
    'staging/health-gate': 'failure',
    'staging/rollback-frontend': 'success',
    'staging/rollback-backend': 'success',
    'staging/rollback-mcp': 'skipped',
    production: 'skipped',
  });
  const staging = (id: string) => second.jobs.find((job) => job.id === `staging/${id}`);
  expect(JSON.parse(staging('backend')?.outputs.changed ?? '')).toEqual(['sophia/Deployment/chat-api']);
  expect(JSON.parse(staging('mcp')?.outputs.changed ?? '')).toEqual([]);
  expect(await served()).toEqual({ status: 'ok', version: SHA_A });
  const backend = await machines.workload('chat-api');
  expect(backend.image).toBe(`ghcr.io/sophia-ai/chat-api:${SHA_A}`);
  expect(backend.failed).toBeDefined();
  // The MCP servers, deployed unchanged, keep their revision and are not marked failed.
  expect(await Promise.all(['mcp-memory', 'mcp-slack'].map(machines.workload))).toEqual(mcpBefore);
  expect(mcpBefore.every((server) => server.failed === undefined)).toBe(true);
}, 240_000);

test('production waits for its reviewers: a rejected deployment changes nothing there', async () => {
  const run = await push(SHA_A, {}, false);
  const production = run.jobs.filter((job) => job.id.startsWith('production/') && job.result !== 'skipped');
  expect(production.map((job) => [job.id, job.result, job.note])).toContainEqual([
    'production/frontend',
    'failure',
    'The deployment to production was rejected by its reviewers',
  ]);
  expect(run.jobs.find((job) => job.id === 'production/rollback-frontend')?.result).toBe('skipped');
}, 240_000);

test('the manual rollback dispatch puts the frontend release before the live one back', async () => {
  const live = await served();
  const run = await runWorkflow({
    ...machines.app.settings,
    file: '.github/workflows/rollback.yml',
    event: 'workflow_dispatch',
    inputs: { environment: 'staging', component: 'frontend', to: 'previous' },
  });
  expect(results(run)).toEqual({ 'rollback/rollback': 'success' });
  const step = run.jobs[0].steps.find((s) => s.uses === '$/actions/rollback' && s.result === 'success');
  expect(step?.outputs.from).not.toBe(step?.outputs.to);
  expect(live.status).toBe('ok');
  await expect(
    runWorkflow({
      ...machines.app.settings,
      file: '.github/workflows/rollback.yml',
      event: 'workflow_dispatch',
      inputs: { environment: 'prod', component: 'frontend', to: 'previous' },
    }),
  ).rejects.toThrow('input "environment" must be one of staging, production, got "prod"');
}, 120_000);
