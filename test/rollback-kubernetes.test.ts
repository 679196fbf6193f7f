import { startCluster, type Cluster } from '@sophia-testing/k3s-simulator';
import { startSshHost, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import {
  FAILED_REVISIONS_ANNOTATION,
  FAILED_TEMPLATES_ANNOTATION,
  REVISION_ANNOTATION,
  watchRollout,
  type KubeObject,
  type Kubectl,
} from '@sophia/kubernetes';
import { logGroups, runBundledAction, type ActionRun, errorsOf, warningsOf } from '@sophia-testing/action-runner';
import { startTestCluster, type TestCluster } from './fixtures/cluster.js';
import { imageOf, localKubectl } from './fixtures/kube-kit.js';

/** Kubernetes rollback against the cluster simulator with real kubectl, run as the bundled action. */
const NS = 'sophia';
const PART_OF = 'app.kubernetes.io/part-of';
let cluster: Cluster;
let kubectl: Kubectl;

beforeAll(async () => {
  // The workloads are written straight to the cluster (rollback's input is their history, not manifests).
  cluster = await startCluster({ namespaces: [NS] });
  kubectl = localKubectl(cluster.kubeconfig);
});
afterAll(async () => {
  await kubectl?.close();
  await cluster?.stop();
});

function workload(kind: 'Deployment' | 'StatefulSet', name: string, image: string): KubeObject {
  const labels = { app: name, [PART_OF]: 'sophia' };
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name, namespace: NS, labels },
    spec: {
      replicas: 2,
      ...(kind === 'StatefulSet' ? { serviceName: name } : {}),
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels }, spec: { containers: [{ name, image }] } },
    },
  };
}

/** A deploy as a pipeline makes it; waits for the rollout unless the image is known not to start. */
async function deploy(
  name: string,
  image: string,
  options: { wait?: boolean; kind?: 'Deployment' | 'StatefulSet' } = {},
): Promise<void> {
  const kind = options.kind ?? 'Deployment';
  await kubectl.apply([workload(kind, name, image)], {
    serverSide: true,
    fieldManager: 'pipeline',
    forceConflicts: true,
  });
  const ref = { kind, name, namespace: NS };
  if (options.wait === false) return;
  const result = await watchRollout(kubectl, ref, { timeoutMs: 20_000, pollIntervalMs: 50 });
  expect(result.reason).toBeUndefined();
}

async function live(
  name: string,
  kind = 'Deployment',
): Promise<{ image?: string; revision?: string; annotations: Record<string, string> }> {
  const object = await kubectl.get({ kind, name, namespace: NS });
  const annotations = object?.metadata.annotations ?? {};
  return { image: imageOf(object), revision: annotations[REVISION_ANNOTATION], annotations };
}

function rollback(inputs: Record<string, string>): Promise<ActionRun> {
  return runBundledAction({
    action: 'rollback',
    inputs: { component: 'kubernetes', kubeconfig: cluster.kubeconfig, namespace: NS, ...inputs },
    timeoutMs: 60_000,
  });
}

describe('rollback of Kubernetes workloads (bundled action, real kubectl, cluster simulator)', () => {
  beforeAll(async () => {
    await deploy('api', 'ghcr.io/sophia-ai/api:1');
    await deploy('api', 'ghcr.io/sophia-ai/api:2');
    await deploy('api', 'ghcr.io/sophia-ai/api:broken', { wait: false });
    expect((await live('api')).revision).toBe('3');
  });

  it('goes from the bad revision 3 to 2, marks 3 failed, and reports the renumbered revision', async () => {
    const run = await rollback({ workloads: 'deployment/api' });
    expect(errorsOf(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.outputs.from)).toEqual({ 'sophia/Deployment/api': '3' });
    // the restored template is revision 4 now: that is what kubectl rollout history shows
    expect(JSON.parse(run.outputs.to)).toEqual({ 'sophia/Deployment/api': '4' });
    const api = await live('api');
    expect(api.image).toBe('ghcr.io/sophia-ai/api:2');
    expect(api.revision).toBe('4');
    expect(api.annotations[FAILED_REVISIONS_ANNOTATION]).toBe('3');
    expect(api.annotations[FAILED_TEMPLATES_ANNOTATION]).toMatch(/^[a-z0-9]+$/);
    expect(run.summary).toContain('| sophia/Deployment/api | 3 | 4 | rolled out, revision 3 marked failed |');
    // What it does not undo is said where the person who started it reads the result.
    expect(run.summary).toContain(
      "Only the workloads' pod templates were rolled back. ConfigMaps, Secrets, Services, Ingresses and every other object",
    );
    // The log folds per phase: the plan, then the undo and its rollout.
    const groups = logGroups(run.log);
    expect(Object.keys(groups)).toEqual(['Plan the rollback', 'Roll back and watch the rollouts']);
    expect(groups['Plan the rollback']).toContainEqual(
      expect.stringMatching(/^sophia\/Deployment\/api: live revision 3/),
    );
    expect(groups['Roll back and watch the rollouts']).toContainEqual(
      expect.stringMatching(/^sophia\/Deployment\/api: rolling back from revision 3/),
    );
  });

  it('goes on to 1 when rolled back again, not back to the bad 3 as a bare rollout undo would', async () => {
    const run = await rollback({ workloads: 'deployment/api' });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.outputs.from)).toEqual({ 'sophia/Deployment/api': '4' });
    const api = await live('api');
    expect(api.image).toBe('ghcr.io/sophia-ai/api:1');
    expect(api.revision).toBe('5');
    // the undo replaced the Deployment's annotations with revision 1's; the failures recorded since survive
    expect(api.annotations[FAILED_REVISIONS_ANNOTATION]).toBe('3,4');
    expect(api.annotations[FAILED_TEMPLATES_ANNOTATION].split(',')).toHaveLength(2);
  });

  it('refuses, changing nothing, when no earlier revision is good or the named one does not exist', async () => {
    const before = await live('api');
    const none = await rollback({ workloads: 'deployment/api' });
    expect(none.code).toBe(1);
    expect(errorsOf(none)).toEqual([
      'sophia/Deployment/api: no revision older than the live 5 that is not marked failed (revisions: 3 (failed), 4 (failed), 5 (live)); nothing was rolled back',
    ]);
    // A refused rollback publishes its outputs and summary all the same, saying nothing changed and why.
    expect(none.outputs).toEqual({ from: '{}', to: '{}' });
    expect(none.summary).toContain('No workload was changed.');
    expect(none.summary).toContain('**Failed:** sophia/Deployment/api: no revision older than the live 5');
    const unknown = await rollback({ workloads: 'deployment/api', to: '9' });
    expect(errorsOf(unknown)).toEqual([
      'sophia/Deployment/api has no revision 9; available revisions: 3 (failed), 4 (failed), 5 (live)',
    ]);
    const missing = await rollback({ workloads: 'deployment/api\ndeployment/nope' });
    expect(errorsOf(missing)).toEqual([`Deployment/nope not found in namespace ${NS}; nothing was rolled back`]);
    // A reference naming its own namespace is looked for, and reported missing, there.
    const elsewhere = await rollback({ workloads: 'deployment/nope\nteam-a/deployment/api' });
    expect(errorsOf(elsewhere)).toEqual([
      `Deployment/nope not found in namespace ${NS}; Deployment/api not found in namespace team-a; nothing was rolled back`,
    ]);
    expect(await live('api')).toEqual(before);
  });

  it('says so and succeeds when the named revision is already live', async () => {
    const before = await live('api');
    const run = await rollback({ workloads: 'deployment/api', to: '1' });
    expect(run.code).toBe(0);
    expect(warningsOf(run)).toEqual(['sophia/Deployment/api: revision 1 was restored before and is now numbered 5']);
    expect(run.log).toContain('is already live; nothing to do');
    expect(JSON.parse(run.outputs.to)).toEqual({ 'sophia/Deployment/api': '5' });
    expect(await live('api')).toEqual(before);
  });

  it('keeps a failed revision failed after a restore renumbers it', async () => {
    // revision 2 (now 4, failed) named explicitly: honoured with a warning, without marking 5
    const named = await rollback({ workloads: 'deployment/api', to: '2', 'mark-failed': 'false' });
    expect(named.code).toBe(0);
    expect(warningsOf(named)).toEqual([
      'sophia/Deployment/api: revision 2 was restored before and is now numbered 4',
      expect.stringMatching(
        /^sophia\/Deployment\/api: revision 4 \(was 2\) ghcr\.io\/sophia-ai\/api:2 is marked failed; rolling back to it because "to" names it explicitly$/,
      ),
    ]);
    expect((await live('api')).image).toBe('ghcr.io/sophia-ai/api:2');
    expect((await live('api')).annotations[FAILED_REVISIONS_ANNOTATION]).toBe('3,4');
    await deploy('api', 'ghcr.io/sophia-ai/api:4');
    expect((await live('api')).revision).toBe('7');
    // 6 is the failed revision 4 (once 2) under a new number: previous skips it and takes 5 (api:1)
    const run = await rollback({ workloads: 'deployment/api' });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.outputs.from)).toEqual({ 'sophia/Deployment/api': '7' });
    expect((await live('api')).image).toBe('ghcr.io/sophia-ai/api:1');
  });

  it('takes workloads in the <namespace>/<Kind>/<name> form the deploy actions output', async () => {
    await deploy('solo', 'ghcr.io/sophia-ai/solo:1');
    await deploy('solo', 'ghcr.io/sophia-ai/solo:2');
    // The namespace input names another namespace: the key's own namespace wins.
    const run = await rollback({ workloads: `${NS}/Deployment/solo`, namespace: 'default' });
    expect(errorsOf(run)).toEqual([]);
    expect(JSON.parse(run.outputs.from)).toEqual({ [`${NS}/Deployment/solo`]: '2' });
    expect((await live('solo')).image).toBe('ghcr.io/sophia-ai/solo:1');
  });

  it('rolls back every Deployment matching a selector', async () => {
    for (const name of ['web', 'worker']) {
      await deploy(name, `ghcr.io/sophia-ai/${name}:1`);
      await deploy(name, `ghcr.io/sophia-ai/${name}:2`);
    }
    const run = await rollback({ selector: `${PART_OF}=sophia,app in (web,worker)` });
    expect(errorsOf(run)).toEqual([]);
    expect(JSON.parse(run.outputs.from)).toEqual({ 'sophia/Deployment/web': '2', 'sophia/Deployment/worker': '2' });
    expect(JSON.parse(run.outputs.to)).toEqual({ 'sophia/Deployment/web': '3', 'sophia/Deployment/worker': '3' });
    expect((await live('web')).image).toBe('ghcr.io/sophia-ai/web:1');
    expect((await live('worker')).image).toBe('ghcr.io/sophia-ai/worker:1');
    const nothing = await rollback({ selector: 'app=nothing-here' });
    expect(errorsOf(nothing)).toEqual([
      `No Deployment, StatefulSet or DaemonSet in namespace ${NS} matches selector "app=nothing-here"; nothing was rolled back`,
    ]);
  });

  it('rolls a StatefulSet back by its ControllerRevisions, which renumber without history', async () => {
    for (const version of ['1', '2', '3'])
      await deploy('db', `ghcr.io/sophia-ai/db:${version}`, { kind: 'StatefulSet' });
    const first = await rollback({ workloads: 'statefulset/db' });
    expect(errorsOf(first)).toEqual([]);
    expect(JSON.parse(first.outputs.from)).toEqual({ 'sophia/StatefulSet/db': '3' });
    expect(JSON.parse(first.outputs.to)).toEqual({ 'sophia/StatefulSet/db': '4' });
    expect((await live('db', 'StatefulSet')).image).toBe('ghcr.io/sophia-ai/db:2');
    const second = await rollback({ workloads: 'statefulset/db' });
    expect(JSON.parse(second.outputs.to)).toEqual({ 'sophia/StatefulSet/db': '5' });
    const db = await live('db', 'StatefulSet');
    expect(db.image).toBe('ghcr.io/sophia-ai/db:1');
    expect(db.annotations[FAILED_REVISIONS_ANNOTATION]).toBe('3,4');
    const failedTemplates = db.annotations[FAILED_TEMPLATES_ANNOTATION].split(',');
    expect(failedTemplates).toHaveLength(2);
    expect(failedTemplates.every((name) => /^db-[a-z0-9]+$/.test(name))).toBe(true);
    const third = await rollback({ workloads: 'statefulset/db' });
    expect(errorsOf(third)).toEqual([
      'sophia/StatefulSet/db: no revision older than the live 5 that is not marked failed (revisions: 3 (failed), 4 (failed), 5 (live)); nothing was rolled back',
    ]);
  });
});

describe("a deploy action's `changed` output as the workloads to roll back", () => {
  it('finds each workload in the namespace its key names, whatever the namespace input', async () => {
    await deploy('notes', 'ghcr.io/sophia-ai/notes:1');
    await deploy('notes', 'ghcr.io/sophia-ai/notes:2');
    const run = await rollback({ workloads: JSON.stringify([`${NS}/Deployment/notes`]), namespace: '' });
    expect(errorsOf(run)).toEqual([]);
    expect(JSON.parse(run.outputs.from)).toEqual({ [`${NS}/Deployment/notes`]: '2' });
    expect((await live('notes')).image).toBe('ghcr.io/sophia-ai/notes:1');
  });

  it('rolls nothing back when the run changed no workload', async () => {
    const before = await live('notes');
    const run = await rollback({ workloads: '[]' });
    expect(run.code).toBe(0);
    expect(run.log).toContain('The list of workloads is empty: nothing to roll back');
    expect(run.outputs).toMatchObject({ from: '{}', to: '{}' });
    expect(await live('notes')).toEqual(before);
  });
});

describe('rollback with kubectl on the server over SSH (bundled action)', () => {
  let server: LocalSshHost;
  let testCluster: TestCluster;

  beforeAll(async () => {
    [server, testCluster] = await Promise.all([startSshHost(), startTestCluster()]);
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), testCluster?.stop()]);
  });

  it('rolls back through kubectl-command on the server', async () => {
    const observer = testCluster.observer;
    for (const version of ['1', '2']) {
      const edge = workload('Deployment', 'edge', `ghcr.io/sophia-ai/edge:${version}`);
      edge.metadata.namespace = 'default';
      await observer.apply([edge], { serverSide: true, fieldManager: 'pipeline' });
      const result = await watchRollout(
        observer,
        { kind: 'Deployment', name: 'edge', namespace: 'default' },
        { timeoutMs: 20_000, pollIntervalMs: 50 },
      );
      expect(result.ok).toBe(true);
    }
    const run = await runBundledAction({
      action: 'rollback',
      inputs: {
        component: 'kubernetes',
        workloads: 'deployment/edge',
        namespace: 'default',
        host: server.host,
        port: String(server.sshPort),
        user: server.user,
        'ssh-key': server.privateKey,
        'known-hosts': server.knownHosts,
        'kubectl-command': testCluster.kubectlCommand,
      },
    });
    expect(errorsOf(run)).toEqual([]);
    expect(JSON.parse(run.outputs.from)).toEqual({ 'default/Deployment/edge': '2' });
    expect(JSON.parse(run.outputs.to)).toEqual({ 'default/Deployment/edge': '3' });
    const edge = await observer.get({ kind: 'Deployment', name: 'edge', namespace: 'default' });
    expect(imageOf(edge)).toBe('ghcr.io/sophia-ai/edge:1');
    expect(edge?.metadata.annotations?.[FAILED_REVISIONS_ANNOTATION]).toBe('2');
  });
});
