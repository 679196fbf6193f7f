import {
  deployManifests,
  Kubectl,
  LocalKubectlTransport,
  loadManifests,
  prepareManifests,
  type DeploySettings,
} from '@sophia/kubernetes';
import { startCluster, type Cluster } from '@sophia-testing/k3s-simulator';
import { workloadSet } from '@sophia-testing/manifests';
import { Workspace } from './fixtures/kube-kit.js';

/**
 * Polls so rare that a deploy which waited for one would hit the test's timeout: the rollouts
 * must be seen through the watch. Pods start slowly enough that the first read after the apply
 * never finds them ready.
 */
const SETTINGS: DeploySettings = {
  serverSide: true,
  fieldManager: 'sophia-deploy',
  rolloutTimeoutMs: 120_000,
  rollbackOnFailure: true,
  dryRun: false,
  pollIntervalMs: 60_000,
  failFastAfterMs: 30_000,
};

let cluster: Cluster;
let workspace: Workspace;

beforeAll(async () => {
  cluster = await startCluster({ namespaces: ['small', 'large'], timings: { podStartDelayMs: 700 } });
  workspace = new Workspace();
});

afterAll(async () => {
  await cluster?.stop();
  workspace?.remove();
});

/** Deploys `count` workloads at `tag` and returns each kubectl command started, as its subcommand and kinds. */
async function kubectlCalls(count: number, namespace: string, tag: string): Promise<string[]> {
  const calls: string[] = [];
  const kubectl = new Kubectl(new LocalKubectlTransport({ kubeconfig: cluster.kubeconfig }), (line) =>
    calls.push(line),
  );
  try {
    const file = workspace.write(`${namespace}.yaml`, workloadSet(count, tag, namespace).yaml);
    const manifests = prepareManifests(loadManifests({ patterns: [file], cwd: workspace.dir, namespace }), {});
    const report = await deployManifests(kubectl, manifests, SETTINGS);
    expect(report.rollouts.filter((rollout) => !rollout.ok)).toEqual([]);
    expect(report.rollouts).toHaveLength(count);
  } finally {
    await kubectl.close();
  }
  return calls.map((line) => line.replace(` ${namespace} `, ' <namespace> '));
}

test.each([
  ['first deploy', 'v1'],
  ['image update', 'v2'],
])(
  '%s: the same kubectl commands start for 3 workloads as for 15, none naming one workload',
  async (_phase, tag) => {
    const small = await kubectlCalls(3, 'small', tag);
    const large = await kubectlCalls(15, 'large', tag);
    expect(large).toEqual(small);
    expect(large.filter((call) => /api-\d|store|agent/.test(call))).toEqual([]);
    expect(large.some((call) => call.startsWith('kubectl rollout status'))).toBe(false);
    // The watches: one per workload kind, however many workloads of it there are.
    expect(large.filter((call) => call.includes('--watch')).sort()).toEqual([
      expect.stringMatching(/^kubectl get daemonset /),
      expect.stringMatching(/^kubectl get deployment /),
      expect.stringMatching(/^kubectl get statefulset /),
    ]);
  },
  60_000,
);
