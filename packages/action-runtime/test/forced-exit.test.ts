/**
 * A step ended by force, when its cancel grace runs out or on the runner's SIGTERM after a SIGINT, closes the log
 * group its work still had open before it fails: otherwise the runner folds the failure into that group.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('./fixtures/forced-exit-step.ts', import.meta.url));
const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs the fixture, sends `signals` once its group is open, and returns its exit code and stdout lines. */
async function endedByForce(
  mode: string,
  signals: NodeJS.Signals[],
): Promise<{ code: number | null; lines: string[] }> {
  const env = { ...process.env };
  for (const name of ['GITHUB_STATE', 'GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY']) delete env[name];
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode], { cwd: repositoryRoot, env });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const open = new Promise<void>((resolve) =>
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.includes('watching the rollouts')) resolve();
    }),
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await Promise.race([open, exited]);
  for (const signal of signals) child.kill(signal);
  const code = await exited;
  if (!stdout.includes('watching the rollouts')) throw new Error(`the fixture did not start: ${stderr}`);
  return { code, lines: stdout.split('\n').filter((line) => line.startsWith('::')) };
}

const GROUP = '::group::Apply and watch the rollouts';
const FAILED = '::error::The run was cancelled';

test.each([
  ['work that listens to the cancel, SIGTERM first (its grace runs out)', 'listens', ['SIGTERM'], 143],
  ['a publishOnCancel that never ends, SIGTERM first', 'publishes', ['SIGTERM'], 143],
] as const)(
  '%s: the open group is closed before the step fails',
  async (_case, mode, signals, exitCode) => {
    const { code, lines } = await endedByForce(mode, [...signals]);
    expect(code).toBe(exitCode);
    expect(
      lines.filter(
        (line) => line.startsWith('::group::') || line.startsWith('::endgroup::') || line.startsWith('::error::'),
      ),
    ).toEqual([GROUP, '::endgroup::', FAILED]);
  },
  30_000,
);

test('the runner SIGTERM after a SIGINT closes the open group too', async () => {
  const { code, lines } = await endedByForce('listens', ['SIGINT', 'SIGTERM']);
  expect(code).toBe(143);
  expect(lines.filter((line) => /^::(group|endgroup)::/.test(line))).toEqual([GROUP, '::endgroup::']);
}, 30_000);
