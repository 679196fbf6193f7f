/**
 * Controllers a deploy's outcome depends on, through real kubectl: a namespace being deleted is
 * Terminating and refuses new objects, then goes with its contents; a PodDisruptionBudget reports
 * its status and holds back evictions and drains.
 */
import { eventually, kubectlFlavours, openSession, type KubectlSession } from './kubectl-harness.js';

const workload = (name: string, replicas: number): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      containers:
        - name: ${name}
          image: registry.example/${name}:1
`;

/**
 * An application's manifest as people write it: its Namespace first, then what lives in it
 * (`settings` ConfigMaps, enough that kubectl's deletes outlast a controller pass).
 */
const application = (name: string, settings = 1): string => `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
---
${Array.from(
  { length: settings },
  (_, index) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}-${index}
  namespace: ${name}
data:
  a: b
---
`,
).join('')}${workload(name, 2).replace(`name: ${name}\n`, `name: ${name}\n  namespace: ${name}\n`)}---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${name}
spec:
  selector: { app: ${name} }
  ports: [{ port: 80 }]
`;

// One version proves these server behaviours; the newest kubectl drives them.
const newest = kubectlFlavours().slice(-1);

describe.each(newest)('$label namespace and disruption lifecycle', (flavour) => {
  let session: KubectlSession;

  beforeAll(async () => {
    session = await openSession(flavour);
  });
  afterAll(() => session.close());

  test('a deleted namespace is Terminating, refuses new objects, then goes with its contents', async () => {
    await session.ok(['create', 'namespace', 'doomed']);
    await session.ok(['apply', '-n', 'doomed', '-f', '-'], {
      stdin: `${workload('worker', 2)}---
apiVersion: v1
kind: ConfigMap
metadata:
  name: held
  finalizers: [example.com/hold]
data:
  a: b
`,
    });
    await session.ok(['rollout', 'status', 'deployment/worker', '-n', 'doomed', '--timeout=20s']);
    expect(await session.ok(['delete', 'namespace', 'doomed', '--wait=false'])).toContain('namespace "doomed" deleted');

    // The ConfigMap's finalizer holds the namespace in Terminating, as any finalizer does on a real cluster.
    await eventually(() => (session.cluster.list('Pod', 'doomed').length === 0 ? true : undefined), 10000);
    expect(session.cluster.list('Deployment', 'doomed')).toEqual([]);
    expect(await session.ok(['get', 'namespace', 'doomed'])).toMatch(/^doomed\s+Terminating\s+\S+$/m);
    const namespace = session.cluster.get('Namespace', undefined, 'doomed');
    expect(namespace?.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain' }),
    );
    // The five conditions of the real namespace deleter, in its order, with its message forms.
    const conditions = await eventually(async () => {
      const found = JSON.parse(await session.ok(['get', 'namespace', 'doomed', '-o', 'json'])).status.conditions;
      return found.find((condition: { message: string }) => condition.message.includes('configmaps. has 1'))
        ?.message === 'Some resources are remaining: configmaps. has 1 resource instances'
        ? found
        : undefined;
    });
    expect(
      conditions.map(({ type, status, reason, message }: Record<string, string>) => ({
        type,
        status,
        reason,
        message,
      })),
    ).toEqual([
      {
        type: 'NamespaceDeletionDiscoveryFailure',
        status: 'False',
        reason: 'ResourcesDiscovered',
        message: 'All resources successfully discovered',
      },
      {
        type: 'NamespaceDeletionGroupVersionParsingFailure',
        status: 'False',
        reason: 'ParsedGroupVersions',
        message: 'All legacy kube types successfully parsed',
      },
      {
        type: 'NamespaceDeletionContentFailure',
        status: 'False',
        reason: 'ContentDeleted',
        message: 'All content successfully deleted, may be waiting on finalization',
      },
      {
        type: 'NamespaceContentRemaining',
        status: 'True',
        reason: 'SomeResourcesRemain',
        message: 'Some resources are remaining: configmaps. has 1 resource instances',
      },
      {
        type: 'NamespaceFinalizersRemaining',
        status: 'True',
        reason: 'SomeFinalizersRemain',
        message: 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances',
      },
    ]);
    const refused = await session.run(['create', 'configmap', 'late', '-n', 'doomed', '--from-literal=a=b']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated',
    );

    await session.ok([
      'patch',
      'configmap',
      'held',
      '-n',
      'doomed',
      '--type=merge',
      '-p',
      '{"metadata":{"finalizers":null}}',
    ]);
    await session.ok(['wait', '--for=delete', 'namespace/doomed', '--timeout=20s']);
    expect(session.cluster.list('ConfigMap', 'doomed')).toEqual([]);
    await session.ok(['create', 'namespace', 'doomed']);
  });

  test('kubectl delete -f of an app listing its Namespace first deletes every object, as on a real server', async () => {
    await session.ok(['apply', '-f', '-'], { stdin: application('shop', 25) });
    await session.ok(['rollout', 'status', 'deployment/shop', '-n', 'shop', '--timeout=20s']);
    const deleted = await session.ok(['delete', '-f', '-'], { stdin: application('shop', 25) });
    expect(deleted.trim().split('\n')).toEqual([
      'namespace "shop" deleted',
      ...Array.from({ length: 25 }, (_, index) => `configmap "shop-${index}" deleted`),
      'deployment.apps "shop" deleted',
      'service "shop" deleted',
    ]);
    expect(session.cluster.get('Namespace', undefined, 'shop')).toBeUndefined();
  });

  test('a PodDisruptionBudget reports its status and refuses the eviction that would break it; drain waits for it', async () => {
    await session.ok(['apply', '-f', '-'], {
      stdin: `${workload('guarded', 2)}---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: guarded
spec:
  minAvailable: 2
  selector:
    matchLabels: { app: guarded }
`,
    });
    await session.ok(['rollout', 'status', 'deployment/guarded', '--timeout=20s']);
    await eventually(() =>
      session.cluster.get('PodDisruptionBudget', 'default', 'guarded')?.status?.currentHealthy === 2 ? true : undefined,
    );
    expect(await session.ok(['get', 'pdb', 'guarded'])).toMatch(/^guarded\s+2\s+N\/A\s+0\s+\S+$/m);
    const budget = session.cluster.get('PodDisruptionBudget', 'default', 'guarded');
    expect(budget?.status).toMatchObject({
      expectedPods: 2,
      currentHealthy: 2,
      desiredHealthy: 2,
      disruptionsAllowed: 0,
    });
    expect(budget?.status.conditions[0]).toMatchObject({
      type: 'DisruptionAllowed',
      status: 'False',
      reason: 'InsufficientPods',
    });

    const node = session.cluster.list('Pod', 'default').find((pod) => pod.metadata.labels?.app === 'guarded')?.spec
      .nodeName as string;
    const drain = await session.run(
      ['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=3s', '--pod-selector=app=guarded'],
      { timeoutMs: 30000 },
    );
    expect(drain.code).toBe(1);
    expect(drain.stderr).toContain("Cannot evict pod as it would violate the pod's disruption budget.");
    expect(session.cluster.list('Pod', 'default').filter((pod) => pod.metadata.labels?.app === 'guarded')).toHaveLength(
      2,
    );

    // With room in the budget the same drain evicts, and the Deployment replaces the pods elsewhere.
    await session.ok(['patch', 'pdb', 'guarded', '--type=merge', '-p', '{"spec":{"minAvailable":1}}']);
    await eventually(() =>
      session.cluster.get('PodDisruptionBudget', 'default', 'guarded')?.status?.disruptionsAllowed === 1
        ? true
        : undefined,
    );
    const drained = await session.ok(
      ['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=30s', '--pod-selector=app=guarded'],
      { timeoutMs: 40000 },
    );
    expect(drained).toContain(`node/${node} drained`);
    await session.ok(['uncordon', node]);
  });
});

// Slow pod termination and an eager namespace controller: the namespace still outlasts its pods.
describe.each(newest)('$label namespace deletion with slow pod termination', (flavour) => {
  let session: KubectlSession;

  beforeAll(async () => {
    session = await openSession(flavour, { timings: { podTerminationMs: 1500, namespaceDeletionDelayMs: 0 } });
  });
  afterAll(() => session.close());

  test('kubectl delete -f of an app listing its Namespace first exits 0', async () => {
    await session.ok(['apply', '-f', '-'], { stdin: application('shop', 25) });
    await session.ok(['rollout', 'status', 'deployment/shop', '-n', 'shop', '--timeout=20s']);
    const deleted = await session.run(['delete', '-f', '-'], { stdin: application('shop', 25) });
    expect(deleted.stderr).toBe('');
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain('service "shop" deleted');
  });
});

// A slow client (a loaded runner, a long manifest) deleting what a Terminating namespace holds: the
// controller waits for its writes to stop, so each delete still finds its object.
describe.each(newest)('$label namespace deletion while kubectl is still deleting its content', (flavour) => {
  let session: KubectlSession;

  beforeAll(async () => {
    session = await openSession(flavour, { timings: { namespaceDeletionDelayMs: 4000 } });
  });
  afterAll(() => session.close());

  // Deletes 800 ms apart plus kubectl's start (seconds on a loaded machine, still under the 4 s delay)
  // span well over the delay in all.
  test('deletes spread over more than the delay after the namespace delete each find their object', async () => {
    const names = ['one', 'two', 'three', 'four', 'five', 'six'];
    await session.ok(['create', 'namespace', 'slow']);
    for (const name of names) await session.ok(['create', 'configmap', name, '-n', 'slow']);
    await session.ok(['delete', 'namespace', 'slow', '--wait=false']);
    for (const name of names) {
      await new Promise((resolve) => setTimeout(resolve, 800));
      const deleted = await session.run(['delete', 'configmap', name, '-n', 'slow', '--wait=false']);
      expect(deleted.stderr).toBe('');
      expect(deleted.stdout).toContain(`configmap "${name}" deleted`);
    }
    const gone = await eventually(async () => {
      const read = await session.run(['get', 'namespace', 'slow']);
      return read.stderr.includes('NotFound') ? read : undefined;
    }, 15000);
    expect(gone.code).toBe(1);
  });
});
