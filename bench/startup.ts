/**
 * `pnpm bench startup`: how long each bundled action takes, on Node 24 as GitHub runs it, from
 * the process start to its first line of log output (everything the bundle loads before its first
 * line is paid by every run of every step). Beside it, Node 24 running an empty script: the floor
 * no bundle can go below. `BENCH_STARTUP_BASELINE=<actions dir of another checkout>` measures
 * that checkout's bundles in the same rounds, for a side-by-side ratio.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { actionsRoot, node24Path } from '@sophia-testing/action-runner';
import { median } from './median.js';

const ROUNDS = Number(process.env.BENCH_STARTUP_ROUNDS ?? 7);
const BASELINE = process.env.BENCH_STARTUP_BASELINE;

/** Milliseconds from spawning `node args` to its first byte on stdout or stderr. */
function firstOutput(args: string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => name !== 'NODE_OPTIONS' && !name.startsWith('INPUT_')),
    );
    const started = performance.now();
    const child = spawn(node24Path(), args, {
      cwd,
      env: { ...env, GITHUB_WORKSPACE: cwd, RUNNER_TEMP: cwd },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let first: number | undefined;
    const seen = () => {
      first ??= performance.now() - started;
      child.kill('SIGKILL');
    };
    child.stdout.once('data', seen);
    child.stderr.once('data', seen);
    child.on('error', reject);
    child.on('close', () => resolve(first ?? performance.now() - started));
  });
}

export interface StartupResults {
  date: string;
  loadAverage: number[];
  rounds: number;
  /** Node 24 printing one line from an empty script, in milliseconds (median). */
  nodeFloorMs: number;
  /** Action name -> milliseconds to the first log line (median). */
  actionsMs: Record<string, number>;
  /** The same for the bundles under `baselineDir`, measured in the same rounds. */
  baseline?: { dir: string; actionsMs: Record<string, number> };
}

export async function benchStartup(loadAverage: () => number[]): Promise<StartupResults> {
  const cwd = mkdtempSync(join(tmpdir(), 'startup-bench-'));
  const load = loadAverage();
  try {
    const actions = readdirSync(actionsRoot).filter((name) => !name.startsWith('.'));
    const samples: Record<string, number[]> = { node: [] };
    for (const action of actions) samples[action] = [];
    for (const action of actions) samples[`baseline ${action}`] = [];
    // Interleaved rounds: a load spike spreads over every action instead of landing on one.
    for (let round = 0; round < ROUNDS; round++) {
      samples.node.push(await firstOutput(['-e', 'console.log(1)'], cwd));
      for (const action of actions) {
        samples[action].push(await firstOutput([join(actionsRoot, action, 'dist', 'index.js')], cwd));
        if (BASELINE)
          samples[`baseline ${action}`].push(await firstOutput([join(BASELINE, action, 'dist', 'index.js')], cwd));
      }
    }
    return {
      date: new Date().toISOString(),
      loadAverage: [load[0], loadAverage()[0]],
      rounds: ROUNDS,
      nodeFloorMs: median(samples.node),
      actionsMs: Object.fromEntries(actions.map((action) => [action, median(samples[action])])),
      ...(BASELINE
        ? {
            baseline: {
              dir: BASELINE,
              actionsMs: Object.fromEntries(actions.map((action) => [action, median(samples[`baseline ${action}`])])),
            },
          }
        : {}),
    };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

export function startupReport(results: StartupResults): string {
  const lines = [
    `\nStart-up on Node 24, to the first log line (median of ${results.rounds}; load average ${results.loadAverage.map((l) => l.toFixed(2)).join(' ')})`,
    `${'node -e (floor)'.padEnd(26)}${results.nodeFloorMs.toFixed(0).padStart(6)} ms`,
  ];
  for (const [action, ms] of Object.entries(results.actionsMs)) {
    const before = results.baseline?.actionsMs[action];
    const compared =
      before === undefined ? '' : `   baseline ${before.toFixed(0)} ms, ratio ${(ms / before).toFixed(2)}x`;
    const floor = `   ${(ms / results.nodeFloorMs).toFixed(2)}x node floor`;
    lines.push(`${action.padEnd(26)}${ms.toFixed(0).padStart(6)} ms${floor}${compared}`);
  }
  if (results.baseline) lines.push(`baseline: ${results.baseline.dir}`);
  return lines.join('\n');
}
