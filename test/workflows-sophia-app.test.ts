/**
 * The pipeline as Sophia's application repository runs it: examples/sophia-app, checked out in a
 * directory outside this repository, its workflows calling sophia/deploy-actions@v1 (resolved to
 * this checkout), run by the local workflow runner against a real sshd + nginx and the cluster
 * simulator, with the backend API at its public URL answering for the image the cluster runs.
 * The backend image built from the commit and deployed by its digest, a gate on the site and on
 * the API, a failed gate, and a rollback of exactly what the run changed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  contextDigest,
  REJECTED_DEPLOYMENT,
  runWorkflow,
  type JobRecord,
  type WorkflowRun,
} from '@sophia-testing/workflow-runner';
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

/** What a frontend host serves (default: staging's). */
async function served(host = machines.site): Promise<{ status: string; version: string }> {
  return JSON.parse((await httpGet(new URL('healthz.json', host.siteUrl).href)).body.toString()) as {
    status: string;
    version: string;
  };
}

function results(run: WorkflowRun): Record<string, string> {
  return Object.fromEntries(run.jobs.map((job) => [job.id, job.result]));
}

async function apiHealth(): Promise<{ status: number; body: string }> {
  const answer = await httpGet(`${machines.api.url}/healthz`);
  return { status: answer.status, body: answer.body.toString() };
}

function push(sha: string, onJob?: (job: JobRecord) => void) {
  return runWorkflow({ ...machines.app.settings, file: '.github/workflows/deploy.yml', onJob, github: { sha } });
}

test('the application checkout lives outside this repository', () => {
  expect(machines.app.workspace.startsWith(repoRoot)).toBe(false);
});

test('a push builds the backend image, deploys it by digest to staging, then production; the next push, whose API fails its health, is undone exactly', async () => {
  // What production's reviewers see when each deploy job asks: the finished deploy plan job's summary.
  const finished: JobRecord[] = [];
  const seenByReviewers: string[] = [];
  const first = await runWorkflow({
    ...machines.app.settings,
    file: '.github/workflows/deploy.yml',
    github: { sha: SHA_A },
    onJob: (job) => finished.push(job),
    review: ({ job }) => {
      const plan = finished.find((record) => record.id === 'production/deploy-plan');
      seenByReviewers.push(`${job}: ${plan?.result ?? 'no plan yet'}`);
      if (plan) seenByReviewers.push(...plan.steps.map((step) => step.summary).filter(Boolean));
      return 'approved';
    },
  });
  expect(seenByReviewers[0]).toBe('production/frontend: success');
  const planSummary = seenByReviewers.slice(1).join('\n');
  // Production's own host serves nothing yet: every file of the build would be added. Its cluster is
  // staging's here (one for both), which staging just brought to this very commit: nothing to change.
  expect(planSummary).toContain('### Frontend plan for release ');
  expect(planSummary).toMatch(/^\| 127\.0\.0\.1:\d+ \| nothing \| \d+ \(/m);
  expect(planSummary).toContain('### deploy-k3s-backend (dry run: nothing was changed)');
  expect(planSummary).toMatch(/^\| sophia\/Deployment\/chat-api \| unchanged \|$/m);
  expect(planSummary).toContain('| Node | mcp-node (');
  // No plan job for staging: its deploy needs no review.
  expect(finished.some((job) => job.id === 'staging/deploy-plan' && job.result !== 'skipped')).toBe(false);
  expect(results(first)).toMatchObject({
    'backend-image': 'success',
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
  // Production has its own host, which the production jobs deployed once its reviewers approved.
  expect(await served(machines.productionSite)).toEqual({ status: 'ok', version: SHA_A });
  expect(first.reviews.map((review) => [review.job, review.decision])).toEqual([
    ['production/frontend', 'approved'],
    ['production/backend', 'approved'],
    ['production/mcp', 'approved'],
  ]);
  // The image the build pushed, from backend/ of this checkout, is exactly what runs.
  const build = first.jobs
    .find((job) => job.id === 'backend-image')
    ?.steps.find((step) => step.uses?.startsWith('docker/build-push-action@'));
  const backendDir = path.join(machines.app.workspace, 'backend');
  expect(build?.outputs.digest).toBe(contextDigest(backendDir, path.join(backendDir, 'Dockerfile')));
  const imageA = `ghcr.io/sophia/chat-api:${SHA_A}@${build?.outputs.digest}`;
  expect((await machines.workload('chat-api')).image).toBe(imageA);
  // The gate read the site and the API through its public URL.
  const gate = first.jobs.find((job) => job.id === 'staging/health-gate');
  expect(gate?.steps.at(-1)?.summary).toContain(`${machines.api.url}/healthz`);
  expect(gate?.steps.at(-1)?.summary).toContain(new URL('healthz.json', machines.site.siteUrl).href);
  expect(await apiHealth()).toEqual({ status: 200, body: `${JSON.stringify({ status: 'ok', image: imageA })}\n` });
  const mcpBefore = await Promise.all(['mcp-memory', 'mcp-slack'].map(machines.workload));
  // Production redeployed the same commit: nothing of Kubernetes changed.
  const production = first.jobs.filter((job) => job.id.startsWith('production/'));
  expect(production.find((job) => job.id === 'production/backend')?.outputs.changed).toBe('[]');

  // The next push breaks the API: the image built from it fails its health (the stand-in for its
  // pods is told which image that is as the build reports it).
  const server = path.join(machines.app.workspace, 'backend', 'server.mjs');
  machines.app.write('backend/server.mjs', readFileSync(server, 'utf8').replace("status: 'ok'", "status: 'error'"));
  let imageB = '';
  const second = await push(SHA_B, (job) => {
    if (job.id === 'backend-image') machines.api.failing.add((imageB = job.outputs.image));
  });
  expect(second.result).toBe('failure');
  expect(imageB).toMatch(new RegExp(`^ghcr\\.io/sophia/chat-api:${SHA_B}@sha256:[0-9a-f]{64}$`));
  expect(imageB).not.toContain(build?.outputs.digest);
  const failedGate = second.jobs.find((job) => job.id === 'staging/health-gate');
  expect(
    failedGate?.steps
      .at(-1)
      ?.annotations.map((a) => a.message)
      .join('\n'),
  ).toContain(`${machines.api.url}/healthz`);
  expect(results(second)).toMatchObject({
    'backend-image': 'success',
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
  expect(backend.image).toBe(imageA);
  expect(backend.failed).toBeDefined();
  expect((await apiHealth()).status).toBe(200);
  // The MCP servers, deployed unchanged, keep their revision and are not marked failed.
  expect(await Promise.all(['mcp-memory', 'mcp-slack'].map(machines.workload))).toEqual(mcpBefore);
  expect(mcpBefore.every((server) => server.failed === undefined)).toBe(true);
}, 240_000);

test('each deployment job waits for its own review: staging approved, production rejected, nothing reaches production', async () => {
  const SHA_C = 'c3d4e5f60718293a4b5c6d7e8f9012345678901a';
  const server = path.join(machines.app.workspace, 'backend', 'server.mjs');
  machines.app.write('backend/server.mjs', readFileSync(server, 'utf8').replace("status: 'error'", "status: 'ok'"));
  const productionBefore = await served(machines.productionSite);
  const environments = machines.app.settings.environments ?? {};
  const run = await runWorkflow({
    ...machines.app.settings,
    file: '.github/workflows/deploy.yml',
    github: { sha: SHA_C },
    environments: { ...environments, staging: { ...environments.staging, requiredReviewers: true } },
    review: ({ environment }) => (environment === 'production' ? 'rejected' : 'approved'),
  });
  // One review per job that names a protected environment, in the order the jobs waited.
  expect(run.reviews).toEqual([
    { job: 'staging/frontend', environment: 'staging', decision: 'approved' },
    { job: 'staging/backend', environment: 'staging', decision: 'approved' },
    { job: 'staging/mcp', environment: 'staging', decision: 'approved' },
    { job: 'production/frontend', environment: 'production', decision: 'rejected' },
    { job: 'production/backend', environment: 'production', decision: 'rejected' },
    { job: 'production/mcp', environment: 'production', decision: 'rejected' },
  ]);
  expect(run.result).toBe('failure');
  expect(await served()).toEqual({ status: 'ok', version: SHA_C });
  // A rejected job fails with GitHub's words and runs no step; nothing is rolled back there.
  for (const id of ['frontend', 'backend', 'mcp']) {
    const job = run.jobs.find((record) => record.id === `production/${id}`);
    expect([job?.result, job?.note, job?.steps]).toEqual(['failure', REJECTED_DEPLOYMENT, []]);
  }
  // Nor is a gate run for a deploy that never started: it would report production healthy.
  for (const id of ['health-gate', 'rollback-frontend', 'rollback-backend', 'rollback-mcp'])
    expect(run.jobs.find((record) => record.id === `production/${id}`)?.result).toBe('skipped');
  expect(await served(machines.productionSite)).toEqual(productionBefore);
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
  ).rejects.toThrow("Provided value 'prod' for input 'environment' not in the list of allowed values");
}, 120_000);
