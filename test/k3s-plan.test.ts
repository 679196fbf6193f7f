/**
 * The Kubernetes deploy plan (a dry run's `kubernetesPlan`), on the default kubectl and the minors
 * dealt to this file, also over SSH (sharedKubectl): a plan changes nothing in the cluster (every
 * object the simulator stores, of every kind, namespace and node, is the same after it), and the deploy right after it does what it said:
 * the same objects created, configured and left alone, the fields and images it named.
 */
import {
  deployManifests,
  kubernetesPlan,
  loadManifests,
  prepareManifests,
  type KubeObject,
  type KubernetesPlan,
} from '@sophia/kubernetes';
import { useClusterTestBed } from './fixtures/cluster.js';
import { FAST_DEPLOY, sharedKubectl } from './fixtures/kube-kit.js';

const NS = 'plans';
const API = 'registry.example/api';

function manifests(version: { image: string; level: string; token: string; replicas: number }): string {
  return `apiVersion: v1
kind: ConfigMap
metadata: {name: api-config, namespace: ${NS}}
data: {LOG_LEVEL: ${version.level}}
---
apiVersion: v1
kind: Secret
metadata: {name: api-secrets, namespace: ${NS}}
stringData: {API_TOKEN: ${version.token}}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: ${NS}}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: 8000}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: ${NS}}
spec:
  replicas: ${version.replicas}
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: ${version.image}
          envFrom: [{configMapRef: {name: api-config}}, {secretRef: {name: api-secrets}}]
`;
}

describe.each(sharedKubectl('k3s-plan'))('$label', ({ binary, serverVersion, transport }) => {
  const bed = useClusterTestBed({ kubectl: binary, version: serverVersion, transport, namespaces: [NS] });

  /**
   * Everything the cluster stores, every kind in every namespace and the nodes, as
   * `plural.group/namespace/name` -> the whole object: what a plan must leave as it is.
   */
  function snapshot(): Record<string, string> {
    const found: Record<string, string> = {};
    for (const { type, object } of bed.cluster.cluster.store.allObjects())
      found[`${type.plural}.${type.group}/${object.metadata.namespace ?? ''}/${object.metadata.name}`] =
        JSON.stringify(object);
    return found;
  }

  function load(version: Parameters<typeof manifests>[0]) {
    const file = bed.workspace.write('app.yaml', manifests(version));
    return prepareManifests(loadManifests({ patterns: [file], cwd: bed.workspace.dir }), { images: new Map() });
  }

  async function plan(version: Parameters<typeof manifests>[0]): Promise<KubernetesPlan> {
    const before = snapshot();
    expect(Object.keys(before).some((key) => key.startsWith('nodes.'))).toBe(true);
    const made = kubernetesPlan(await deployManifests(bed.kubectl, load(version), { ...FAST_DEPLOY, dryRun: true }));
    expect(snapshot()).toEqual(before);
    // The plan is one JSON document: it survives the output's round trip whole.
    expect(JSON.parse(JSON.stringify(made))).toEqual(made);
    return made;
  }

  const get = (kind: string, name: string) => bed.cluster.observer.get({ kind, name, namespace: NS });

  test('a first plan names every object to create and every image, and creates nothing; the deploy then creates exactly those', async () => {
    const first = { image: `${API}:1.0.0`, level: 'info', token: 'first-token', replicas: 1 };
    const planned = await plan(first);
    expect(planned.schema).toBe('sophia.deploy-plan/v1');
    expect(planned.counts).toEqual({ created: 4, configured: 0, unchanged: 0 });
    expect(planned.images).toEqual([{ workload: `${NS}/Deployment/api`, container: 'api', to: `${API}:1.0.0` }]);
    expect(await get('Deployment', 'api')).toBeUndefined();

    const report = await deployManifests(bed.kubectl, load(first), FAST_DEPLOY);
    expect(report.applied.map(({ kind, name, action }) => ({ kind, name, action }))).toEqual(
      planned.objects.map(({ kind, name, action }) => ({ kind, name, action })),
    );
  });

  test('a plan against live objects lists the fields and image it would change, Secret values as fingerprints only, and the deploy changes those', async () => {
    const second = { image: `${API}:2.0.0`, level: 'debug', token: 'second-token', replicas: 2 };
    const planned = await plan(second);
    expect(planned.counts).toEqual({ created: 0, configured: 3, unchanged: 1 });
    const byObject = new Map(planned.objects.map((object) => [object.object, object]));
    expect(byObject.get(`${NS}/Service/api`)).toEqual({
      object: `${NS}/Service/api`,
      kind: 'Service',
      namespace: NS,
      name: 'api',
      action: 'unchanged',
    });
    expect(byObject.get(`${NS}/ConfigMap/api-config`)?.changes).toEqual([
      { path: 'data.LOG_LEVEL', op: 'replace', before: 'info', after: 'debug' },
    ]);
    const deployment = byObject.get(`${NS}/Deployment/api`)?.changes ?? [];
    expect(deployment).toEqual(
      expect.arrayContaining([
        { path: 'spec.replicas', op: 'replace', before: 1, after: 2 },
        {
          path: 'spec.template.spec.containers[name=api].image',
          op: 'replace',
          before: `${API}:1.0.0`,
          after: `${API}:2.0.0`,
        },
      ]),
    );
    // Only the fields the manifests changed: nothing the server manages (status, resourceVersion...).
    expect(
      deployment.map((change) => change.path).filter((path) => /status|resourceVersion|managedFields/.test(path)),
    ).toEqual([]);
    const secret = byObject.get(`${NS}/Secret/api-secrets`)?.changes ?? [];
    expect(secret).toEqual([
      {
        path: 'data.API_TOKEN',
        op: 'replace',
        before: expect.stringMatching(/^\(redacted [0-9a-f]{8}\)$/),
        after: expect.stringMatching(/^\(redacted [0-9a-f]{8}\)$/),
      },
    ]);
    expect(secret[0].before).not.toBe(secret[0].after);
    const text = JSON.stringify(planned);
    for (const secretText of ['first-token', 'second-token', Buffer.from('second-token').toString('base64')])
      expect(text).not.toContain(secretText);
    expect(planned.images).toEqual([
      { workload: `${NS}/Deployment/api`, container: 'api', from: `${API}:1.0.0`, to: `${API}:2.0.0` },
    ]);

    const report = await deployManifests(bed.kubectl, load(second), FAST_DEPLOY);
    expect(report.applied.map(({ kind, name, action }) => ({ kind, name, action }))).toEqual(
      planned.objects.map(({ kind, name, action }) => ({ kind, name, action })),
    );
    const live = (await get('Deployment', 'api')) as KubeObject;
    const container = (live.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec
      .containers[0];
    expect(container.image).toBe(planned.images[0].to);
    expect(live.spec?.replicas).toBe(2);
    expect((await get('ConfigMap', 'api-config'))?.data).toEqual({ LOG_LEVEL: 'debug' });
    // Planned again now: nothing left to change.
    expect((await plan(second)).counts).toEqual({ created: 0, configured: 0, unchanged: 4 });
  });
});
