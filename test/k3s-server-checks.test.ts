/**
 * What the server can and cannot check, on the default kubectl and the minors dealt to this file, also over SSH (sharedKubectl): a
 * kind or apiVersion it does not serve stops the deploy before anything changes, naming the object,
 * its file and line (kubectl alone says only `unable to recognize ... no matches for kind`); a dry
 * run says which objects it could not validate; and the suite's own client-side apply is taken
 * over by its server-side apply instead of being blamed on another tool.
 */
import {
  deployManifests,
  KubernetesInputError,
  loadManifests,
  ManifestError,
  NamespaceInputError,
  notDeployedPublication,
  prepareManifests,
  deployReportMarkdown,
} from '@sophia/kubernetes';
import { FAST_DEPLOY, sharedKubectl } from './fixtures/kube-kit.js';
import { WIDGET_CRD } from '@sophia-testing/manifests';
import { useClusterTestBed } from './fixtures/cluster.js';

const configMap = (name: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}, namespace: unserved}
data: {a: "1"}
`;

/** Why a number or boolean where a string goes is refused, as the offline check says it. */
const why =
  'but it must be a string: kubectl reads YAML 1.1, where unquoted 1.10 is the number 1.1 and yes, no, on, off, y and n are booleans, and the API server refuses anything but a string here; quote it';

describe.each(sharedKubectl('k3s-server-checks'))('$label', ({ binary, serverVersion, transport }) => {
  const bed = useClusterTestBed({ kubectl: binary, version: serverVersion, transport, namespaces: ['unserved'] });

  async function deployError(name: string, text: string): Promise<ManifestError> {
    const file = bed.workspace.write(name, text);
    const manifests = prepareManifests(loadManifests({ patterns: [file], cwd: bed.workspace.dir }), {
      images: new Map(),
    });
    const error = await deployManifests(bed.kubectl, manifests, FAST_DEPLOY).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManifestError);
    return error as ManifestError;
  }

  /** The ManifestError loading `file` throws, before any cluster is contacted. */
  function loadingError(file: string): ManifestError {
    let error: unknown;
    try {
      loadManifests({ patterns: [file], cwd: bed.workspace.dir });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ManifestError);
    return error as ManifestError;
  }

  test('a custom kind whose CRD is neither installed nor in the set is named at its file and line, nothing applied', async () => {
    const error = await deployError(
      'nocrd.yaml',
      `${configMap('first')}---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: sm, namespace: unserved}
spec:
  selector: {matchLabels: {app: api}}
`,
    );
    expect(error.problems).toEqual([
      {
        file: 'nocrd.yaml',
        line: 6,
        message: expect.stringMatching(
          /^ServiceMonitor\/sm: kind ServiceMonitor \(monitoring\.coreos\.com\/v1\) is not served by this cluster.*install its CRD first or add it to the manifests$/,
        ),
      },
    ]);
    expect(error.message).toContain('nothing was applied');
    expect(await bed.cluster.observer.get({ kind: 'ConfigMap', name: 'first', namespace: 'unserved' })).toBeUndefined();
  });

  test('a removed apiVersion is named with the version the server serves for that kind', async () => {
    const error = await deployError(
      'old-api.yaml',
      `${configMap('second')}---
apiVersion: extensions/v1beta1
kind: Deployment
metadata: {name: api, namespace: unserved}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: r.example/api:1}]
`,
    );
    expect(error.problems).toEqual([
      {
        file: 'old-api.yaml',
        line: 6,
        message:
          'Deployment/api: apiVersion extensions/v1beta1 is not served by this cluster; it serves Deployment as apps/v1',
      },
    ]);
    expect(
      await bed.cluster.observer.get({ kind: 'ConfigMap', name: 'second', namespace: 'unserved' }),
    ).toBeUndefined();
  });

  test('a dry run marks objects whose namespace or CRD the set creates as not validated by the server, and warns', async () => {
    const file = bed.workspace.write(
      'fresh.yaml',
      `apiVersion: v1
kind: Namespace
metadata: {name: fresh}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: fresh}
data: {a: "1"}
---
${WIDGET_CRD}---
apiVersion: sophia.ai/v1
kind: Widget
metadata: {name: w, namespace: unserved}
spec: {size: 1}
---
${configMap('checked')}`,
    );
    const manifests = prepareManifests(loadManifests({ patterns: [file], cwd: bed.workspace.dir }), {
      images: new Map(),
    });
    const warnings: string[] = [];
    const report = await deployManifests(bed.kubectl, manifests, {
      ...FAST_DEPLOY,
      dryRun: true,
      warn: (line) => warnings.push(line),
    });
    const marks = Object.fromEntries(report.applied.map((object) => [object.name, object.notValidated]));
    expect(marks).toEqual({
      fresh: undefined,
      'widgets.sophia.ai': undefined,
      settings: undefined,
      w: 'not validated by the server (its CRD is created by this set)',
      checked: undefined,
    });
    expect(warnings).toEqual([
      'fresh.yaml:23: unserved/Widget/w: would be created, but not validated by the server (its CRD is created by this set)',
    ]);
    expect(deployReportMarkdown('Deploy', report)).toContain(
      'created, not validated by the server (its CRD is created by this set)',
    );
  });

  test.each([
    ['a misspelled field', 'replicaz: 2', /replicaz/],
    ['a port named where a number goes', 'replicas: 2', /containerPort/],
  ])(
    'an object in a namespace the set creates is checked by the server: %s is refused at its line by a dry run and a real deploy, nothing applied',
    async (_, specLine, reason) => {
      const port = reason.source === 'containerPort' ? ', ports: [{containerPort: "http"}]' : '';
      const file = bed.workspace.write(
        'brand-new.yaml',
        `apiVersion: v1
kind: Namespace
metadata: {name: brand-new}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: brand-new}
spec:
  ${specLine}
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: r.example/api:1${port}}]
`,
      );
      const manifests = prepareManifests(loadManifests({ patterns: [file], cwd: bed.workspace.dir }), {
        images: new Map(),
      });
      for (const dryRun of [true, false]) {
        const error = await deployManifests(bed.kubectl, manifests, { ...FAST_DEPLOY, dryRun }).catch(
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ManifestError);
        expect((error as ManifestError).problems).toEqual([
          {
            file: 'brand-new.yaml',
            line: expect.any(Number),
            message: expect.stringMatching(
              new RegExp(`^brand-new/Deployment/api: the API server refused it: .*${reason.source}`, 's'),
            ),
          },
        ]);
        expect((error as ManifestError).problems[0].line).toBeGreaterThanOrEqual(5);
        expect((error as ManifestError).message).toContain('nothing was applied');
        expect(await bed.cluster.observer.get({ kind: 'Namespace', name: 'brand-new' })).toBeUndefined();
      }
    },
  );

  test('a dry run runs the checks of a real deploy: a refused object is named once at its file and line, nothing changes', async () => {
    const file = bed.workspace.write(
      'dry-refused.yaml',
      `${configMap('dry-first')}---
apiVersion: apps/v1
kind: Deployment
metadata: {name: dry-api, namespace: unserved}
spec:
  replicaz: 2
  selector: {matchLabels: {app: dry-api}}
  template:
    metadata: {labels: {app: dry-api}}
    spec:
      containers: [{name: api, image: r.example/api:1}]
`,
    );
    const manifests = prepareManifests(loadManifests({ patterns: [file], cwd: bed.workspace.dir }), {
      images: new Map(),
    });
    const error = await deployManifests(bed.kubectl, manifests, { ...FAST_DEPLOY, dryRun: true }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).problems).toEqual([
      {
        file: 'dry-refused.yaml',
        line: 6,
        message: expect.stringMatching(/^unserved\/Deployment\/dry-api: the API server refused it: .*replicaz/s),
      },
    ]);
    expect((error as ManifestError).message).toMatch(/^1 API server problem, nothing was applied:\n/);
    expect((error as ManifestError).message.match(/replicaz/g)).toHaveLength(1);
    expect(
      await bed.cluster.observer.get({ kind: 'ConfigMap', name: 'dry-first', namespace: 'unserved' }),
    ).toBeUndefined();
    expect(
      await bed.cluster.observer.get({ kind: 'Deployment', name: 'dry-api', namespace: 'unserved' }),
    ).toBeUndefined();
  });

  test('a namespace input that does not exist is one error naming the input, before anything changes', async () => {
    const file = bed.workspace.write(
      'nowhere.yaml',
      `${configMap('one')}---\n${configMap('two')}`.replaceAll(', namespace: unserved', ''),
    );
    const manifests = prepareManifests(
      loadManifests({ patterns: [file], cwd: bed.workspace.dir, namespace: 'nowhere' }),
      {
        images: new Map(),
      },
    );
    const error = await deployManifests(bed.kubectl, manifests, { ...FAST_DEPLOY, namespace: 'nowhere' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KubernetesInputError);
    expect((error as KubernetesInputError).message).toBe(
      'Input "namespace" names namespace "nowhere", which does not exist on the cluster and no manifest creates it; nothing was applied. Create it (kubectl create namespace nowhere), add a Namespace manifest, or name an existing namespace',
    );
  });

  test('a missing namespace input and missing namespaces the manifests name are all reported at once, each where it was named', async () => {
    const file = bed.workspace.write(
      'everywhere.yaml',
      `${configMap('five').replace(', namespace: unserved', '')}---\n${configMap('six').replace('namespace: unserved', 'namespace: ghost-a')}---\n${configMap('seven').replace('namespace: unserved', 'namespace: ghost-b')}---\n${configMap('eight')}`,
    );
    const manifests = prepareManifests(
      loadManifests({ patterns: [file], cwd: bed.workspace.dir, namespace: 'nowhere' }),
      { images: new Map() },
    );
    const error = await deployManifests(bed.kubectl, manifests, { ...FAST_DEPLOY, namespace: 'nowhere' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KubernetesInputError);
    expect(error).toBeInstanceOf(NamespaceInputError);
    const problems = [
      {
        file: 'everywhere.yaml',
        line: 6,
        message:
          'namespace "ghost-a" does not exist on the cluster and no manifest creates it (ghost-a/ConfigMap/six); create it or add a Namespace manifest',
      },
      {
        file: 'everywhere.yaml',
        line: 11,
        message:
          'namespace "ghost-b" does not exist on the cluster and no manifest creates it (ghost-b/ConfigMap/seven); create it or add a Namespace manifest',
      },
    ];
    expect((error as NamespaceInputError).problems).toEqual(problems);
    expect((error as NamespaceInputError).input).toBe('namespace');
    expect((error as Error).message).toBe(
      `Input "namespace" names namespace "nowhere", which does not exist on the cluster and no manifest creates it; nothing was applied. Create it (kubectl create namespace nowhere), add a Namespace manifest, or name an existing namespace. The manifests have 2 more problems:\n${problems.map((problem) => `  everywhere.yaml:${problem.line}: ${problem.message}`).join('\n')}`,
    );
    const published = notDeployedPublication('Deploy', error);
    expect(published.annotations?.map((annotation) => annotation.line)).toEqual([6, 11]);
    expect(await bed.cluster.observer.get({ kind: 'ConfigMap', name: 'eight', namespace: 'unserved' })).toBeUndefined();
  });

  test('a namespace the manifests name that does not exist is one problem at its first object', async () => {
    const error = await deployError(
      'ghost.yaml',
      `${configMap('three')}---\n${configMap('four')}`.replaceAll('namespace: unserved', 'namespace: ghost'),
    );
    expect(error.problems).toEqual([
      {
        file: 'ghost.yaml',
        line: 1,
        message:
          'namespace "ghost" does not exist on the cluster and no manifest creates it (ghost/ConfigMap/three, ghost/ConfigMap/four); create it or add a Namespace manifest',
      },
    ]);
  });

  test('label, annotation, env and data values YAML 1.1 reads as numbers or booleans, which kubectl refuses, are named at their lines before the cluster is contacted', async () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: typed
  namespace: unserved
  labels: {app: typed, version: 1.10}
spec:
  selector: {matchLabels: {app: typed}}
  template:
    metadata:
      labels: {app: typed}
      annotations: {sidecar: on}
    spec:
      containers:
        - name: api
          image: r.example/api:1
          env:
            - {name: DEBUG, value: yes}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: typed, namespace: unserved}
data:
  retries: 3
`;
    const file = bed.workspace.write('typed.yaml', text);
    for (const document of text.split('---\n'))
      await expect(
        bed.cluster.observer.run(['apply', '--dry-run=server', '--filename', '-'], { stdin: document }),
      ).rejects.toThrow();
    const error = loadingError(file);
    expect(error.problems).toEqual([
      { file: 'typed.yaml', line: 6, message: `metadata.labels.version reads as number 1.1, ${why}` },
      {
        file: 'typed.yaml',
        line: 12,
        message: `spec.template.metadata.annotations.sidecar reads as boolean true, ${why}`,
      },
      {
        file: 'typed.yaml',
        line: 18,
        message: `spec.template.spec.containers.0.env.0.value reads as boolean true, ${why}`,
      },
      { file: 'typed.yaml', line: 24, message: `data.retries reads as number 3, ${why}` },
    ]);
  });

  test('sexagesimal-looking values (1:30, -1:30:00, 190:20:30.15) stay text, as kubectl reads them: no hint, sent as written', async () => {
    // YAML 1.1 defines base-60 integers and floats, but go-yaml v2, which kubectl reads with,
    // does not implement them: kubectl sends the text, so telling the user to quote it would be wrong.
    const text = `apiVersion: v1
kind: ConfigMap
metadata:
  name: clock
  namespace: unserved
  labels: {window: 1:30}
data:
  short: 1:30
  negative: -1:30:00
  fractional: 190:20:30.15
`;
    const expected = { short: '1:30', negative: '-1:30:00', fractional: '190:20:30.15' };
    const read = await bed.cluster.observer.run(['create', '--dry-run=client', '--output', 'json', '--filename', '-'], {
      stdin: text,
    });
    expect(JSON.parse(read.stdout)).toMatchObject({ metadata: { labels: { window: '1:30' } }, data: expected });
    const checked = await bed.cluster.observer.run(
      ['apply', '--dry-run=server', '--output', 'json', '--filename', '-'],
      { stdin: text },
    );
    expect(JSON.parse(checked.stdout).data).toEqual(expected);

    const file = bed.workspace.write('clock.yaml', text);
    const [manifest] = loadManifests({ patterns: [file], cwd: bed.workspace.dir });
    expect(manifest.object.data).toEqual(expected);
    expect(manifest.object.metadata.labels).toEqual({ window: '1:30' });
  });

  test('every string-typed map, list and field of the family, and map keys YAML 1.1 converts, are named as written with the fix, before the cluster is contacted', async () => {
    const pod = (name: string, podSpec: string, container = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: unserved}
spec:
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
${podSpec}      containers:
        - name: api
          image: r.example/api:1
${container}`;
    // Each document carries one value YAML 1.1 reads as a number, boolean or null where a string
    // goes, on the line marked `# here`, or a converted key.
    const documents = [
      pod('selector', '').replace('matchLabels: {app: selector}', 'matchLabels: {app: selector, tier: 1.10} # here'),
      pod('node', '      nodeSelector: {gpu: true} # here\n'),
      pod(
        'tolerate',
        '      tolerations: [{key: dedicated, operator: Equal, value: yes, effect: NoSchedule}] # here\n',
      ),
      pod(
        'zone',
        '      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n              - matchExpressions: [{key: zone, operator: In, values: [1]}] # here\n',
      ),
      pod('command', '', '          command: [serve, 8080] # here\n'),
      pod('args', '', '          args: [--verbose, on] # here\n'),
      pod('env', '', '          env: [{name: MODE, value: off}] # here\n'),
      `apiVersion: v1
kind: ConfigMap
metadata: {name: binary, namespace: unserved}
binaryData:
  blob: 0755 # here
`,
      `apiVersion: v1
kind: Secret
metadata: {name: token, namespace: unserved}
data:
  token: 12345 # here
`,
      `apiVersion: v1
kind: ConfigMap
metadata:
  name: keyed
  namespace: unserved
  labels:
    on: enabled # here
`,
      `apiVersion: v1
kind: ConfigMap
metadata: {name: nulled, namespace: unserved}
data:
  level: null # here
  empty:
`,
    ];
    const text = documents.join('---\n');
    const lines = text.split('\n').flatMap((line, index) => (line.includes('# here') ? [index + 1] : []));
    // What kubectl itself does with each: the server refuses every number and boolean where a
    // string goes; a converted key reaches it as "true"; an explicit null never reaches it as the text.
    for (const document of documents.slice(0, 9))
      await expect(
        bed.cluster.observer.run(['apply', '--dry-run=server', '--filename', '-'], { stdin: document }),
      ).rejects.toThrow(/cannot unmarshal (number|bool)/);
    const keyed = await bed.cluster.observer.run(
      ['create', '--dry-run=client', '--output', 'json', '--filename', '-'],
      {
        stdin: documents[9],
      },
    );
    expect(JSON.parse(keyed.stdout).metadata.labels).toEqual({ true: 'enabled' });
    const nulled = await bed.cluster.observer.run(
      ['apply', '--dry-run=server', '--output', 'json', '--filename', '-'],
      { stdin: documents[10] },
    );
    expect(JSON.parse(nulled.stdout).data?.level).not.toBe('null');

    const file = bed.workspace.write('family.yaml', text);
    const error = loadingError(file);
    const yaml11 =
      'kubectl reads YAML 1.1, where unquoted 1.10 is the number 1.1, yes, no, on, off, y and n are booleans and ~ and null are null';
    const messages = [
      `spec.selector.matchLabels.tier reads as number 1.1, ${why}`,
      `spec.template.spec.nodeSelector.gpu reads as boolean true, ${why}`,
      `spec.template.spec.tolerations.0.value reads as boolean true, ${why}`,
      `spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.0.matchExpressions.0.values.0 reads as number 1, ${why}`,
      `spec.template.spec.containers.0.command.1 reads as number 8080, ${why}`,
      `spec.template.spec.containers.0.args.1 reads as boolean true, ${why}`,
      `spec.template.spec.containers.0.env.0.value reads as boolean false, ${why}`,
      `binaryData.blob reads as number 493, ${why}`,
      `data.token reads as number 12345, ${why}`,
      `metadata.labels.on: the key on reads as boolean true, so kubectl sends the key "true": ${yaml11}; quote the key ("on")`,
      `data.level reads as null, not the text null: ${yaml11}, so the server never gets the text; quote it ("null")`,
    ];
    expect(error.problems).toEqual(
      messages.map((message, index) => ({ file: 'family.yaml', line: lines[index], message })),
    );
  });

  test("a server-side deploy after a client-side one takes over the suite's own fields: no conflict, value updated", async () => {
    const write = (value: string) =>
      bed.workspace.write('migrate.yaml', configMap('migrate').replace('a: "1"', `a: "${value}"`));
    const deploy = (serverSide: boolean, log?: (line: string) => void) =>
      deployManifests(
        bed.kubectl,
        prepareManifests(loadManifests({ patterns: [write(serverSide ? '2' : '1')], cwd: bed.workspace.dir }), {
          images: new Map(),
        }),
        { ...FAST_DEPLOY, serverSide, log },
      );
    await deploy(false);
    const lines: string[] = [];
    const report = await deploy(true, (line) => lines.push(line));
    expect(report.applied).toEqual([
      { kind: 'ConfigMap', namespace: 'unserved', name: 'migrate', action: 'configured' },
    ]);
    expect(lines.join('\n')).toContain('client-side apply');
    expect(
      (await bed.cluster.observer.get({ kind: 'ConfigMap', name: 'migrate', namespace: 'unserved' }))?.data,
    ).toEqual({
      a: '2',
    });
  });
});
