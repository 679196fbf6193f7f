import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBundledAction, type ActionRun } from '@sophia-testing/action-runner';

/**
 * Steps that do not stop on a cancel still publish what they knew when the runner cancels them
 * (SIGINT, SIGTERM 7.5 s later): the outputs that hold whatever the inputs are and a job summary
 * saying what the step was doing, and they fail with the cancel's message. Here GitHub's REST API
 * is a server that takes every request and never answers, so the step is waiting on GitHub when
 * the cancel comes. (The frontend deploy and rollback on real hosts: frontend-cancel-report.test.ts
 * and frontend-cancel-switch.test.ts.)
 */
let github: Server;
let githubUrl: string;
const received: IncomingMessage[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'cancel-publish-'));

beforeAll(async () => {
  github = createServer((request) => received.push(request));
  await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve));
  githubUrl = `http://127.0.0.1:${(github.address() as { port: number }).port}`;
});
afterAll(async () => {
  github.closeAllConnections();
  await new Promise((resolve) => github.close(resolve));
  rmSync(scratch, { recursive: true, force: true });
});

/** The bundled `action` with `inputs`, cancelled once GitHub has received a request it will never answer. */
function cancelledWhileGitHubHangs(action: string, inputs: Record<string, string>): Promise<ActionRun> {
  const before = received.length;
  return runBundledAction({
    action,
    inputs,
    env: { GITHUB_API_URL: githubUrl, GITHUB_REPOSITORY: 'sophia/sophia-app' },
    cancel: { when: () => received.length > before },
    timeoutMs: 30_000,
  });
}

function expectCancelled(run: ActionRun): void {
  expect(run.cancelled).toBe(true);
  expect(run.code).toBe(130);
  expect(run.annotations).toContainEqual(expect.objectContaining({ level: 'error', message: 'The run was cancelled' }));
}

test('a deployment record cancelled while GitHub has not answered publishes its outputs and says the record may or may not be written', async () => {
  const run = await cancelledWhileGitHubHangs('deployment-record', {
    record: 'start',
    environment: 'production',
    'github-token': 'ghs_record0000',
    ref: 'main',
  });
  expectCancelled(run);
  expect(run.outputs).toEqual({ 'deployment-id': '', 'restored-deployment-id': '', 'replaced-deployment-id': '' });
  expect(run.summary).toContain('### deployment-record');
  expect(run.summary).toContain('The run was cancelled before this step finished');
  expect(run.summary).toContain(
    'the new deployment record in environment `production` may or may not have been written',
  );
});

test('a plan comment cancelled while GitHub has not answered publishes its outputs and names the pull request', async () => {
  const plan = join(scratch, 'production-frontend.json');
  writeFileSync(
    plan,
    JSON.stringify({
      schema: 'sophia.deploy-plan/v1',
      target: 'kubernetes',
      counts: { created: 0, configured: 0, unchanged: 0 },
      objects: [],
      images: [],
    }),
  );
  const run = await cancelledWhileGitHubHangs('plan-comment', {
    'pull-request': '7',
    'github-token': 'ghs_planComment0000',
    'plan-files': `production backend ${plan}`,
  });
  expectCancelled(run);
  expect(run.outputs).toEqual({ created: 'false', truncated: 'false' });
  expect(run.summary).toContain('### plan-comment');
  expect(run.summary).toContain('the plan comment on pull request #7 may or may not have been written');
});
