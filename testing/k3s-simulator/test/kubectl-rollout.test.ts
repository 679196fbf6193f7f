/** Real kubectl's rollout verdicts against the simulator's Deployment controller. */
import {
  eventually,
  kubectlFlavours,
  openSession,
  type KubectlFlavour,
  type KubectlSession,
} from './kubectl-harness.js';

function deployment(
  name: string,
  image: string,
  extra: { replicas?: number; progressDeadlineSeconds?: number; revisionHistoryLimit?: number } = {},
): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: extra.replicas ?? 3,
      ...(extra.progressDeadlineSeconds ? { progressDeadlineSeconds: extra.progressDeadlineSeconds } : {}),
      ...(extra.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: extra.revisionHistoryLimit } : {}),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 8080 }] }] },
      },
    },
  });
}

async function history(session: KubectlSession, name: string): Promise<string[]> {
  const output = await session.ok(['rollout', 'history', `deployment/${name}`]);
  return output
    .split('\n')
    .filter((line) => /^\d+\s/.test(line))
    .map((line) => line.trim().replace(/\s+/g, ' '));
}

async function imageOf(session: KubectlSession, name: string): Promise<string> {
  return JSON.parse(await session.ok(['get', 'deployment', name, '-o', 'json'])).spec.template.spec.containers[0].image;
}

const flavours = kubectlFlavours();
const [plain, ...versioned] = flavours;

function rolloutScenarios(flavour: KubectlFlavour, full: boolean): void {
  let session: KubectlSession;
  const requests: string[] = [];
  beforeAll(async () => {
    session = await openSession(flavour, {
      timings: { podStartDelayMs: 120, secondMs: 250 },
      onRequest: (_method, url) => requests.push(url),
    });
  });
  afterAll(() => session.close());

  test('rollout status follows a rolling update to success, and set image + change-cause make revisions', async () => {
    await session.ok(['apply', '-f', '-'], { stdin: deployment('api', 'ghcr.io/sophia-ai/api:1.0.0') });
    const first = await session.ok(['rollout', 'status', 'deployment/api', '--timeout=20s']);
    expect(first).toContain('deployment "api" successfully rolled out');

    // Hold the new pods Pending (nodes cordoned) until kubectl is watching, so it sees the rollout in progress.
    const watches = (): number =>
      requests.filter((url) => url.includes('/deployments?') && url.includes('watch=true')).length;
    for (const node of session.cluster.nodes.list()) session.cluster.nodes.cordon(node.metadata.name);
    await session.ok(['set', 'image', 'deployment/api', 'app=ghcr.io/sophia-ai/api:1.1.0']);
    const watchesBefore = watches();
    const rollout = session.ok(['rollout', 'status', 'deployment/api', '--timeout=20s']);
    await eventually(() => (watches() > watchesBefore ? true : undefined), 10000, 'kubectl to watch the rollout');
    for (const node of session.cluster.nodes.list()) session.cluster.nodes.cordon(node.metadata.name, false);
    const second = await rollout;
    await session.ok(['annotate', 'deployment/api', 'kubernetes.io/change-cause=upgrade to 1.1.0', '--overwrite']);
    expect(second).toContain(
      'Waiting for deployment "api" rollout to finish: 1 out of 3 new replicas have been updated...',
    );
    expect(second).toContain('deployment "api" successfully rolled out');
    expect(await history(session, 'api')).toEqual(['1 <none>', '2 upgrade to 1.1.0']);

    const status = JSON.parse(await session.ok(['get', 'deployment', 'api', '-o', 'json']));
    expect(status.metadata.annotations['deployment.kubernetes.io/revision']).toBe('2');
    expect(status.status).toMatchObject({
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      observedGeneration: status.metadata.generation,
    });
    const reasons = Object.fromEntries(
      status.status.conditions.map((condition: { type: string; reason: string }) => [condition.type, condition.reason]),
    );
    expect(reasons).toEqual({ Available: 'MinimumReplicasAvailable', Progressing: 'NewReplicaSetAvailable' });
  });

  test('a failing image exceeds the progress deadline; undo restores and renumbers the revision', async () => {
    await session.ok(['patch', 'deployment/api', '-p', '{"spec":{"progressDeadlineSeconds":3}}']);
    await session.ok(['set', 'image', 'deployment/api', 'app=ghcr.io/sophia-ai/api:does-not-exist']);
    const failed = await session.run(['rollout', 'status', 'deployment/api', '--timeout=30s']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('error: deployment "api" exceeded its progress deadline');
    const pods = await session.ok(['get', 'pods', '-l', 'app=api']);
    expect(pods).toMatch(/ImagePullBackOff|ErrImagePull/);
    expect(pods.match(/Running/g)?.length).toBe(3);
    const condition = JSON.parse(await session.ok(['get', 'deployment', 'api', '-o', 'json'])).status.conditions.find(
      (entry: { type: string }) => entry.type === 'Progressing',
    );
    expect(condition).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    expect(condition.message).toMatch(/^ReplicaSet "api-[a-z0-9]+" has timed out progressing\.$/);

    const undone = await session.ok(['rollout', 'undo', 'deployment/api']);
    expect(undone).toContain('deployment.apps/api rolled back');
    await session.ok(['rollout', 'status', 'deployment/api', '--timeout=20s']);
    expect(await imageOf(session, 'api')).toBe('ghcr.io/sophia-ai/api:1.1.0');
    // Revision 2 is reused as the new highest revision, 4, as a real cluster numbers it.
    expect(await history(session, 'api')).toEqual(['1 <none>', '3 upgrade to 1.1.0', '4 upgrade to 1.1.0']);
    const replicaSets = JSON.parse(await session.ok(['get', 'replicasets', '-l', 'app=api', '-o', 'json'])).items;
    const current = replicaSets.find(
      (replicaSet: { metadata: { annotations: Record<string, string> } }) =>
        replicaSet.metadata.annotations['deployment.kubernetes.io/revision'] === '4',
    );
    expect(current.metadata.annotations['deployment.kubernetes.io/revision-history']).toBe('2');
  });

  test('undo --to-revision, skipped rollback and an unknown revision', async () => {
    const toFirst = await session.ok(['rollout', 'undo', 'deployment/api', '--to-revision=1']);
    expect(toFirst).toContain('deployment.apps/api rolled back');
    await session.ok(['rollout', 'status', 'deployment/api', '--timeout=20s']);
    expect(await imageOf(session, 'api')).toBe('ghcr.io/sophia-ai/api:1.0.0');
    expect(await history(session, 'api')).toEqual(['3 upgrade to 1.1.0', '4 upgrade to 1.1.0', '5 <none>']);

    const skipped = await session.ok(['rollout', 'undo', 'deployment/api', '--to-revision=5']);
    expect(skipped).toContain('deployment.apps/api skipped rollback (current template already matches revision 5)');
    const unknown = await session.run(['rollout', 'undo', 'deployment/api', '--to-revision=2']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unable to find specified revision 2 in history');
  });

  if (!full) return;

  test('rollout status --timeout expires while pods crash-loop', async () => {
    await session.ok(['apply', '-f', '-'], {
      stdin: deployment('worker', 'ghcr.io/sophia-ai/worker:crashloop', { replicas: 1 }),
    });
    const timedOut = await session.run(['rollout', 'status', 'deployment/worker', '--timeout=1s']);
    expect(timedOut.code).toBe(1);
    expect(timedOut.stdout).toContain(
      'Waiting for deployment "worker" rollout to finish: 0 of 1 updated replicas are available...',
    );
    expect(timedOut.stderr).toContain('error: timed out waiting for the condition');
    const pods = await eventually(async () => {
      const table = await session.ok(['get', 'pods', '-l', 'app=worker']);
      return table.includes('CrashLoopBackOff') ? table : undefined;
    });
    expect(pods).toMatch(/0\/1\s+CrashLoopBackOff/);
  });

  test('old ReplicaSets beyond revisionHistoryLimit are pruned', async () => {
    await session.ok(['apply', '-f', '-'], {
      stdin: deployment('pruned', 'ghcr.io/sophia-ai/api:1', { replicas: 1, revisionHistoryLimit: 2 }),
    });
    for (const tag of ['2', '3', '4', '5']) {
      await session.ok(['set', 'image', 'deployment/pruned', `app=ghcr.io/sophia-ai/api:${tag}`]);
      await session.ok(['rollout', 'status', 'deployment/pruned', '--timeout=20s']);
    }
    await eventually(
      async () => {
        const revisions = await history(session, 'pruned');
        return revisions.join(',') === '3 <none>,4 <none>,5 <none>' ? revisions : undefined;
      },
      5000,
      'pruning to three revisions',
    );
  });

  test('a paused deployment rolls nothing out until resumed', async () => {
    await session.ok(['rollout', 'pause', 'deployment/pruned']);
    await session.ok(['set', 'image', 'deployment/pruned', 'app=ghcr.io/sophia-ai/api:6']);
    const paused = await eventually(async () => {
      const object = JSON.parse(await session.ok(['get', 'deployment', 'pruned', '-o', 'json']));
      const progressing = object.status.conditions.find(
        (condition: { type: string }) => condition.type === 'Progressing',
      );
      return progressing.reason === 'DeploymentPaused' ? object : undefined;
    });
    expect(paused.metadata.annotations['deployment.kubernetes.io/revision']).toBe('5');
    await session.ok(['rollout', 'resume', 'deployment/pruned']);
    await session.ok(['rollout', 'status', 'deployment/pruned', '--timeout=20s']);
    expect((await history(session, 'pruned')).pop()).toBe('6 <none>');
  });

  test('scale and Recreate strategy', async () => {
    await session.ok(['scale', 'deployment/api', '--replicas=5']);
    await session.ok(['rollout', 'status', 'deployment/api', '--timeout=20s']);
    const table = await session.ok(['get', 'deployment', 'api']);
    expect(table).toMatch(/api\s+5\/5\s+5\s+5/);
    await session.ok([
      'patch',
      'deployment/api',
      '--type=merge',
      '-p',
      '{"spec":{"strategy":{"type":"Recreate","rollingUpdate":null}}}',
    ]);
    await session.ok(['set', 'image', 'deployment/api', 'app=ghcr.io/sophia-ai/api:2.0.0']);
    expect(await session.ok(['rollout', 'status', 'deployment/api', '--timeout=20s'])).toContain(
      'successfully rolled out',
    );
  });
}

describe(`${plain.label} rollout`, () => rolloutScenarios(plain, true));
describe.each(versioned)('$label rollout', (flavour) => rolloutScenarios(flavour, false));
