import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployManifests, loadManifests, prepareManifests, type DeploySettings } from '@sophia/kubernetes';
import { useClusterTestBed } from './fixtures/cluster.js';
import { imageOf, FAST_DEPLOY } from './fixtures/kube-kit.js';

const bed = useClusterTestBed({ fixtures: ['custom-kinds'], namespaces: ['ml'] });

function deploy(patterns: string[], namespace: string, overrides: Partial<DeploySettings> = {}) {
  const manifests = prepareManifests(loadManifests({ patterns, cwd: bed.workspace.dir, namespace }), {});
  return deployManifests(bed.kubectl, manifests, { ...FAST_DEPLOY, ...overrides });
}

const original = (file: string) => readFileSync(join(bed.workspace.dir, file), 'utf8');
const chatApi = () => bed.cluster.observer.get({ kind: 'Deployment', name: 'chat-api', namespace: 'ml' });

test('a cluster-scoped custom kind gets no namespace: from its definition in the same set, then from the server discovery, dry runs included', async () => {
  const first = await deploy(['tenants-crd.yaml', 'tenant.yaml'], 'sophia');
  expect(first.applied).toEqual([
    { kind: 'CustomResourceDefinition', name: 'tenants.sophia.ai', action: 'created' },
    { kind: 'Tenant', name: 'acme', action: 'created' },
  ]);
  const live = await bed.cluster.observer.get({ kind: 'Tenant', name: 'acme' });
  expect(live?.metadata.namespace).toBeUndefined();
  expect(live?.spec).toEqual({ plan: 'enterprise' });

  // The deploy alone cannot know Tenant is cluster-scoped: only the server says so.
  const again = await deploy(['tenant.yaml'], 'sophia');
  expect(again.applied).toEqual([{ kind: 'Tenant', name: 'acme', action: 'unchanged' }]);
  // A dry run matches what it would apply with what is live by name: a namespace there would make it "created".
  expect((await deploy(['tenant.yaml'], 'sophia', { dryRun: true })).applied).toEqual([
    { kind: 'Tenant', name: 'acme', action: 'unchanged' },
  ]);
  bed.workspace.write('tenant.yaml', original('tenant.yaml').replace('enterprise', 'team'));
  const preview = await deploy(['tenant.yaml'], 'sophia', { dryRun: true });
  expect(preview.applied).toEqual([
    {
      kind: 'Tenant',
      name: 'acme',
      action: 'configured',
      diff: expect.stringContaining('team'),
      changes: [{ path: 'spec.plan', op: 'replace', before: 'enterprise', after: 'team' }],
      images: [],
    },
  ]);
  expect(preview.applied[0].diff).toContain('enterprise');
  const changed = await deploy(['tenant.yaml'], 'sophia');
  expect(changed.applied).toEqual([{ kind: 'Tenant', name: 'acme', action: 'configured' }]);
  expect((await bed.cluster.observer.get({ kind: 'Tenant', name: 'acme' }))?.spec).toEqual({ plan: 'team' });
});

test('a definition and an object of its kind deploy in one manifest set: the definition first, Established, then the object', async () => {
  const report = await deploy(['models.yaml'], 'ml');
  expect(report.applied.map((o) => `${o.kind}/${o.name} ${o.action}`)).toEqual([
    'CustomResourceDefinition/models.sophia.ai created',
    'Deployment/chat-api created',
    'Model/chat-default created',
  ]);
  expect(report.rollouts.map((rollout) => rollout.ok)).toEqual([true]);
  const model = await bed.cluster.observer.get({ kind: 'Model', name: 'chat-default', namespace: 'ml' });
  expect(model?.spec).toEqual({ provider: 'anthropic', contextTokens: 200000 });
});

test('an object violating the schema of a definition already served stops the deploy before the workload changes', async () => {
  bed.workspace.write(
    'models-bad.yaml',
    original('models.yaml').replace('contextTokens: 200000', 'contextTokens: 0').replace(':1.0.0', ':1.1.0'),
  );
  await expect(deploy(['models-bad.yaml'], 'ml')).rejects.toThrow(
    /^1 API server problem, nothing was applied:\n {2}models-bad\.yaml:\d+: ml\/Model\/chat-default: the API server refused it: .*contextTokens.*greater than or equal to 1/s,
  );
  expect(imageOf(await chatApi())).toBe('ghcr.io/sophia-ai/chat-api:1.0.0');
});

test('an object violating the schema of a definition new in the set stops the deploy with only the definition written', async () => {
  bed.workspace.write(
    'agents-bad.yaml',
    original('models.yaml')
      .replaceAll('models', 'agents')
      .replaceAll('Model', 'Agent')
      .replaceAll('model', 'agent')
      .replace('  provider: anthropic\n', '')
      .replace(':1.0.0', ':1.1.0'),
  );
  await expect(deploy(['agents-bad.yaml'], 'ml')).rejects.toThrow(
    /^1 API server problem, CustomResourceDefinition\/agents\.sophia\.ai was applied first; nothing else was changed:\n {2}agents-bad\.yaml:\d+: ml\/Agent\/[a-z-]+: the API server refused it: .*provider/s,
  );
  expect(await bed.cluster.observer.get({ kind: 'CustomResourceDefinition', name: 'agents.sophia.ai' })).toBeDefined();
  expect(await bed.cluster.observer.list('agents.sophia.ai', { namespace: 'ml' })).toEqual([]);
  expect(imageOf(await chatApi())).toBe('ghcr.io/sophia-ai/chat-api:1.0.0');
});

test('a live HorizontalPodAutoscaler applied outside the manifests keeps its replicas: the deploy warns, leaves them, and does not conflict', async () => {
  await bed.cluster.observer.apply(
    [
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'chat-api', namespace: 'ml' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'chat-api' },
          minReplicas: 3,
          maxReplicas: 6,
        },
      },
    ],
    { serverSide: true, fieldManager: 'platform-team' },
  );
  for (let tries = 0; (await chatApi())?.spec?.replicas !== 3; tries++) {
    if (tries > 100) throw new Error('the autoscaler did not scale chat-api to 3');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const warnings: string[] = [];
  bed.workspace.write('models.yaml', original('models.yaml').replace(':1.0.0', ':1.2.0'));
  const report = await deploy(['models.yaml'], 'ml', { warn: (line) => warnings.push(line) });
  expect(warnings).toEqual([
    'ml/Deployment/chat-api sets replicas, but a HorizontalPodAutoscaler scales it: replicas is left out of the apply so the deploy does not fight the autoscaler',
  ]);
  expect(report.applied.find((o) => o.kind === 'Deployment')?.action).toBe('configured');
  expect(report.rollouts.map((rollout) => rollout.ok)).toEqual([true]);
  const live = await chatApi();
  expect(imageOf(live)).toBe('ghcr.io/sophia-ai/chat-api:1.2.0');
  expect(live?.spec?.replicas).toBe(3);
});
