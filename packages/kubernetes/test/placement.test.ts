import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES_DIR, INVALID_YAML } from '@sophia-testing/manifests';
import {
  auditPlacement,
  loadManifests,
  ManifestError,
  nodeInfo,
  taintText,
  untoleratedTaints,
  prepareManifests,
  type Placement,
} from '../src/index.js';

const node = nodeInfo({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'mcp-node', labels: { 'kubernetes.io/hostname': 'mcp-node' } },
  spec: {},
  status: {
    addresses: [{ type: 'InternalIP', address: '104.171.202.117' }],
    conditions: [{ type: 'Ready', status: 'True' }],
  },
});
const placement: Placement = { nodeSelector: { key: 'sophia.ai/pool', value: 'mcp' } };

test('the audit of the unpinned MCP manifests lists every workload with file and line', () => {
  const manifests = loadManifests({ patterns: ['kubernetes/production/mcp-*.yaml'], cwd: join(FIXTURES_DIR, 'mcp') });
  const findings = auditPlacement(manifests, node, placement);
  expect(findings.map((f) => `${f.file}:${f.line} ${f.workload}`)).toEqual([
    'kubernetes/production/mcp-ai-memory.yaml:19 default/Deployment/mcp-ai-memory',
    'kubernetes/production/mcp-github.yaml:19 default/Deployment/mcp-github',
    'kubernetes/production/mcp-github.yaml:64 default/CronJob/mcp-github-reindex',
    'kubernetes/production/mcp-slack.yaml:19 default/Deployment/mcp-slack',
  ]);
  expect(findings[0].message).toBe(
    'Deployment/mcp-ai-memory: no nodeSelector sophia.ai/pool=mcp: its pods can be scheduled on any node, not only mcp-node',
  );
});

test('after injecting the placement the audit finds nothing, also with a taint', () => {
  const tainted: Placement = {
    ...placement,
    taint: { key: 'sophia.ai/dedicated', value: 'mcp', effect: 'NoSchedule' },
  };
  const manifests = loadManifests({ patterns: ['kubernetes/production'], cwd: join(FIXTURES_DIR, 'mcp') });
  expect(auditPlacement(manifests, node, tainted).filter((f) => f.message.includes('tolerate'))).toHaveLength(4);
  expect(auditPlacement(prepareManifests(manifests, { placement: tainted }), node, tainted)).toEqual([]);
});

test('a selector for another pool is named at its line', () => {
  const manifests = loadManifests({ patterns: ['mcp-pinned-elsewhere.yaml'], cwd: join(FIXTURES_DIR, 'bad') });
  expect(auditPlacement(manifests, node, placement)).toEqual([
    {
      workload: 'default/Deployment/mcp-notion',
      file: 'mcp-pinned-elsewhere.yaml',
      line: 15,
      message: 'Deployment/mcp-notion: nodeSelector sophia.ai/pool=general does not match node mcp-node',
    },
  ]);
  expect(() => prepareManifests(manifests, { placement })).toThrow(ManifestError);
});

test('the bad fixtures each fail with file and line', () => {
  // Invalid YAML is written at run time: as a file in the repository the formatter would refuse it.
  const dir = mkdtempSync(join(tmpdir(), 'bad-'));
  cpSync(join(FIXTURES_DIR, 'bad'), dir, { recursive: true });
  writeFileSync(join(dir, 'invalid-yaml.yaml'), INVALID_YAML);
  let problems: string[] = [];
  try {
    loadManifests({ patterns: ['invalid-yaml.yaml', 'missing-kind.yaml', 'bad-name.yaml'], cwd: dir });
  } catch (error) {
    problems = (error as ManifestError).problems.map((p) => `${p.file}:${p.line}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  expect(problems).toEqual(['invalid-yaml.yaml:6', 'missing-kind.yaml:1', 'bad-name.yaml:4']);
});

test('taintText writes a taint as kubectl taint takes it', () => {
  expect(taintText({ key: 'sophia.ai/dedicated', value: 'mcp', effect: 'NoSchedule' })).toBe(
    'sophia.ai/dedicated=mcp:NoSchedule',
  );
  expect(taintText({ key: 'gpu', value: '', effect: 'NoExecute' })).toBe('gpu:NoExecute');
});

describe('taints the MCP pods do not tolerate', () => {
  const taintedNode = (taints: object[], owned?: string) =>
    nodeInfo({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: 'mcp-node',
        ...(owned ? { annotations: { 'sophia.ai/placement': JSON.stringify({ taint: owned }) } } : {}),
      },
      spec: { taints },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'taints-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const tolerating = (tolerations: object[]) => {
    const name = `t${tolerations.length}-${Math.random().toString(36).slice(2, 8)}`;
    writeFileSync(
      join(dir, `${name}.yaml`),
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: mcp}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      tolerations: ${JSON.stringify(tolerations)}\n      containers: [{name: a, image: r.example/a:1}]\n`,
    );
    return loadManifests({ patterns: [`${name}.yaml`], cwd: dir });
  };
  const gpu = { key: 'gpu', value: 'true', effect: 'NoSchedule' };

  test.each([
    [[{ operator: 'Exists' }], true],
    [[{ key: 'gpu', operator: 'Exists' }], true],
    [[{ key: 'gpu', value: 'true' }], true],
    [[{ key: 'gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }], true],
    [[{ operator: 'Exists', effect: 'NoSchedule' }], true],
    [[{ key: 'gpu', operator: 'Equal', value: 'false' }], false],
    [[{ key: 'gpu', operator: 'Exists', effect: 'NoExecute' }], false],
    [[{ key: 'other', operator: 'Exists' }], false],
    [[{ key: 'gpu', operator: 'Gt', value: 'true' }], false],
    // ToleratesTaint: no key matches every key, and Equal then compares the value (the API server refuses
    // an empty key with Equal, so such a toleration never reaches a cluster).
    [[{ operator: 'Equal', value: 'true' }], true],
    [[{ value: 'false', effect: 'NoSchedule' }], false],
    [[], false],
  ])('tolerations %j tolerate gpu=true:NoSchedule: %s', (tolerations, tolerated) => {
    const check = untoleratedTaints(tolerating(tolerations), taintedNode([gpu]), undefined, true);
    expect(check.problems.length === 0).toBe(tolerated);
  });

  test('the taint of the input and the one an earlier run recorded are the suite’s, PreferNoSchedule only warns, NoExecute stops', () => {
    const wanted = { key: 'sophia.ai/dedicated', value: 'mcp', effect: 'NoSchedule' as const };
    const node = taintedNode(
      [
        { key: 'sophia.ai/dedicated', value: 'old', effect: 'NoSchedule' },
        { key: 'sophia.ai/retired', effect: 'NoSchedule' },
        { key: 'ops/maintenance', value: 'planned', effect: 'PreferNoSchedule' },
        { key: 'evict', effect: 'NoExecute' },
      ],
      'sophia.ai/retired:NoSchedule',
    );
    const check = untoleratedTaints(tolerating([]), node, wanted, true);
    expect(check.problems.map((problem) => problem.message.split(', which')[0])).toEqual([
      expect.stringMatching(/does not tolerate taint evict:NoExecute of node mcp-node$/),
    ]);
    expect(check.problems[0].message).toContain('Add the toleration {key: evict, operator: Equal, effect: NoExecute}');
    expect(check.warnings).toEqual([
      expect.stringContaining('does not tolerate taint ops/maintenance=planned:PreferNoSchedule of node mcp-node'),
    ]);
  });

  test('with label-node false the recorded taint and one of the input’s key and effect stay on the node: the pods must tolerate them', () => {
    const wanted = { key: 'sophia.ai/dedicated', value: 'mcp', effect: 'NoSchedule' as const };
    const recordedOnly = taintedNode([wanted], taintText(wanted));
    expect(untoleratedTaints(tolerating([]), recordedOnly, undefined, true).problems).toEqual([]);
    const kept = untoleratedTaints(tolerating([]), recordedOnly, undefined, false).problems;
    expect(kept.map((problem) => problem.message)).toEqual([
      expect.stringMatching(
        /does not tolerate taint sophia\.ai\/dedicated=mcp:NoSchedule of node mcp-node, which an earlier run put there and this run leaves \(label-node is false\)/,
      ),
    ]);
    const otherValue = taintedNode([{ ...wanted, value: 'old' }]);
    expect(untoleratedTaints(tolerating([]), otherValue, wanted, true).problems).toEqual([]);
    expect(untoleratedTaints(tolerating([]), otherValue, wanted, false).problems.map((p) => p.message)).toEqual([
      expect.stringMatching(
        /does not tolerate taint sophia\.ai\/dedicated=old:NoSchedule of node mcp-node, which this action does not manage/,
      ),
    ]);
    // The input's own taint, already on the node, is tolerated by the toleration the deploy adds for it.
    const same = taintedNode([wanted]);
    expect(untoleratedTaints(tolerating([wanted]), same, wanted, false).problems).toEqual([]);
  });

  const daemonSet = (podSpec: string) => {
    writeFileSync(
      join(dir, 'ds.yaml'),
      `apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, namespace: mcp}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n${podSpec}      containers: [{name: a, image: r.example/a:1}]\n`,
    );
    return loadManifests({ patterns: ['ds.yaml'], cwd: dir });
  };
  const nodeTaint = (key: string, effect: string) => ({ key, effect });

  test('a DaemonSet carries the tolerations its controller adds: cordoned, not-ready, unreachable, pressure taints', () => {
    const node = taintedNode([
      nodeTaint('node.kubernetes.io/unschedulable', 'NoSchedule'),
      nodeTaint('node.kubernetes.io/not-ready', 'NoExecute'),
      nodeTaint('node.kubernetes.io/unreachable', 'NoExecute'),
      nodeTaint('node.kubernetes.io/disk-pressure', 'NoSchedule'),
      nodeTaint('node.kubernetes.io/memory-pressure', 'NoSchedule'),
      nodeTaint('node.kubernetes.io/pid-pressure', 'NoSchedule'),
    ]);
    expect(untoleratedTaints(daemonSet(''), node, undefined, true).problems).toEqual([]);
    // A Deployment's pods get none of them.
    expect(untoleratedTaints(tolerating([]), node, undefined, true).problems).toHaveLength(6);
  });

  test('a DaemonSet tolerates not-ready and unreachable with NoExecute only, as its controller adds them', () => {
    const node = taintedNode([
      nodeTaint('node.kubernetes.io/not-ready', 'NoSchedule'),
      nodeTaint('node.kubernetes.io/unreachable', 'NoSchedule'),
    ]);
    expect(untoleratedTaints(daemonSet(''), node, undefined, true).problems.map((p) => p.message)).toEqual([
      expect.stringContaining('does not tolerate taint node.kubernetes.io/not-ready:NoSchedule'),
      expect.stringContaining('does not tolerate taint node.kubernetes.io/unreachable:NoSchedule'),
    ]);
  });

  test('network-unavailable is tolerated only by a DaemonSet on the host network; other taints still stop a DaemonSet', () => {
    const node = taintedNode([nodeTaint('node.kubernetes.io/network-unavailable', 'NoSchedule')]);
    expect(untoleratedTaints(daemonSet('      hostNetwork: true\n'), node, undefined, true).problems).toEqual([]);
    expect(untoleratedTaints(daemonSet(''), node, undefined, true).problems).toHaveLength(1);
    expect(untoleratedTaints(daemonSet(''), taintedNode([gpu]), undefined, true).problems).toHaveLength(1);
  });

  test('a cordoned node is advised uncordon, not a taint removal', () => {
    const node = taintedNode([nodeTaint('node.kubernetes.io/unschedulable', 'NoSchedule')]);
    const [problem] = untoleratedTaints(tolerating([]), node, undefined, true).problems;
    expect(problem.message).toContain('node mcp-node is cordoned');
    expect(problem.message).toContain('kubectl uncordon mcp-node');
    expect(problem.message).not.toContain('kubectl taint');
  });
});
