/**
 * Cluster topology as data: node objects shaped like K3s's, and the controls tests use to
 * change it at run time (add, remove, taint, label, mark NotReady).
 */
import { typeOf } from './resources.js';
import type { ObjectStore } from './store.js';
import { clone, nowIso, type Json, type StoredObject } from './types.js';

export interface NodeTaint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface NodeSpec {
  name: string;
  internalIp: string;
  /** Adds `node-role.kubernetes.io/<role>` labels, e.g. control-plane. */
  roles?: string[];
  labels?: Record<string, string>;
  taints?: NodeTaint[];
  ready?: boolean;
}

/** Sophia's topology: the K3s server and the MCP agent node. */
export const DEFAULT_NODES: NodeSpec[] = [
  { name: 'k3s-server', internalIp: '192.222.58.232', roles: ['control-plane', 'master'] },
  { name: 'mcp-node', internalIp: '104.171.202.117' },
];

export interface NodeControls {
  add(spec: NodeSpec): StoredObject;
  remove(name: string): void;
  taint(name: string, taint: NodeTaint): StoredObject;
  untaint(name: string, key: string): StoredObject;
  setReady(name: string, ready: boolean): StoredObject;
  /** Sets labels; a null value removes the label. */
  label(name: string, labels: Record<string, string | null>): StoredObject;
  cordon(name: string, unschedulable?: boolean): StoredObject;
  get(name: string): StoredObject;
  list(): StoredObject[];
}

function readyCondition(ready: boolean): Json {
  const now = nowIso();
  return ready
    ? {
        type: 'Ready',
        status: 'True',
        reason: 'KubeletReady',
        message: 'kubelet is posting ready status',
        lastHeartbeatTime: now,
        lastTransitionTime: now,
      }
    : {
        type: 'Ready',
        status: 'Unknown',
        reason: 'NodeStatusUnknown',
        message: 'Kubelet stopped posting node status.',
        lastHeartbeatTime: now,
        lastTransitionTime: now,
      };
}

function pressureConditions(): Json[] {
  const now = nowIso();
  return [
    ['MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
    ['DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
    ['PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
  ].map(([type, reason, message]) => ({
    type,
    status: 'False',
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  }));
}

export function nodeObject(spec: NodeSpec, index: number, kubeletVersion: string): StoredObject {
  const roleLabels = Object.fromEntries((spec.roles ?? []).map((role) => [`node-role.kubernetes.io/${role}`, 'true']));
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/instance-type': 'k3s',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': spec.name,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': 'k3s',
        ...roleLabels,
        ...(spec.labels ?? {}),
      },
      annotations: {
        'k3s.io/internal-ip': spec.internalIp,
        'k3s.io/hostname': spec.name,
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: {
      podCIDR: `10.42.${index}.0/24`,
      podCIDRs: [`10.42.${index}.0/24`],
      providerID: `k3s://${spec.name}`,
      ...(spec.taints?.length ? { taints: clone(spec.taints) } : {}),
    },
    status: {
      capacity: { cpu: '8', 'ephemeral-storage': '203056560Ki', memory: '32778924Ki', pods: '110' },
      allocatable: { cpu: '8', 'ephemeral-storage': '197533949165', memory: '32778924Ki', pods: '110' },
      conditions: [...pressureConditions(), readyCondition(spec.ready ?? true)],
      addresses: [
        { type: 'InternalIP', address: spec.internalIp },
        { type: 'Hostname', address: spec.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        bootID: '00000000-0000-0000-0000-000000000000',
        containerRuntimeVersion: 'containerd://1.7.23-k3s2',
        kernelVersion: '5.15.0-126-generic',
        kubeProxyVersion: kubeletVersion,
        kubeletVersion,
        machineID: '00000000000000000000000000000000',
        operatingSystem: 'linux',
        osImage: 'Ubuntu 22.04.5 LTS',
        systemUUID: '00000000-0000-0000-0000-000000000000',
      },
    },
  };
}

export function isNodeReady(node: StoredObject): boolean {
  return (node.status?.conditions ?? []).some(
    (condition: Json) => condition.type === 'Ready' && condition.status === 'True',
  );
}

export function internalIpOf(node: StoredObject): string | undefined {
  return (node.status?.addresses ?? []).find((address: Json) => address.type === 'InternalIP')?.address;
}

export function createNodeControls(store: ObjectStore, kubeletVersion: () => string): NodeControls {
  const type = typeOf('Node');
  let added = 0;
  const change = (name: string, mutate: (node: StoredObject) => void): StoredObject => {
    const node = store.mustGet(type, undefined, name);
    mutate(node);
    return store.update(type, node);
  };
  return {
    add(spec) {
      return store.create(type, nodeObject(spec, added++, kubeletVersion()));
    },
    remove(name) {
      store.remove(type, undefined, name);
    },
    taint(name, taint) {
      return change(name, (node) => {
        const taints: NodeTaint[] = (node.spec.taints ?? []).filter(
          (existing: NodeTaint) => existing.key !== taint.key || existing.effect !== taint.effect,
        );
        node.spec.taints = [...taints, { ...taint }];
      });
    },
    untaint(name, key) {
      return change(name, (node) => {
        node.spec.taints = (node.spec.taints ?? []).filter((existing: NodeTaint) => existing.key !== key);
        if (node.spec.taints.length === 0) delete node.spec.taints;
      });
    },
    setReady(name, ready) {
      return change(name, (node) => {
        const conditions: Json[] = node.status.conditions.filter((condition: Json) => condition.type !== 'Ready');
        node.status.conditions = [...conditions, readyCondition(ready)];
        const unreachable = { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' };
        const taints: Json[] = (node.spec.taints ?? []).filter((taint: Json) => taint.key !== unreachable.key);
        node.spec.taints = ready ? taints : [...taints, { ...unreachable, timeAdded: nowIso() }];
        if (node.spec.taints.length === 0) delete node.spec.taints;
      });
    },
    label(name, labels) {
      return change(name, (node) => {
        for (const [key, value] of Object.entries(labels)) {
          if (value === null) delete node.metadata.labels[key];
          else node.metadata.labels[key] = value;
        }
      });
    },
    cordon(name, unschedulable = true) {
      return change(name, (node) => {
        if (unschedulable) node.spec.unschedulable = true;
        else delete node.spec.unschedulable;
      });
    },
    get(name) {
      return store.mustGet(type, undefined, name);
    },
    list() {
      return store.list(type);
    },
  };
}
