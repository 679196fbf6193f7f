import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { runBundledAction, type ActionRun, type CancelOptions, type NodeVersion } from '@sophia-testing/action-runner';
import type { TestCluster } from '../fixtures/cluster.js';
import type { Workspace } from '../fixtures/kube-kit.js';

/**
 * deploy-k3s-backend through its bundle on the backend fixture (namespace `sophia`, kubeconfig
 * transport, rollout timeout 15 s unless `inputs` say otherwise), on Node 24 unless `node` says.
 */
export function deployBackend(
  cluster: TestCluster,
  workspace: Workspace,
  inputs: Record<string, string> = {},
  node: NodeVersion = 'node24',
): Promise<ActionRun> {
  return runBundledAction({
    node,
    action: 'deploy-k3s-backend',
    cwd: workspace.dir,
    inputs: {
      kubeconfig: cluster.kubeconfig,
      manifests: 'kubernetes/production',
      namespace: 'sophia',
      'rollout-timeout': '15s',
      ...inputs,
    },
    timeoutMs: 60_000,
  });
}

/** The processes still running that carry `marker` in their environment (what the step started inherits it). */
function processesMarked(marker: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'utf8').includes(marker)) continue;
      found.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim());
    } catch {
      // Ended while being read: not running.
    }
  }
  return found;
}

/**
 * Runs a bundle in `workspace` with the cluster's kubeconfig, cancelling it as the runner does
 * (SIGINT, then SIGTERM and SIGKILL as `signals` say, the runner's waits by default) once its log
 * matches `when`; returns the run and the processes it left running.
 */
export async function cancelledRun(
  cluster: TestCluster,
  workspace: Workspace,
  action: string,
  inputs: Record<string, string>,
  when: RegExp,
  signals: Omit<CancelOptions, 'when'> = {},
): Promise<{ run: ActionRun; leftRunning: string[] }> {
  const marker = randomBytes(8).toString('hex');
  const run = await runBundledAction({
    action,
    cwd: workspace.dir,
    inputs: { kubeconfig: cluster.kubeconfig, ...inputs },
    env: { SOPHIA_CANCEL_TEST: marker },
    cancel: { ...signals, when: ({ stdout }) => when.test(stdout) },
    timeoutMs: 60_000,
  });
  return { run, leftRunning: processesMarked(`SOPHIA_CANCEL_TEST=${marker}`) };
}
