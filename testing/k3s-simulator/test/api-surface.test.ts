/** The HTTP surface kubectl depends on, checked directly: TLS, auth, discovery, watch, Status, patches. */
import { request } from 'node:https';
import { startCluster, type Cluster } from '../src/index.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(
  cluster: Cluster,
  method: string,
  path: string,
  options: { body?: unknown; contentType?: string; accept?: string; token?: string | null } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, cluster.httpsUrl);
    const token = options.token === undefined ? cluster.token : options.token;
    const req = request(
      url,
      {
        method,
        ca: cluster.caCert,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(options.accept ? { accept: options.accept } : {}),
          ...(options.body !== undefined ? { 'content-type': options.contentType ?? 'application/json' } : {}),
        },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body),
    );
  });
}

/** Opens a watch and collects events until `count` arrived or the stream ends. */
function watch(
  cluster: Cluster,
  path: string,
  count: number,
): Promise<Array<{ type: string; object: { metadata?: { name?: string }; code?: number; reason?: string } }>> {
  return new Promise((resolve, reject) => {
    const events: Array<{ type: string; object: { metadata?: { name?: string }; code?: number; reason?: string } }> =
      [];
    const req = request(
      new URL(path, cluster.httpsUrl),
      { ca: cluster.caCert, headers: { authorization: `Bearer ${cluster.token}` } },
      (res) => {
        let buffer = '';
        res.on('data', (chunk) => {
          buffer += chunk;
          let newline: number;
          while ((newline = buffer.indexOf('\n')) !== -1) {
            events.push(JSON.parse(buffer.slice(0, newline)));
            buffer = buffer.slice(newline + 1);
            if (events.length >= count) {
              req.destroy();
              resolve(events);
            }
          }
        });
        res.on('end', () => resolve(events));
      },
    );
    req.on('error', (error) => (events.length >= count ? undefined : reject(error)));
    req.end();
  });
}

const configMap = (name: string, data: Record<string, string> = { a: '1' }): unknown => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data,
});

describe('API surface', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({ version: '1.29' });
  });
  afterAll(() => cluster.stop());

  test('serves TLS signed by its CA, reports the configured version, refuses unauthenticated requests', async () => {
    const version = await call(cluster, 'GET', '/version', { token: null });
    expect(JSON.parse(version.body)).toMatchObject({ major: '1', minor: '29', gitVersion: 'v1.29.0+k3s1' });
    cluster.setVersion('v1.27.16+k3s1');
    expect(JSON.parse((await call(cluster, 'GET', '/version')).body).minor).toBe('27');
    const denied = await call(cluster, 'GET', '/api/v1/namespaces', { token: 'wrong' });
    expect(denied.status).toBe(401);
    expect(JSON.parse(denied.body)).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Unauthorized',
      code: 401,
    });
    expect(cluster.kubeconfig).toContain(`server: ${cluster.httpsUrl}`);
    expect(cluster.kubeconfig).toContain('certificate-authority-data: ');
  });

  test('discovery: aggregated when asked for, legacy otherwise, never cached', async () => {
    const aggregated = await call(cluster, 'GET', '/apis', {
      accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
    });
    expect(aggregated.headers['content-type']).toBe(
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    );
    expect(aggregated.headers['cache-control']).toBe('no-cache, private');
    const groups = JSON.parse(aggregated.body).items.map((item: { metadata: { name: string } }) => item.metadata.name);
    // Every group a 1.27 API server serves by default, then those of k3s's bundled CRDs by name.
    expect(groups).toEqual([
      'admissionregistration.k8s.io',
      'apiextensions.k8s.io',
      'apiregistration.k8s.io',
      'apps',
      'authentication.k8s.io',
      'authorization.k8s.io',
      'autoscaling',
      'batch',
      'certificates.k8s.io',
      'coordination.k8s.io',
      'discovery.k8s.io',
      'events.k8s.io',
      'flowcontrol.apiserver.k8s.io',
      'networking.k8s.io',
      'node.k8s.io',
      'policy',
      'rbac.authorization.k8s.io',
      'scheduling.k8s.io',
      'storage.k8s.io',
      'helm.cattle.io',
      'k3s.cattle.io',
      'traefik.containo.us',
      'traefik.io',
    ]);
    const legacy = JSON.parse((await call(cluster, 'GET', '/apis/apps/v1')).body);
    const deployments = legacy.resources.find((resource: { name: string }) => resource.name === 'deployments');
    expect(deployments).toMatchObject({
      singularName: 'deployment',
      namespaced: true,
      kind: 'Deployment',
      shortNames: ['deploy'],
    });
    expect(legacy.resources.map((resource: { name: string }) => resource.name)).toContain('deployments/scale');
    const openapi = JSON.parse((await call(cluster, 'GET', '/openapi/v3')).body);
    const appsUrl = openapi.paths['apis/apps/v1'].serverRelativeURL;
    const document = JSON.parse((await call(cluster, 'GET', appsUrl)).body);
    const patch = document.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(patch.parameters.map((parameter: { name: string }) => parameter.name)).toContain('fieldValidation');
    const v2 = await call(cluster, 'GET', '/openapi/v2', {
      accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf',
    });
    expect(v2.status).toBe(200);
    expect(v2.body).toContain('x-kubernetes-group-version-kind');
  });

  test('errors are Status objects with the real messages', async () => {
    const missing = await call(cluster, 'GET', '/apis/apps/v1/namespaces/default/deployments/nope');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'deployments.apps "nope" not found',
      details: { name: 'nope', group: 'apps', kind: 'deployments' },
    });
    await call(cluster, 'POST', '/api/v1/namespaces/default/configmaps', { body: configMap('twice') });
    const again = await call(cluster, 'POST', '/api/v1/namespaces/default/configmaps', { body: configMap('twice') });
    expect(again.status).toBe(409);
    expect(JSON.parse(again.body).message).toBe('configmaps "twice" already exists');
    const noNamespace = await call(cluster, 'POST', '/api/v1/namespaces/ghost/configmaps', { body: configMap('x') });
    expect(JSON.parse(noNamespace.body).message).toBe('namespaces "ghost" not found');
    const invalid = await call(cluster, 'POST', '/apis/apps/v1/namespaces/default/deployments', {
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'bad' },
        spec: {
          selector: { matchLabels: { app: 'x' } },
          template: { metadata: { labels: { app: 'y' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
        },
      },
    });
    expect(invalid.status).toBe(422);
    expect(JSON.parse(invalid.body).message).toContain('`selector` does not match template `labels`');
  });

  test('watch streams changes from a resourceVersion and expires stale ones with 410', async () => {
    const list = JSON.parse((await call(cluster, 'GET', '/api/v1/namespaces/default/configmaps')).body);
    const events = watch(
      cluster,
      `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${list.metadata.resourceVersion}`,
      2,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    await call(cluster, 'POST', '/api/v1/namespaces/default/configmaps', { body: configMap('watched') });
    await call(cluster, 'PATCH', '/api/v1/namespaces/default/configmaps/watched', {
      body: { data: { a: '2' } },
      contentType: 'application/merge-patch+json',
    });
    expect((await events).map((event) => `${event.type} ${event.object.metadata?.name}`)).toEqual([
      'ADDED watched',
      'MODIFIED watched',
    ]);

    cluster.store.compact();
    await call(cluster, 'POST', '/api/v1/namespaces/default/configmaps', { body: configMap('after-compaction') });
    const stale = await watch(
      cluster,
      `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${list.metadata.resourceVersion}`,
      1,
    );
    expect(stale[0].type).toBe('ERROR');
    expect(stale[0].object).toMatchObject({ code: 410, reason: 'Expired' });
  });

  test('a watch with a label selector sees objects leave and enter the selection', async () => {
    await call(cluster, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: { ...(configMap('tier') as object), metadata: { name: 'tier', labels: { tier: 'web' } } },
    });
    const list = JSON.parse(
      (await call(cluster, 'GET', '/api/v1/namespaces/default/configmaps?labelSelector=tier%3Dweb')).body,
    );
    expect(list.items.map((item: { metadata: { name: string } }) => item.metadata.name)).toEqual(['tier']);
    const events = watch(
      cluster,
      `/api/v1/namespaces/default/configmaps?watch=true&labelSelector=tier%3Dweb&resourceVersion=${list.metadata.resourceVersion}`,
      3,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const relabel = (tier: string) =>
      call(cluster, 'PATCH', '/api/v1/namespaces/default/configmaps/tier', {
        body: { metadata: { labels: { tier } } },
        contentType: 'application/merge-patch+json',
      });
    await relabel('db');
    await relabel('web');
    await call(cluster, 'DELETE', '/api/v1/namespaces/default/configmaps/tier');
    expect((await events).map((event) => event.type)).toEqual(['DELETED', 'ADDED', 'DELETED']);
  });

  test('strategic merge honours merge keys and directives; JSON patch test fails with 422', async () => {
    const base = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'smp' },
      spec: {
        selector: { matchLabels: { app: 'smp' } },
        template: {
          metadata: { labels: { app: 'smp' } },
          spec: {
            containers: [
              {
                name: 'a',
                image: 'a:1',
                env: [
                  { name: 'X', value: '1' },
                  { name: 'Y', value: '2' },
                ],
              },
              { name: 'b', image: 'b:1' },
            ],
          },
        },
      },
    };
    await call(cluster, 'POST', '/apis/apps/v1/namespaces/default/deployments', { body: base });
    const patch = {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }],
            containers: [
              {
                name: 'a',
                env: [
                  { name: 'Y', $patch: 'delete' },
                  { name: 'Z', value: '3' },
                ],
              },
              { name: 'b', image: 'b:2' },
            ],
          },
        },
      },
    };
    const patched = JSON.parse(
      (
        await call(cluster, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/smp', {
          body: patch,
          contentType: 'application/strategic-merge-patch+json',
        })
      ).body,
    );
    const containers = patched.spec.template.spec.containers;
    expect(
      containers.map((container: { name: string; image: string }) => `${container.name}=${container.image}`),
    ).toEqual(['b=b:2', 'a=a:1']);
    expect(containers[1].env).toEqual([
      { name: 'X', value: '1' },
      { name: 'Z', value: '3' },
    ]);
    expect(patched.metadata.generation).toBe(2);
    const failedTest = await call(cluster, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/smp', {
      body: [{ op: 'test', path: '/spec/replicas', value: 7 }],
      contentType: 'application/json-patch+json',
    });
    expect(failedTest.status).toBe(422);
  });

  test('an established CRD changes the aggregated discovery ETag; an unchanged document answers 304', async () => {
    const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
    const before = await call(cluster, 'GET', '/apis', { accept });
    const etag = String(before.headers.etag);
    const revalidated = await new Promise<number>((resolve, reject) => {
      const req = request(
        new URL('/apis', cluster.httpsUrl),
        {
          ca: cluster.caCert,
          headers: { authorization: `Bearer ${cluster.token}`, accept, 'if-none-match': etag },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(revalidated).toBe(304);
    const created = await call(cluster, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      body: {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.example.com' },
        spec: {
          group: 'example.com',
          scope: 'Namespaced',
          names: { plural: 'widgets', kind: 'Widget' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object' } } } },
            },
          ],
        },
      },
    });
    expect(created.status).toBe(201);
    expect(JSON.parse(created.body).spec.names).toMatchObject({ singular: 'widget', listKind: 'WidgetList' });
    let after = before;
    for (let attempt = 0; attempt < 100 && after.headers.etag === etag; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = await call(cluster, 'GET', '/apis', { accept });
    }
    expect(after.headers.etag).not.toBe(etag);
    const groups = JSON.parse(after.body).items.map((item: { metadata: { name: string } }) => item.metadata.name);
    expect(groups).toContain('example.com');
    const openapi = JSON.parse((await call(cluster, 'GET', '/openapi/v3')).body);
    const document = JSON.parse(
      (await call(cluster, 'GET', openapi.paths['apis/example.com/v1'].serverRelativeURL)).body,
    );
    expect(document.components.schemas['com.example.v1.Widget']['x-kubernetes-group-version-kind']).toEqual([
      { group: 'example.com', version: 'v1', kind: 'Widget' },
    ]);
    const invalid = await call(cluster, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      body: {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'gadgets' },
        spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'gadgets', kind: 'Gadget' }, versions: [] },
      },
    });
    expect(invalid.status).toBe(422);
    expect(JSON.parse(invalid.body).message).toBe(
      'CustomResourceDefinition.apiextensions.k8s.io "gadgets" is invalid: [metadata.name: Invalid value: "gadgets": must be spec.names.plural+"."+spec.group, spec.versions: Required value]',
    );
  });

  test('OpenAPI v3 carries the published schemas of the reported minor', async () => {
    const openapi = JSON.parse((await call(cluster, 'GET', '/openapi/v3')).body);
    const autoscaling = JSON.parse(
      (await call(cluster, 'GET', openapi.paths['apis/autoscaling/v2'].serverRelativeURL)).body,
    );
    const spec = autoscaling.components.schemas['io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec'];
    expect(spec.required).toEqual(['scaleTargetRef', 'maxReplicas']);
    expect(Object.keys(spec.properties)).toEqual(
      expect.arrayContaining(['behavior', 'maxReplicas', 'metrics', 'minReplicas', 'scaleTargetRef']),
    );
    const legacy = JSON.parse((await call(cluster, 'GET', '/apis/policy/v1')).body);
    expect(legacy.resources.map((resource: { name: string }) => resource.name)).toEqual([
      'poddisruptionbudgets',
      'poddisruptionbudgets/status',
    ]);
  });
});
