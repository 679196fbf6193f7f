/** Real kubectl against the simulator's topology: nodes, scheduling, waiting, deletion, other workloads. */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { mcpServerDeployment } from '@sophia-testing/manifests';
import {
  eventually,
  kubectlFlavours,
  openSession,
  type KubectlFlavour,
  type KubectlSession,
} from './kubectl-harness.js';

const pinned = mcpServerDeployment({
  name: 'mcp-gpu',
  image: 'ghcr.io/sophia-ai/mcp-gpu:1.0.0',
  nodeSelector: { 'sophia.ai/role': 'mcp' },
});

function simple(name: string, replicas: number, nodeName?: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          ...(nodeName ? { nodeSelector: { 'kubernetes.io/hostname': nodeName } } : {}),
          containers: [{ name: 'app', image: `ghcr.io/sophia-ai/${name}:1` }],
        },
      },
    },
  });
}

function podRows(table: string, app: string): string[][] {
  return table
    .split('\n')
    .filter((line) => line.startsWith(`${app}-`))
    .map((line) => line.trim().split(/\s+/));
}

const [plain, ...versioned] = kubectlFlavours();

function workloadScenarios(flavour: KubectlFlavour, full: boolean): void {
  let session: KubectlSession;
  beforeAll(async () => {
    session = await openSession(flavour);
  });
  afterAll(() => session.close());

  test('nodes look like Sophia K3s cluster', async () => {
    const nodes = await session.ok(['get', 'nodes', '-o', 'wide']);
    expect(nodes).toMatch(/k3s-server\s+Ready\s+control-plane,master\s+\S+\s+v1\.\d+\.\d+\+k3s1\s+192\.222\.58\.232/);
    expect(nodes).toMatch(/mcp-node\s+Ready\s+<none>\s+\S+\s+v1\.\d+\.\d+\+k3s1\s+104\.171\.202\.117/);
    // Beside the session's kubeconfig, so it goes when the session's home does.
    const overHttp = join(dirname(session.kubeconfig), 'config-over-http');
    writeFileSync(overHttp, session.cluster.kubeconfigFor({ transport: 'http' }));
    expect(await session.ok([`--kubeconfig=${overHttp}`, 'get', 'nodes', '-o', 'name'])).toBe(
      'node/k3s-server\nnode/mcp-node\n',
    );
    const listed = JSON.parse(
      await session.ok(['get', 'nodes', '-l', 'kubernetes.io/hostname=mcp-node', '-o', 'json']),
    );
    expect(listed.items.map((node: { metadata: { name: string } }) => node.metadata.name)).toEqual(['mcp-node']);
  });

  test('a workload pinned by nodeSelector stays Pending until a node is labelled, then runs there', async () => {
    await session.ok(['apply', '-f', '-'], { stdin: pinned });
    const pending = await eventually(
      async () => {
        const pod = JSON.parse(await session.ok(['get', 'pods', '-l', 'app=mcp-gpu', '-o', 'json'])).items[0];
        return pod?.status?.conditions?.some((condition: { reason?: string }) => condition.reason === 'Unschedulable')
          ? pod
          : undefined;
      },
      5000,
      'the pod to be unschedulable',
    );
    expect(pending.status.phase).toBe('Pending');
    expect(
      pending.status.conditions.find((condition: { type: string }) => condition.type === 'PodScheduled').message,
    ).toContain("0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.");
    const notYet = await session.run(['wait', '--for=condition=available', 'deployment/mcp-gpu', '--timeout=1s']);
    expect(notYet.code).toBe(1);

    expect(await session.ok(['label', 'node', 'mcp-node', 'sophia.ai/role=mcp'])).toContain('node/mcp-node labeled');
    expect(await session.ok(['wait', '--for=condition=available', 'deployment/mcp-gpu', '--timeout=20s'])).toContain(
      'deployment.apps/mcp-gpu condition met',
    );
    const rows = podRows(await session.ok(['get', 'pods', '-o', 'wide']), 'mcp-gpu');
    expect(rows).toHaveLength(1);
    const [, ready, status, , , ip, node] = rows[0];
    expect([ready, status, node]).toEqual(['1/1', 'Running', 'mcp-node']);
    expect(ip).toMatch(/^10\.42\.\d+\.\d+$/);
    const pod = JSON.parse(await session.ok(['get', 'pods', '-l', 'app=mcp-gpu', '-o', 'json'])).items[0];
    expect(pod.status.hostIP).toBe('104.171.202.117');
  });

  test('a tainted node repels pods that do not tolerate the taint', async () => {
    expect(await session.ok(['taint', 'node', 'mcp-node', 'sophia.ai/maintenance=true:NoSchedule'])).toContain(
      'node/mcp-node tainted',
    );
    await session.ok(['apply', '-f', '-'], { stdin: simple('repelled', 1, 'mcp-node') });
    const message = await eventually(async () => {
      const pod = JSON.parse(await session.ok(['get', 'pods', '-l', 'app=repelled', '-o', 'json'])).items[0];
      return pod?.status?.conditions?.find((condition: { reason?: string }) => condition.reason === 'Unschedulable')
        ?.message;
    });
    expect(message).toContain('1 node(s) had untolerated taint {sophia.ai/maintenance: true}');
    expect(message).toContain("1 node(s) didn't match Pod's node affinity/selector");
    expect(await session.ok(['taint', 'node', 'mcp-node', 'sophia.ai/maintenance=true:NoSchedule-'])).toContain(
      'node/mcp-node untainted',
    );
    await session.ok(['wait', '--for=condition=available', 'deployment/repelled', '--timeout=20s']);
  });

  test('delete cascades through owner references', async () => {
    await session.ok(['apply', '-f', '-'], { stdin: simple('cascade', 2) });
    await session.ok(['wait', '--for=condition=available', 'deployment/cascade', '--timeout=20s']);
    expect(await session.ok(['delete', 'deployment', 'cascade'])).toContain('deployment.apps "cascade" deleted');
    await eventually(
      async () => {
        const left = JSON.parse(await session.ok(['get', 'replicasets,pods', '-l', 'app=cascade', '-o', 'json'])).items;
        return left.length === 0 ? true : undefined;
      },
      5000,
      'ReplicaSets and pods to be collected',
    );
  });

  test('kubectl create makes namespaces, config, secrets, deployments, services and jobs (protobuf bodies on 1.32+)', async () => {
    const namespace = `team-${flavour.label.replace(/\W/g, '')}`;
    expect(await session.ok(['create', 'namespace', namespace])).toContain(`namespace/${namespace} created`);
    await session.ok(['create', 'configmap', 'settings', '-n', namespace, '--from-literal=MODE=prod']);
    await session.ok(['create', 'secret', 'generic', 'tokens', '-n', namespace, '--from-literal=API_TOKEN=hunter2']);
    await session.ok(['create', 'serviceaccount', 'deployer', '-n', namespace]);
    await session.ok([
      'create',
      'deployment',
      'web',
      '-n',
      namespace,
      '--image=ghcr.io/sophia-ai/web:1.0.0',
      '--replicas=2',
      '--port=8080',
    ]);
    await session.ok(['create', 'service', 'clusterip', 'web', '-n', namespace, '--tcp=80:8080']);
    await session.ok(['create', 'job', 'migrate', '-n', namespace, '--image=ghcr.io/sophia-ai/backend:1.4.0']);
    const secret = JSON.parse(await session.ok(['get', 'secret', 'tokens', '-n', namespace, '-o', 'json']));
    expect(Buffer.from(secret.data.API_TOKEN, 'base64').toString()).toBe('hunter2');
    const settings = JSON.parse(await session.ok(['get', 'configmap', 'settings', '-n', namespace, '-o', 'json']));
    expect(settings.data).toEqual({ MODE: 'prod' });
    const service = JSON.parse(await session.ok(['get', 'service', 'web', '-n', namespace, '-o', 'json']));
    expect(service.spec.ports).toEqual([{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }]);
    expect(await session.ok(['rollout', 'status', 'deployment/web', '-n', namespace, '--timeout=20s'])).toContain(
      'successfully rolled out',
    );
    const web = JSON.parse(await session.ok(['get', 'deployment', 'web', '-n', namespace, '-o', 'json']));
    expect(web.spec.template.spec.containers[0]).toMatchObject({
      name: 'web',
      image: 'ghcr.io/sophia-ai/web:1.0.0',
      ports: [{ containerPort: 8080, protocol: 'TCP' }],
    });
    await session.ok(['wait', '--for=condition=complete', 'job/migrate', '-n', namespace, '--timeout=20s']);
    const endpoints = await eventually(async () => {
      const object = JSON.parse(await session.ok(['get', 'endpoints', 'web', '-n', namespace, '-o', 'json']));
      return object.subsets?.[0]?.addresses?.length === 2 ? object : undefined;
    });
    expect(endpoints.subsets[0].ports).toEqual([{ name: '80-8080', port: 8080, protocol: 'TCP' }]);
    const sorted = await session.ok([
      'get',
      'pods',
      '-n',
      namespace,
      '-l',
      'app=web',
      '--sort-by=.metadata.name',
      '--no-headers',
    ]);
    const names = sorted
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/)[0]);
    // kubectl sorts client-side (natural order, digits as numbers) from the whole objects the rows carry.
    const pods = JSON.parse(await session.ok(['get', 'pods', '-n', namespace, '-l', 'app=web', '-o', 'json'])).items;
    expect([...names].sort()).toEqual(pods.map((pod: { metadata: { name: string } }) => pod.metadata.name).sort());
    const described = await session.ok(['describe', 'service', 'web', '-n', namespace]);
    expect(described).toMatch(/Endpoints:\s+10\.42\.\d+\.\d+:8080,10\.42\.\d+\.\d+:8080/);
  });

  if (!full) return;

  test('foreground and orphan cascades', async () => {
    await session.ok(['apply', '-f', '-'], { stdin: simple('foreground', 1) });
    await session.ok(['wait', '--for=condition=available', 'deployment/foreground', '--timeout=20s']);
    await session.ok(['delete', 'deployment', 'foreground', '--cascade=foreground', '--timeout=20s']);
    const gone = JSON.parse(
      await session.ok(['get', 'deployments,replicasets,pods', '-l', 'app=foreground', '-o', 'json']),
    ).items;
    expect(gone).toEqual([]);

    await session.ok(['apply', '-f', '-'], { stdin: simple('orphaned', 1) });
    await session.ok(['wait', '--for=condition=available', 'deployment/orphaned', '--timeout=20s']);
    await session.ok(['delete', 'deployment', 'orphaned', '--cascade=orphan']);
    const replicaSets = JSON.parse(await session.ok(['get', 'replicasets', '-l', 'app=orphaned', '-o', 'json'])).items;
    expect(replicaSets).toHaveLength(1);
    expect(replicaSets[0].metadata.ownerReferences).toBeUndefined();
  });

  test('a NotReady node gets no new pods, and its pods stop being ready', async () => {
    await session.ok(['apply', '-f', '-'], { stdin: simple('on-server', 1, 'k3s-server') });
    await session.ok(['wait', '--for=condition=available', 'deployment/on-server', '--timeout=20s']);
    session.cluster.nodes.setReady('k3s-server', false);
    expect(await session.ok(['get', 'nodes'])).toMatch(/k3s-server\s+NotReady/);
    await eventually(
      async () => {
        const deployment = JSON.parse(await session.ok(['get', 'deployment', 'on-server', '-o', 'json']));
        return deployment.status.readyReplicas === undefined || deployment.status.readyReplicas === 0
          ? deployment
          : undefined;
      },
      5000,
      'the pod on the NotReady node to stop being ready',
    );
    await session.ok(['apply', '-f', '-'], { stdin: simple('elsewhere', 2) });
    await session.ok(['wait', '--for=condition=available', 'deployment/elsewhere', '--timeout=20s']);
    const rows = podRows(await session.ok(['get', 'pods', '-o', 'wide']), 'elsewhere');
    expect(rows.map((row) => row[6])).toEqual(['mcp-node', 'mcp-node']);
    session.cluster.nodes.setReady('k3s-server', true);
    await session.ok(['rollout', 'status', 'deployment/on-server', '--timeout=20s']);

    session.cluster.nodes.add({ name: 'edge-1', internalIp: '10.0.0.9', labels: { 'sophia.ai/edge': 'true' } });
    expect(await session.ok(['get', 'nodes', '-l', 'sophia.ai/edge=true'])).toMatch(/edge-1\s+Ready/);
    session.cluster.nodes.remove('edge-1');
    expect((await session.run(['get', 'node', 'edge-1'])).stderr).toContain('nodes "edge-1" not found');
  });

  test('required node affinity and tolerations decide where pods go', async () => {
    const pinnedByAffinity = JSON.parse(simple('affine', 2));
    pinnedByAffinity.spec.template.spec.affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' }] },
          ],
        },
      },
    };
    await session.ok(['apply', '-f', '-'], { stdin: JSON.stringify(pinnedByAffinity) });
    await session.ok(['rollout', 'status', 'deployment/affine', '--timeout=20s']);
    expect(podRows(await session.ok(['get', 'pods', '-o', 'wide']), 'affine').map((row) => row[6])).toEqual([
      'k3s-server',
      'k3s-server',
    ]);

    await session.ok(['taint', 'node', 'mcp-node', 'sophia.ai/mcp-only=true:NoSchedule']);
    const tolerant = JSON.parse(simple('tolerant', 1, 'mcp-node'));
    tolerant.spec.template.spec.tolerations = [
      { key: 'sophia.ai/mcp-only', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
    ];
    await session.ok(['apply', '-f', '-'], { stdin: JSON.stringify(tolerant) });
    await session.ok(['rollout', 'status', 'deployment/tolerant', '--timeout=20s']);
    expect(podRows(await session.ok(['get', 'pods', '-o', 'wide']), 'tolerant')[0][6]).toBe('mcp-node');
    await session.ok(['taint', 'node', 'mcp-node', 'sophia.ai/mcp-only-']);
    await session.ok(['delete', 'deployment', 'affine', 'tolerant']);
  });

  test('drain moves pods off a node and cordons it; uncordon lets pods back', async () => {
    await session.ok(['apply', '-f', '-'], { stdin: simple('drained', 4) });
    await session.ok(['rollout', 'status', 'deployment/drained', '--timeout=20s']);
    const drained = await session.ok([
      'drain',
      'mcp-node',
      '--ignore-daemonsets',
      '--delete-emptydir-data',
      '--force',
      '--timeout=20s',
    ]);
    expect(drained).toContain('node/mcp-node drained');
    expect(await session.ok(['get', 'nodes'])).toMatch(/mcp-node\s+Ready,SchedulingDisabled/);
    await session.ok(['rollout', 'status', 'deployment/drained', '--timeout=20s']);
    const rows = podRows(await session.ok(['get', 'pods', '-o', 'wide']), 'drained');
    expect(rows.map((row) => row[6])).toEqual(['k3s-server', 'k3s-server', 'k3s-server', 'k3s-server']);
    expect(await session.ok(['uncordon', 'mcp-node'])).toContain('node/mcp-node uncordoned');
    await session.ok(['delete', 'deployment', 'drained']);
  });

  test('StatefulSet, DaemonSet and Job reach the verdicts kubectl waits for', async () => {
    const statefulSet = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'vector-db' },
      spec: {
        serviceName: 'vector-db',
        replicas: 2,
        selector: { matchLabels: { app: 'vector-db' } },
        template: {
          metadata: { labels: { app: 'vector-db' } },
          spec: { containers: [{ name: 'db', image: 'qdrant/qdrant:v1.9.0' }] },
        },
      },
    };
    await session.ok(['apply', '-f', '-'], { stdin: JSON.stringify(statefulSet) });
    expect(await session.ok(['rollout', 'status', 'statefulset/vector-db', '--timeout=20s'])).toContain(
      // The API server defaults rollingUpdate.partition to 0, so kubectl reports a partitioned roll out.
      'partitioned roll out complete: 2 new pods have been updated...',
    );
    const names = JSON.parse(await session.ok(['get', 'pods', '-l', 'app=vector-db', '-o', 'json'])).items.map(
      (pod: { metadata: { name: string } }) => pod.metadata.name,
    );
    expect(names).toEqual(['vector-db-0', 'vector-db-1']);
    await session.ok(['set', 'image', 'statefulset/vector-db', 'db=qdrant/qdrant:v1.10.0']);
    await session.ok(['rollout', 'status', 'statefulset/vector-db', '--timeout=20s']);
    const rolled = JSON.parse(await session.ok(['get', 'statefulset', 'vector-db', '-o', 'json']));
    expect(rolled.status.currentRevision).toBe(rolled.status.updateRevision);
    const revisions = JSON.parse(await session.ok(['get', 'controllerrevisions', '-o', 'json'])).items.filter(
      (revision: { metadata: { name: string } }) => revision.metadata.name.startsWith('vector-db-'),
    );
    expect(revisions.map((revision: { revision: number }) => revision.revision).sort()).toEqual([1, 2]);

    const daemonSet = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'node-agent', namespace: 'kube-system' },
      spec: {
        selector: { matchLabels: { app: 'node-agent' } },
        template: {
          metadata: { labels: { app: 'node-agent' } },
          spec: { containers: [{ name: 'agent', image: 'ghcr.io/sophia-ai/agent:1' }] },
        },
      },
    };
    await session.ok(['apply', '-f', '-'], { stdin: JSON.stringify(daemonSet) });
    expect(
      await session.ok(['rollout', 'status', 'daemonset/node-agent', '-n', 'kube-system', '--timeout=20s']),
    ).toContain('daemon set "node-agent" successfully rolled out');
    const nodes = JSON.parse(
      await session.ok(['get', 'pods', '-n', 'kube-system', '-l', 'app=node-agent', '-o', 'json']),
    ).items.map((pod: { spec: { nodeName: string } }) => pod.spec.nodeName);
    expect(nodes.sort()).toEqual(['k3s-server', 'mcp-node']);
    // The DaemonSet controller's own tolerations (AddOrUpdateDaemonPodTolerations): not-ready and unreachable
    // with NoExecute only; network-unavailable would be added only on the host network.
    const [agent] = JSON.parse(
      await session.ok(['get', 'pods', '-n', 'kube-system', '-l', 'app=node-agent', '-o', 'json']),
    ).items;
    expect(agent.spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
    ]);

    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate' },
      spec: {
        template: {
          spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image: 'ghcr.io/sophia-ai/backend:1.4.0' }] },
        },
      },
    };
    await session.ok(['apply', '-f', '-'], { stdin: JSON.stringify(job) });
    expect(await session.ok(['wait', '--for=condition=complete', 'job/migrate', '--timeout=20s'])).toContain(
      'job.batch/migrate condition met',
    );
  });
}

describe.each([plain, ...versioned])('$label DaemonSet rolling update', (flavour) => {
  let session: KubectlSession;
  beforeAll(async () => {
    session = await openSession(flavour);
  });
  afterAll(() => session.close());

  test('a broken image replaces one pod at a time, and an undo replaces the unavailable pod at once', async () => {
    const daemonSet = (image: string): string =>
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'edge-agent' },
        spec: {
          selector: { matchLabels: { app: 'edge-agent' } },
          template: {
            metadata: { labels: { app: 'edge-agent' } },
            spec: { containers: [{ name: 'agent', image }] },
          },
        },
      });
    await session.ok(['apply', '-f', '-'], { stdin: daemonSet('ghcr.io/sophia-ai/agent:1') });
    await session.ok(['rollout', 'status', 'daemonset/edge-agent', '--timeout=20s']);
    await session.ok(['apply', '-f', '-'], { stdin: daemonSet('ghcr.io/sophia-ai/agent:broken') });
    const images = async (): Promise<string[]> =>
      JSON.parse(await session.ok(['get', 'pods', '-l', 'app=edge-agent', '-o', 'json'])).items.map(
        (pod: { spec: { containers: Array<{ image: string }> } }) => pod.spec.containers[0].image,
      );
    // maxUnavailable defaults to 1: the new pod never becomes available, so the other node keeps its old pod.
    await eventually(async () => ((await images()).includes('ghcr.io/sophia-ai/agent:broken') ? true : undefined));
    const stuck = await session.run(['rollout', 'status', 'daemonset/edge-agent', '--timeout=3s']);
    expect(stuck.code).toBe(1);
    expect((await images()).sort()).toEqual(['ghcr.io/sophia-ai/agent:1', 'ghcr.io/sophia-ai/agent:broken']);
    await session.ok(['rollout', 'undo', 'daemonset/edge-agent']);
    expect(await session.ok(['rollout', 'status', 'daemonset/edge-agent', '--timeout=20s'])).toContain(
      'daemon set "edge-agent" successfully rolled out',
    );
    expect(await images()).toEqual(['ghcr.io/sophia-ai/agent:1', 'ghcr.io/sophia-ai/agent:1']);
  });
});

describe(`${plain.label} workloads`, () => workloadScenarios(plain, true));
describe.each(versioned)('$label workloads', (flavour) => workloadScenarios(flavour, false));

describe(`${plain.label} pod lifecycle`, () => {
  let session: KubectlSession;
  beforeAll(async () => {
    session = await openSession(plain, { timings: { podTerminationMs: 2000 } });
  });
  afterAll(() => session.close());

  test('deleted pods are Terminating for a while; logs come from started containers only', async () => {
    await session.ok(['apply', '-f', '-'], { stdin: simple('lifecycle', 1) });
    await session.ok(['rollout', 'status', 'deployment/lifecycle', '--timeout=20s']);
    const [pod] = JSON.parse(await session.ok(['get', 'pods', '-l', 'app=lifecycle', '-o', 'json'])).items;
    expect(await session.ok(['logs', `pod/${pod.metadata.name}`])).toContain(
      'simulated container app (ghcr.io/sophia-ai/lifecycle:1)',
    );
    await session.ok(['delete', 'pod', pod.metadata.name, '--wait=false']);
    expect(session.cluster.get('Pod', 'default', pod.metadata.name)?.metadata.deletionTimestamp).toBeDefined();
    expect(await session.ok(['get', 'pod', pod.metadata.name])).toMatch(/Terminating/);
    await session.ok(['wait', '--for=delete', `pod/${pod.metadata.name}`, '--timeout=10s']);
    await session.ok(['rollout', 'status', 'deployment/lifecycle', '--timeout=20s']);

    await session.ok(['set', 'image', 'deployment/lifecycle', 'app=ghcr.io/sophia-ai/lifecycle:broken']);
    const failing = await eventually(async () => {
      const pods = JSON.parse(await session.ok(['get', 'pods', '-l', 'app=lifecycle', '-o', 'json'])).items;
      return pods.find((candidate: { spec: { containers: Array<{ image: string }> } }) =>
        candidate.spec.containers[0].image.endsWith(':broken'),
      );
    });
    const logs = await session.run(['logs', `pod/${failing.metadata.name}`]);
    expect(logs.code).toBe(1);
    expect(logs.stderr).toMatch(/is waiting to start: (ContainerCreating|trying and failing to pull image)/);
  });
});
