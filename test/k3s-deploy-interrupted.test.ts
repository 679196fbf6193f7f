/**
 * A deploy that an error stops after it began changing the cluster (kubectl failing on the apply
 * after the namespace was created, kubectl losing the cluster while watching) fails as
 * DeployFailedError carrying what was applied, what was put back and what stopped it, and the
 * companion's change (the MCP node's label) is taken back: the summary never says "nothing was
 * applied". The connection's failure is made by failing the Kubectl's calls past a point, as a
 * dropped connection would; kubectl itself is real, on the default minor.
 */
import {
  connectKubectl,
  deployManifests,
  DeployFailedError,
  deployPublication,
  loadManifests,
  type Kubectl,
} from '@sophia/kubernetes';
import { ownNamespaceApp } from '@sophia-testing/manifests';
import { startTestCluster, type TestCluster } from './fixtures/cluster.js';
import { FAST_DEPLOY, Workspace } from './fixtures/kube-kit.js';

let cluster: TestCluster;
let workspace: Workspace;
beforeAll(async () => {
  cluster = await startTestCluster();
  workspace = new Workspace();
});
afterAll(async () => {
  await cluster?.stop();
  workspace?.remove();
});

async function connect(): Promise<Kubectl> {
  return connectKubectl({ mode: 'kubeconfig', kubeconfig: cluster.kubeconfig, kubectl: 'kubectl' });
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
  const realApply = kubectl.apply.bind(kubectl);
  let realApplies = 0;
  kubectl.apply = async (objects, options) => {
    if (!options.dryRun && ++realApplies === 2) throw new Error('connection reset by peer');
    return realApply(objects, options);
  };
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
  expect((error as Error).message).toMatch(/stopped after changing the cluster: connection reset by peer/);
  expect(report.interrupted).toEqual({ reason: 'connection reset by peer', notPutBack: [] });
  expect(companionCalls).toEqual(['make', 'undo']);
  expect(report.applied).toContainEqual({ kind: 'Namespace', name: 'sophia-partial', action: 'created' });
  expect(await cluster.observer.get({ kind: 'Namespace', name: 'sophia-partial' })).toBeDefined();
  const publication = deployPublication('deploy-k3s-backend', report);
  expect(publication.summary).toMatch(/Stopped after changing the cluster:\*\* connection reset by peer/);
  expect(publication.summary).not.toMatch(/not changed|Nothing was applied/);
  expect(publication.outputs?.applied).toContainEqual({ kind: 'Namespace', name: 'sophia-partial' });
});

test('kubectl loses the cluster while watching: DeployFailedError names what it had applied', async () => {
  workspace.write('watch.yaml', ownNamespaceApp('sophia-watch'));
  const manifests = loadManifests({ patterns: ['watch.yaml'], cwd: workspace.dir });
  const kubectl = await connect();
  const realApply = kubectl.apply.bind(kubectl);
  const realRun = kubectl.run.bind(kubectl);
  let lost = false;
  kubectl.apply = async (objects, options) => {
    if (lost) throw new Error('kubectl: connection to the server was lost');
    const result = await realApply(objects, options);
    if (!options.dryRun && objects.some((object) => object.kind === 'Deployment')) lost = true;
    return result;
  };
  kubectl.run = async (args, options) => {
    if (lost) throw new Error('kubectl: connection to the server was lost');
    return realRun(args, options);
  };
  const error = await failure(deployManifests(kubectl, manifests, FAST_DEPLOY));
  await kubectl.close();

  expect(error).toBeInstanceOf(DeployFailedError);
  const report = (error as DeployFailedError).report;
  expect(report.interrupted?.reason).toBe('kubectl: connection to the server was lost');
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
  const realApply = kubectl.apply.bind(kubectl);
  kubectl.apply = async (objects, options) => {
    const result = await realApply(objects, options);
    if (!options.dryRun) throw new Error('kubectl: unexpected EOF');
    return result;
  };
  const error = await failure(deployManifests(kubectl, manifests, FAST_DEPLOY));
  await kubectl.close();

  expect(error).toBeInstanceOf(DeployFailedError);
  const report = (error as DeployFailedError).report;
  expect(report.interrupted?.reason).toBe('kubectl: unexpected EOF');
  expect(report.applied).toEqual([
    { kind: 'ConfigMap', namespace: 'lost-answer', name: 'settings', action: 'created' },
  ]);
  expect(await cluster.observer.get({ kind: 'ConfigMap', name: 'settings', namespace: 'lost-answer' })).toBeDefined();
});
