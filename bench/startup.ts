/**
 * `pnpm bench startup`: how long each bundled action takes, on Node 24 as GitHub runs it, from
 * the process start to its first line of log output (everything the bundle loads before its first
 * line is paid by every run of every step). Beside it, Node 24 running an empty script: the floor
 * no bundle can go below.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { actionsRoot, node24Path } from '@sophia-testing/action-runner';
import { median } from './median.js';

const ROUNDS = Number(process.env.BENCH_STARTUP_ROUNDS ?? 7);

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
}

export async function benchStartup(loadAverage: () => number[]): Promise<StartupResults> {
  const cwd = mkdtempSync(join(tmpdir(), 'startup-bench-'));
  const load = loadAverage();
  try {
    const actions = readdirSync(actionsRoot).filter((name) => !name.startsWith('.'));
    const samples: Record<string, number[]> = { node: [] };
    for (const action of actions) samples[action] = [];
    // Interleaved rounds: a load spike spreads over every action instead of landing on one.
    for (let round = 0; round < ROUNDS; round++) {
      samples.node.push(await firstOutput(['-e', 'console.log(1)'], cwd));
      for (const action of actions)
        samples[action].push(await firstOutput([join(actionsRoot, action, 'dist', 'index.js')], cwd));
    }
    return {
      date: new Date().toISOString(),
      loadAverage: [load[0], loadAverage()[0]],
      rounds: ROUNDS,
      nodeFloorMs: median(samples.node),
      actionsMs: Object.fromEntries(actions.map((action) => [action, median(samples[action])])),
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
    lines.push(`${action.padEnd(26)}${ms.toFixed(0).padStart(6)} ms${ms <= 200 ? '' : '   (target <= 200 ms)'}`);
  }
  return lines.join('\n');
}
