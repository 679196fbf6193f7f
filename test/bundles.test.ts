import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { actionDir, runBundledAction, type ActionRun } from '@sophia-testing/action-runner';

// Each bundled dist/index.js runs here as the GitHub runner runs it (see @sophia-testing/action-runner),
// on both runtimes. Every case fails during input validation, before any connection is attempted,
// so these runs need no servers and take about 100 ms each.

const KEY = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACDxWzbundlekeyline2ZXhhbXBsZXNlY3JldGtleWRvbm90dXNl',
  '-----END OPENSSH PRIVATE KEY-----',
  '',
].join('\n');
const KUBECONFIG = [
  'apiVersion: v1',
  'kind: Config',
  'clusters:',
  '- name: k3s',
  '  cluster:',
  '    server: https://127.0.0.1:6443',
  'users:',
  '- name: admin',
  '  user:',
  '    token: kube-token-5b1d3a9e7f',
  '',
].join('\n');
const SSH = {
  host: '104.171.202.117',
  user: 'deploy',
  'ssh-key': KEY,
  'ssh-key-passphrase': 'correct horse battery',
  'host-fingerprint': 'SHA256:' + 'c'.repeat(43),
};

interface ActionCase {
  action: string;
  /** The error when the workflow gives no inputs at all: the first required input in action.yml order. */
  missing: string;
  bad: { inputs: Record<string, string>; error: string };
  /** Inputs carrying secrets, plus one invalid value so the run ends in validation. */
  secrets: { inputs: Record<string, string>; values: string[] };
}

const CASES: ActionCase[] = [
  {
    action: 'deploy-frontend-nginx',
    missing: 'Input "host" is required',
    bad: {
      inputs: { ...SSH, target: '/var/www/sophia', 'keep-releases': '0' },
      error: 'Input "keep-releases" must be an integer from 1 to 100, got "0"',
    },
    secrets: { inputs: { ...SSH, target: 'var/www' }, values: [KEY, SSH['ssh-key-passphrase']] },
  },
  {
    action: 'deploy-k3s-backend',
    missing:
      'Input "kubeconfig" is required (or give "host", "user" and "ssh-key" to run kubectl on the server over SSH)',
    bad: {
      inputs: { kubeconfig: KUBECONFIG, manifests: 'k8s/', 'rollout-timeout': '5' },
      error: 'Input "rollout-timeout" must be a duration such as 500ms, 30s, 5m or 1h, got "5"',
    },
    secrets: { inputs: { kubeconfig: KUBECONFIG, manifests: 'k8s/', 'dry-run': 'maybe' }, values: [KUBECONFIG] },
  },
  {
    action: 'deploy-mcp-node',
    missing:
      'Input "kubeconfig" is required (or give "host", "user" and "ssh-key" to run kubectl on the server over SSH)',
    bad: {
      inputs: { kubeconfig: KUBECONFIG, node: 'MCP_node' },
      error:
        'Input "node" must be a Kubernetes name (lower-case letters, digits, "-" and ".", starting and ending alphanumeric, at most 253 characters), got "MCP_node"',
    },
    secrets: {
      inputs: { ...SSH, 'node-address': '104.171.202.117', taint: 'bad' },
      values: [KEY, SSH['ssh-key-passphrase']],
    },
  },
  {
    action: 'health-gate',
    missing: 'Input "urls" is required',
    bad: {
      inputs: { urls: 'https://sophia.example/health', 'expected-status': '2xx' },
      error:
        'Input "expected-status" must be HTTP status codes or ranges from 100 to 599, such as 200-299,301, got "2xx"',
    },
    secrets: {
      inputs: {
        urls: 'https://sophia.example/health',
        headers: 'Authorization: Bearer gate-token-93f1c2',
        interval: 'soon',
      },
      values: ['Bearer gate-token-93f1c2'],
    },
  },
  {
    action: 'rollback',
    missing: 'Input "component" is required',
    bad: {
      inputs: { component: 'database' },
      error: 'Input "component" must be one of frontend, kubernetes, got "database"',
    },
    secrets: {
      inputs: { component: 'kubernetes', workloads: 'deployment/api', kubeconfig: KUBECONFIG, ...SSH },
      values: [KUBECONFIG, KEY, SSH['ssh-key-passphrase']],
    },
  },
  {
    action: 'plan-comment',
    missing: 'Input "pull-request" is required',
    bad: {
      inputs: { 'pull-request': '7', 'github-token': 'ghs_bundleToken0000', 'plan-files': 'staging frontend' },
      error:
        'Input "plan-files" or input "sections" is required: give at least one plan (or name the environments in "failed")',
    },
    secrets: {
      inputs: { 'pull-request': '7', 'github-token': 'ghs_bundleToken0000', sections: 'not-json' },
      values: ['ghs_bundleToken0000'],
    },
  },
];

function firstError(run: ActionRun): string | undefined {
  return run.annotations.find((annotation) => annotation.level === 'error')?.message;
}

/** Every piece of a secret that could identify it: the whole value and each line long enough to be masked. */
function secretPieces(values: string[]): string[] {
  return values.flatMap((value) => [value, ...value.split('\n').filter((line) => line.trim().length >= 8)]);
}

describe.each(['node20', 'node24'] as const)('bundles on %s', (node) => {
  describe.each(CASES)('$action', ({ action, missing, bad, secrets }) => {
    it('exits 1 naming the first missing required input when given no inputs', async () => {
      const run = await runBundledAction({ action, node });
      expect(run.code).toBe(1);
      expect(firstError(run)).toBe(missing);
      expect(run.stdout.split('\n')).toContain(`::error::${missing}`);
      expect(run.stdout).not.toMatch(/^\s+at /m);
    });

    it('names a bad value in the error', async () => {
      const run = await runBundledAction({ action, node, inputs: bad.inputs });
      expect(run.code).toBe(1);
      expect(firstError(run)).toBe(bad.error);
    });

    it('never prints a secret input', async () => {
      const run = await runBundledAction({ action, node, inputs: secrets.inputs });
      expect(run.code).toBe(1);
      expect(firstError(run)).toMatch(/^(Input "|Give either)/);
      expect(run.masks).toEqual(expect.arrayContaining(secrets.values));
      const printed = run.stdout
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n');
      for (const piece of secretPieces(secrets.values)) {
        expect(printed).not.toContain(piece);
        expect(run.stderr).not.toContain(piece);
        expect(run.log).not.toContain(piece);
      }
    });
  });
});

describe('error path', () => {
  it('prints the stack only when step debugging is on', async () => {
    const run = await runBundledAction({ action: 'rollback', env: { RUNNER_DEBUG: '1' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^InputError: Input "component" is required\n\s+at /m);
  });
});

describe('dist/', () => {
  it.each(CASES.map((c) => c.action))(
    'of %s holds the bundle, its lazily loaded chunks, its module marker and its licenses, nothing else',
    (action) => {
      // An extra file here is something ncc copied beside a bundled module; it ships to every user.
      // Numbered chunks are the parts of the bundle a step loads with import() only when it needs them.
      const files = readdirSync(join(actionDir(action), 'dist')).sort();
      expect(files.filter((file) => !/^\d+\.index\.js$/.test(file))).toEqual([
        'index.js',
        'licenses.txt',
        'package.json',
      ]);
    },
  );

  it.each(CASES.map((c) => c.action))('of %s defines each bundled module in one file only', (action) => {
    // A module in two chunks is shipped, read and parsed twice, as when the runtime was imported both
    // directly and through main.ts by two separate dynamic imports. ncc (webpack) opens each module's
    // definition with a `/***/ <id>:` line.
    const dist = join(actionDir(action), 'dist');
    const filesOf = new Map<string, string[]>();
    for (const file of readdirSync(dist).filter((name) => name.endsWith('.js'))) {
      for (const [, id] of readFileSync(join(dist, file), 'utf8').matchAll(/^\/\*\*\*\/ (\d+):$/gm)) {
        filesOf.set(id, [...(filesOf.get(id) ?? []), file]);
      }
    }
    expect(filesOf.size).toBeGreaterThan(0);
    expect([...filesOf].filter(([, files]) => files.length > 1)).toEqual([]);
  });
});
