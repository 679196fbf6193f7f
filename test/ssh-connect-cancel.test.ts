import { rmSync } from 'node:fs';
import { errorsOf, runBundledAction, type ActionRun } from '@sophia-testing/action-runner';
import { NOT_RUN_OUTPUTS_AS_WRITTEN } from './support/actions.js';
import { heldLinkWorkspace, KUBECTL_OVER_SSH, startHeldSshLink, type HeldSshLink } from './support/held-ssh.js';

/**
 * A step cancelled (SIGINT) while its SSH connection is still being made: the server is a real
 * sshd behind a stalled link, so the client is connected over TCP and waits for the server's banner
 * when the cancel comes. The connect ends at once, the step publishes its outputs and summary
 * (nothing changed), fails with the cancel's message and ends on SIGINT alone, its secrets
 * directory gone. No kubectl runs before the connection is made, so one kubectl minor proves it
 * for all: the cancel never reaches one.
 */
let link: HeldSshLink;
const workspace = heldLinkWorkspace('ssh-connect-cancel-');

beforeAll(async () => {
  link = await startHeldSshLink();
});
afterAll(async () => {
  await link?.stop();
  rmSync(workspace, { recursive: true, force: true });
});

/** `action` with the held link's SSH inputs and `inputs`, cancelled once it has opened its connection. */
function cancelledWhileConnecting(action: string, inputs: Record<string, string>): Promise<ActionRun> {
  link.mark();
  return runBundledAction({
    action,
    cwd: workspace,
    inputs: { ...link.inputs(), ...inputs },
    cancel: { when: () => link.connecting() },
    timeoutMs: 30_000,
  });
}

function expectCancelledBeforeAnything(run: ActionRun, heading: string): void {
  expect(run.cancelled).toBe(true);
  // Ended on its own, well before the runner's SIGTERM (the connect-timeout is 30 s away).
  expect(run.cancelSignals).toEqual(['SIGINT']);
  expect(run.code).not.toBe(0);
  expect(errorsOf(run)).toEqual(['The run was cancelled']);
  expect(run.summary).toContain(`### ${heading}\n`);
  expect(run.summary).toContain('**Failed:** The run was cancelled');
  expect(run.summary.match(/^### /gm)).toHaveLength(1);
  expect(run.undeclaredOutputs).toEqual([]);
  expect(run.runnerTempLeft).toEqual([]);
}

const CLUSTER_UNCHANGED = 'Nothing was applied: the cluster was not changed.';

test.each([
  { action: 'deploy-k3s-backend', label: 'a deploy', inputs: KUBECTL_OVER_SSH, said: CLUSTER_UNCHANGED },
  {
    action: 'deploy-k3s-backend',
    label: 'a plan (dry-run)',
    inputs: { ...KUBECTL_OVER_SSH, 'dry-run': 'true' },
    said: CLUSTER_UNCHANGED,
  },
  {
    action: 'deploy-mcp-node',
    label: 'a deploy',
    inputs: { ...KUBECTL_OVER_SSH, node: 'mcp-1' },
    said: 'Nothing was applied: neither the node nor the cluster was changed.',
  },
])(
  '$action: $label cancelled while connecting over SSH publishes that nothing was applied',
  async ({ action, inputs, said }) => {
    const run = await cancelledWhileConnecting(action, inputs);
    expectCancelledBeforeAnything(run, action);
    expect(run.outputs).toMatchObject(NOT_RUN_OUTPUTS_AS_WRITTEN[action]);
    expect(run.summary).toContain(said);
  },
);

test('rollback: a Kubernetes rollback cancelled while connecting over SSH publishes that nothing was rolled back', async () => {
  const run = await cancelledWhileConnecting('rollback', {
    component: 'kubernetes',
    'kubectl-command': 'k3s kubectl',
    namespace: 'sophia',
    workloads: 'deployment/sophia-backend',
  });
  expectCancelledBeforeAnything(run, 'Kubernetes rollback in namespace sophia');
  expect(run.summary).toContain('No workload was changed.');
  // The Kubernetes path's own outputs (`switched` is the frontend's): nothing rolled back from or to.
  expect(run.outputs).toEqual({ from: '{}', to: '{}' });
});

test('deploy-frontend-nginx: a deploy cancelled while connecting publishes that nothing was released', async () => {
  const run = await cancelledWhileConnecting('deploy-frontend-nginx', {
    target: '/srv/sophia/frontend',
    'release-id': 'two',
  });
  expectCancelledBeforeAnything(run, 'Frontend release two');
  expect(run.summary).toContain('No host was changed.');
  expect(run.outputs).toMatchObject(NOT_RUN_OUTPUTS_AS_WRITTEN['deploy-frontend-nginx']);
  expect(run.outputs['release-id']).toBe('two');
});
