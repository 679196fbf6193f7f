import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runBundledAction, type NodeVersion } from '@sophia-testing/action-runner';
import { startTestCluster, type TestCluster } from './fixtures/cluster.js';
import { imageOf, Workspace } from './fixtures/kube-kit.js';
import { deployBackend } from './support/kube-runs.js';
import { INVALID_YAML } from '@sophia-testing/manifests';
import type { KubernetesPlan } from '@sophia/kubernetes';

const BACKEND = 'ghcr.io/sophia-ai/backend';
let cluster: TestCluster;
let workspace: Workspace;

beforeAll(async () => {
  cluster = await startTestCluster();
  workspace = new Workspace('backend');
  // The backend fixture names no Namespace: it deploys into one the cluster's admin made, as teams
  // given a namespace do (a file with its own Namespace is the corpus and k3s-deploy tests' case).
  await cluster.observer.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sophia' } }], {
    serverSide: true,
    fieldManager: 'test',
  });
});

afterAll(async () => {
  await cluster?.stop();
  workspace?.remove();
});

/** Node 24 as action.yml asks; the first deploy runs on Node 20 too, the runtime local runners still have. */
const deploy = (inputs: Record<string, string>, node: NodeVersion = 'node24') =>
  deployBackend(cluster, workspace, inputs, node);

const backendDeployment = () =>
  cluster.observer.get({ kind: 'Deployment', name: 'sophia-backend', namespace: 'sophia' });

test('bad manifests fail the step with an annotation at each file and line, and nothing is applied', async () => {
  workspace.write('broken.yaml', INVALID_YAML);
  workspace.write('bad-name.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: Sophia_API\n');
  const run = await deploy({ manifests: 'kubernetes/production\nbroken.yaml\nbad-name.yaml' });
  expect(run.code).toBe(1);
  const errors = run.annotations.filter((a) => a.level === 'error');
  expect(errors.slice(0, 2).map((a) => [a.properties.file, a.properties.line, a.message])).toEqual([
    ['broken.yaml', '6', expect.stringMatching(/^invalid YAML: /)],
    ['bad-name.yaml', '4', expect.stringContaining('Service name "Sophia_API" is not a valid DNS-1123 name')],
  ]);
  expect(errors[2].message).toMatch(/^2 manifest problems, nothing was applied:/);
  expect(await backendDeployment()).toBeUndefined();
  // The outputs and the summary are there all the same, saying nothing changed and why.
  expect(run.outputs).toEqual({
    applied: '[]',
    revisions: '{}',
    changed: '[]',
    'changed-objects': '[]',
    'rolled-back': 'false',
    rollbacks: '{}',
  });
  expect(run.summary).toContain('Nothing was applied: the cluster was not changed.');
  expect(run.summary).toMatch(/\*\*Failed:\*\* 2 manifest problems, nothing was applied:/);
});

test('a cluster that cannot be reached fails the step with its outputs and a summary saying nothing changed', async () => {
  const run = await deploy({ kubeconfig: cluster.kubeconfig.replace(/server: \S+/, 'server: https://127.0.0.1:1') });
  expect(run.code).toBe(1);
  expect(JSON.parse(run.outputs.applied)).toEqual([]);
  expect(run.outputs['rolled-back']).toBe('false');
  expect(run.summary).toContain('### deploy-k3s-backend');
  expect(run.summary).toContain('**Failed:**');
  expect(await backendDeployment()).toBeUndefined();
});

test('the bundled action deploys, then fails fast on a bad image, rolls back and says so', async () => {
  const first = await deploy({}, 'node20');
  expect(first.code).toBe(0);
  expect(JSON.parse(first.outputs.applied)).toEqual([
    { kind: 'Secret', namespace: 'sophia', name: 'sophia-backend-secrets' },
    { kind: 'ConfigMap', namespace: 'sophia', name: 'sophia-backend-config' },
    { kind: 'Service', namespace: 'sophia', name: 'sophia-backend' },
    { kind: 'Deployment', namespace: 'sophia', name: 'sophia-backend' },
    { kind: 'Ingress', namespace: 'sophia', name: 'sophia-backend' },
  ]);
  expect(JSON.parse(first.outputs.revisions)).toEqual({ 'sophia/Deployment/sophia-backend': '1' });
  expect(first.outputs['rolled-back']).toBe('false');
  // Created, not changed: a rollback of this run has nothing to put back.
  expect(JSON.parse(first.outputs.changed)).toEqual([]);
  // ... yet the cluster changed: every object created is in `changed-objects`.
  expect(JSON.parse(first.outputs['changed-objects'])).toEqual([
    'sophia/Secret/sophia-backend-secrets',
    'sophia/ConfigMap/sophia-backend-config',
    'sophia/Service/sophia-backend',
    'sophia/Deployment/sophia-backend',
    'sophia/Ingress/sophia-backend',
  ]);
  expect(first.summary).toContain('| sophia/Deployment/sophia-backend | created |');
  const live = await backendDeployment();
  expect(live?.metadata.annotations?.['sophia.ai/run-url']).toBe(
    'https://github.com/sophia/sophia-ai/actions/runs/1658821493',
  );
  expect(live?.metadata.annotations?.['kubernetes.io/change-cause']).toMatch(
    /^sophia-deploy 3f786850e387 by sophia-bot/,
  );

  const bad = await deploy({ images: `${BACKEND}=${cluster.failingImage(`${BACKEND}:2.0.0`)}` });
  expect(bad.code).toBe(1);
  const error = bad.annotations.find((a) => a.level === 'error')?.message ?? '';
  expect(error).toMatch(
    /^Rollout failed: sophia\/Deployment\/sophia-backend revision 2 cannot become ready: pod \S+ is in (ImagePullBackOff|ErrImagePull)/,
  );
  expect(error).toContain('Rolled back sophia/Deployment/sophia-backend to revision 1.');
  expect(bad.outputs['rolled-back']).toBe('true');
  expect(JSON.parse(bad.outputs.changed)).toEqual(['sophia/Deployment/sophia-backend']);
  expect(bad.log).toContain('Rollout diagnostics');
  expect(bad.summary).toContain('| sophia/Deployment/sophia-backend | 2 | 1 (now numbered 3) |');
  expect(bad.summary).toMatch(/New pods:\n- sophia-backend-\S+ \(Pending|Running/);
  const after = await backendDeployment();
  expect(imageOf(after)).toBe(`${BACKEND}:1.4.0`);
  expect(after?.metadata.annotations?.['sophia.ai/failed-revisions']).toBe('2');
});

test('dry-run: true through the action reports the diff and changes nothing', async () => {
  const before = await backendDeployment();
  const run = await deploy({ images: `${BACKEND}=${BACKEND}:3.0.0`, 'dry-run': 'true' });
  expect(run.code).toBe(0);
  expect(run.summary).toContain('(dry run: nothing was changed)');
  expect(JSON.parse(run.outputs.changed)).toEqual([]);
  expect(run.summary).toContain(`+           image: ${BACKEND}:3.0.0`);
  // The plan: the image it would change, the field, and the same document in the plan file.
  const plan = JSON.parse(run.outputs.plan) as KubernetesPlan;
  expect(plan.images).toEqual([
    {
      workload: 'sophia/Deployment/sophia-backend',
      container: 'api',
      from: `${BACKEND}:1.4.0`,
      to: `${BACKEND}:3.0.0`,
    },
  ]);
  expect(plan.objects.find((object) => object.object === 'sophia/Deployment/sophia-backend')?.changes).toContainEqual({
    path: 'spec.template.spec.containers[name=api].image',
    op: 'replace',
    before: `${BACKEND}:1.4.0`,
    after: `${BACKEND}:3.0.0`,
  });
  // The runner's temporary directory is gone with the run: the file is found there by name.
  expect(run.runnerTempLeft).toContain(basename(run.outputs['plan-file']));
  expect(run.summary).toContain(`| sophia/Deployment/sophia-backend | api | ${BACKEND}:1.4.0 | ${BACKEND}:3.0.0 |`);
  expect((await backendDeployment())?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
});

test('dry-run: true with an object the server refuses fails as a real deploy does: once, at its file and line, nothing changed', async () => {
  const before = await backendDeployment();
  workspace.write(
    'refused.yaml',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: refused}\nspec:\n  replicaz: 2\n  selector: {matchLabels: {app: r}}\n' +
      '  template:\n    metadata: {labels: {app: r}}\n    spec: {containers: [{name: r, image: "ghcr.io/sophia-ai/r:1"}]}\n',
  );
  const run = await deploy({ manifests: 'kubernetes/production\nrefused.yaml', 'dry-run': 'true' });
  expect(run.code).toBe(1);
  const errors = run.annotations.filter((a) => a.level === 'error');
  expect(errors.map((a) => [a.properties.file, a.properties.line])).toEqual([
    ['refused.yaml', '1'],
    [undefined, undefined],
  ]);
  expect(errors[0].message).toMatch(/^sophia\/Deployment\/refused: the API server refused it: .*replicaz/s);
  expect(errors[1].message).toMatch(/^1 API server problem, nothing was applied:\n {2}refused\.yaml:1: /);
  expect(errors[1].message.match(/replicaz/g)).toHaveLength(1);
  expect(run.summary).toContain('Nothing was applied: the cluster was not changed.');
  expect(await cluster.observer.get({ kind: 'Deployment', name: 'refused', namespace: 'sophia' })).toBeUndefined();
  expect((await backendDeployment())?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
  workspace.removeFile('refused.yaml');
});

test('objects that name no namespace go to the kubeconfig context namespace when the input names none', async () => {
  workspace.write('settings-only.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: context-settings\n');
  const run = await deploy({
    kubeconfig: cluster.cluster.kubeconfigFor({ namespace: 'sophia' }),
    manifests: 'settings-only.yaml',
    namespace: '',
  });
  expect(run.code).toBe(0);
  expect(JSON.parse(run.outputs.applied)).toEqual([
    { kind: 'ConfigMap', namespace: 'sophia', name: 'context-settings' },
  ]);
  expect(
    await cluster.observer.get({ kind: 'ConfigMap', name: 'context-settings', namespace: 'sophia' }),
  ).toBeDefined();
  expect(
    await cluster.observer.get({ kind: 'ConfigMap', name: 'context-settings', namespace: 'default' }),
  ).toBeUndefined();
});

test('a kustomize overlay is rendered as kubectl kustomize renders it and deployed like any manifests', async () => {
  const kustomize = new Workspace('kustomize');
  try {
    const run = await runBundledAction({
      action: 'deploy-k3s-backend',
      cwd: kustomize.dir,
      inputs: { kubeconfig: cluster.kubeconfig, manifests: 'overlays/production', 'rollout-timeout': '15s' },
      timeoutMs: 60_000,
    });
    expect(run.annotations.filter((a) => a.level === 'error')).toEqual([]);
    expect(JSON.parse(run.outputs.applied)).toEqual([
      { kind: 'Namespace', name: 'sophia-prod' },
      { kind: 'ConfigMap', namespace: 'sophia-prod', name: 'prod-api-settings-hf678c7m2b' },
      { kind: 'Deployment', namespace: 'sophia-prod', name: 'prod-api' },
    ]);
    expect(JSON.parse(run.outputs.revisions)).toEqual({ 'sophia-prod/Deployment/prod-api': '1' });
    const live = await cluster.observer.get({ kind: 'Deployment', name: 'prod-api', namespace: 'sophia-prod' });
    expect(imageOf(live)).toBe('ghcr.io/sophia-ai/api:1.4.0');
  } finally {
    kustomize.remove();
  }
});

test('changed lists only the workloads whose spec this run moved', async () => {
  const same = await deploy({});
  expect(same.code).toBe(0);
  expect(JSON.parse(same.outputs.changed)).toEqual([]);
  const moved = await deploy({ images: `${BACKEND}=${BACKEND}:1.4.1` });
  expect(moved.code).toBe(0);
  expect(JSON.parse(moved.outputs.changed)).toEqual(['sophia/Deployment/sophia-backend']);
  // Scaling moves metadata.generation but makes no new revision: undoing it would go back a release.
  const manifest = 'kubernetes/production/backend.yaml';
  const original = readFileSync(join(workspace.dir, manifest), 'utf8');
  workspace.write(manifest, original.replace('replicas: 2', 'replicas: 3'));
  try {
    const scaled = await deploy({ images: `${BACKEND}=${BACKEND}:1.4.1` });
    expect(scaled.code).toBe(0);
    expect(JSON.parse(scaled.outputs.applied)).toContainEqual({
      kind: 'Deployment',
      namespace: 'sophia',
      name: 'sophia-backend',
    });
    expect(JSON.parse(scaled.outputs.changed)).toEqual([]);
  } finally {
    workspace.write(manifest, original);
  }
});
