import { inputsFrom, InputReader } from '@sophia/inputs';
import { runnerInputHooks } from '@sophia/action-runtime';
import { actionDefaults, actionMetadata } from '@sophia-testing/action-runner';
import { getInputs as frontendInputs } from '../actions/deploy-frontend-nginx/src/input-helper.js';
import { getInputs as backendInputs } from '../actions/deploy-k3s-backend/src/input-helper.js';
import { getInputs as mcpInputs } from '../actions/deploy-mcp-node/src/input-helper.js';
import { getInputs as healthGateInputs } from '../actions/health-gate/src/input-helper.js';
import { getInputs as rollbackInputs } from '../actions/rollback/src/input-helper.js';
import { ACTION_NAMES } from './support/actions.js';

// Defaults live only in action.yml (the runner applies them), so each action's parsers must
// accept exactly those defaults: reading them here keeps the two from drifting apart.
const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
const KNOWN_HOSTS = 'web-1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHdQ3m3s0Zh7ySxlQpmM4Z8Sd0P8tY0n6n2b0kq9Q2dP';
const KUBECONFIG = 'apiVersion: v1\nkind: Config\nclusters: []\n';
const SSH = { host: '104.171.202.117', user: 'deploy', 'ssh-key': KEY, 'known-hosts': KNOWN_HOSTS };

// Masking writes ::add-mask:: commands to stdout; keep them out of the test report.
const write = process.stdout.write;
beforeEach(() => {
  process.stdout.write = (() => true) as typeof process.stdout.write;
});
afterEach(() => {
  process.stdout.write = write;
});

function withDefaults(action: string, given: Record<string, string>): InputReader {
  return new InputReader(inputsFrom({ ...actionDefaults(action), ...given }), runnerInputHooks);
}

describe('action.yml defaults are accepted by each action', () => {
  it('deploy-frontend-nginx', () => {
    const settings = frontendInputs(withDefaults('deploy-frontend-nginx', { ...SSH, target: '/var/www/sophia' }));
    expect(settings).toMatchObject({
      source: 'dist',
      target: '/var/www/sophia',
      keepReleases: 5,
      lockTimeoutMs: 600_000,
    });
    expect(settings.ssh).toMatchObject({ port: 22, connectTimeoutMs: 30_000, connectAttempts: 3 });
    expect(settings.nginxTestCommand).toBe('sudo -n nginx -t');
    expect(settings.nginxReloadCommand).toBe('sudo -n nginx -s reload');
    expect(settings.releaseId).toMatch(/^\d{14}(-[0-9a-f]{7})?$/);
    expect(settings.serverNames).toBeUndefined();
  });

  it('deploy-frontend-nginx server-names: host names and nginx wildcards, nothing that changes the config', () => {
    const read = (names: string) =>
      frontendInputs(
        withDefaults('deploy-frontend-nginx', { ...SSH, target: '/var/www/sophia', 'server-names': names }),
      ).serverNames;
    expect(read('sophia.example, www.sophia.example\n*.sophia.example .sophia.example _')).toEqual([
      'sophia.example',
      'www.sophia.example',
      '*.sophia.example',
      '.sophia.example',
      '_',
    ]);
    for (const bad of ['a;b', 'x{', '~^(.*)$', '"q"'])
      expect(() => read(bad)).toThrow(/^Input "server-names" must be host names/);
  });

  it('deploy-k3s-backend', () => {
    const settings = backendInputs(withDefaults('deploy-k3s-backend', { kubeconfig: KUBECONFIG, manifests: 'k8s/' }));
    expect(settings).toMatchObject({
      manifests: ['k8s/'],
      rolloutTimeoutMs: 300_000,
      serverSide: true,
      fieldManager: 'sophia-deploy',
      forceConflicts: false,
      rollbackOnFailure: true,
      dryRun: false,
    });
    expect(settings.connection).toEqual({ mode: 'kubeconfig', kubeconfig: KUBECONFIG, kubectl: 'kubectl' });
  });

  it('deploy-mcp-node', () => {
    const settings = mcpInputs(withDefaults('deploy-mcp-node', { ...SSH, 'node-address': '104.171.202.117' }));
    expect(settings).toMatchObject({
      manifests: ['kubernetes/production/mcp-*.yaml'],
      node: { by: 'address', address: '104.171.202.117' },
      nodeLabel: { key: 'sophia.ai/pool', value: 'mcp' },
      labelNode: true,
      verifyPlacement: true,
      mode: 'deploy',
    });
    expect(settings.connection).toMatchObject({ mode: 'ssh', kubectlCommand: 'sudo -n k3s kubectl' });
  });

  it('health-gate', () => {
    const settings = healthGateInputs(withDefaults('health-gate', { urls: 'https://sophia.example/health' }));
    expect(settings).toMatchObject({
      expectedStatus: [{ from: 200, to: 299 }],
      method: 'GET',
      headers: [],
      intervalMs: 5000,
      requestTimeoutMs: 10_000,
      timeoutMs: 300_000,
      initialDelayMs: 0,
      successThreshold: 3,
      failureThreshold: 3,
      insecureTls: false,
      failOnUnhealthy: true,
    });
  });

  it('rollback (frontend and kubernetes)', () => {
    expect(
      rollbackInputs(withDefaults('rollback', { component: 'frontend', target: '/var/www/sophia', ...SSH })),
    ).toMatchObject({
      component: 'frontend',
      to: { kind: 'previous' },
      markFailed: true,
      nginxReloadCommand: 'sudo -n nginx -s reload',
    });
    expect(
      rollbackInputs(
        withDefaults('rollback', { component: 'kubernetes', workloads: 'deployment/api', kubeconfig: KUBECONFIG }),
      ),
    ).toMatchObject({
      component: 'kubernetes',
      workloads: { by: 'list', refs: [{ kind: 'Deployment', name: 'api' }] },
    });
    const kubernetes = (workloads: Record<string, string>) => () =>
      rollbackInputs(withDefaults('rollback', { component: 'kubernetes', kubeconfig: KUBECONFIG, ...workloads }));
    expect(kubernetes({ selector: 'app=api' })()).toMatchObject({ workloads: { by: 'selector', selector: 'app=api' } });
    expect(kubernetes({ workloads: 'deployment/api', selector: 'app=api' })).toThrow(
      'Give either input "workloads" or input "selector", not both',
    );
    expect(kubernetes({})).toThrow(
      'Input "workloads" or input "selector" is required when component is kubernetes (such as deployment/api)',
    );
  });
});

describe('action.yml', () => {
  it.each(ACTION_NAMES)('%s runs on node24 and documents every input and output', (action) => {
    const metadata = actionMetadata(action);
    // A post step that runs however the job ends, from the same bundle, wherever the action leaves
    // secrets on disk or locks on a host; the health gate, the deployment record and the plan comment leave neither.
    const post = ['health-gate', 'deployment-record', 'plan-comment'].includes(action)
      ? {}
      : { post: 'dist/index.js', 'post-if': 'always()' };
    expect(metadata.runs).toEqual({ using: 'node24', main: 'dist/index.js', ...post });
    expect(metadata.branding).toEqual({ icon: expect.any(String), color: expect.any(String) });
    for (const input of Object.values(metadata.inputs)) {
      expect(input.description.length).toBeGreaterThan(10);
      expect(typeof input.default).toBe('string');
    }
    for (const output of Object.values(metadata.outputs)) expect(output.description.length).toBeGreaterThan(10);
  });
});
