/**
 * A Kubernetes rollback that an error stops after its first undo (kubectl losing the cluster on
 * the second workload's undo) fails as RollbackRolloutError carrying every workload's outcome, and
 * the action's outputs and summary say which workload was rolled back, never "No workload was
 * changed". The simulator drops the connection on the second workload's undo, so kubectl, real,
 * fails as it would on a real cluster.
 */
import {
  connectKubectl,
  deployManifests,
  executeRollback,
  loadManifests,
  planRollback,
  RollbackRolloutError,
  type Kubectl,
} from '@sophia/kubernetes';
import { kubernetesRollbackPublication } from '../actions/rollback/src/summary.js';
import { startTestCluster, type TestCluster } from './fixtures/cluster.js';
import { FAST_DEPLOY, imageOf, Workspace } from './fixtures/kube-kit.js';

const deployment = (name: string, tag: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: rb}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: ${name}, image: "ghcr.io/sophia-ai/${name}:${tag}"}]}
`;

let cluster: TestCluster;
let kubectl: Kubectl;
let workspace: Workspace;
beforeAll(async () => {
  cluster = await startTestCluster();
  await cluster.createNamespace('rb');
  workspace = new Workspace();
  kubectl = await connectKubectl({ mode: 'kubeconfig', kubeconfig: cluster.kubeconfig, kubectl: 'kubectl' });
});
afterAll(async () => {
  await kubectl?.close();
  await cluster?.stop();
  workspace?.remove();
});

test('the second undo fails after the first workload was rolled back: RollbackRolloutError and outputs name the first only', async () => {
  for (const tag of ['1.0.0', '2.0.0']) {
    workspace.write('app.yaml', `${deployment('a', tag)}---\n${deployment('b', tag)}`);
    await deployManifests(kubectl, loadManifests({ patterns: ['app.yaml'], cwd: workspace.dir }), FAST_DEPLOY);
  }
  const refs = ['a', 'b'].map((name) => ({ kind: 'Deployment', name, namespace: 'rb' }));
  const steps = await planRollback(kubectl, { workloads: { by: 'list', refs }, to: { kind: 'previous' } });
  cluster.cluster.setFaults((request) =>
    request.method !== 'GET' && request.path === '/apis/apps/v1/namespaces/rb/deployments/b' ? 'reset' : undefined,
  );
  const error = await executeRollback(kubectl, steps, { markFailed: true, rolloutTimeoutMs: 20_000 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  cluster.cluster.setFaults(undefined);

  expect(error).toBeInstanceOf(RollbackRolloutError);
  expect((error as Error).message).toMatch(/stopped: .+Already rolled back.*rb\/Deployment\/a/s);
  const outcomes = (error as RollbackRolloutError).outcomes;
  expect(outcomes.map((outcome) => [outcome.ref.name, outcome.interrupted?.undone, outcome.markedFailed])).toEqual([
    ['a', true, true],
    ['b', false, false],
  ]);
  expect(imageOf(await cluster.observer.get({ kind: 'Deployment', name: 'a', namespace: 'rb' }))).toBe(
    'ghcr.io/sophia-ai/a:1.0.0',
  );
  const publication = kubernetesRollbackPublication(outcomes, 'rb');
  expect(JSON.parse(publication.outputs.from)).toEqual({ 'rb/Deployment/a': String(steps[0].from.number) });
  expect(JSON.parse(publication.outputs.to)).toEqual({ 'rb/Deployment/a': String(steps[0].to.number) });
  expect(publication.summary).toMatch(/rb\/Deployment\/b \| [^|]* \| [^|]* \| not rolled back: the rollback stopped/);
  expect(publication.summary).not.toMatch(/No workload was changed/);
});
