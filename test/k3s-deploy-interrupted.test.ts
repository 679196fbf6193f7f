/**
 * A deploy that an error stops after it began changing the cluster (kubectl failing on the apply
 * after the namespace was created, kubectl losing the cluster while watching) fails as
 * DeployFailedError carrying what was applied, what was put back and what stopped it, and the
 * companion's change (the MCP node's label) is taken back: the summary never says "nothing was
 * applied". The failures are the simulator's (a connection cut before or after a write lands),
 * so kubectl, real on the default minor, fails as it would on a real cluster.
 */
import {
  connectKubectl,
  deployManifests,
  DeployFailedError,
  deployPublication,
  loadManifests,
  type Kubectl,
} from '@sophia/kubernetes';
import type { FaultRequest } from '@sophia-testing/k3s-simulator';
import { ownNamespaceApp } from '@sophia-testing/manifests';
import { startTestCluster, type TestCluster } from './fixtures/cluster.js';
import { FAST_DEPLOY, Workspace } from './fixtures/kube-kit.js';

let cluster: TestCluster;
let workspace: Workspace;
beforeAll(async () => {
  cluster = await startTestCluster();
  workspace = new Workspace();
});
afterEach(() => cluster.cluster.setFaults(undefined));
afterAll(async () => {
  await cluster?.stop();
  workspace?.remove();
});

async function connect(): Promise<Kubectl> {
  return connectKubectl({ mode: 'kubeconfig', kubeconfig: cluster.kubeconfig, kubectl: 'kubectl' });
}

/** A write that lands on the cluster: not a read, not a dry run. */
function isRealWrite(request: FaultRequest): boolean {
  return request.method !== 'GET' && !request.query.has('dryRun');
}

function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

test('the apply after the new namespace fails: DeployFailedError says the namespace was created and the node label was taken back', async () => {
  workspace.write('partial.yaml', ownNamespaceApp('sophia-partial'));
  const manifests = loadManifests({ patterns: ['partial.yaml'], cwd: workspace.dir });
  const kubectl = await connect();
  let realWrites = 0;
  // The namespace is the first write; the connection drops on the next one.
  cluster.cluster.setFaults((request) => (isRealWrite(request) && ++realWrites === 2 ? 'reset' : undefined));
  const companionCalls: string[] = [];
  const error = await failure(
    deployManifests(kubectl, manifests, {
      ...FAST_DEPLOY,
      companion: {
        what: 'node mcp-1 label',
        make: async () => (companionCalls.push('make'), []),
        undo: async () => (companionCalls.push('undo'), ['label removed']),
      },
    }),
  );
  await kubectl.close();

  expect(error).toBeInstanceOf(DeployFailedError);
  const report = (error as DeployFailedError).report;
  expect((error as Error).message).toMatch(/stopped after changing the cluster: \S/);
  expect(report.interrupted).toEqual({ reason: expect.any(String), notPutBack: [] });
  expect(companionCalls).toEqual(['make', 'undo']);
  expect(report.applied).toContainEqual({ kind: 'Namespace', name: 'sophia-partial', action: 'created' });
  expect(await cluster.observer.get({ kind: 'Namespace', name: 'sophia-partial' })).toBeDefined();
  const publication = deployPublication('deploy-k3s-backend', report);
  expect(publication.summary).toContain(`Stopped after changing the cluster:** ${report.interrupted?.reason}`);
  expect(publication.summary).not.toMatch(/not changed|Nothing was applied/);
  expect(publication.outputs?.applied).toContainEqual({ kind: 'Namespace', name: 'sophia-partial' });
});

test('kubectl loses the cluster while watching: DeployFailedError names what it had applied', async () => {
  workspace.write('watch.yaml', ownNamespaceApp('sophia-watch'));
  const manifests = loadManifests({ patterns: ['watch.yaml'], cwd: workspace.dir });
  const kubectl = await connect();
  // The Deployment's write lands; from then on the server refuses every request, as an API server
  // that lost its datastore does (a dropped connection would have kubectl retry its reads for long).
  let lost = false;
  cluster.cluster.setFaults((request) => {
    if (lost) return { status: 503, message: 'the server is currently unable to handle the request' };
    if (isRealWrite(request) && request.path.endsWith('/deployments/api')) lost = true;
    return undefined;
  });
  const error = await failure(deployManifests(kubectl, manifests, FAST_DEPLOY));
  cluster.cluster.setFaults(undefined);
  await kubectl.close();

  expect(error).toBeInstanceOf(DeployFailedError);
  const report = (error as DeployFailedError).report;
  expect(report.interrupted?.reason).toEqual(expect.any(String));
  expect(report.applied).toContainEqual(
    expect.objectContaining({ kind: 'Deployment', namespace: 'sophia-watch', action: 'created' }),
  );
  expect(await cluster.observer.get({ kind: 'Deployment', name: 'api', namespace: 'sophia-watch' })).toBeDefined();
  const publication = deployPublication('deploy-k3s-backend', report);
  expect(publication.summary).toMatch(/Stopped after changing the cluster/);
  expect(publication.summary).not.toMatch(/Nothing was applied/);
  expect((publication.outputs?.applied as unknown[]).length).toBeGreaterThan(0);
});

test('the one real apply writes the set and its answer is lost: DeployFailedError reads back what was applied', async () => {
  await cluster.createNamespace('lost-answer');
  workspace.write(
    'lost.yaml',
    `apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: lost-answer}
data: {mode: fast}
`,
  );
  const manifests = loadManifests({ patterns: ['lost.yaml'], cwd: workspace.dir });
  const kubectl = await connect();
  let answered = false;
  cluster.cluster.setFaults((request) => {
    if (answered || !isRealWrite(request)) return undefined;
    answered = true;
    return 'drop-answer';
  });
  const error = await failure(deployManifests(kubectl, manifests, FAST_DEPLOY));
  await kubectl.close();

  expect(error).toBeInstanceOf(DeployFailedError);
  const report = (error as DeployFailedError).report;
  expect(report.interrupted?.reason).toEqual(expect.any(String));
  expect(report.applied).toEqual([
    { kind: 'ConfigMap', namespace: 'lost-answer', name: 'settings', action: 'created' },
  ]);
  expect(await cluster.observer.get({ kind: 'ConfigMap', name: 'settings', namespace: 'lost-answer' })).toBeDefined();
});
