import { readdirSync } from 'node:fs';
import { runBundledAction, type ActionRun, type CancelOptions } from '@sophia-testing/action-runner';
import { silentServer, type RawServer } from '@sophia-testing/http-servers';
import { Workspace } from './fixtures/kube-kit.js';

/**
 * A cancelled run must leave no secret on the runner's disk. Each action that writes a kubeconfig is
 * cancelled, as the runner cancels, while kubectl waits on an API server that never answers (so the
 * kubeconfig is on disk at that moment); then nothing of it may be left under RUNNER_TEMP.
 */
let apiServer: RawServer;
let workspace: Workspace;
let kubeconfig: string;
const TOKEN = 'kubeconfig-token-5e0c1f7a9b';

beforeAll(async () => {
  apiServer = await silentServer();
  workspace = new Workspace('backend');
  kubeconfig = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- cluster: {server: 'https://127.0.0.1:${apiServer.port}', insecure-skip-tls-verify: true}`,
    '  name: hung',
    'users:',
    `- name: deployer`,
    `  user: {token: ${TOKEN}}`,
    'contexts:',
    '- context: {cluster: hung, user: deployer}',
    '  name: hung',
    'current-context: hung',
    '',
  ].join('\n');
});
afterAll(async () => {
  await apiServer?.stop();
  workspace?.remove();
});

const ACTIONS: Record<string, Record<string, string>> = {
  'deploy-k3s-backend': { manifests: 'kubernetes/production', namespace: 'sophia' },
  'deploy-mcp-node': { 'node-address': '104.171.202.117', manifests: 'kubernetes/production', namespace: 'mcp' },
  rollback: { component: 'kubernetes', namespace: 'sophia', workloads: 'deployment/sophia-backend' },
};

/** Once the kubeconfig is on disk: the moment a cancel finds the most to clean up. */
const kubeconfigWritten = ({ runnerTemp }: { runnerTemp: string }): boolean =>
  readdirSync(runnerTemp, { recursive: true }).some((path) => String(path).endsWith('kubeconfig'));

function cancelled(action: string, cancel: Omit<CancelOptions, 'when'>, post = false): Promise<ActionRun> {
  return runBundledAction({
    action,
    cwd: workspace.dir,
    inputs: { kubeconfig, ...ACTIONS[action] },
    cancel: { when: kubeconfigWritten, ...cancel },
    post,
    timeoutMs: 30_000,
  });
}

describe.each(Object.keys(ACTIONS))('%s, cancelled while kubectl waits', (action) => {
  it('removes the kubeconfig on SIGINT, before the runner would send SIGTERM', async () => {
    const run = await cancelled(action, { sigtermAfterMs: 7500 });
    expect(run.cancelled).toBe(true);
    expect(run.cancelSignals).toEqual(['SIGINT']);
    expect(run.code).not.toBe(0);
    // The message is the cancel, not this action's house-keeping.
    expect(run.annotations.filter((note) => note.level === 'error').map((note) => note.message)).toEqual([
      'The run was cancelled',
    ]);
    expect(run.log).not.toMatch(/secrets? removed/i);
    expect(run.runnerTempLeft).toEqual([]);
    expect(run.log).not.toContain(TOKEN);
  });

  it('removes it on SIGTERM alone too', async () => {
    const run = await cancelled(action, { firstSignal: 'SIGTERM' });
    expect(run.cancelled).toBe(true);
    expect(run.code).toBe(143);
    expect(run.runnerTempLeft).toEqual([]);
  });
});

describe('the post step', () => {
  it('removes the kubeconfig a main step killed outright (SIGKILL) left behind', async () => {
    const killed = await cancelled('deploy-k3s-backend', { firstSignal: 'SIGKILL' });
    // Without the post step the secret stays: this is what the post step is for.
    expect(killed.runnerTempLeft.some((path) => path.endsWith('kubeconfig'))).toBe(true);

    const withPost = await cancelled('deploy-k3s-backend', { firstSignal: 'SIGKILL' }, true);
    expect(withPost.signal).toBe('SIGKILL');
    expect(withPost.post?.code).toBe(0);
    expect(withPost.runnerTempLeft).toEqual([]);
  });
});
