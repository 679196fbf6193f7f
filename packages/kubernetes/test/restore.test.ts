import { projectFields, restoreIntent, unionFields, type KubeObject } from '../src/index.js';

const before: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name: 'api',
    namespace: 'shop',
    resourceVersion: '7',
    labels: { app: 'api', team: 'payments' },
    managedFields: [
      {
        manager: 'sophia-deploy',
        operation: 'Apply',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:selector': {},
            'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:name': {}, 'f:port': {} } },
          },
        },
      },
      { manager: 'kubectl-label', operation: 'Update', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:team': {} } } } },
    ],
  },
  spec: {
    clusterIP: '10.43.0.9',
    selector: { app: 'api' },
    ports: [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
      { name: 'debug', port: 9000, protocol: 'TCP', targetPort: 9000 },
    ],
  },
};

describe('restoreIntent', () => {
  it('applies the earlier values of the fields the manager owned, and nothing another manager or the server wrote', () => {
    const after = { ...before, metadata: { ...before.metadata, managedFields: [] } };
    expect(restoreIntent(before, after, { serverSide: true, fieldManager: 'sophia-deploy' })).toEqual({
      intent: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'api', namespace: 'shop', labels: { app: 'api' } },
        spec: { selector: { app: 'api' }, ports: [{ port: 80, protocol: 'TCP', name: 'http' }] },
      },
    });
  });

  it('covers the fields the failed run applied too, so one it took is given back with its earlier value', () => {
    const after: KubeObject = {
      ...before,
      metadata: {
        ...before.metadata,
        managedFields: [
          { manager: 'sophia-deploy', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:sessionAffinity': {} } } },
        ],
      },
    };
    const restored = restoreIntent({ ...before, spec: { ...before.spec, sessionAffinity: 'None' } }, after, {
      serverSide: true,
      fieldManager: 'sophia-deploy',
    });
    expect(restored).toMatchObject({ intent: { spec: { sessionAffinity: 'None', selector: { app: 'api' } } } });
  });

  it('reads a Secret applied with stringData back from data', () => {
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 's',
        managedFields: [{ manager: 'm', operation: 'Apply', fieldsV1: { 'f:stringData': { 'f:TOKEN': {} } } }],
      },
      data: { TOKEN: Buffer.from('first').toString('base64') },
    };
    expect(restoreIntent(secret, secret, { serverSide: true, fieldManager: 'm' })).toEqual({
      intent: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { TOKEN: 'first' } },
    });
  });

  it('with client-side apply, goes back to the last-applied configuration, or says why it cannot', () => {
    const lastApplied = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { MODE: 'v1' } };
    const annotated: KubeObject = {
      ...lastApplied,
      metadata: {
        name: 'c',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(lastApplied) },
      },
    };
    expect(restoreIntent(annotated, annotated, { serverSide: false, fieldManager: 'm' })).toEqual({
      intent: lastApplied,
    });
    expect(restoreIntent(lastApplied, lastApplied, { serverSide: false, fieldManager: 'm' })).toEqual({
      reason: 'it carried no last-applied configuration before this run',
    });
  });

  it('says so when the manager never applied the object', () => {
    expect(restoreIntent(before, before, { serverSide: true, fieldManager: 'someone' })).toEqual({
      reason: 'field manager someone applies none of its fields',
    });
  });
});

describe('field sets', () => {
  it('a set owning a whole value absorbs one owning part of it', () => {
    expect(unionFields({ 'f:a': {} }, { 'f:a': { 'f:b': {} }, 'f:c': {} })).toEqual({ 'f:a': {}, 'f:c': {} });
    expect(unionFields({ 'f:a': { 'f:b': {} } }, { 'f:a': { 'f:c': {} } })).toEqual({
      'f:a': { 'f:b': {}, 'f:c': {} },
    });
  });

  it('projects set items and items by position', () => {
    expect(projectFields({ finalizers: ['a', 'b'] }, { 'f:finalizers': { 'v:"b"': {} } })).toEqual({
      finalizers: ['b'],
    });
    expect(projectFields([{ x: 1, y: 2 }, { x: 3 }], { 'i:1': {} })).toEqual([{ x: 3 }]);
  });
});
