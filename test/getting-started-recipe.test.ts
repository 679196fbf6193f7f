/**
 * The single-job recipe of docs/getting-started.md, run as written (only the variables it reads
 * point at this machine): in the example application's checkout outside this repository, against
 * a real sshd + nginx and the cluster simulator reached over SSH. When a later push fails its
 * gate, the recipe undoes what that push changed and never touches a workload it left unchanged.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { runWorkflow } from '@sophia-testing/workflow-runner';
import { startExampleApp, type ExampleAppMachines } from './fixtures/example-app.js';
import { repoRoot } from './support/workflows.js';
import { httpGet } from './frontend-helpers.js';

let machines: ExampleAppMachines;

/** The ```yaml block of the guide that is a whole workflow named "Deploy Sophia AI". */
function recipe(): string {
  const guide = readFileSync(path.join(repoRoot, 'docs', 'getting-started.md'), 'utf8');
  const block = [...guide.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].find((match) =>
    match[1].startsWith('name: Deploy Sophia AI\n'),
  );
  if (!block) throw new Error('docs/getting-started.md has no "Deploy Sophia AI" workflow');
  return block[1];
}

beforeAll(async () => {
  machines = await startExampleApp();
  mkdirSync(path.join(machines.app.workspace, '.github', 'workflows'), { recursive: true });
  writeFileSync(path.join(machines.app.workspace, '.github', 'workflows', 'recipe.yml'), recipe());
}, 60_000);

afterAll(() => machines?.stop());

function push(sha: string) {
  return runWorkflow({
    ...machines.app.settings,
    file: '.github/workflows/recipe.yml',
    github: { sha },
    vars: {
      SITE_URL: machines.productionSite.siteUrl.replace(/\/$/, ''),
      API_URL: machines.api.url,
      FRONTEND_HOST: `127.0.0.1:${machines.productionSite.sshPort}`,
      K3S_HOST: `127.0.0.1:${machines.productionSite.sshPort}`,
      KUBECTL_COMMAND: machines.cluster.kubectlCommand,
      SSH_USER: machines.productionSite.user,
      FRONTEND_TARGET: machines.productionSite.siteDir,
      NGINX_TEST_COMMAND: machines.productionSite.nginxTestCommand,
      NGINX_RELOAD_COMMAND: machines.productionSite.nginxReloadCommand,
      HEALTH_INTERVAL: '200ms',
      HEALTH_TIMEOUT: '3s',
    },
  });
}

test('run as written, the recipe rolls back what a failed push changed, and nothing it did not', async () => {
  const SHA_A = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
  const first = await push(SHA_A);
  expect(first.result).toBe('success');
  // The backend runs the image the recipe built, by tag and digest.
  const digest = first.jobs[0].steps.find((step) => step.name === 'Backend image')?.outputs.digest;
  const imageA = `ghcr.io/sophia/chat-api:${SHA_A}@${digest}`;
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect((await machines.workload('chat-api')).image).toBe(imageA);
  const mcpBefore = await Promise.all(['mcp-memory', 'mcp-slack'].map(machines.workload));

  // A commit whose site reports itself unhealthy.
  const build = path.join(machines.app.workspace, 'build.mjs');
  writeFileSync(
    build,
    readFileSync(build, 'utf8').replace("{ status: 'ok', version }", "{ status: 'degraded', version }"),
  );
  const second = await push('b2c3d4e5f60718293a4b5c6d7e8f901234567890');
  expect(second.result).toBe('failure');
  const steps = Object.fromEntries(second.jobs[0].steps.map((step) => [step.name, step]));
  expect(steps['Health gate'].result).toBe('failure');
  expect(steps['Roll the frontend back'].result).toBe('success');
  expect(JSON.parse(steps.Backend.outputs.changed)).toEqual(['sophia/Deployment/chat-api']);
  expect(steps['Roll back the backend workloads this run changed'].result).toBe('success');
  expect(JSON.parse(steps['MCP servers'].outputs.changed)).toEqual([]);
  expect(steps['Roll back the MCP workloads this run changed'].result).toBe('skipped');

  expect((await machines.workload('chat-api')).image).toBe(imageA);
  expect(await Promise.all(['mcp-memory', 'mcp-slack'].map(machines.workload))).toEqual(mcpBefore);
  expect(mcpBefore.every((server) => server.failed === undefined)).toBe(true);
  const served = JSON.parse(
    (await httpGet(new URL('healthz.json', machines.productionSite.siteUrl).href)).body.toString(),
  ) as {
    version: string;
  };
  expect(served.version).toBe(SHA_A);
}, 240_000);
