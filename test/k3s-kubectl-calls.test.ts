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

const SETTINGS: DeploySettings = {
  serverSide: true,
  fieldManager: 'sophia-deploy',
  rolloutTimeoutMs: 120_000,
  rollbackOnFailure: true,
  dryRun: false,
  pollIntervalMs: 5000,
  failFastAfterMs: 30_000,
};

/** The poll's read of a namespace: how many there are depends on how long the rollouts take, not on how many there are. */
const SNAPSHOT_READ = /^kubectl get deployments,statefulsets,daemonsets,replicasets,pods,controllerrevisions /;
/** The read beside the workloads a watch has shown rolled out: made or not depending on whether a poll saw it first. */
const VERDICT_READ = /^kubectl get replicasets,controllerrevisions /;
const isRead = (call: string) => SNAPSHOT_READ.test(call) || VERDICT_READ.test(call);

let cluster: Cluster;
let workspace: Workspace;

beforeAll(async () => {
  cluster = await startCluster({ namespaces: ['small', 'large', 'woken'], timings: { podStartDelayMs: 700 } });
  workspace = new Workspace();
});

afterAll(async () => {
  await cluster?.stop();
  workspace?.remove();
});

/** Deploys `count` workloads at `tag` and returns each kubectl command started, as its subcommand and kinds. */
async function kubectlCalls(
  count: number,
  namespace: string,
  tag: string,
  settings = SETTINGS,
): Promise<{ calls: string[]; revisions: Record<string, string> }> {
  const calls: string[] = [];
  // Plain HTTP: what is counted does not depend on the transport, and TLS handshakes for every
  // call would make the simulator the bottleneck on a loaded machine.
  const kubeconfig = cluster.kubeconfigFor({ transport: 'http' });
  const kubectl = new Kubectl(new LocalKubectlTransport({ kubeconfig }), (line) => calls.push(line));
  try {
    const file = workspace.write(`${namespace}.yaml`, workloadSet(count, tag, namespace).yaml);
    const manifests = prepareManifests(loadManifests({ patterns: [file], cwd: workspace.dir, namespace }), {});
    const report = await deployManifests(kubectl, manifests, settings);
    expect(report.rollouts.filter((rollout) => !rollout.ok)).toEqual([]);
    expect(report.rollouts).toHaveLength(count);
    return {
      calls: calls.map((line) => line.replace(` ${namespace} `, ' <namespace> ')),
      revisions: report.revisions,
    };
  } finally {
    await kubectl.close();
  }
}

test.each([
  ['first deploy', 'v1'],
  ['image update', 'v2'],
])(
  '%s: the same kubectl commands start for 3 workloads as for 15, none naming one workload',
  async (_phase, tag) => {
    const { calls: small } = await kubectlCalls(3, 'small', tag);
    const { calls: large } = await kubectlCalls(15, 'large', tag);
    const besidesReads = (calls: string[]) => calls.filter((call) => !isRead(call));
    expect(besidesReads(large)).toEqual(besidesReads(small));
    // One read per poll (or wake-up) for all 15, not one per workload.
    expect(large.filter(isRead).length).toBeLessThan(15);
    expect(large.filter((call) => /api-\d|store|agent/.test(call))).toEqual([]);
    expect(large.some((call) => call.startsWith('kubectl rollout status'))).toBe(false);
    // The watches: one per workload kind, however many workloads of it there are.
    expect(large.filter((call) => call.includes('--watch')).sort()).toEqual([
      expect.stringMatching(/^kubectl get daemonset /),
      expect.stringMatching(/^kubectl get deployment /),
      expect.stringMatching(/^kubectl get statefulset /),
    ]);
  },
  120_000,
);

test.each([
  ['first deploy', 'v1'],
  ['image update', 'v2'],
])(
  '%s: the watch ends the wait, and the verdict reads no pods',
  async (_phase, tag) => {
    // A poll interval far beyond the rollouts' length: only the watch can end the wait in time.
    const { calls, revisions } = await kubectlCalls(10, 'woken', tag, { ...SETTINGS, pollIntervalMs: 600_000 });
    const reads = calls.filter((call) => !call.includes('--watch') && /[ ,](replicasets|pods)[, ]/.test(call));
    // After the first poll's read, at most the verdict's own read of ReplicaSets and
    // ControllerRevisions: none when that first read already showed the controllers' numbering.
    expect(reads[0]).toMatch(SNAPSHOT_READ);
    expect(reads.slice(1)).toEqual(
      reads.slice(1, 2).map(() => 'kubectl get replicasets,controllerrevisions --namespace <namespace> -o json'),
    );
    // Revision numbers: the Deployments' own, the others' from their ControllerRevisions.
    const revision = tag === 'v1' ? '1' : '2';
    expect(revisions).toMatchObject({
      'woken/Deployment/api-0': revision,
      'woken/StatefulSet/store': revision,
      'woken/DaemonSet/agent': revision,
    });
  },
  60_000,
);

test('discovery reads every served version only for a manifest naming one that is no kind preferred version', async () => {
  const calls: string[] = [];
  const kubeconfig = cluster.kubeconfigFor({ transport: 'http' });
  const kubectl = new Kubectl(new LocalKubectlTransport({ kubeconfig }), (line) => calls.push(line));
  const deploy = async (name: string, yaml: string) => {
    calls.length = 0;
    const file = workspace.write(name, yaml);
    const manifests = prepareManifests(loadManifests({ patterns: [file], cwd: workspace.dir, namespace: 'small' }), {});
    return deployManifests(kubectl, manifests, SETTINGS);
  };
  try {
    // Every apiVersion is a preferred one (apps/v1, v1): api-resources alone answers for them.
    await deploy('preferred.yaml', workloadSet(1, 'v1', 'small').yaml);
    expect(calls.filter((call) => call.startsWith('kubectl api-'))).toEqual([
      expect.stringMatching(/^kubectl api-resources /),
    ]);
    // autoscaling/v1 is served beside the preferred autoscaling/v2: it is found among every served version.
    const hpa = `apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: api-0}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api-0}
  minReplicas: 2
  maxReplicas: 3
`;
    const report = await deploy('older-version.yaml', `${workloadSet(1, 'v1', 'small').yaml}\n---\n${hpa}`);
    expect(calls.filter((call) => call.startsWith('kubectl api-'))).toEqual([
      expect.stringMatching(/^kubectl api-resources /),
      'kubectl api-versions',
    ]);
    expect(report.applied).toContainEqual(
      expect.objectContaining({ kind: 'HorizontalPodAutoscaler', name: 'api-0', action: 'created' }),
    );
  } finally {
    await kubectl.close();
  }
}, 60_000);
