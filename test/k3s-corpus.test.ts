/**
 * The corpus in testing/manifests/corpus/sophia-app (a whole app as teams ship it, with a
 * kustomize overlay per environment) through the bundled deploy-k3s-backend on an empty cluster:
 * deploy, update, a broken image failing fast and rolled back (the CronJob the `images` input also
 * rewrote put back with it), then the production overlay beside it. On the default kubectl, and on
 * the kubectl minors dealt to this file (sharedKubectl).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORPUS_DIR } from '@sophia-testing/manifests';
import { runBundledAction } from '@sophia-testing/action-runner';
import { sharedServers, startTestCluster, type TestCluster } from './fixtures/cluster.js';
import { imageOf } from './fixtures/kube-kit.js';

const BACKEND = 'ghcr.io/sophia-ai/backend';
const NS = 'sophia-staging';
const servers = sharedServers('k3s-corpus');

describe.each(servers)('the Sophia app corpus, kubectl $kubectl', ({ version }) => {
  let cluster: TestCluster;
  let workspace: string;

  beforeAll(async () => {
    cluster = await startTestCluster();
    if (version) cluster.cluster.setVersion(version);
    workspace = mkdtempSync(join(tmpdir(), 'sophia-app-'));
    cpSync(join(CORPUS_DIR, 'sophia-app'), workspace, { recursive: true });
  });

  afterAll(async () => {
    await cluster?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  function deploy(inputs: Record<string, string> = {}) {
    return runBundledAction({
      action: 'deploy-k3s-backend',
      cwd: workspace,
      inputs: { kubeconfig: cluster.kubeconfig, manifests: 'overlays/staging', 'rollout-timeout': '20s', ...inputs },
      timeoutMs: 90_000,
    });
  }

  const live = (kind: string, name: string) => cluster.observer.get({ kind, name, namespace: NS });
  const rows = (summary: string, action: string) =>
    summary
      .split('\n')
      .filter((line) => line.endsWith(`| ${action} |`))
      .map((line) => line.split('|')[1].trim());

  test('deploys on an empty cluster: every object created, the autoscaler left to set the replicas', async () => {
    const run = await deploy();
    expect(run.annotations.filter((a) => a.level === 'error')).toEqual([]);
    expect(run.code).toBe(0);
    const applied = JSON.parse(run.outputs.applied) as Array<{ kind: string; namespace?: string; name: string }>;
    expect(applied.map((o) => o.kind).sort()).toEqual(
      [
        'ConfigMap',
        'CronJob',
        'Deployment',
        'Deployment',
        'HelmChart',
        'HorizontalPodAutoscaler',
        'IngressRoute',
        'Middleware',
        'Namespace',
        'NetworkPolicy',
        'PersistentVolumeClaim',
        'PodDisruptionBudget',
        'Role',
        'RoleBinding',
        'Secret',
        'Service',
        'Service',
        'Service',
        'ServiceAccount',
        'StatefulSet',
      ].sort(),
    );
    expect(applied[0]).toEqual({ kind: 'Namespace', name: NS });
    expect(applied.filter((o) => o.kind !== 'Namespace').every((o) => o.namespace === NS)).toBe(true);
    expect(JSON.parse(run.outputs.revisions)).toEqual({
      [`${NS}/Deployment/mcp-github`]: '1',
      [`${NS}/Deployment/sophia-backend`]: '1',
      [`${NS}/StatefulSet/sophia-vectors`]: '1',
    });
    expect(rows(run.summary, 'created')).toHaveLength(applied.length);
    // A new autoscaled workload starts with its manifest's 2 replicas brought to the autoscaler's minimum of 3.
    expect(run.log).toContain(
      `${NS}/Deployment/sophia-backend is created with 3 replicas; from then on its HorizontalPodAutoscaler sets them`,
    );

    const backend = await live('Deployment', 'sophia-backend');
    expect(imageOf(backend)).toBe(`${BACKEND}:1.5.0-rc.1`);
    const volume = (backend?.spec?.template as { spec: { volumes: Array<{ configMap: unknown }> } }).spec.volumes[0];
    // 0440 and 0400 read as YAML 1.1 octal, as kubectl reads them.
    expect(volume.configMap).toMatchObject({ defaultMode: 288, items: [{ key: 'prompts.yaml', mode: 256 }] });
    const secret = await live('Secret', 'sophia-backend-secrets');
    expect(
      Buffer.from(String((secret?.data as Record<string, string> | undefined)?.DATABASE_URL), 'base64').toString(),
    ).toBe('postgres://sophia@sophia-postgres:5432/sophia');
    expect((await live('PersistentVolumeClaim', 'sophia-vectors-data'))?.status?.phase).toBe('Bound');
    const mcpPods = await cluster.observer.list('pods', {
      namespace: NS,
      selector: 'app.kubernetes.io/name=mcp-github',
    });
    expect(mcpPods.map((pod) => pod.spec?.nodeName)).toEqual(['mcp-node']);
  });

  test('an image update configures only what uses the image; the autoscaled replicas stay', async () => {
    for (let tries = 0; (await live('Deployment', 'sophia-backend'))?.spec?.replicas !== 3; tries++) {
      if (tries > 100) throw new Error('the autoscaler did not scale sophia-backend to its minimum of 3');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const run = await deploy({ images: `${BACKEND}=${BACKEND}:1.5.0` });
    expect(run.annotations.filter((a) => a.level === 'error')).toEqual([]);
    expect(run.code).toBe(0);
    expect(rows(run.summary, 'configured').sort()).toEqual([
      `${NS}/CronJob/sophia-conversation-cleanup`,
      `${NS}/Deployment/sophia-backend`,
    ]);
    expect(JSON.parse(run.outputs.revisions)).toEqual({
      [`${NS}/Deployment/mcp-github`]: '1',
      [`${NS}/Deployment/sophia-backend`]: '2',
      [`${NS}/StatefulSet/sophia-vectors`]: '1',
    });
    const backend = await live('Deployment', 'sophia-backend');
    expect(imageOf(backend)).toBe(`${BACKEND}:1.5.0`);
    expect(backend?.spec?.replicas).toBe(3);
  });

  const cronImage = async (namespace = NS) => {
    const cron = await cluster.observer.get({ kind: 'CronJob', name: 'sophia-conversation-cleanup', namespace });
    return (cron?.spec as { jobTemplate: { spec: { template: { spec: { containers: Array<{ image: string }> } } } } })
      .jobTemplate.spec.template.spec.containers[0].image;
  };

  test('a broken image fails fast and rolls back exactly what it changed, the autoscaled replicas untouched', async () => {
    const mcpBefore = await live('Deployment', 'mcp-github');
    const vectorsBefore = await live('StatefulSet', 'sophia-vectors');
    const run = await deploy({ images: `${BACKEND}=${cluster.failingImage(`${BACKEND}:1.6.0`)}` });
    expect(run.code).toBe(1);
    const error = run.annotations.find((a) => a.level === 'error')?.message ?? '';
    expect(error).toMatch(
      /^Rollout failed: sophia-staging\/Deployment\/sophia-backend revision 3 cannot become ready: pod \S+ is in (ImagePullBackOff|ErrImagePull)/,
    );
    expect(error).toContain(
      `Rolled back ${NS}/Deployment/sophia-backend to revision 2; put back as before the deploy: ${NS}/CronJob/sophia-conversation-cleanup.`,
    );
    // The CronJob got the broken image too: its next Job must not start on the release that failed.
    expect(await cronImage()).toBe(`${BACKEND}:1.5.0`);
    expect(error).not.toMatch(/mcp-github|sophia-vectors|left as is/);
    expect(run.outputs['rolled-back']).toBe('true');
    const backend = await live('Deployment', 'sophia-backend');
    expect(imageOf(backend)).toBe(`${BACKEND}:1.5.0`);
    expect(backend?.spec?.replicas).toBe(3);
    expect((await live('HorizontalPodAutoscaler', 'sophia-backend'))?.spec?.minReplicas).toBe(3);
    expect((await live('Deployment', 'mcp-github'))?.metadata.generation).toBe(mcpBefore?.metadata.generation);
    expect((await live('StatefulSet', 'sophia-vectors'))?.metadata.generation).toBe(vectorsBefore?.metadata.generation);
  });

  test('the production overlay deploys beside staging: its own namespace, its pinned image, its autoscaler minimum', async () => {
    const production = 'sophia-production';
    const run = await deploy({ manifests: 'overlays/production' });
    expect(run.annotations.filter((a) => a.level === 'error')).toEqual([]);
    expect(run.code).toBe(0);
    const applied = JSON.parse(run.outputs.applied) as Array<{ kind: string; namespace?: string; name: string }>;
    expect(applied[0]).toEqual({ kind: 'Namespace', name: production });
    expect(applied).toHaveLength(20);
    expect(applied.filter((o) => o.kind !== 'Namespace').every((o) => o.namespace === production)).toBe(true);
    expect(rows(run.summary, 'created')).toHaveLength(applied.length);
    expect(JSON.parse(run.outputs.revisions)).toEqual({
      [`${production}/Deployment/mcp-github`]: '1',
      [`${production}/Deployment/sophia-backend`]: '1',
      [`${production}/StatefulSet/sophia-vectors`]: '1',
    });
    const backend = () => cluster.observer.get({ kind: 'Deployment', name: 'sophia-backend', namespace: production });
    expect(imageOf(await backend())).toBe(`${BACKEND}:1.4.0`);
    expect(await cronImage(production)).toBe(`${BACKEND}:1.4.0`);
    const autoscaler = await cluster.observer.get({
      kind: 'HorizontalPodAutoscaler',
      name: 'sophia-backend',
      namespace: production,
    });
    expect(autoscaler?.spec?.minReplicas).toBe(4);
    for (let tries = 0; (await backend())?.spec?.replicas !== 4; tries++) {
      if (tries > 100) throw new Error('the autoscaler did not scale production sophia-backend to its minimum of 4');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Staging is another namespace: nothing of it moved.
    expect(imageOf(await live('Deployment', 'sophia-backend'))).toBe(`${BACKEND}:1.5.0`);
    expect((await live('HorizontalPodAutoscaler', 'sophia-backend'))?.spec?.minReplicas).toBe(3);
  });
});
