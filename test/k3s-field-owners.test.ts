/**
 * Who owns a workload's fields after people and the suite both wrote to it, decided per
 * managedFields entry from what the suite recorded, on the oldest and newest kubectl minors
 * (kubectlEnds): the manager names kubectl's own commands write under could differ by minor.
 */
import {
  deployManifests,
  DeployFailedError,
  loadManifests,
  ManifestError,
  prepareManifests,
  type DeploySettings,
} from '@sophia/kubernetes';
import { FAST_DEPLOY, kubectlEnds } from './fixtures/kube-kit.js';
import { useClusterTestBed } from './fixtures/cluster.js';
import { apiDeployment } from '@sophia-testing/manifests';

const api = (namespace: string, image: string, replicas = 2) => apiDeployment(namespace, image, replicas);

describe.each(kubectlEnds())('$label', ({ binary, serverVersion, transport }) => {
  const bed = useClusterTestBed({
    kubectl: binary,
    version: serverVersion,
    transport,
    namespaces: ['owners', 'undone', 'scaled', 'client-side'],
  });

  function deploy(namespace: string, image: string, settings: Partial<DeploySettings> = {}) {
    const file = bed.workspace.write(`${namespace}.yaml`, api(namespace, image));
    const manifests = loadManifests({ patterns: [file], cwd: bed.workspace.dir });
    return deployManifests(bed.kubectl, prepareManifests(manifests, {}), { ...FAST_DEPLOY, ...settings });
  }

  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected the deploy to fail');
      },
      (error: unknown) => error,
    );

  test("the fields of the suite's own undo are taken back without force-conflicts", async () => {
    await deploy('undone', 'r.example/api:1');
    expect(await failure(deploy('undone', 'r.example/api:broken'))).toBeInstanceOf(DeployFailedError);
    const lines: string[] = [];
    await deploy('undone', 'r.example/api:2', { log: (line) => lines.push(line) });
    // Said once for the server's dry run and once for the apply.
    expect([...new Set(lines.filter((line) => line.startsWith('Taking')))]).toEqual([
      expect.stringMatching(
        /^Taking back fields last written by this suite's rollout undo of undone\/Deployment\/api:\n"kubectl[^"]*": \.spec\.template\.spec\.containers\[name="api"\]\.image$/,
      ),
    ]);
  });

  test("a person's kubectl scale after the suite's undo stops the deploy on the replicas alone; force-conflicts takes them", async () => {
    const ref = { kind: 'Deployment', name: 'api', namespace: 'owners' };
    await deploy('owners', 'r.example/api:1');
    expect(await failure(deploy('owners', 'r.example/api:broken'))).toBeInstanceOf(DeployFailedError);
    // The person runs the same kubectl as the suite (on the server over SSH, as `k3s kubectl` is),
    // so the scale is filed under the undo's own manager name, in an entry of its own.
    await bed.kubectl.run(['scale', 'deployment/api', '--namespace', 'owners', '--replicas=5']);
    const entries = (await bed.kubectl.get(ref, { managedFields: true }))?.metadata.managedFields as Array<
      Record<string, string | undefined>
    >;
    const managers = entries.map((entry) => `${entry.manager}/${entry.operation}/${entry.subresource ?? ''}`);
    const undoManager = managers.find((entry) => entry.endsWith('/Update/'))?.split('/')[0];
    expect(managers).toContain(`${undoManager}/Update/scale`);
    const error = await failure(deploy('owners', 'r.example/api:2'));
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).problems.map((problem) => problem.message)).toEqual([
      expect.stringMatching(
        /^owners\/Deployment\/api: fields owned by another field manager, which the suite's field manager "sophia-deploy" would take: \.spec\.replicas \(field manager "kubectl[^"]*" through the scale subresource\)\. Another/,
      ),
    ]);
    expect((await bed.cluster.observer.get(ref))?.spec?.replicas).toBe(5);
    const lines: string[] = [];
    await deploy('owners', 'r.example/api:2', { forceConflicts: true, log: (line) => lines.push(line) });
    expect([...new Set(lines.filter((line) => line.startsWith('Taking')))]).toEqual([
      expect.stringMatching(/^Taking fields from kubectl\S* because force-conflicts is true:\n.*\.spec\.replicas/s),
    ]);
    const live = await bed.cluster.observer.get(ref);
    expect(live?.spec?.replicas).toBe(2);
  });

  const autoscaler = (namespace: string, minReplicas: number) => `---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: ${namespace}}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  minReplicas: ${minReplicas}
  maxReplicas: 8
`;
  /** Deploys api (4 replicas in the manifest) with its autoscaler, then reads the live replicas and their owners. */
  async function deployAutoscaled(namespace: string, image: string, minReplicas: number, serverSide = true) {
    const file = bed.workspace.write(
      `${namespace}.yaml`,
      api(namespace, image, 4) + autoscaler(namespace, minReplicas),
    );
    const lines: string[] = [];
    const warnings: string[] = [];
    const manifests = loadManifests({ patterns: [file], cwd: bed.workspace.dir });
    await deployManifests(bed.kubectl, prepareManifests(manifests, {}), {
      ...FAST_DEPLOY,
      serverSide,
      log: (line) => lines.push(line),
      warn: (line) => warnings.push(line),
    });
    const live = await bed.cluster.observer.get(
      { kind: 'Deployment', name: 'api', namespace },
      { managedFields: true },
    );
    const owners = (live?.metadata.managedFields as Array<{ manager: string; fieldsV1?: { 'f:spec'?: object } }>)
      .filter((entry) => entry.fieldsV1?.['f:spec'] && 'f:replicas' in entry.fieldsV1['f:spec'])
      .map((entry) => entry.manager);
    return { lines, warnings, replicas: live?.spec?.replicas, owners };
  }

  test('an autoscaled Deployment starts with its manifest replicas, then the deploy hands them to the autoscaler and never fights it', async () => {
    const run = (image: string, minReplicas: number) => deployAutoscaled('scaled', image, minReplicas);

    const first = await run('r.example/api:1', 3);
    expect(first.lines).toContain(
      'scaled/Deployment/api is created with 4 replicas; from then on its HorizontalPodAutoscaler sets them',
    );
    expect(first.replicas).toBe(4);
    // The autoscaler never had to scale it up from the API's default of 1.
    expect(first.owners).toEqual(['sophia-deploy']);

    const second = await run('r.example/api:2', 3);
    expect(second.warnings).toEqual([
      'scaled/Deployment/api sets replicas, but a HorizontalPodAutoscaler scales it: replicas is left out of the apply so the deploy does not fight the autoscaler',
    ]);
    expect(second.replicas).toBe(4);
    expect(second.owners).toEqual(['handover-to-hpa']);

    // The autoscaler scales it (its minimum raised), through the scale subresource; the next deploys leave that be.
    await run('r.example/api:3', 6);
    const third = await run('r.example/api:4', 6);
    expect(third.replicas).toBe(6);
    expect(third.owners).toEqual(['k3s']);
    expect(third.lines.filter((line) => line.startsWith('Taking'))).toEqual([]);
  });
  test('with client-side apply an autoscaled Deployment keeps its live replicas: the last applied configuration never drops them', async () => {
    const run = (image: string, minReplicas: number) => deployAutoscaled('client-side', image, minReplicas, false);
    const seen: unknown[] = [];
    const warnings: string[][] = [];
    for (const image of ['r.example/api:1', 'r.example/api:2', 'r.example/api:3']) {
      const deployed = await run(image, 3);
      seen.push(deployed.replicas);
      warnings.push(deployed.warnings);
    }
    expect(seen).toEqual([4, 4, 4]);
    expect(warnings.slice(1)).toEqual(
      Array(2).fill([
        'client-side/Deployment/api sets replicas, but a HorizontalPodAutoscaler scales it: replicas is applied at its live count so the deploy does not fight the autoscaler',
      ]),
    );
    // The autoscaler scales it (its minimum raised); the next client-side deploys leave its count be.
    await run('r.example/api:4', 6);
    expect((await run('r.example/api:5', 6)).replicas).toBe(6);
    expect((await run('r.example/api:6', 6)).replicas).toBe(6);
  });
});
