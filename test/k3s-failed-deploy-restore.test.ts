/**
 * A deploy whose rollout fails puts back every object it changed, not only the Deployment: the
 * CronJob, bare Pod and Job-less pod templates the `images` input rewrote, the ConfigMap, Secret
 * and Service it configured. What other field managers wrote stays; what the run added goes; the
 * next deploy goes through without a conflict. Real kubectl on the default minor and the minors dealt to this file, also over SSH (sharedKubectl),
 * server-side apply and client-side apply.
 */
import {
  deployManifests,
  DeployFailedError,
  deployReportMarkdown,
  loadManifests,
  prepareManifests,
  type DeployReport,
  type KubeObject,
} from '@sophia/kubernetes';
import { sharedServers, useClusterTestBed } from './fixtures/cluster.js';
import { FAST_DEPLOY } from './fixtures/kube-kit.js';
import { WIDGET_CRD } from '@sophia-testing/manifests';

const API = 'registry.example/api';
const NS = 'shop';

function manifests(version: {
  config: string;
  port: number;
  secret: string;
  extraKey?: boolean;
  immutableFlags?: boolean;
  /** An int64 beyond 2^53 in the pod templates, which a JS number would round. */
  seconds: string;
}): string {
  return `apiVersion: v1
kind: Namespace
metadata:
  name: ${NS}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: api-flags
  namespace: ${NS}
${version.immutableFlags ? 'immutable: true\n' : ''}data:
  SEARCH: "on"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: api-config
  namespace: ${NS}
data:
  MODE: ${version.config}
${version.extraKey ? '  ADDED_BY_V2: "yes"\n' : ''}---
apiVersion: v1
kind: Secret
metadata:
  name: api-secret
  namespace: ${NS}
stringData:
  TOKEN: ${version.secret}
---
apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: ${NS}
spec:
  selector: { app: api }
  ports:
    - name: http
      port: ${version.port}
      targetPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: ${NS}
spec:
  replicas: 1
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      terminationGracePeriodSeconds: ${version.seconds}
      containers:
        - name: api
          image: ${API}:1.0.0
          envFrom: [{ configMapRef: { name: api-config } }]
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: api-cleanup
  namespace: ${NS}
spec:
  schedule: '0 3 * * *'
  jobTemplate:
    spec:
      activeDeadlineSeconds: ${version.seconds}
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: cleanup
              image: ${API}:1.0.0
---
apiVersion: v1
kind: Pod
metadata:
  name: api-debug
  namespace: ${NS}
spec:
  containers:
    - name: debug
      image: ${API}:1.0.0
`;
}

const servers = sharedServers('k3s-failed-deploy-restore');

const cases = servers.flatMap((server) => [
  { ...server, serverSide: true },
  // Client-side apply once: its way back (the last-applied configuration) does not depend on the minor.
  ...(server.version ? [] : [{ ...server, serverSide: false }]),
]);

describe.each(cases)(
  'a failed deploy puts back what it changed, kubectl $kubectl, server-side $serverSide',
  ({ version, serverSide, binary, transport }) => {
    const bed = useClusterTestBed({ kubectl: binary, transport, ...(version ? { version } : {}) });

    function deploy(text: string, images: Record<string, string> = {}): Promise<DeployReport> {
      bed.workspace.write('app.yaml', text);
      const loaded = loadManifests({ patterns: ['app.yaml'], cwd: bed.workspace.dir });
      return deployManifests(bed.kubectl, prepareManifests(loaded, { images: new Map(Object.entries(images)) }), {
        ...FAST_DEPLOY,
        serverSide,
      });
    }

    const live = (kind: string, name: string) => bed.cluster.observer.get({ kind, name, namespace: NS });
    /** The object as `kubectl get -o json` prints it, so no JSON reader can round its numbers. */
    const liveJson = async (kind: string, name: string) =>
      (await bed.cluster.observer.run(['get', kind, name, '--namespace', NS, '--output', 'json'])).stdout;
    const imageAt = (object: KubeObject | undefined, path: string[]) =>
      (
        path.reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], object) as Array<{
          image: string;
        }>
      )[0].image;
    const cronImage = async () =>
      imageAt(await live('CronJob', 'api-cleanup'), ['spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers']);
    const podImage = async () => imageAt(await live('Pod', 'api-debug'), ['spec', 'containers']);
    const secretToken = async () =>
      Buffer.from(
        String(((await live('Secret', 'api-secret'))?.data as Record<string, string>).TOKEN),
        'base64',
      ).toString();

    test('the first deploy creates everything', async () => {
      const report = await deploy(manifests({ config: 'v1', port: 80, secret: 'first', seconds: '9007199254740993' }));
      expect(report.applied.every((object) => object.action === 'created')).toBe(true);
      expect(await cronImage()).toBe(`${API}:1.0.0`);
      // Every digit reaches the server, as kubectl apply -f sends it.
      expect(await liveJson('CronJob', 'api-cleanup')).toContain('"activeDeadlineSeconds": 9007199254740993');
      expect(await liveJson('Deployment', 'api')).toContain('"terminationGracePeriodSeconds": 9007199254740993');
    });

    test('a failing rollout puts back the CronJob, Pod, ConfigMap, Secret and Service; what others wrote stays; what cannot go back is named and stops nothing', async () => {
      // Written by someone else between the deploys: not the deploy's to take back.
      await bed.cluster.observer.run(['label', 'configmap', 'api-config', '--namespace', NS, 'team=payments']);
      let error: unknown;
      try {
        await deploy(
          manifests({
            config: 'v2',
            port: 8081,
            secret: 'second',
            extraKey: true,
            immutableFlags: true,
            seconds: '9007199254740995',
          }),
          {
            [API]: bed.cluster.failingImage(`${API}:2.0.0`),
          },
        );
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(DeployFailedError);
      const report = (error as DeployFailedError).report;
      expect((error as Error).message).toContain(
        `Rolled back ${NS}/Deployment/api to revision 1; put back as before the deploy: ${NS}/Secret/api-secret, ${NS}/ConfigMap/api-config, ${NS}/Service/api, ${NS}/Pod/api-debug, ${NS}/CronJob/api-cleanup; left as is: ${NS}/ConfigMap/api-flags (the server refused to put it back: `,
      );
      expect(report.restored.map((record) => [record.ref.name, record.skipped])).toEqual([
        ['api-secret', undefined],
        // An immutable ConfigMap cannot become mutable again: named, and the rest still goes back.
        ['api-flags', expect.stringMatching(/^the server refused to put it back: .*immutable/)],
        ['api-config', undefined],
        ['api', undefined],
        ['api-debug', undefined],
        ['api-cleanup', undefined],
      ]);
      expect(report.rolledBack).toBe(true);

      expect(await cronImage()).toBe(`${API}:1.0.0`);
      expect(await podImage()).toBe(`${API}:1.0.0`);
      const config = await live('ConfigMap', 'api-config');
      expect(config?.data).toEqual({ MODE: 'v1' });
      expect(config?.metadata.labels?.team).toBe('payments');
      expect(await secretToken()).toBe('first');
      const service = await live('Service', 'api');
      expect((service?.spec?.ports as Array<{ port: number }>).map((port) => port.port)).toEqual([80]);
      const api = await live('Deployment', 'api');
      expect(imageAt(api, ['spec', 'template', 'spec', 'containers'])).toBe(`${API}:1.0.0`);
      // Put back with every digit: the restored CronJob and the Deployment rolled back to revision 1.
      expect(await liveJson('CronJob', 'api-cleanup')).toContain('"activeDeadlineSeconds": 9007199254740993');
      expect(await liveJson('Deployment', 'api')).toContain('"terminationGracePeriodSeconds": 9007199254740993');
    });

    test('the next deploy goes through without a field conflict and changes them all', async () => {
      const report = await deploy(
        manifests({ config: 'v3', port: 8082, secret: 'third', immutableFlags: true, seconds: '9007199254740997' }),
        {
          [API]: `${API}:3.0.0`,
        },
      );
      expect(report.rolledBack).toBe(false);
      expect(await cronImage()).toBe(`${API}:3.0.0`);
      expect(await podImage()).toBe(`${API}:3.0.0`);
      expect((await live('ConfigMap', 'api-config'))?.data).toEqual({ MODE: 'v3' });
      expect(await secretToken()).toBe('third');
      expect(await liveJson('CronJob', 'api-cleanup')).toContain('"activeDeadlineSeconds": 9007199254740997');
    });
  },
);

function widgetApp(big: string): string {
  return `${WIDGET_CRD}---
apiVersion: sophia.ai/v1
kind: Widget
metadata: {name: quota, namespace: ${NS}}
spec:
  limits:
    - {name: tokens, max: ${big}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: ${NS}}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: ${API}:1.0.0}]
`;
}

// kubectl's client-side apply rounds a custom resource's changed integers beyond 2^53 on every minor:
// the deploy and the put-back of a failed one say which object and field, never "as before".
describe.each(servers.filter((server) => server.transport === 'kubeconfig'))(
  'a client-side apply that rounds a custom resource integer is named, kubectl $kubectl',
  ({ version, binary }) => {
    const bed = useClusterTestBed({ kubectl: binary, namespaces: [NS], ...(version ? { version } : {}) });
    const warnings: string[] = [];

    function deploy(big: string, images: Record<string, string> = {}): Promise<DeployReport> {
      bed.workspace.write('widget.yaml', widgetApp(big));
      const loaded = loadManifests({ patterns: ['widget.yaml'], cwd: bed.workspace.dir });
      return deployManifests(bed.kubectl, prepareManifests(loaded, { images: new Map(Object.entries(images)) }), {
        ...FAST_DEPLOY,
        serverSide: false,
        warn: (line) => warnings.push(line),
      });
    }
    const liveMax = async () =>
      (
        await bed.cluster.observer.run([
          'get',
          'widget.sophia.ai',
          'quota',
          '--namespace',
          NS,
          '--output',
          'jsonpath={.spec.limits[0].max}',
        ])
      ).stdout;

    test('created whole; a changed value rounded by kubectl is named in the deploy and in the put-back of the failed deploy', async () => {
      const first = await deploy('9007199254740993');
      expect(first.applied.map((object) => object.rounded)).toEqual([undefined, undefined, undefined]);
      expect(await liveMax()).toBe('9007199254740993');

      let error: unknown;
      try {
        await deploy('9007199254740995', { [API]: bed.cluster.failingImage(`${API}:2.0.0`) });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(DeployFailedError);
      const report = (error as DeployFailedError).report;
      const applied = `${NS}/Widget/quota: spec.limits.0.max is 9007199254740996, not 9007199254740995 (the value written in the manifest): kubectl's client-side apply sends a custom resource's changes as float64 numbers, exact only up to 2^53; apply it with server-side: true to keep every digit`;
      expect(report.applied.find((object) => object.kind === 'Widget')?.rounded).toBe(applied);
      expect(warnings).toContain(applied);
      expect(await liveMax()).toBe('9007199254740992');
      const restored = `${NS}/Widget/quota: spec.limits.0.max is 9007199254740992, not 9007199254740993 (the value it had before the deploy): kubectl's client-side apply sends a custom resource's changes as float64 numbers, exact only up to 2^53; apply it with server-side: true to keep every digit`;
      expect(report.restored).toEqual([{ ref: { kind: 'Widget', namespace: NS, name: 'quota' }, rounded: restored }]);
      expect((error as Error).message).toContain(`put back except for rounded integers: ${restored}`);
      expect((error as Error).message).not.toContain('put back as before the deploy');
      expect(report.rolledBack).toBe(true);
      const summary = deployReportMarkdown('Deploy', report);
      expect(summary).toContain(`configured, but ${applied}`);
      expect(summary).toContain(`restored except: ${restored}`);
    });
  },
);
