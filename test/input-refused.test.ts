import { ACTION_NAMES, NOT_RUN_OUTPUTS_AS_WRITTEN } from './support/actions.js';
import { runBundledAction } from '@sophia-testing/action-runner';

/**
 * An input the action refuses stops it before anything runs, and the step still says so where the
 * person who started it looks: a job summary naming the input and what was expected, and the
 * outputs that do not depend on the inputs. Each bundle runs as the runner runs it.
 */
const BAD_INPUT: Record<string, { inputs: Record<string, string>; input: string; expected: RegExp }> = {
  'deploy-frontend-nginx': {
    inputs: { host: '127.0.0.1', user: 'deploy', 'ssh-key': 'key', target: '/var/www/sophia' },
    input: 'ssh-key',
    expected: /private key/,
  },
  'deploy-k3s-backend': {
    inputs: { kubeconfig: 'apiVersion: v1', manifests: 'k8s', 'rollout-timeout': 'soon' },
    input: 'rollout-timeout',
    expected: /duration/,
  },
  'deploy-mcp-node': {
    inputs: {
      kubeconfig: 'apiVersion: v1',
      manifests: 'k8s',
      'node-address': '104.171.202.117',
      'rollout-timeout': 'soon',
    },
    input: 'rollout-timeout',
    expected: /duration/,
  },
  'deployment-record': {
    inputs: { record: 'begin', environment: 'staging', 'github-token': 'ghs_inputRefused' },
    input: 'record',
    expected: /start/,
  },
  'health-gate': {
    inputs: { urls: 'http://127.0.0.1:1/health', interval: 'soon' },
    input: 'interval',
    expected: /duration/,
  },
  'plan-comment': {
    inputs: { 'github-token': 'ghs_inputRefused', 'pull-request': 'seven' },
    input: 'pull-request',
    expected: /integer/,
  },
  rollback: { inputs: { component: 'database' }, input: 'component', expected: /frontend/ },
};

test('every action has a refused-input case', () => {
  expect(Object.keys(BAD_INPUT).sort()).toEqual([...ACTION_NAMES].sort());
});

test.each(ACTION_NAMES)('%s: a refused input still writes the summary and the outputs it can', async (action) => {
  const { inputs, input, expected } = BAD_INPUT[action];
  const run = await runBundledAction({ action, inputs, timeoutMs: 30_000 });
  expect(run.code).toBe(1);
  const errors = run.annotations.filter((note) => note.level === 'error').map((note) => note.message);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toContain(input);
  expect(errors[0]).toMatch(expected);
  // The summary file ends each write with a line break of its own.
  expect(run.summary).toBe(
    `### ${action}\n\nNothing was run: input "${input}" was refused, and nothing was changed.\n\n**Failed:** ${errors[0]}\n\n`,
  );
  expect(run.outputs).toEqual(NOT_RUN_OUTPUTS_AS_WRITTEN[action]);
  expect(run.undeclaredOutputs).toEqual([]);
});

test('deployment-record: a rollback record that does not say what serves now is refused before any request', async () => {
  const run = await runBundledAction({
    action: 'deployment-record',
    // No API answers here: a request would fail with another error than the refused input.
    inputs: { record: 'rollback', environment: 'staging', 'github-token': 'ghs_inputRefused', component: 'frontend' },
    env: { GITHUB_API_URL: 'http://127.0.0.1:9' },
    timeoutMs: 30_000,
  });
  expect(run.code).toBe(1);
  const errors = run.annotations.filter((note) => note.level === 'error').map((note) => note.message);
  expect(errors).toEqual([expect.stringMatching(/"live".*rollback action's live or to output/)]);
  expect(run.outputs).toEqual(NOT_RUN_OUTPUTS_AS_WRITTEN['deployment-record']);
});

test('a hostile input value is quoted in the job summary as text, not read as Markdown or HTML', async () => {
  const hostile = '`x` | <img src=x onerror=alert(1)> **now**';
  const run = await runBundledAction({
    action: 'health-gate',
    inputs: { urls: 'http://127.0.0.1:1/health', interval: hostile },
    timeoutMs: 30_000,
  });
  expect(run.code).toBe(1);
  const errors = run.annotations.filter((note) => note.level === 'error').map((note) => note.message);
  expect(errors).toEqual([expect.stringContaining(hostile)]);
  const failed = run.summary.split('\n').find((line) => line.startsWith('**Failed:**'));
  expect(failed).toContain('\\`x\\` \\| &lt;img src=x onerror=alert(1)&gt; \\*\\*now\\*\\*');
  expect(run.summary).not.toContain('<img');
});
