/**
 * How deploys and rollbacks find the revision to go back to, report what they did and refuse what
 * kubectl refuses, on the default kubectl and the minors dealt to this file, also over SSH (sharedKubectl) (each against a server
 * of its own version): nothing of this may depend on the minor.
 */
import {
  deployManifests,
  DeployFailedError,
  executeRollback,
  loadManifests,
  planRollback,
  prepareManifests,
  deployPublication,
  type DeployReport,
} from '@sophia/kubernetes';
import { FAST_DEPLOY, imageOf, sharedKubectl } from './fixtures/kube-kit.js';
import { useClusterTestBed } from './fixtures/cluster.js';
import { apiDeployment } from '@sophia-testing/manifests';

const versions = sharedKubectl('k3s-rollback-paths');

const api = apiDeployment;

const daemonSet = (namespace: string) => `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  namespace: ${namespace}
  labels: {app: agent}
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers:
        - {name: agent, image: "r.example/agent:1"}
`;

describe.each(versions)('$label', ({ binary, serverVersion, transport }) => {
  const bed = useClusterTestBed({
    kubectl: binary,
    version: serverVersion,
    transport,
    namespaces: ['ds3', 'ds4', 'tx', 'ty', 'tz', 'empty', 'paused'],
  });

  function deploy(file: string, images: Record<string, string> = {}, log?: (line: string) => void) {
    const manifests = loadManifests({ patterns: [file], cwd: bed.workspace.dir });
    return deployManifests(bed.kubectl, prepareManifests(manifests, { images: new Map(Object.entries(images)) }), {
      ...FAST_DEPLOY,
      log,
    });
  }

  test('a DaemonSet whose update fails is rolled back to the revision it had before the run, not the failed one', async () => {
    const file = bed.workspace.write('ds3.yaml', daemonSet('ds3'));
    await deploy(file);
    const lines: string[] = [];
    const error = await deploy(file, { agent: 'r.example/agent:broken' }, (line) => lines.push(line)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeployFailedError);
    expect(lines).toContain('Rolling ds3/DaemonSet/agent back to revision 1');
    const report = (error as DeployFailedError).report as DeployReport;
    // The restored revision rolls out: the unavailable pod of the failed revision is replaced at once.
    expect(report.rollbacks).toEqual([
      expect.objectContaining({ failedRevision: '2', restoredRevision: '1', result: 'restored' }),
    ]);
    const live = await bed.cluster.observer.get({ kind: 'DaemonSet', name: 'agent', namespace: 'ds3' });
    expect(imageOf(live)).toBe('r.example/agent:1');
  });

  test('rollback with a selector finds DaemonSets too', async () => {
    const file = bed.workspace.write('ds4.yaml', daemonSet('ds4'));
    await deploy(file);
    await deploy(file, { agent: 'r.example/agent:2' });
    const steps = await planRollback(bed.kubectl, {
      namespace: 'ds4',
      workloads: { by: 'selector', selector: 'app=agent' },
      to: { kind: 'previous' },
    });
    expect(steps.map((step) => [step.ref.kind, step.from.number, step.to.number])).toEqual([['DaemonSet', 2, 1]]);
    const outcomes = await executeRollback(bed.kubectl, steps, { markFailed: false, rolloutTimeoutMs: 20_000 });
    expect(outcomes).toEqual([expect.objectContaining({ from: 2, to: 3 })]);
    const live = await bed.cluster.observer.get({ kind: 'DaemonSet', name: 'agent', namespace: 'ds4' });
    expect(imageOf(live)).toBe('r.example/agent:1');
  });

  test('a failure names each workload with its namespace; one that rolled out fine is undone with the set but not marked failed', async () => {
    const file = bed.workspace.write(
      'two-apis.yaml',
      `${api('tx', 'r.example/api:1')}---\n${api('ty', 'r.example/api:1')}`,
    );
    await deploy(file);
    bed.workspace.write('two-apis.yaml', `${api('tx', 'r.example/api:2')}---\n${api('ty', 'r.example/api:broken')}`);
    const error = await deploy(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployFailedError);
    const message = (error as Error).message;
    expect(message).toMatch(/^Rollout failed: ty\/Deployment\/api revision 2 cannot become ready: /);
    expect(message).toMatch(/Rolled back tx\/Deployment\/api to revision 1, ty\/Deployment\/api to revision 1\.$/);
    const report = (error as DeployFailedError).report as DeployReport;
    expect(report.rollbacks).toEqual([
      expect.objectContaining({ ref: expect.objectContaining({ namespace: 'tx' }), result: 'restored' }),
      expect.objectContaining({
        ref: expect.objectContaining({ namespace: 'ty' }),
        result: 'restored',
        failedRevision: '2',
      }),
    ]);
    expect(report.rollbacks[0].failedRevision).toBeUndefined();
    const tx = await bed.cluster.observer.get({ kind: 'Deployment', name: 'api', namespace: 'tx' });
    const ty = await bed.cluster.observer.get({ kind: 'Deployment', name: 'api', namespace: 'ty' });
    expect(tx?.metadata.annotations?.['sophia.ai/failed-revisions']).toBeUndefined();
    expect(ty?.metadata.annotations?.['sophia.ai/failed-revisions']).toBe('2');
    expect(imageOf(tx)).toBe('r.example/api:1');
  });

  test('a rollback that fails for one workload is reported for each workload, in the message and the report', async () => {
    // "tz" starts on a revision that never became ready: going back to it cannot finish.
    const file = bed.workspace.write(
      'partly.yaml',
      `${api('tx', 'r.example/api:1')}---\n${api('tz', 'r.example/api:broken')}`,
    );
    await deployManifests(bed.kubectl, loadManifests({ patterns: [file], cwd: bed.workspace.dir }), {
      ...FAST_DEPLOY,
      rollbackOnFailure: false,
    }).catch(() => undefined);
    bed.workspace.write(
      'partly.yaml',
      `${api('tx', 'r.example/api:3')}---\n${api('tz', 'r.example/api:does-not-exist')}`,
    );
    const error = await deploy(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployFailedError);
    const message = (error as Error).message;
    expect(message).toContain('Rolled back tx/Deployment/api to revision');
    expect(message).toMatch(
      /the rollback failed: tz\/Deployment\/api did not come back: tz\/Deployment\/api revision \d+ cannot become ready/,
    );
    const report = (error as DeployFailedError).report as DeployReport;
    expect(report.rolledBack).toBe(true);
    expect(report.rollbacks.map((record) => [record.ref.namespace, record.result])).toEqual([
      ['tx', 'restored'],
      ['tz', 'failed'],
    ]);
    const publication = deployPublication('deploy', report);
    const rollbacks = publication.outputs?.rollbacks as Record<string, unknown>;
    expect(Object.keys(rollbacks)).toEqual(['tx/Deployment/api', 'tz/Deployment/api']);
    expect(rollbacks['tz/Deployment/api']).toEqual(
      expect.objectContaining({ result: 'failed', reason: expect.stringContaining('did not come back') }),
    );
    expect(publication.summary).toMatch(/\| tz\/Deployment\/api \|.*\| failed: tz\/Deployment\/api did not come back/);
  });

  test('a paused Deployment is reported paused, not waited on nor rolled back', async () => {
    const file = bed.workspace.write('paused.yaml', api('paused', 'r.example/api:1'));
    await deploy(file);
    bed.workspace.write(
      'paused.yaml',
      api('paused', 'r.example/api:2').replace('  replicas: 1\n', '  replicas: 1\n  paused: true\n'),
    );
    const report = await deploy(file);
    expect(report.rollouts).toEqual([
      expect.objectContaining({
        ok: true,
        note: 'paused/Deployment/api is paused (spec.paused): the new template is recorded, and its pods move to it only after `kubectl rollout resume`',
      }),
    ]);
    expect(report.rolledBack).toBe(false);
    expect(imageOf(await bed.cluster.observer.get({ kind: 'Deployment', name: 'api', namespace: 'paused' }))).toBe(
      'r.example/api:2',
    );
  });
});
