import { describeValue } from '@sophia/reporting';
import { workloadKey } from '@sophia/kubernetes';
import { kubernetesName, label, labelSelector, namespaceName, taint, workloadRef, workloadRefs } from '../src/index.js';

describe('DNS-1123 names', () => {
  it.each(['api', 'sophia-api', 'mcp.node-1', 'a', '0abc', 'a'.repeat(253)])('reads the object name %j', (raw) =>
    expect(kubernetesName('node', raw)).toBe(raw),
  );
  it.each(['API', '-api', 'api-', 'api_1', 'a..b', '.a', '', 'a'.repeat(254), 'api/x'])(
    'refuses the object name %j',
    (raw) => {
      expect(() => kubernetesName('node', raw)).toThrow(
        `Input "node" must be a Kubernetes name (lower-case letters, digits, "-" and ".", starting and ending alphanumeric, at most 253 characters), got ${describeValue(raw)}`,
      );
    },
  );
  it.each(['sophia', 'kube-system', 'a'.repeat(63)])('reads the namespace %j', (raw) =>
    expect(namespaceName('namespace', raw)).toBe(raw),
  );
  it.each(['sophia.prod', 'Sophia', 'a'.repeat(64), '-a', ''])('refuses the namespace %j', (raw) => {
    expect(() => namespaceName('namespace', raw)).toThrow(
      `Input "namespace" must be a namespace name (lower-case letters, digits and "-", at most 63 characters), got ${JSON.stringify(raw)}`,
    );
  });
});

describe('labels', () => {
  it.each([
    ['sophia.ai/pool=mcp', { key: 'sophia.ai/pool', value: 'mcp' }],
    ['pool=mcp', { key: 'pool', value: 'mcp' }],
    ['Pool_1.x=MCP-1_a.b', { key: 'Pool_1.x', value: 'MCP-1_a.b' }],
    ['pool=', { key: 'pool', value: '' }],
  ])('reads %j', (raw, parsed) => expect(label('node-label', raw)).toEqual(parsed));

  it.each([
    'pool',
    '=mcp',
    'sophia.ai/=mcp',
    'Sophia.AI/pool=mcp',
    'a/b/c=mcp',
    'pool=mc p',
    'pool=-mcp',
    `pool=${'v'.repeat(64)}`,
    `${'k'.repeat(64)}=v`,
  ])('refuses %j', (raw) => {
    expect(() => label('node-label', raw)).toThrow(
      `Input "node-label" must be a label key=value (such as sophia.ai/pool=mcp), got ${JSON.stringify(raw)}`,
    );
  });
});

describe('taints', () => {
  it.each([
    ['sophia.ai/pool=mcp:NoSchedule', { key: 'sophia.ai/pool', value: 'mcp', effect: 'NoSchedule' }],
    ['dedicated:NoExecute', { key: 'dedicated', value: '', effect: 'NoExecute' }],
    ['gpu=true:PreferNoSchedule', { key: 'gpu', value: 'true', effect: 'PreferNoSchedule' }],
  ])('reads %j', (raw, parsed) => expect(taint('taint', raw)).toEqual(parsed));

  it.each([
    'pool=mcp',
    'pool=mcp:noschedule',
    'pool=mcp:Evict',
    ':NoSchedule',
    'po ol=mcp:NoSchedule',
    'pool=m:c:NoSchedule',
  ])('refuses %j', (raw) => {
    expect(() => taint('taint', raw)).toThrow(
      `Input "taint" must be a taint key=value:Effect with Effect NoSchedule, PreferNoSchedule or NoExecute, got ${JSON.stringify(raw)}`,
    );
  });
});

describe('label selectors', () => {
  it.each([
    'app=api',
    'app==api',
    'app!=api',
    'app.kubernetes.io/part-of=sophia,tier in (web,mcp)',
    'tier notin (web, mcp)',
    'canary',
    '!canary',
    'app=api, !canary',
  ])('reads %j', (raw) => expect(labelSelector('selector', raw)).toBe(raw));

  it.each(['', 'app=a b', 'tier in web', '=api', 'app=api,,x', 'app=api;rm', 'tier in (we b)'])('refuses %j', (raw) => {
    expect(() => labelSelector('selector', raw)).toThrow(
      `Input "selector" must be a label selector such as app=api,tier in (web,mcp), got ${JSON.stringify(raw)}`,
    );
  });
});

describe('workload references', () => {
  it.each([
    ['deployment/api', { kind: 'Deployment', name: 'api' }],
    ['deploy/api', { kind: 'Deployment', name: 'api' }],
    ['Deployment/api', { kind: 'Deployment', name: 'api' }],
    ['statefulset/db', { kind: 'StatefulSet', name: 'db' }],
    ['sts/db', { kind: 'StatefulSet', name: 'db' }],
    ['daemonset/agent', { kind: 'DaemonSet', name: 'agent' }],
    ['team-a/Deployment/api', { kind: 'Deployment', name: 'api', namespace: 'team-a' }],
    ['team-b/sts/db', { kind: 'StatefulSet', name: 'db', namespace: 'team-b' }],
    ['sophia/Deployment/chat-api', { kind: 'Deployment', name: 'chat-api', namespace: 'sophia' }],
    ['mcp/statefulset/memory', { kind: 'StatefulSet', name: 'memory', namespace: 'mcp' }],
  ])('reads %j', (raw, ref) => expect(workloadRef('workloads', raw)).toEqual(ref));

  it.each([
    'api',
    'pod/api',
    'deployment/',
    'deployment/API',
    'deployment/api/x',
    'job/migrate',
    'Team/Deployment/api',
    'a/b/Deployment/api',
    'Sophia/Deployment/api',
    'a/b/deployment/api',
  ])('refuses %j', (raw) => {
    expect(() => workloadRef('workloads', raw)).toThrow(
      `Input "workloads" must be workloads such as deployment/api, statefulset/db or sophia/Deployment/chat-api, got ${JSON.stringify(raw)}`,
    );
  });

  it("reads a deploy action's `changed` output as it is, or one reference per line", () => {
    expect(workloadRefs('workloads', '["sophia/Deployment/chat-api","mcp/StatefulSet/memory"]')).toEqual([
      { kind: 'Deployment', name: 'chat-api', namespace: 'sophia' },
      { kind: 'StatefulSet', name: 'memory', namespace: 'mcp' },
    ]);
    expect(workloadRefs('workloads', '[]')).toEqual([]);
    expect(workloadRefs('workloads', 'deployment/api\nsophia/Deployment/web')).toEqual([
      { kind: 'Deployment', name: 'api' },
      { kind: 'Deployment', name: 'web', namespace: 'sophia' },
    ]);
  });

  it.each([
    [{ kind: 'Deployment', name: 'api' }, 'Deployment/api'],
    [{ kind: 'StatefulSet', name: 'db.primary', namespace: 'team-a' }, 'team-a/StatefulSet/db.primary'],
    [{ kind: 'DaemonSet', name: 'agent', namespace: 'kube-system' }, 'kube-system/DaemonSet/agent'],
  ] as const)('spells %j as %j and reads it back as it was', (ref, key) => {
    expect(workloadKey(ref)).toBe(key);
    expect(workloadRef('workloads', workloadKey(ref))).toEqual(ref);
  });

  it('keeps apart what differs only in namespace, and a namespaced object from a cluster-scoped one', () => {
    const keys = [
      workloadKey({ kind: 'Deployment', name: 'api', namespace: 'team-a' }),
      workloadKey({ kind: 'Deployment', name: 'api', namespace: 'team-b' }),
      workloadKey({ kind: 'Deployment', name: 'api' }),
    ];
    expect(new Set(keys).size).toBe(3);
  });

  it.each(['[', '{"a":1}', '[1]', '["pod/api"]'])('refuses the JSON %j', (raw) => {
    expect(() => workloadRefs('workloads', raw)).toThrow(/^Input "workloads" must be /);
  });
});
