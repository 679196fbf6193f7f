/**
 * What a fresh k3s server has, seen through real kubectl: its bundled CRDs, the local-path default
 * StorageClass, the traefik IngressClass, kube-system's workloads; and IngressRoute, Middleware and
 * HelmChart objects applied, read, diffed and deleted, server-side and client-side.
 */
import { readFileSync } from 'node:fs';
import { eventually, fixture, kubectlFlavours, openSession, type KubectlSession } from './kubectl-harness.js';

const traefik = readFileSync(fixture('traefik.yaml'), 'utf8');
const OBJECTS = [
  'middleware.traefik.io/strip-api',
  'ingressroute.traefik.io/backend',
  'helmchart.helm.cattle.io/redis',
];

// The oldest and newest kubectl (OpenAPI v2 and v3 validation) prove it; plain kubectl adds nothing here.
const versioned = kubectlFlavours().filter((flavour) => flavour.label !== 'kubectl');
const flavours = versioned.length > 0 ? versioned : kubectlFlavours();

describe.each(flavours)('$label k3s defaults', (flavour) => {
  let session: KubectlSession;

  beforeAll(async () => {
    session = await openSession(flavour);
    await session.ok(['apply', '-f', '-'], { stdin: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n' });
  });
  afterAll(() => session.close());

  test('a fresh server has the CRDs, storage class, ingress class and kube-system workloads of k3s', async () => {
    const crds = (await session.ok(['get', 'crd', '-o', 'name'])).trim().split('\n');
    expect(crds).toEqual(
      expect.arrayContaining([
        'customresourcedefinition.apiextensions.k8s.io/ingressroutes.traefik.io',
        'customresourcedefinition.apiextensions.k8s.io/middlewares.traefik.io',
        'customresourcedefinition.apiextensions.k8s.io/ingressroutes.traefik.containo.us',
        'customresourcedefinition.apiextensions.k8s.io/middlewares.traefik.containo.us',
        'customresourcedefinition.apiextensions.k8s.io/helmcharts.helm.cattle.io',
        'customresourcedefinition.apiextensions.k8s.io/helmchartconfigs.helm.cattle.io',
        'customresourcedefinition.apiextensions.k8s.io/addons.k3s.cattle.io',
      ]),
    );
    expect(await session.ok(['get', 'storageclass'])).toMatch(
      /^local-path \(default\)\s+rancher\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+\S+$/m,
    );
    expect(await session.ok(['get', 'ingressclass'])).toMatch(/^traefik\s+traefik\.io\/ingress-controller\s/m);
    await session.ok(['rollout', 'status', 'deployment/coredns', '-n', 'kube-system', '--timeout=20s']);
    const deployments = await session.ok(['get', 'deployments', '-n', 'kube-system', '-o', 'name']);
    expect(deployments.trim().split('\n')).toEqual([
      'deployment.apps/coredns',
      'deployment.apps/local-path-provisioner',
      'deployment.apps/metrics-server',
      'deployment.apps/traefik',
    ]);
    expect(await session.ok(['get', 'helmcharts', '-n', 'kube-system', '-o', 'name'])).toBe(
      'helmchart.helm.cattle.io/traefik\nhelmchart.helm.cattle.io/traefik-crd\n',
    );
    expect(await session.ok(['get', 'svc', 'kube-dns', '-n', 'kube-system', '-o', 'jsonpath={.spec.clusterIP}'])).toBe(
      '10.43.0.10',
    );
  });

  test('IngressRoute, Middleware and HelmChart: server-side apply, get, diff, delete; a HelmChart warns that it is not installed', async () => {
    const applied = await session.run(['apply', '--server-side', '-n', 'web', '-f', '-'], { stdin: traefik });
    expect(applied.code).toBe(0);
    expect(applied.stdout.trim().split('\n')).toEqual(OBJECTS.map((name) => `${name} serverside-applied`));
    expect(applied.stderr).toContain(
      'Warning: HelmChart is stored but helm-controller is not simulated: no helm-install Job runs and the chart is not installed',
    );
    // Both Traefik groups define IngressRoute; kubectl resolves the bare name to the first group discovery lists.
    expect(await session.run(['get', 'ingressroute', 'backend', '-n', 'web'])).toMatchObject({
      code: 1,
      stderr: 'Error from server (NotFound): ingressroutes.traefik.containo.us "backend" not found\n',
    });
    const route = JSON.parse(
      await session.ok(['get', 'ingressroute.traefik.io', 'backend', '-n', 'web', '-o', 'json']),
    );
    expect(route.spec.routes[0]).toMatchObject({ kind: 'Rule', middlewares: [{ name: 'strip-api' }] });
    expect(await session.ok(['get', 'helmchart', 'redis', '-n', 'web'])).toMatch(
      /^redis\s+https:\/\/charts\.example\/stable\s+redis\s+19\.0\.1\s+data\s/m,
    );
    expect(await session.run(['diff', '--server-side', '-n', 'web', '-f', '-'], { stdin: traefik })).toMatchObject({
      code: 0,
      stdout: '',
    });
    const changed = await session.run(['diff', '--server-side', '-n', 'web', '-f', '-'], {
      stdin: traefik.replace('prefixes: [/api]', 'prefixes: [/api, /v1]'),
    });
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/^\+\s+- \/v1$/m);

    const typo = await session.run(['apply', '--server-side', '-n', 'web', '-f', '-'], {
      stdin: traefik.replace('entryPoints: [websecure]', 'entrypoints: [websecure]'),
    });
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('.spec.entrypoints: field not declared in schema');

    const deleted = await session.ok(['delete', '-n', 'web', '-f', '-'], { stdin: traefik });
    expect(deleted.trim().split('\n')).toEqual(OBJECTS.map((name) => name.replace(/\/(.*)$/, ' "$1" deleted')));
  });

  test('IngressRoute, Middleware and HelmChart: client-side apply, get, diff, delete', async () => {
    const applied = await session.ok(['apply', '-n', 'web', '-f', '-'], { stdin: traefik });
    expect(applied.trim().split('\n')).toEqual(OBJECTS.map((name) => `${name} created`));
    expect(
      await session.ok([
        'get',
        'middleware.traefik.io',
        'strip-api',
        '-n',
        'web',
        '-o',
        'jsonpath={.spec.stripPrefix.prefixes}',
      ]),
    ).toBe('["/api"]');
    expect(await session.run(['diff', '-n', 'web', '-f', '-'], { stdin: traefik })).toMatchObject({
      code: 0,
      stdout: '',
    });
    const updated = await session.ok(['apply', '-n', 'web', '-f', '-'], {
      stdin: traefik.replace('port: 8000', 'port: 8080'),
    });
    expect(updated).toContain('ingressroute.traefik.io/backend configured');
    expect(session.cluster.get('IngressRoute.traefik.io', 'web', 'backend')?.spec.routes[0].services[0].port).toBe(
      8080,
    );
    const deleted = await session.ok(['delete', '-n', 'web', '-f', '-'], { stdin: traefik });
    expect(deleted.trim().split('\n')).toEqual(OBJECTS.map((name) => name.replace(/\/(.*)$/, ' "$1" deleted')));
  });

  test('a claim of the default local-path class stays Pending until a pod using it is scheduled, then binds', async () => {
    await session.ok(['apply', '-n', 'web', '-f', '-'], {
      stdin: `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests: { storage: 2Gi }
`,
    });
    await eventually(() =>
      session.cluster.get('PersistentVolumeClaim', 'web', 'data')?.status?.phase ? true : undefined,
    );
    expect(await session.ok(['get', 'pvc', 'data', '-n', 'web'])).toMatch(/^data\s+Pending\s+local-path\s/m);
    const events = await session.ok(['get', 'events', '-n', 'web', '--field-selector', 'involvedObject.name=data']);
    expect(events).toContain('waiting for first consumer to be created before binding');
    await session.ok(['apply', '-n', 'web', '-f', '-'], {
      stdin: `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  selector:
    matchLabels: { app: db }
  template:
    metadata:
      labels: { app: db }
    spec:
      containers:
        - name: db
          image: registry.example/db:16
          volumeMounts: [{ name: data, mountPath: /var/lib/db }]
      volumes:
        - name: data
          persistentVolumeClaim: { claimName: data }
`,
    });
    await session.ok(['rollout', 'status', 'statefulset/db', '-n', 'web', '--timeout=20s']);
    await eventually(() =>
      session.cluster.get('PersistentVolumeClaim', 'web', 'data')?.status?.phase === 'Bound' ? true : undefined,
    );
    const claim = await session.ok(['get', 'pvc', 'data', '-n', 'web']);
    expect(claim).toMatch(/^data\s+Bound\s+pvc-\S+\s+2Gi\s+RWO\s+local-path\s/m);
    const node = session.cluster.get('Pod', 'web', 'db-0')?.spec.nodeName;
    const volume = session.cluster.list('PersistentVolume')[0];
    expect(volume.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values).toEqual([node]);
    await session.ok(['delete', 'statefulset/db', 'pvc/data', '-n', 'web']);
    await eventually(() => (session.cluster.list('PersistentVolume').length === 0 ? true : undefined));
  });
});
