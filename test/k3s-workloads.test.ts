import { deployManifests, DeployFailedError, loadManifests, prepareManifests } from '@sophia/kubernetes';
import { useClusterTestBed } from './fixtures/cluster.js';
import { imageOf, FAST_DEPLOY } from './fixtures/kube-kit.js';

const settings = FAST_DEPLOY;

const bed = useClusterTestBed({ fixtures: ['stateful'], namespaces: ['data'] });

function deploy(images: Record<string, string>) {
  const manifests = loadManifests({ patterns: ['cache-and-logs.yaml'], cwd: bed.workspace.dir, namespace: 'data' });
  return deployManifests(
    bed.kubectl,
    prepareManifests(manifests, { images: new Map(Object.entries(images)) }),
    settings,
  );
}

test('StatefulSets and DaemonSets are watched together and report ControllerRevision numbers', async () => {
  const first = await deploy({});
  expect(first.revisions).toEqual({ 'data/StatefulSet/sophia-cache': '1', 'data/DaemonSet/log-shipper': '1' });
  const second = await deploy({ redis: 'redis:7.4', vector: 'timberio/vector:0.40.0-debian' });
  expect(second.revisions).toEqual({ 'data/StatefulSet/sophia-cache': '2', 'data/DaemonSet/log-shipper': '2' });
  expect(second.rollouts.every((rollout) => rollout.ok)).toBe(true);
});

test('a StatefulSet whose new pods cannot pull fails fast and goes back to the revision it had', async () => {
  const error = await deploy({
    redis: bed.cluster.failingImage('redis:8.0'),
    vector: 'timberio/vector:0.40.0-debian',
  }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DeployFailedError);
  expect((error as Error).message).toMatch(
    /^Rollout failed: data\/StatefulSet\/sophia-cache revision 3 cannot become ready: pod sophia-cache-1 is in (ImagePullBackOff|ErrImagePull)/,
  );
  expect((error as Error).message).toContain('Rolled back data/StatefulSet/sophia-cache to revision 2.');
  const live = await bed.cluster.observer.get({ kind: 'StatefulSet', name: 'sophia-cache', namespace: 'data' });
  expect(imageOf(live)).toBe('redis:7.4');
  expect(live?.metadata.annotations?.['sophia.ai/failed-revisions']).toBe('3');
});

test('a container that keeps crashing fails the rollout fast as CrashLoopBackOff; a workload new in this run is left for inspection', async () => {
  bed.workspace.write(
    'worker.yaml',
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: sophia-worker
spec:
  selector:
    matchLabels: { app.kubernetes.io/name: sophia-worker }
  template:
    metadata:
      labels: { app.kubernetes.io/name: sophia-worker }
    spec:
      containers:
        - name: worker
          image: ghcr.io/sophia-ai/worker:crash
`,
  );
  const manifests = loadManifests({ patterns: ['worker.yaml'], cwd: bed.workspace.dir, namespace: 'data' });
  const error = await deployManifests(bed.kubectl, manifests, settings).catch((e: unknown) => e);
  // Fast means on the pod's reason, not at the rollout timeout: the verdict names the reason.
  expect((error as Error).message).not.toMatch(/within the rollout timeout/);
  expect((error as Error).message).toMatch(
    /^Rollout failed: data\/Deployment\/sophia-worker revision 1 cannot become ready: pod sophia-worker-\S+ is in CrashLoopBackOff .*Nothing could be rolled back; left as is: data\/Deployment\/sophia-worker \(created by this run, no earlier revision\)\.$/s,
  );
  expect((error as DeployFailedError).report.rolledBack).toBe(false);
});

test('workloads of one kind and name in two namespaces keep one revision each, keyed <namespace>/<Kind>/<name>', async () => {
  await bed.cluster.createNamespace('team-a');
  await bed.cluster.createNamespace('team-b');
  const api = (namespace: string, image: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: api, namespace: ${namespace} }\nspec:\n` +
    '  selector: { matchLabels: { app: api } }\n  template:\n    metadata: { labels: { app: api } }\n' +
    `    spec: { containers: [{ name: api, image: "${image}" }] }\n`;
  bed.workspace.write(
    'teams.yaml',
    `${api('team-a', 'ghcr.io/sophia-ai/api:1')}---\n${api('team-b', 'ghcr.io/sophia-ai/api:1')}`,
  );
  await deployManifests(bed.kubectl, loadManifests({ patterns: ['teams.yaml'], cwd: bed.workspace.dir }), settings);
  bed.workspace.write(
    'teams.yaml',
    `${api('team-a', 'ghcr.io/sophia-ai/api:2')}---\n${api('team-b', 'ghcr.io/sophia-ai/api:1')}`,
  );
  const report = await deployManifests(
    bed.kubectl,
    loadManifests({ patterns: ['teams.yaml'], cwd: bed.workspace.dir }),
    settings,
  );
  expect(report.revisions).toEqual({ 'team-a/Deployment/api': '2', 'team-b/Deployment/api': '1' });
});

test('a StatefulSet with updateStrategy OnDelete records the new revision, says so, and is neither waited for nor undone', async () => {
  const onDelete = (image: string) =>
    'apiVersion: apps/v1\nkind: StatefulSet\nmetadata: { name: ledger }\nspec:\n  serviceName: ledger\n  replicas: 2\n' +
    '  updateStrategy: { type: OnDelete }\n  selector: { matchLabels: { app: ledger } }\n' +
    `  template:\n    metadata: { labels: { app: ledger } }\n    spec: { containers: [{ name: ledger, image: "${image}" }] }\n`;
  const deployLedger = async (image: string) => {
    bed.workspace.write('ledger.yaml', onDelete(image));
    const manifests = loadManifests({ patterns: ['ledger.yaml'], cwd: bed.workspace.dir, namespace: 'data' });
    return deployManifests(bed.kubectl, manifests, settings);
  };
  await deployLedger('ghcr.io/sophia-ai/ledger:1');
  const report = await deployLedger('ghcr.io/sophia-ai/ledger:2');
  expect(report.rolledBack).toBe(false);
  expect(report.revisions).toEqual({ 'data/StatefulSet/ledger': '2' });
  expect(report.rollouts[0]).toMatchObject({
    ok: true,
    note: 'data/StatefulSet/ledger has updateStrategy OnDelete: the new revision is recorded, and its running pods move to it only when deleted',
  });
  const live = await bed.cluster.observer.get({ kind: 'StatefulSet', name: 'ledger', namespace: 'data' });
  expect(imageOf(live)).toBe('ghcr.io/sophia-ai/ledger:2');
  expect(live?.metadata.annotations?.['sophia.ai/failed-revisions']).toBeUndefined();
  const pods = await bed.cluster.observer.list('pods', { namespace: 'data', selector: 'app=ledger' });
  expect(pods.map((pod) => imageOf({ ...pod, spec: { template: { spec: pod.spec } } }))).toEqual([
    'ghcr.io/sophia-ai/ledger:1',
    'ghcr.io/sophia-ai/ledger:1',
  ]);
});
