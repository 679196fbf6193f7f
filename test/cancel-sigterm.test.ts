import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { errorsOf, runBundledAction } from '@sophia-testing/action-runner';
import { ACTION_NAMES, NOT_RUN_OUTPUTS_AS_WRITTEN } from './support/actions.js';
import { heldLinkWorkspace, KUBECTL_OVER_SSH, startHeldSshLink, type HeldSshLink } from './support/held-ssh.js';

/**
 * A cancel that begins with SIGTERM (a runner or a `timeout-minutes` kill that skips SIGINT; the
 * runner's SIGKILL follows 2.5 s later) is a cancel with a short grace: every action, through its
 * bundle, publishes its outputs and job summary and fails with the cancel's message, exits 143
 * before the SIGKILL, and leaves no secrets on the runner. Each step is caught waiting on something
 * that never answers: an SSH server behind a stalled link (the deploys and the rollback are
 * connecting), or an HTTP server that takes every request and never answers (GitHub's REST API, the
 * health-gate's URL).
 */
let link: HeldSshLink;
let silent: Server;
let silentUrl: string;
const received: IncomingMessage[] = [];
const workspace = heldLinkWorkspace('cancel-sigterm-');

beforeAll(async () => {
  link = await startHeldSshLink();
  silent = createServer((request) => received.push(request));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  writeFileSync(
    join(workspace, 'plan.json'),
    JSON.stringify({
      schema: 'sophia.deploy-plan/v1',
      target: 'kubernetes',
      counts: { created: 0, configured: 0, unchanged: 0 },
      objects: [],
      images: [],
    }),
  );
});
afterAll(async () => {
  await link?.stop();
  silent?.closeAllConnections();
  await new Promise((resolve) => silent?.close(resolve));
  rmSync(workspace, { recursive: true, force: true });
});

interface Scenario {
  /** What the step waits on when the SIGTERM comes. */
  waitsOn: 'ssh' | 'http';
  inputs: () => Record<string, string>;
  /** The summary's heading. */
  heading: string;
  /** A line the summary says beside the heading. */
  said: string;
}

const SCENARIOS: Record<string, Scenario> = {
  'deploy-frontend-nginx': {
    waitsOn: 'ssh',
    inputs: () => ({ ...link.inputs(), target: '/srv/sophia/frontend', 'release-id': 'two' }),
    heading: 'Frontend release two',
    said: 'No host was changed.',
  },
  'deploy-k3s-backend': {
    waitsOn: 'ssh',
    inputs: () => ({ ...link.inputs(), ...KUBECTL_OVER_SSH }),
    heading: 'deploy-k3s-backend',
    said: 'Nothing was applied: the cluster was not changed.',
  },
  'deploy-mcp-node': {
    waitsOn: 'ssh',
    inputs: () => ({ ...link.inputs(), ...KUBECTL_OVER_SSH, node: 'mcp-1' }),
    heading: 'deploy-mcp-node',
    said: 'Nothing was applied: neither the node nor the cluster was changed.',
  },
  'deployment-record': {
    waitsOn: 'http',
    inputs: () => ({ record: 'start', environment: 'production', 'github-token': 'ghs_record0000', ref: 'main' }),
    heading: 'deployment-record',
    said: 'the new deployment record in environment `production` may or may not have been written',
  },
  'health-gate': {
    waitsOn: 'http',
    inputs: () => ({ urls: `${silentUrl}/healthz` }),
    heading: 'Health gate',
    said: '⏹️ **Cancelled** after',
  },
  'plan-comment': {
    waitsOn: 'http',
    inputs: () => ({
      'pull-request': '7',
      'github-token': 'ghs_planComment0000',
      'plan-files': `production backend ${join(workspace, 'plan.json')}`,
    }),
    heading: 'plan-comment',
    said: 'the plan comment on pull request #7 may or may not have been written',
  },
  // The frontend path, which does not listen to the cancel: what it knew is published for it.
  rollback: {
    waitsOn: 'ssh',
    inputs: () => ({ ...link.inputs(), component: 'frontend', target: '/srv/sophia/frontend' }),
    heading: 'rollback',
    said: 'The frontend rollback of /srv/sophia/frontend on 1 host(s) was under way',
  },
};

test('every action has a SIGTERM scenario', () => {
  expect(Object.keys(SCENARIOS).sort()).toEqual([...ACTION_NAMES].sort());
});

test.each(ACTION_NAMES)('%s: a cancel that begins with SIGTERM publishes its outputs and summary', async (action) => {
  const scenario = SCENARIOS[action];
  link.mark();
  const requestsBefore = received.length;
  const run = await runBundledAction({
    action,
    cwd: workspace,
    inputs: scenario.inputs(),
    env: { GITHUB_API_URL: silentUrl, GITHUB_REPOSITORY: 'sophia/sophia-app' },
    cancel: {
      when: () => (scenario.waitsOn === 'ssh' ? link.connecting() : received.length > requestsBefore),
      firstSignal: 'SIGTERM',
    },
    timeoutMs: 30_000,
  });
  expect(run.cancelled).toBe(true);
  // Ended on its own within the grace: the runner's SIGKILL, 2.5 s after the SIGTERM, was never sent.
  expect(run.cancelSignals).toEqual(['SIGTERM']);
  expect(run.code).toBe(143);
  expect(errorsOf(run)).toEqual(['The run was cancelled']);
  expect(run.outputs).toMatchObject(NOT_RUN_OUTPUTS_AS_WRITTEN[action]);
  expect(run.undeclaredOutputs).toEqual([]);
  expect(run.summary).toContain(`### ${scenario.heading}\n`);
  expect(run.summary).toContain(scenario.said);
  expect(run.summary).toMatch(/the run was cancelled/i);
  expect(run.summary.match(/^### /gm)).toHaveLength(1);
  expect(run.runnerTempLeft).toEqual([]);
});
