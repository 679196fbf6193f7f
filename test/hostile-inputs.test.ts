import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actionMetadata, runBundledAction, type ActionRun, errorsOf } from '@sophia-testing/action-runner';
import { closedPort } from '@sophia-testing/http-servers';

/**
 * Every input of every action, set in turn to a 100 KB value, to a value with a newline and to one
 * with shell metacharacters, the others valid: each bundle runs as the runner runs it, against
 * nothing that answers (a closed port), so a run ends on the bad input or on the unreachable target.
 * Each error must stay short, never repeat the long value, and, unless the value was accepted
 * (the run ends as it does without it), name the input.
 */
const HOSTILE: Record<string, (marker: string) => string> = {
  long: () => 'x'.repeat(100_000),
  newline: () => 'first line\nsecond line',
  'shell metacharacters': (marker) => `$(touch ${marker}); \`touch ${marker}\` | & > < * ?`,
};

let scratch: string;
let workspace: string;
let bases: Record<string, Record<string, string>>;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'hostile-inputs-'));
  workspace = join(scratch, 'workspace');
  mkdirSync(join(workspace, 'dist'), { recursive: true });
  writeFileSync(join(workspace, 'dist', 'index.html'), '<h1>hi</h1>');
  mkdirSync(join(workspace, 'kubernetes', 'production'), { recursive: true });
  writeFileSync(
    join(workspace, 'kubernetes', 'production', 'config.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: production\n',
  );
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(scratch, 'id')]);
  const port = await closedPort();
  const ssh = {
    host: '127.0.0.1',
    port: String(port),
    user: 'deploy',
    'ssh-key': readFileSync(join(scratch, 'id'), 'utf8'),
    'known-hosts': `[127.0.0.1]:${port} ${readFileSync(join(scratch, 'id.pub'), 'utf8').split(' ').slice(0, 2).join(' ')}`,
    'connect-attempts': '1',
    'connect-timeout': '1s',
  };
  const kubeconfig = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- {name: none, cluster: {server: 'https://127.0.0.1:${port}'}}`,
    'users:',
    '- {name: deployer, user: {token: hostile-inputs-token}}',
    'contexts:',
    '- {name: none, context: {cluster: none, user: deployer}}',
    'current-context: none',
    '',
  ].join('\n');
  // kubectl that fails at once: the runs end right after the inputs were read, whatever they are.
  const kube = { kubeconfig, kubectl: '/bin/false', manifests: 'kubernetes/production', 'rollout-timeout': '2s' };
  bases = {
    'deploy-frontend-nginx': { ...ssh, target: '/var/www/sophia' },
    'deploy-k3s-backend': kube,
    'deploy-mcp-node': { ...kube, 'node-address': '104.171.202.117' },
    // Unhealthy without failing the step: the run ends with no error unless an input is refused.
    'health-gate': {
      urls: `http://127.0.0.1:${port}/health`,
      timeout: '200ms',
      interval: '50ms',
      'fail-on-unhealthy': 'false',
    },
    rollback: { ...ssh, component: 'frontend', target: '/var/www/sophia' },
    // No GITHUB_API_URL reaches a stand-in here: a valid run fails at GitHub's address, the same each time.
    'deployment-record': { record: 'start', environment: 'staging', ref: 'main', 'github-token': 'ghs_hostileInputs' },
  };
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(action: string, inputs: Record<string, string>): Promise<ActionRun> {
  return runBundledAction({ action, inputs, cwd: workspace, timeoutMs: 30_000 });
}

/** Runs `work` over `items`, `width` at a time: the machine is shared, the runs are many. */
async function pooled<T, R>(items: T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]);
      }
    }),
  );
  return results;
}

/** An error as it reads whatever the run: ports, times and process ids vary. */
function normalised(error: string): string {
  return error.replace(/\d+/g, 'N');
}

const ACTIONS = [
  'deploy-frontend-nginx',
  'deploy-k3s-backend',
  'deploy-mcp-node',
  'deployment-record',
  'health-gate',
  'rollback',
];

test.each(ACTIONS)(
  '%s: every input, hostile, gets a short error naming it',
  async (action) => {
    const baseline = errorsOf(await run(action, bases[action])).map(normalised);
    expect(baseline.length).toBeLessThanOrEqual(1);
    const marker = join(scratch, `injected-${action}`);
    const cases = Object.keys(actionMetadata(action).inputs).flatMap((input) =>
      Object.entries(HOSTILE).map(([kind, value]) => ({ input, kind, value: value(marker) })),
    );
    const problems = (
      await pooled(cases, 4, async ({ input, kind, value }) => {
        const errors = errorsOf(await run(action, { ...bases[action], [input]: value }));
        const wrong: string[] = [];
        const accepted = JSON.stringify(errors.map(normalised)) === JSON.stringify(baseline);
        if (!accepted && errors.some((error) => error.length >= 300)) wrong.push('an error of 300 characters or more');
        if (kind === 'long' && errors.some((error) => error.includes('x'.repeat(101))))
          wrong.push('the value repeated');
        if (!accepted && !errors.some((error) => error.includes(`"${input}"`))) wrong.push('no error naming the input');
        return wrong.length ? [`${input} (${kind}): ${wrong.join(', ')}: ${JSON.stringify(errors).slice(0, 400)}`] : [];
      })
    ).flat();
    expect(problems).toEqual([]);
    // Inputs are never run through a shell they were not meant for.
    expect(() => readFileSync(marker)).toThrow();
  },
  300_000,
);
