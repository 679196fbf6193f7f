/**
 * Real kubectl (1.27, 1.33 and plain) applies, reads, diffs and deletes the built-in kinds an
 * ordinary k3s application ships beside its workloads: an HPA with its Deployment, a PDB, a
 * NetworkPolicy, RBAC, a PVC used by a StatefulSet, a StorageClass, a ResourceQuota, a LimitRange.
 */
import { readFileSync } from 'node:fs';
import { eventually, fixture, kubectlFlavours, openSession, type KubectlSession } from './kubectl-harness.js';

const namespaced = readFileSync(fixture('builtin-kinds.yaml'), 'utf8');
const clusterScoped = readFileSync(fixture('cluster-kinds.yaml'), 'utf8');
const namespace = (name: string): string => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;

const EXPECTED_APPLIED = [
  'deployment.apps/api',
  'horizontalpodautoscaler.autoscaling/api',
  'poddisruptionbudget.policy/api',
  'networkpolicy.networking.k8s.io/api-ingress',
  'role.rbac.authorization.k8s.io/api-reader',
  'rolebinding.rbac.authorization.k8s.io/api-reader',
  'resourcequota/compute',
  'limitrange/defaults',
  'persistentvolumeclaim/cache',
  'statefulset.apps/cache',
];

/** `deployment.apps/api` -> `deployment.apps "api" deleted`, as kubectl delete reports it. */
const deletedLine = (name: string): string => name.replace(/\/(.*)$/, ' "$1" deleted');

describe.each(kubectlFlavours())('$label built-in kinds', (flavour) => {
  let session: KubectlSession;

  beforeAll(async () => {
    session = await openSession(flavour);
    await session.ok(['apply', '-f', '-'], { stdin: namespace('shop') + '---\n' + namespace('store') });
  });
  afterAll(() => session.close());

  test('server-side apply, get, diff and delete; the HPA lifts its Deployment to minReplicas; the PVC binds', async () => {
    const cluster = await session.ok(['apply', '--server-side', '-f', '-'], { stdin: clusterScoped });
    expect(cluster.trim().split('\n')).toEqual([
      'storageclass.storage.k8s.io/fast-local serverside-applied',
      'clusterrole.rbac.authorization.k8s.io/api-node-reader serverside-applied',
      'clusterrolebinding.rbac.authorization.k8s.io/api-node-reader serverside-applied',
    ]);
    const applied = await session.ok(['apply', '--server-side', '-n', 'shop', '-f', '-'], { stdin: namespaced });
    expect(applied.trim().split('\n')).toEqual(EXPECTED_APPLIED.map((name) => `${name} serverside-applied`));

    const hpa = JSON.parse(await session.ok(['get', 'hpa', 'api', '-n', 'shop', '-o', 'json']));
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.metrics[0].resource.target.averageUtilization).toBe(70);
    // The Deployment asks for 1 replica; the HPA's minimum is 2, written through the scale subresource.
    const scaled = await eventually(() => {
      const deployment = session.cluster.get('Deployment', 'shop', 'api');
      return deployment?.spec.replicas === 2 ? deployment : undefined;
    });
    expect(scaled.metadata.managedFields).toContainEqual(
      expect.objectContaining({ manager: 'k3s', operation: 'Update', subresource: 'scale' }),
    );
    await session.ok(['rollout', 'status', 'deployment/api', '-n', 'shop', '--timeout=20s']);
    const hpaTable = await session.ok(['get', 'hpa', '-n', 'shop']);
    expect(hpaTable).toMatch(/^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE$/m);
    expect(hpaTable).toMatch(/^api\s+Deployment\/api\s+.*\s2\s+4\s+2\s+\S+$/m);
    // Servers from 1.30 name the metric in TARGETS (kubernetes PR #122804); older ones print the values alone.
    const minor = Number(/^v1\.(\d+)/.exec(flavour.clusterVersion)?.[1]);
    expect(hpaTable).toMatch(minor >= 30 ? /\scpu: <unknown>\/70%\s/ : /\s<unknown>\/70%\s+2\s/);

    // The local-path-style class waits for the first consumer: the claim binds once the StatefulSet's pod is scheduled.
    await session.ok(['rollout', 'status', 'statefulset/cache', '-n', 'shop', '--timeout=20s']);
    const claim = await eventually(() => {
      const found = session.cluster.get('PersistentVolumeClaim', 'shop', 'cache');
      return found?.status?.phase === 'Bound' ? found : undefined;
    });
    expect(claim.spec.volumeName).toBe(`pvc-${claim.metadata.uid}`);
    expect(await session.ok(['get', 'pvc', 'cache', '-n', 'shop'])).toMatch(
      /^cache\s+Bound\s+pvc-\S+\s+1Gi\s+RWO\s+fast-local\s/m,
    );
    expect(await session.ok(['get', 'pv'])).toMatch(
      /^pvc-\S+\s+1Gi\s+RWO\s+Delete\s+Bound\s+shop\/cache\s+fast-local\s/m,
    );

    const budget = await eventually(() => {
      const found = session.cluster.get('PodDisruptionBudget', 'shop', 'api');
      return found?.status?.currentHealthy === 2 ? found : undefined;
    });
    expect(budget.status).toMatchObject({ expectedPods: 2, desiredHealthy: 1, disruptionsAllowed: 1 });
    const listed = await session.ok([
      'get',
      'netpol,role,rolebinding,resourcequota,limitrange,pdb',
      '-n',
      'shop',
      '-o',
      'name',
    ]);
    expect(listed.trim().split('\n')).toEqual([
      'networkpolicy.networking.k8s.io/api-ingress',
      'role.rbac.authorization.k8s.io/api-reader',
      'rolebinding.rbac.authorization.k8s.io/api-reader',
      'resourcequota/compute',
      'limitrange/defaults',
      'poddisruptionbudget.policy/api',
    ]);

    const unchanged = await session.run(['diff', '--server-side', '-f', '-'], { stdin: clusterScoped });
    expect(unchanged).toMatchObject({ code: 0, stdout: '' });
    const changed = await session.run(['diff', '--server-side', '-n', 'shop', '-f', '-'], {
      stdin: namespaced.replace('minAvailable: 1', 'minAvailable: 2').replace('  replicas: 1\n', ''),
    });
    expect(changed).toMatchObject({ code: 1, stderr: '' });
    expect(changed.stdout).toMatch(/^-\s+minAvailable: 1$/m);
    expect(changed.stdout).toMatch(/^\+\s+minAvailable: 2$/m);

    const deleted = await session.ok(['delete', '-n', 'shop', '-f', '-'], { stdin: namespaced });
    expect(deleted.trim().split('\n')).toEqual(EXPECTED_APPLIED.map(deletedLine));
    await session.ok(['delete', '-f', '-'], { stdin: clusterScoped });
    expect(await session.run(['get', 'hpa,pdb,netpol,role,pvc', '-n', 'shop'])).toMatchObject({
      code: 0,
      stderr: 'No resources found in shop namespace.\n',
    });
    expect(session.cluster.list('StorageClass').map((found) => found.metadata.name)).not.toContain('fast-local');
  });

  test('client-side apply, get, diff and delete', async () => {
    const cluster = await session.ok(['apply', '-f', '-'], { stdin: clusterScoped });
    expect(cluster).toContain('storageclass.storage.k8s.io/fast-local created');
    const applied = await session.ok(['apply', '-n', 'store', '-f', '-'], { stdin: namespaced });
    expect(applied.trim().split('\n')).toEqual(EXPECTED_APPLIED.map((name) => `${name} created`));
    const role = JSON.parse(await session.ok(['get', 'role', 'api-reader', '-n', 'store', '-o', 'json']));
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }]);
    expect(role.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain('api-reader');
    const quota = await session.ok(['get', 'quota', 'compute', '-n', 'store', '-o', 'jsonpath={.spec.hard.pods}']);
    expect(quota).toBe('20');

    expect(await session.run(['diff', '-f', '-'], { stdin: clusterScoped })).toMatchObject({ code: 0, stdout: '' });
    const changed = await session.run(['diff', '-n', 'store', '-f', '-'], {
      stdin: namespaced.replace('verbs: [get, list, watch]', 'verbs: [get, list]'),
    });
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/^-\s+- watch$/m);
    const reapplied = await session.ok(['apply', '-n', 'store', '-f', '-'], {
      stdin: namespaced.replace('verbs: [get, list, watch]', 'verbs: [get, list]'),
    });
    expect(reapplied).toContain('role.rbac.authorization.k8s.io/api-reader configured');
    expect(session.cluster.get('Role', 'store', 'api-reader')?.rules[0].verbs).toEqual(['get', 'list']);

    const deleted = await session.ok(['delete', '-n', 'store', '-f', '-'], { stdin: namespaced });
    expect(deleted.trim().split('\n')).toEqual(EXPECTED_APPLIED.map(deletedLine));
    await session.ok(['delete', '-f', '-'], { stdin: clusterScoped });
  });

  test('strict field validation names the unknown field of a built-in kind', async () => {
    const typo = namespaced.replace('minAvailable: 1', 'minAvailable: 1\n  maxUnavailabel: 1');
    const serverSide = await session.run(['apply', '--server-side', '-n', 'shop', '-f', '-'], { stdin: typo });
    expect(serverSide.code).toBe(1);
    expect(serverSide.stderr).toContain(
      'failed to create typed patch object (shop/api; policy/v1, Kind=PodDisruptionBudget): .spec.maxUnavailabel: field not declared in schema',
    );
    const clientSide = await session.run(['apply', '-n', 'shop', '-f', '-'], { stdin: typo });
    expect(clientSide.code).toBe(1);
    expect(clientSide.stderr).toContain(
      'PodDisruptionBudget in version "v1" cannot be handled as a PodDisruptionBudget: strict decoding error: unknown field "spec.maxUnavailabel"',
    );
    await session.run(['delete', '-n', 'shop', '-f', '-', '--ignore-not-found'], { stdin: namespaced });
  });
});
