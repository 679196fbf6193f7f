import { startSshHost, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import {
  connectKubectl,
  deployManifests,
  DeployFailedError,
  loadManifests,
  ManifestError,
  manifestStream,
  openRemoteShell,
  prepareManifests,
  type DeployReport,
  type DeploySettings,
  type Kubectl,
} from '@sophia/kubernetes';
import { startTestCluster, type TestCluster } from './fixtures/cluster.js';
import { imageOf, sshConnection, Workspace, FAST_DEPLOY } from './fixtures/kube-kit.js';
import { FIXTURES_DIR, INVALID_YAML, OWN_NAMESPACE } from '@sophia-testing/manifests';

const BACKEND = 'ghcr.io/sophia-ai/backend';
const trace = {
  commit: '3f786850e387550fdab836ed7e6dc881de23001b',
  runUrl: 'https://github.com/sophia/sophia-ai/actions/runs/1',
  changeCause: 'test deploy',
};
const settings = FAST_DEPLOY;

/** The one message a field conflict gives: the object, the fields and their manager, and the ways out. */
const conflictMessage = (owners: string) =>
  `sophia/Deployment/sophia-backend: fields owned by another field manager, which the suite's field manager "sophia-deploy" would take: ${owners}. ` +
  'Another tool or a person (kubectl edit, scale, set) wrote them: remove these fields from the manifest, stop managing them elsewhere, or take them over with the input force-conflicts: true.';

/**
 * The same deploy story over both transports: kubectl here with a kubeconfig (HTTPS, the
 * simulator's CA), and kubectl on a "server" reached over real sshd.
 */
describe.each(['kubeconfig', 'ssh'] as const)('deploy-k3s-backend flow, kubectl via %s', (transport) => {
  let cluster: TestCluster;
  let sshHost: LocalSshHost | undefined;
  let kubectl: Kubectl;
  let workspace: Workspace;

  beforeAll(async () => {
    cluster = await startTestCluster();
    workspace = new Workspace('backend');
    if (transport === 'ssh') {
      sshHost = await startSshHost();
      kubectl = await connectKubectl(sshConnection(sshHost, cluster.kubectlCommand), { remoteShell: openRemoteShell });
    } else {
      kubectl = await connectKubectl({ mode: 'kubeconfig', kubeconfig: cluster.kubeconfig, kubectl: 'kubectl' });
    }
  });

  afterAll(async () => {
    await kubectl?.close();
    await sshHost?.stop();
    await cluster?.stop();
    workspace?.remove();
  });

  function deploy(
    images: Record<string, string> = {},
    overrides: Partial<DeploySettings> = {},
    patterns = ['kubernetes/production'],
  ): Promise<DeployReport> {
    const manifests = loadManifests({ patterns, cwd: workspace.dir, namespace: 'sophia' });
    return deployManifests(kubectl, prepareManifests(manifests, { images: new Map(Object.entries(images)), trace }), {
      ...settings,
      ...overrides,
    });
  }

  async function failure(promise: Promise<unknown>): Promise<Error> {
    try {
      await promise;
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected the deploy to fail');
  }

  test('the first deploy creates every object and rolls out revision 1', async () => {
    // The backend fixture names no Namespace: it deploys into one the cluster's admin made.
    await cluster.createNamespace('sophia');
    const report = await deploy();
    expect(report.applied.map((o) => `${o.kind}/${o.name} ${o.action}`)).toEqual([
      'Secret/sophia-backend-secrets created',
      'ConfigMap/sophia-backend-config created',
      'Service/sophia-backend created',
      'Deployment/sophia-backend created',
      'Ingress/sophia-backend created',
    ]);
    expect(report.revisions).toEqual({ 'sophia/Deployment/sophia-backend': '1' });
    expect(report.rollouts.map((r) => r.ok)).toEqual([true]);
    const live = await cluster.observer.get({ kind: 'Deployment', name: 'sophia-backend', namespace: 'sophia' });
    expect(live?.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('sophia-deploy');
    expect(live?.metadata.annotations?.['sophia.ai/commit']).toBe(trace.commit);
    expect(live?.status?.availableReplicas).toBe(2);
  });

  test('an image update configures only the Deployment and rolls out revision 2', async () => {
    const report = await deploy({ [BACKEND]: `${BACKEND}:1.5.0` });
    expect(
      report.applied.filter((o) => o.action !== 'unchanged').map((o) => `${o.kind}/${o.name} ${o.action}`),
    ).toEqual(['Deployment/sophia-backend configured']);
    expect(report.revisions).toEqual({ 'sophia/Deployment/sophia-backend': '2' });
    expect(
      imageOf(await cluster.observer.get({ kind: 'Deployment', name: 'sophia-backend', namespace: 'sophia' })),
    ).toBe(`${BACKEND}:1.5.0`);
  });

  test('a dry run reports the change of intent and changes nothing', async () => {
    const before = await cluster.observer.get({ kind: 'Deployment', name: 'sophia-backend', namespace: 'sophia' });
    const report = await deploy({ [BACKEND]: `${BACKEND}:9.9.9` }, { dryRun: true });
    const deployment = report.applied.find((o) => o.kind === 'Deployment');
    expect(deployment?.action).toBe('configured');
    expect(deployment?.diff).toContain(`-           image: ${BACKEND}:1.5.0`);
    expect(deployment?.diff).toContain(`+           image: ${BACKEND}:9.9.9`);
    expect(report.applied.filter((o) => o.kind !== 'Deployment').every((o) => o.action === 'unchanged')).toBe(true);
    const after = await cluster.observer.get({ kind: 'Deployment', name: 'sophia-backend', namespace: 'sophia' });
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
  });

  test('a failing image fails fast with the reason, and is rolled back to revision 2', async () => {
    const error = await failure(deploy({ [BACKEND]: cluster.failingImage(`${BACKEND}:1.6.0`) }));
    // Fast means on the pod's reason, not at the rollout timeout: the verdict names the reason.
    expect(error.message).not.toMatch(/within the rollout timeout/);
    expect(error).toBeInstanceOf(DeployFailedError);
    expect(error.message).toMatch(
      /^Rollout failed: sophia\/Deployment\/sophia-backend revision 3 cannot become ready: pod sophia-backend-\S+ is in (ImagePullBackOff|ErrImagePull)/,
    );
    expect(error.message).toContain('Rolled back sophia/Deployment/sophia-backend to revision 2.');
    const report = (error as DeployFailedError).report;
    expect(report.rolledBack).toBe(true);
    expect(report.rollbacks).toMatchObject([
      {
        ref: { kind: 'Deployment', name: 'sophia-backend', namespace: 'sophia' },
        failedRevision: '3',
        restoredRevision: '2',
      },
    ]);
    expect(
      report.rollouts[0].diagnostics?.pods.some((pod) =>
        pod.reasons.some((reason) => /ImagePullBackOff|ErrImagePull/.test(reason)),
      ),
    ).toBe(true);
    const live = await cluster.observer.get({ kind: 'Deployment', name: 'sophia-backend', namespace: 'sophia' });
    expect(imageOf(live)).toBe(`${BACKEND}:1.5.0`);
    expect(live?.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('4');
    expect(live?.metadata.annotations?.['sophia.ai/failed-revisions']).toBe('3');
    expect(live?.metadata.annotations?.['sophia.ai/failed-pod-templates']).toMatch(/^[a-z0-9]+$/);
    expect(live?.status?.availableReplicas).toBe(2);
  });

  test('the next deploy after a rollback goes through', async () => {
    const report = await deploy({ [BACKEND]: `${BACKEND}:1.6.1` });
    expect(report.revisions).toEqual({ 'sophia/Deployment/sophia-backend': '5' });
    const history = await kubectl.rolloutHistory({ kind: 'Deployment', name: 'sophia-backend', namespace: 'sophia' });
    expect(history).toMatch(/^5\s+test deploy$/m);
  });

  test('a conflict with another field manager is reported clearly and nothing is forced', async () => {
    const deployment = await cluster.observer.get({ kind: 'Deployment', name: 'sophia-backend', namespace: 'sophia' });
    await cluster.observer.run(
      ['apply', '--server-side', '--force-conflicts', '--field-manager=hpa-controller', '--filename', '-'],
      {
        stdin: manifestStream([
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: 'sophia-backend', namespace: 'sophia' },
            spec: { replicas: 4 },
          },
        ]),
      },
    );
    const error = await failure(deploy({ [BACKEND]: `${BACKEND}:1.7.0` }));
    expect(error).toBeInstanceOf(ManifestError);
    expect(error.message).toMatch(/^1 API server problem, nothing was applied:\n/);
    expect((error as ManifestError).problems).toEqual([
      {
        file: 'kubernetes/production/backend.yaml',
        line: 25,
        message: conflictMessage('.spec.replicas (field manager "hpa-controller")'),
      },
    ]);
    const live = await cluster.observer.get({ kind: 'Deployment', name: 'sophia-backend', namespace: 'sophia' });
    expect(imageOf(live)).toBe(imageOf(deployment));
  });

  test("a person's kubectl scale after the suite's own undo stops the deploy, naming only the person's field; force-conflicts takes it", async () => {
    const scaled = { kind: 'Deployment', name: 'sophia-backend', namespace: 'sophia' };
    await deploy({ [BACKEND]: `${BACKEND}:1.7.0` }, { forceConflicts: true });
    await failure(deploy({ [BACKEND]: cluster.failingImage(`${BACKEND}:1.8.0`) }));
    await cluster.observer.run(['scale', 'deployment/sophia-backend', '--namespace', 'sophia', '--replicas=5']);
    const error = await failure(deploy({ [BACKEND]: `${BACKEND}:1.8.1` }));
    expect(error).toBeInstanceOf(ManifestError);
    // The undo's image is the suite's own (its managedFields entry is the one the undo recorded);
    // the replicas are the person's, in an entry of the same manager name through the scale subresource.
    expect((error as ManifestError).problems.map((problem) => problem.message)).toEqual([
      conflictMessage('.spec.replicas (field manager "kubectl" through the scale subresource)'),
    ]);
    expect((await cluster.observer.get(scaled))?.spec?.replicas).toBe(5);
    const lines: string[] = [];
    await deploy({ [BACKEND]: `${BACKEND}:1.8.1` }, { forceConflicts: true, log: (line) => lines.push(line) });
    expect(lines.find((line) => line.startsWith('Taking fields from'))).toMatch(
      /^Taking fields from kubectl\S* because force-conflicts is true:\n.*\.spec\.replicas/s,
    );
    expect((await cluster.observer.get(scaled))?.spec?.replicas).toBe(2);
  });

  test('bad manifests are all reported with file and line, and nothing is applied', async () => {
    workspace.write('kubernetes/broken.yaml', INVALID_YAML);
    const { cpSync } = await import('node:fs');
    cpSync(`${FIXTURES_DIR}/bad`, `${workspace.dir}/bad`, { recursive: true });
    let error: unknown;
    try {
      loadManifests({
        patterns: ['kubernetes/broken.yaml', 'bad/missing-kind.yaml', 'bad/bad-name.yaml', 'kubernetes/production'],
        cwd: workspace.dir,
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).problems.map((p) => `${p.file}:${p.line}`)).toEqual([
      'kubernetes/broken.yaml:6',
      'bad/missing-kind.yaml:1',
      'bad/bad-name.yaml:4',
    ]);
    expect((error as Error).message).toContain('nothing was applied');
  });

  test('client-side apply (server-side: false) reports created, then unchanged', async () => {
    await cluster.createNamespace('legacy');
    const prepared = prepareManifests(
      loadManifests({ patterns: ['kubernetes/production'], cwd: workspace.dir, namespace: 'legacy' }),
      { trace },
    );
    const first = await deployManifests(kubectl, prepared, { ...settings, serverSide: false });
    expect(first.applied.map((o) => o.action)).toEqual(['created', 'created', 'created', 'created', 'created']);
    expect(first.revisions).toEqual({ 'legacy/Deployment/sophia-backend': '1' });
    const second = await deployManifests(kubectl, prepared, { ...settings, serverSide: false });
    expect(second.applied.map((o) => o.action)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    const live = await cluster.observer.get({ kind: 'Deployment', name: 'sophia-backend', namespace: 'legacy' });
    expect(live?.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toContain(
      '"sophia.ai/commit"',
    );
  });

  test('an object the server refuses fails the deploy before any object changes', async () => {
    await cluster.createNamespace('strict');
    workspace.write(
      'worker.yaml',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: sophia-worker }\nspec:\n  replicaz: 2\n  selector: { matchLabels: { app: w } }\n' +
        '  template:\n    metadata: { labels: { app: w } }\n    spec: { containers: [{ name: w, image: "ghcr.io/sophia-ai/worker:1.0.0" }] }\n',
    );
    const manifests = loadManifests({
      patterns: ['kubernetes/production', 'worker.yaml'],
      cwd: workspace.dir,
      namespace: 'strict',
    });
    await expect(deployManifests(kubectl, manifests, settings)).rejects.toThrow(
      /^1 API server problem, nothing was applied:\n {2}worker\.yaml:1: strict\/Deployment\/sophia-worker: the API server refused it: .*\.spec\.replicaz: field not declared in schema/s,
    );
    expect(await cluster.observer.list('configmaps,secrets,services,deployments', { namespace: 'strict' })).toEqual([]);
  });

  test('a file that creates its own namespace deploys on an empty cluster, the Namespace applied first', async () => {
    workspace.write('own-namespace.yaml', OWN_NAMESPACE);
    const manifests = loadManifests({ patterns: ['own-namespace.yaml'], cwd: workspace.dir });
    const report = await deployManifests(kubectl, manifests, settings);
    expect(report.applied.map((o) => `${o.kind}/${o.name} ${o.action}`)).toEqual([
      'Namespace/sophia-prod created',
      'ConfigMap/api-settings created',
      'Deployment/api created',
    ]);
    expect(report.rollouts.map((rollout) => rollout.ok)).toEqual([true]);
    const again = await deployManifests(kubectl, manifests, settings);
    expect(again.applied.map((o) => o.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
  });

  test('an object refused in a namespace the set creates stops the deploy before anything is written, the namespace included', async () => {
    workspace.write(
      'own-namespace-bad.yaml',
      OWN_NAMESPACE.replaceAll('sophia-prod', 'sophia-next').replace('replicas: 1', 'replicaz: 1'),
    );
    const manifests = loadManifests({ patterns: ['own-namespace-bad.yaml'], cwd: workspace.dir });
    await expect(deployManifests(kubectl, manifests, settings)).rejects.toThrow(
      // Checked in a namespace that exists before the Namespace is created: what the server validates
      // does not depend on the namespace.
      /^1 API server problem, nothing was applied:\n {2}own-namespace-bad\.yaml:1: sophia-next\/Deployment\/api: the API server refused it: .*\.spec\.replicaz: field not declared in schema/s,
    );
    expect(await cluster.observer.get({ kind: 'Namespace', name: 'sophia-next' })).toBeUndefined();
    expect(await cluster.observer.list('configmaps,deployments', { namespace: 'sophia-next' })).toEqual([]);
  });
});
