/**
 * .github/scripts/workload-generations.sh decides which workloads a failed deploy rolls back:
 * run it as deploy.yml does, with kubectl on the runner (kubeconfig) and on the server over SSH.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSshHost, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import { startTestCluster, type TestCluster } from './fixtures/cluster.js';
import { repoRoot } from './support/workflows.js';

const script = path.join(repoRoot, '.github', 'scripts', 'workload-generations.sh');

let cluster: TestCluster;
let server: LocalSshHost;
/** Home and working directory of the script: whatever it leaves there is seen and removed. */
let scratch: string;

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'workload-generations-'));
  [cluster, server] = await Promise.all([startTestCluster(), startSshHost()]);
  await cluster.observer.apply(
    [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sophia' } },
      deployment('api', 'ghcr.io/sophia-ai/backend:1.0.0'),
      { ...deployment('other', 'nginx:1.27'), metadata: { name: 'other', namespace: 'default' } },
    ],
    { serverSide: true, fieldManager: 'test' },
  );
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([cluster?.stop(), server?.stop()]);
  rmSync(scratch, { recursive: true, force: true });
});

afterEach(() => {
  // A step leaves nothing behind in the runner's home or workspace.
  expect(readdirSync(scratch)).toEqual([]);
});

function deployment(name: string, image: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'sophia' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image }] } },
    },
  };
}

/** Runs the script as a step would; asynchronously, since the simulator answers from this process. */
function generations(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script], {
      cwd: scratch,
      env: { PATH: process.env.PATH ?? '', HOME: scratch, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() }));
  });
}

const viaKubeconfig = () => ({ KUBECONFIG_CONTENT: cluster.kubeconfig });
const viaSsh = () => ({
  K3S_HOST: `127.0.0.1:${server.sshPort}`,
  SSH_USER: server.user,
  SSH_KEY: server.privateKey,
  SSH_KNOWN_HOSTS: server.knownHosts,
  KUBECTL_COMMAND: cluster.kubectlCommand,
});

describe.each([
  ['kubectl on the runner', viaKubeconfig],
  ['kubectl on the server over SSH', viaSsh],
])('workload-generations.sh, %s', (_how, connection) => {
  it('maps every workload of the namespace to its generation, and sees a spec change', async () => {
    const before = await generations({ ...connection(), NAMESPACE: 'sophia' });
    expect(before).toMatchObject({ code: 0, stderr: '' });
    const start = JSON.parse(before.stdout) as Record<string, number>;
    expect(Object.keys(start)).toEqual(['Deployment/api']);

    await cluster.observer.apply([deployment('api', `ghcr.io/sophia-ai/backend:1.0.${start['Deployment/api']}`)], {
      serverSide: true,
      fieldManager: 'test',
    });
    const after = JSON.parse((await generations({ ...connection(), NAMESPACE: 'sophia' })).stdout) as Record<
      string,
      number
    >;
    expect(after['Deployment/api']).toBe(start['Deployment/api'] + 1);
  });

  it('looks at every namespace when none is given', async () => {
    const all = await generations(connection());
    expect(all.code).toBe(0);
    expect(Object.keys(JSON.parse(all.stdout) as object).sort()).toEqual(
      expect.arrayContaining(['Deployment/api', 'Deployment/other']),
    );
  });
});

it('says what it needs when neither a kubeconfig nor a server is given', async () => {
  const run = await generations({});
  expect(run.code).not.toBe(0);
  expect(run.stderr).toContain('KUBECONFIG_CONTENT or K3S_HOST is needed');
});

it('refuses a server whose host key it does not know', async () => {
  const run = await generations({
    ...viaSsh(),
    SSH_KNOWN_HOSTS: '[127.0.0.1]:1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDifferentKeyDifferentKeyDifferentKey00',
  });
  expect(run.code).not.toBe(0);
  expect(run.stderr).toMatch(/Host key verification failed|No ED25519 host key is known/);
});
