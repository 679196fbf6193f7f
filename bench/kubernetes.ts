/**
 * `pnpm bench kubernetes`: the bundled deploy-k3s-backend action against what Azure/k8s-deploy
 * does (`kubectl apply --server-side`, then `kubectl rollout status` for each workload in turn),
 * on the same simulated cluster, with the same real kubectl, in one run.
 *
 *   sizes:   1, 10 and 50 workloads (Deployments with Services, plus one StatefulSet and one
 *            DaemonSet from 10 up)
 *   phases:  first deploy (nothing in the namespace) -> image update of every workload
 *
 * Both sides run against a fresh simulator started with the same Timings object (the same
 * controller, scheduler and pod start delays), so a pod takes as long to become Ready whoever
 * deployed it. kubectl processes are counted by a wrapper put first on PATH that logs each start
 * and then execs the real kubectl: the count is of processes actually started, by either side.
 * "Ready to end" is the time from the last pod turning Ready (seen in the simulator's store) to
 * the step's process exiting.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { runBundledAction } from '@sophia-testing/action-runner';
import { startCluster, type Cluster, type Timings } from '@sophia-testing/k3s-simulator';
import { workloadSet, type GeneratedWorkload } from '@sophia-testing/manifests';
import { rolloutTimings } from '@sophia/kubernetes';
import { median } from './median.js';

const run = promisify(execFile);

const SIZES = (process.env.BENCH_WORKLOADS ?? '1,10,50').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_KUBERNETES_ROUNDS ?? 1);
const ROLLOUT_TIMEOUT = '5m';
/** One pod start for everyone; a second is within what a small image takes on k3s. */
const TIMINGS: Partial<Timings> = { controllerDelayMs: 20, schedulerDelayMs: 50, podStartDelayMs: 1000 };
const NAMESPACE = 'bench';
/**
 * Plain HTTP for both sides: the simulator runs in this process, and on a loaded machine its TLS
 * handshakes for a hundred kubectl processes starve it (kubectl gives up after 10 s).
 */
const KUBECONFIG = { transport: 'http' } as const;

const TOOLS = ['deploy-k3s-backend', 'apply + rollout status each'] as const;
type Tool = (typeof TOOLS)[number];
const PHASES = ['first deploy', 'image update'] as const;
type Phase = (typeof PHASES)[number];

export interface KubernetesMeasurement {
  seconds: number;
  /** kubectl processes started during the step. */
  kubectlProcesses: number;
  /** From the last pod turning Ready to the step ending. */
  readyToEndSeconds: number;
}

type SizeResults = Record<Tool, Record<Phase, KubernetesMeasurement>>;

/** A `kubectl` first on PATH that records each start, then becomes the real one. */
function countingKubectl(dir: string): { path: string; count: () => number; reset: () => void } {
  const bin = join(dir, 'bin');
  const log = join(dir, 'kubectl-starts');
  mkdirSync(bin, { recursive: true });
  writeFileSync(log, '');
  const real = '/usr/bin/kubectl';
  // The start instant and arguments go to the log too: `BENCH_KUBECTL_LOG=1` prints them, to see where the time goes.
  writeFileSync(
    join(bin, 'kubectl'),
    `#!/bin/sh\nprintf '%s %s\\n' "$(date +%s.%N)" "$*" >> '${log}'\nexec ${real} "$@"\n`,
  );
  chmodSync(join(bin, 'kubectl'), 0o755);
  return {
    path: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    count: () => {
      const starts = readFileSync(log, 'utf8').split('\n').filter(Boolean);
      if (process.env.BENCH_KUBECTL_LOG) process.stderr.write(`${starts.join('\n')}\n`);
      return starts.length;
    },
    reset: () => writeFileSync(log, ''),
  };
}

/** The instant the last pod turned Ready, watched in the simulator's own store. */
function readyWatch(cluster: Cluster): { last: () => number; stop: () => void } {
  let last = 0;
  const ready = (pod: { status?: { conditions?: Array<{ type: string; status: string }> } } | undefined) =>
    (pod?.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  const stop = cluster.store.subscribe((change) => {
    if (change.resource.kind !== 'Pod' || change.type === 'DELETED') return;
    if (ready(change.object) && !ready(change.previous)) last = performance.now();
  });
  return { last: () => last, stop };
}

async function ours(
  cluster: Cluster,
  workspace: string,
  counter: ReturnType<typeof countingKubectl>,
): Promise<KubernetesMeasurement> {
  const watch = readyWatch(cluster);
  counter.reset();
  const started = performance.now();
  const result = await runBundledAction({
    action: 'deploy-k3s-backend',
    cwd: workspace,
    inputs: {
      kubeconfig: cluster.kubeconfigFor(KUBECONFIG),
      manifests: 'k8s',
      namespace: NAMESPACE,
      'rollout-timeout': ROLLOUT_TIMEOUT,
    },
    env: { PATH: counter.path },
    timeoutMs: 300_000,
  });
  const ended = performance.now();
  watch.stop();
  if (result.code !== 0) throw new Error(`deploy-k3s-backend failed:\n${result.log.slice(-3000)}`);
  return {
    seconds: (ended - started) / 1000,
    kubectlProcesses: counter.count(),
    readyToEndSeconds: (ended - watch.last()) / 1000,
  };
}

/** What Azure/k8s-deploy runs: one server-side apply, then each workload's rollout status in turn. */
async function baseline(
  cluster: Cluster,
  workspace: string,
  workloads: GeneratedWorkload[],
  counter: ReturnType<typeof countingKubectl>,
): Promise<KubernetesMeasurement> {
  const kubeconfig = join(workspace, 'kubeconfig');
  writeFileSync(kubeconfig, cluster.kubeconfigFor(KUBECONFIG), { mode: 0o600 });
  const statuses = workloads
    .map(
      ({ kind, name }) =>
        `kubectl rollout status ${kind.toLowerCase()}/${name} -n ${NAMESPACE} --timeout=${ROLLOUT_TIMEOUT}`,
    )
    .join(' && ');
  const script = `kubectl apply --server-side --field-manager=bench -f k8s/ && ${statuses}`;
  const watch = readyWatch(cluster);
  counter.reset();
  const started = performance.now();
  await run('sh', ['-c', script], {
    cwd: workspace,
    env: { PATH: counter.path, HOME: workspace, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(workspace, 'cache') },
    maxBuffer: 64 * 1024 * 1024,
  });
  const ended = performance.now();
  watch.stop();
  return {
    seconds: (ended - started) / 1000,
    kubectlProcesses: counter.count(),
    readyToEndSeconds: (ended - watch.last()) / 1000,
  };
}

async function benchSize(count: number, scratch: string, counter: ReturnType<typeof countingKubectl>, order: Tool[]) {
  const { workloads } = workloadSet(count, 'v1', NAMESPACE);
  const results = {} as SizeResults;
  for (const tool of order) {
    const cluster = await startCluster({ timings: TIMINGS, namespaces: [NAMESPACE] });
    const workspace = mkdtempSync(join(scratch, 'workspace-'));
    mkdirSync(join(workspace, 'k8s'));
    try {
      const step = () =>
        tool === 'deploy-k3s-backend'
          ? ours(cluster, workspace, counter)
          : baseline(cluster, workspace, workloads, counter);
      writeFileSync(join(workspace, 'k8s', 'app.yaml'), workloadSet(count, 'v1', NAMESPACE).yaml);
      const first = await step();
      writeFileSync(join(workspace, 'k8s', 'app.yaml'), workloadSet(count, 'v2', NAMESPACE).yaml);
      const update = await step();
      results[tool] = { 'first deploy': first, 'image update': update };
    } finally {
      await cluster.stop();
      rmSync(workspace, { recursive: true, force: true });
    }
  }
  return results;
}

export interface KubernetesResults {
  date: string;
  loadAverage: number[];
  rounds: number;
  timings: Partial<Timings>;
  pollIntervalSeconds: number;
  kubectlCounting: string;
  results: Record<string, SizeResults>;
}

export function kubernetesReport(json: KubernetesResults): string {
  const lines = [
    `\nKubernetes (simulator, pod start ${json.timings.podStartDelayMs} ms; poll interval ${json.pollIntervalSeconds}s; load average ${json.loadAverage.map((l) => l.toFixed(2)).join(' ')})`,
    `${'workloads'.padEnd(10)}${'tool'.padEnd(30)}${PHASES.map((phase) => phase.padStart(38)).join('')}`,
  ];
  for (const [size, tools] of Object.entries(json.results)) {
    for (const tool of TOOLS) {
      const cells = PHASES.map((phase) => {
        const m = tools[tool][phase];
        return `${m.seconds.toFixed(2)}s ${String(m.kubectlProcesses).padStart(3)} kubectl, ready->end ${m.readyToEndSeconds.toFixed(2)}s`.padStart(
          38,
        );
      });
      lines.push(`${size.padEnd(10)}${tool.padEnd(30)}${cells.join('')}`);
    }
    const ratios = PHASES.map(
      (phase) =>
        `${phase} ${(tools['deploy-k3s-backend'][phase].seconds / tools['apply + rollout status each'][phase].seconds).toFixed(2)}x`,
    );
    lines.push(`${''.padEnd(10)}${'ratio (ours / baseline)'.padEnd(30)}${ratios.join(', ')}`);
  }
  return lines.join('\n');
}

export async function benchKubernetes(
  loadAverage: () => number[],
  sizeDone: (partial: KubernetesResults) => void | Promise<void> = () => undefined,
): Promise<KubernetesResults> {
  const scratch = mkdtempSync(join(tmpdir(), 'kubernetes-bench-'));
  const counter = countingKubectl(scratch);
  const load = loadAverage();
  const summary = (results: Record<string, SizeResults>): KubernetesResults => ({
    date: new Date().toISOString(),
    loadAverage: [load[0], loadAverage()[0]],
    rounds: ROUNDS,
    timings: TIMINGS,
    pollIntervalSeconds: rolloutTimings(5 * 60_000).pollIntervalMs / 1000,
    kubectlCounting: 'a kubectl wrapper first on PATH logs every process start of either side',
    results: { ...results },
  });
  try {
    const results: Record<string, SizeResults> = {};
    for (const size of SIZES) {
      const rounds: SizeResults[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate who goes first, so a load spike does not always land on the same side.
        const order = round % 2 === 0 ? [...TOOLS] : [...TOOLS].reverse();
        rounds.push(await benchSize(size, scratch, counter, order));
        process.stderr.write(`  ${size} workloads: round ${round + 1}/${ROUNDS} done\n`);
      }
      const merged = {} as SizeResults;
      for (const tool of TOOLS) {
        merged[tool] = {} as Record<Phase, KubernetesMeasurement>;
        for (const phase of PHASES) {
          const samples = rounds.map((r) => r[tool][phase]);
          merged[tool][phase] = {
            seconds: median(samples.map((s) => s.seconds)),
            kubectlProcesses: median(samples.map((s) => s.kubectlProcesses)),
            readyToEndSeconds: median(samples.map((s) => s.readyToEndSeconds)),
          };
        }
      }
      results[String(size)] = merged;
      await sizeDone(summary(results));
    }
    return summary(results);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
