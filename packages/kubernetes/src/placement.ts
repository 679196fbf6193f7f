import type { Label, Taint } from './syntax.js';
import type { Kubectl } from './kubectl.js';
import type { ManifestProblem } from './manifest-error.js';
import type { Manifest } from './manifests.js';
import { isRecord, kindAndName, objectKey, workloadKey, type KubeObject, type ObjectRef } from './objects.js';
import { getPath, podTemplateLocation } from './pod-templates.js';
import { selectorString } from './rollout.js';
import { tolerationFor, tolerates, type Placement, type Toleration } from './transforms.js';

/** What the MCP placement reads of a node (its metadata, spec.taints and status). */
export interface NodeInfo {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  taints: Taint[];
  /** status.addresses: `InternalIP`, `ExternalIP`, `Hostname`... */
  addresses: Array<{ type: string; address: string }>;
  /** Its Ready condition is True. */
  ready: boolean;
  /** The Ready condition as a person reads it: `Ready=False (KubeletNotReady: ...)`, or `no Ready condition`. */
  readyDetail: string;
  /** Cordoned (spec.unschedulable, as `kubectl cordon` sets it). */
  unschedulable: boolean;
}

/** The parts of a Node object placement needs, read defensively (missing fields become empty). Never throws. */
export function nodeInfo(node: KubeObject): NodeInfo {
  const status = node.status ?? {};
  const ready = (
    (status.conditions as Array<{ type: string; status: string; reason?: string; message?: string }>) ?? []
  ).find((condition) => condition.type === 'Ready');
  return {
    name: node.metadata.name,
    labels: node.metadata.labels ?? {},
    annotations: node.metadata.annotations ?? {},
    taints: ((node.spec?.taints as Taint[]) ?? []).map((taint) => ({
      key: taint.key,
      value: taint.value ?? '',
      effect: taint.effect,
    })),
    addresses: (status.addresses as NodeInfo['addresses']) ?? [],
    ready: ready?.status === 'True',
    readyDetail: ready
      ? `Ready=${ready.status}${ready.reason ? ` (${ready.reason}${ready.message ? `: ${ready.message}` : ''})` : ''}`
      : 'no Ready condition',
    unschedulable: node.spec?.unschedulable === true,
  };
}

function describeNodes(nodes: NodeInfo[]): string {
  if (nodes.length === 0) return 'the cluster has no nodes';
  return (
    'nodes in the cluster: ' +
    nodes
      .map((node) => `${node.name} (${node.addresses.map((a) => a.address).join(', ') || 'no addresses'})`)
      .join('; ')
  );
}

/** The node by name (the `node` input) or by one of its status.addresses (the `node-address` input). */
export type NodeQuery = { name: string } | { address: string };

/**
 * Finds the one node meant by `node` or `node-address` and insists it can take pods, before
 * anything is changed: a deploy aimed at a missing or sick node must not half-happen.
 *
 * Throws, with nothing changed: Error naming the input (`node` names no node, `node-address`
 * matches none or several, with the cluster's nodes listed), Error when the node is not Ready or
 * is cordoned, or the connection's error (KubectlError) when the nodes cannot be read.
 */
export async function resolveNode(kubectl: Kubectl, query: NodeQuery): Promise<NodeInfo> {
  const nodes = (await kubectl.list('nodes')).map(nodeInfo);
  let node: NodeInfo;
  if ('name' in query) {
    const found = nodes.find((candidate) => candidate.name === query.name);
    if (!found) throw new Error(`Node "${query.name}" (input "node") does not exist; ${describeNodes(nodes)}`);
    node = found;
  } else {
    const matches = nodes.filter((candidate) =>
      candidate.addresses.some((address) => address.address === query.address),
    );
    if (matches.length === 0)
      throw new Error(`No node has address ${query.address} (input "node-address"); ${describeNodes(nodes)}`);
    if (matches.length > 1) {
      throw new Error(
        `Address ${query.address} (input "node-address") matches ${matches.length} nodes: ${describeNodes(matches)}; name one with input "node"`,
      );
    }
    node = matches[0];
  }
  if (!node.ready) throw new Error(`Node ${node.name} is not Ready (${node.readyDetail}); nothing was deployed`);
  if (node.unschedulable)
    throw new Error(`Node ${node.name} is cordoned (spec.unschedulable); uncordon it first, nothing was deployed`);
  return node;
}

/** One reason a workload's pods would not run on the node, with the manifest file and line (1-based) to fix. */
export interface PlacementFinding {
  workload: string;
  file: string;
  line: number;
  message: string;
}

/**
 * Why a manifest's pods would not run on the node as written: not pinned to it, selecting labels
 * the node lacks, or not tolerating one of its taints. The node's labels are taken as they will be
 * once labelled with the placement label.
 */
export function auditPlacement(manifests: Manifest[], node: NodeInfo, placement: Placement): PlacementFinding[] {
  const findings: PlacementFinding[] = [];
  const labels = { ...node.labels, [placement.nodeSelector.key]: placement.nodeSelector.value };
  const taints = [...node.taints.filter((t) => t.effect !== 'PreferNoSchedule')];
  if (
    placement.taint &&
    placement.taint.effect !== 'PreferNoSchedule' &&
    !taints.some((t) => t.key === placement.taint!.key && t.effect === placement.taint!.effect)
  ) {
    taints.push(placement.taint);
  }
  for (const manifest of manifests) {
    const location = podTemplateLocation(manifest.object.kind);
    if (!location) continue;
    const workload = objectKey(manifest.object);
    const spec = getPath(manifest.object, location.specPath);
    const podSpec = isRecord(spec) ? spec : {};
    const selector = isRecord(podSpec.nodeSelector) ? (podSpec.nodeSelector as Record<string, string>) : {};
    const add = (path: Array<string | number>, message: string) =>
      findings.push({
        workload,
        file: manifest.file,
        line: manifest.lineOf([...location.specPath, ...path]),
        message: `${kindAndName(manifest.object)}: ${message}`,
      });
    const nodeName = typeof podSpec.nodeName === 'string' ? podSpec.nodeName : '';
    if (nodeName && nodeName !== node.name) add(['nodeName'], `nodeName is ${nodeName}, not ${node.name}`);
    const mismatched = Object.entries(selector).filter(([key, value]) => labels[key] !== String(value));
    for (const [key, value] of mismatched)
      add(['nodeSelector', key], `nodeSelector ${key}=${value} does not match node ${node.name}`);
    const pinned =
      nodeName === node.name ||
      selector[placement.nodeSelector.key] === placement.nodeSelector.value ||
      selector['kubernetes.io/hostname'] === node.name;
    if (!pinned && mismatched.length === 0 && !nodeName) {
      add(
        Object.keys(selector).length > 0 ? ['nodeSelector'] : [],
        `no nodeSelector ${placement.nodeSelector.key}=${placement.nodeSelector.value}: its pods can be scheduled on any node, not only ${node.name}`,
      );
    }
    const tolerations = Array.isArray(podSpec.tolerations) ? (podSpec.tolerations as Toleration[]) : [];
    for (const taint of taints) {
      if (!tolerations.some((toleration) => tolerates(toleration, taint))) {
        add(
          tolerations.length > 0 ? ['tolerations'] : [],
          `does not tolerate taint ${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect} of node ${node.name}`,
        );
      }
    }
  }
  return findings;
}

/** What `untoleratedTaints` found: problems that stop the deploy, and warnings. */
export interface TaintCheck {
  /** One per workload and taint it does not tolerate (NoSchedule, NoExecute), at its file and line. */
  problems: ManifestProblem[];
  /** One per workload and PreferNoSchedule taint it does not tolerate: the scheduler only avoids the node. */
  warnings: string[];
}

/**
 * The tolerations the DaemonSet controller adds to every DaemonSet pod itself, so a DaemonSet
 * runs on a node with these taints whatever its template says (Kubernetes docs, "DaemonSet >
 * Taints and tolerations"; pkg/controller/daemon/util/daemonset_util.go
 * AddOrUpdateDaemonPodTolerations): not-ready and unreachable with NoExecute only (a node that
 * turns not ready keeps its daemon pods; its not-ready:NoSchedule taint still keeps new ones
 * off), the node-condition taints with NoSchedule. The network-unavailable one is added only to
 * pods on the host network. The k3s simulator's DaemonSet controller adds the same ones.
 */
const DAEMONSET_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];
const HOST_NETWORK_DAEMONSET_TOLERATION: Toleration = {
  key: 'node.kubernetes.io/network-unavailable',
  operator: 'Exists',
  effect: 'NoSchedule',
};

/** The taint `kubectl cordon` puts on a node (with spec.unschedulable); `kubectl uncordon` takes both off. */
const CORDON_TAINT_KEY = 'node.kubernetes.io/unschedulable';

/**
 * The taints of the node that the suite does not manage and that pods of `manifests` (as they
 * will be applied, tolerations for the `taint` input included) do not tolerate. The suite's
 * taints are the `taint` input and the taint an earlier run recorded in PLACEMENT_ANNOTATION,
 * but only when `placesNode` (input `label-node`): pinNode alone takes the recorded taint back
 * and overwrites a taint of the input's key and effect; without it both stay on the node as they
 * are, so the pods must tolerate them like any other taint. A NoSchedule or NoExecute one keeps
 * every new pod of the workload off the node, so each rollout would end Unschedulable: it is a
 * problem naming the taint as `key=value:Effect` and what to do (the toleration to add, or
 * `kubectl uncordon` for a cordoned node). A PreferNoSchedule one only makes the scheduler avoid
 * the node, and the suite pins the pods to it: a warning. Toleration matching is the scheduler's
 * (tolerates); DaemonSet pods also carry the tolerations their controller adds.
 */
export function untoleratedTaints(
  manifests: Manifest[],
  node: NodeInfo,
  wanted: Taint | undefined,
  placesNode: boolean,
): TaintCheck {
  const recorded = ownedPlacement(node).taint;
  const managed = new Set([placesNode ? recorded : undefined, wanted ? taintText(wanted) : undefined]);
  const foreign = node.taints.filter(
    (taint) =>
      !managed.has(taintText(taint)) &&
      // pinNode's `kubectl taint --overwrite` replaces a taint of the same key and effect.
      !(placesNode && wanted && wanted.key === taint.key && wanted.effect === taint.effect),
  );
  const check: TaintCheck = { problems: [], warnings: [] };
  for (const manifest of manifests) {
    const location = podTemplateLocation(manifest.object.kind);
    if (!location) continue;
    const spec = getPath(manifest.object, location.specPath);
    const tolerations = isRecord(spec) && Array.isArray(spec.tolerations) ? (spec.tolerations as Toleration[]) : [];
    const effective =
      manifest.object.kind === 'DaemonSet'
        ? [
            ...tolerations,
            ...DAEMONSET_TOLERATIONS,
            ...(isRecord(spec) && spec.hostNetwork === true ? [HOST_NETWORK_DAEMONSET_TOLERATION] : []),
          ]
        : tolerations;
    for (const taint of foreign) {
      if (effective.some((toleration) => tolerates(toleration, taint))) continue;
      const what = `${kindAndName(manifest.object)} does not tolerate taint ${taintText(taint)} of node ${node.name}`;
      if (taint.effect === 'PreferNoSchedule') {
        check.warnings.push(`${what}: the scheduler prefers other nodes, but the pods are pinned to this one`);
        continue;
      }
      const toleration = tolerationFor(taint);
      const line = manifest.lineOf([...location.specPath, ...(tolerations.length > 0 ? ['tolerations'] : [])]);
      if (taint.key === CORDON_TAINT_KEY) {
        check.problems.push({
          file: manifest.file,
          line,
          message: `${what}: node ${node.name} is cordoned, no new pod of it could be scheduled there. Uncordon it first (kubectl uncordon ${node.name})`,
        });
        continue;
      }
      const whose =
        taintText(taint) === recorded
          ? 'which an earlier run put there and this run leaves (label-node is false)'
          : 'which this action does not manage';
      check.problems.push({
        file: manifest.file,
        line,
        message:
          `${what}, ${whose}: no new pod of it could be scheduled there. ` +
          `Add the toleration {key: ${toleration.key}, operator: Equal, ${toleration.value ? `value: ${toleration.value}, ` : ''}effect: ${toleration.effect}} to its pod template, ` +
          `or take the taint off the node (kubectl taint nodes ${node.name} ${taintText(taint)}-)`,
      });
    }
  }
  return check;
}

/** Where the workloads' pods run after the rollout, as `checkPlacement` found them. */
export interface PlacementCheck {
  /** pod name -> node name ('' when not scheduled). */
  placement: Record<string, string>;
  /** Pods running (or waiting) anywhere but the node. */
  strays: Array<{ pod: string; node: string; workload: string }>;
}

/** Where every pod of the workloads runs now; pods on another node (or on none) are strays. */
export async function checkPlacement(
  kubectl: Kubectl,
  workloads: KubeObject[],
  nodeName: string,
): Promise<PlacementCheck> {
  const check: PlacementCheck = { placement: {}, strays: [] };
  for (const workload of workloads) {
    const ref: ObjectRef = {
      kind: workload.kind,
      name: workload.metadata.name,
      namespace: workload.metadata.namespace,
    };
    const selector = selectorString(workload.spec?.selector);
    const pods = (await kubectl.list('pods', { namespace: ref.namespace, selector: selector || undefined })).filter(
      (pod) => !pod.metadata.deletionTimestamp && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed',
    );
    for (const pod of pods) {
      const node = typeof pod.spec?.nodeName === 'string' ? pod.spec.nodeName : '';
      check.placement[pod.metadata.name] = node;
      if (node !== nodeName) check.strays.push({ pod: pod.metadata.name, node, workload: workloadKey(ref) });
    }
  }
  return check;
}

/** A label as `kubectl label` and node selectors write it: `key=value`. */
export function labelText(label: Label): string {
  return `${label.key}=${label.value}`;
}

/**
 * What the suite put on the node, recorded on the node itself (JSON `{"label": "key=value",
 * "taint": "key=value:Effect"}`), so the next run can take back what its inputs no longer ask
 * for while leaving everything it did not put there alone, including an identical label or
 * taint someone set before the suite came.
 */
export const PLACEMENT_ANNOTATION = 'sophia.ai/placement';

interface OwnedPlacement {
  label?: string;
  taint?: string;
}

/** A taint as `kubectl taint` writes it: `key=value:Effect`, or `key:Effect` without a value. */
export function taintText(taint: Taint): string {
  return `${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`;
}

function ownedPlacement(node: NodeInfo): OwnedPlacement {
  try {
    const parsed = JSON.parse(node.annotations[PLACEMENT_ANNOTATION] ?? '{}') as unknown;
    if (!isRecord(parsed)) return {};
    return {
      ...(typeof parsed.label === 'string' ? { label: parsed.label } : {}),
      ...(typeof parsed.taint === 'string' ? { taint: parsed.taint } : {}),
    };
  } catch {
    return {};
  }
}

/**
 * The steps that take back what pinNode changed, newest first when run (see undoPlacement): a
 * failed deploy that rolls its workloads back puts the nodes back too, or the restored pods (old
 * nodeSelector, old tolerations) could not be scheduled.
 */
export type PlacementUndo = Array<{ line: string; run: () => Promise<void> }>;

/** Runs the undo steps newest first; returns what was put back, for the log. */
export async function undoPlacement(undo: PlacementUndo): Promise<string[]> {
  const lines: string[] = [];
  for (const step of [...undo].reverse()) {
    await step.run();
    lines.push(step.line);
  }
  undo.length = 0;
  return lines;
}

function splitLabel(text: string): Label {
  return { key: text.slice(0, text.indexOf('=')), value: text.slice(text.indexOf('=') + 1) };
}

/**
 * One change the MCP placement makes to a node, as `nodeChanges` plans it and `pinNode` makes it.
 * `label`: `kubectl label --overwrite` (`before`: the label's value until then, absent when the
 * node had no such label); `unlabel`: `kubectl label <key>-`; `taint`: `kubectl taint --overwrite`
 * (`replaces`: the taint of the same key and effect it overwrites); `untaint`: `kubectl taint
 * <key>:<Effect>-`; `record`: writes the suite's record (PLACEMENT_ANNOTATION) as `record`, or
 * removes it when `record` is absent (`before`: the annotation's value until then). `why`: the
 * reason for a removal, as a person reads it.
 */
export type NodeChange =
  | { node: string; op: 'label'; label: Label; before?: string }
  | { node: string; op: 'unlabel'; label: Label; why?: string }
  | { node: string; op: 'taint'; taint: Taint; replaces?: Taint }
  | { node: string; op: 'untaint'; taint: Taint; why: string }
  | { node: string; op: 'record'; record?: string; before?: string };

/** The placement inputs `nodeChanges` plans for: the node (input `node`), `node-label` and `taint`. */
export interface NodePlacementSettings {
  node: string;
  nodeLabel: Label;
  taint?: Taint;
}

/**
 * The changes that make the nodes carry the placement of these inputs, in the order pinNode makes
 * them, computed from the live nodes alone (pure: plan and deploy both take it from here, so they
 * cannot disagree). The node gets the label (taken off any other node, so the selector cannot
 * send pods elsewhere) and the taint when one is asked for. What an earlier run put there and
 * these inputs no longer ask for (a taint, a label under another key) goes, on this node and on
 * any other node an earlier run pinned (the MCP servers moved): nothing else on a node is touched.
 * The suite's record (PLACEMENT_ANNOTATION) of each node it touches follows.
 * @throws Error when `settings.node` is not among `nodes`.
 */
export function nodeChanges(nodes: NodeInfo[], settings: NodePlacementSettings): NodeChange[] {
  const node = nodes.find((candidate) => candidate.name === settings.node);
  if (!node) throw new Error(`Node ${settings.node} is not among the nodes read: ${describeNodes(nodes)}`);
  const { nodeLabel, taint } = settings;
  const changes: NodeChange[] = [];
  const owned = ownedPlacement(node);
  const next: OwnedPlacement = {};
  const wantedLabel = labelText(nodeLabel);
  const record = (target: NodeInfo, wanted: OwnedPlacement, had: OwnedPlacement) => {
    if (JSON.stringify(wanted) === JSON.stringify(had)) return;
    const before = target.annotations[PLACEMENT_ANNOTATION];
    changes.push({
      node: target.name,
      op: 'record',
      ...(wanted.label || wanted.taint ? { record: JSON.stringify(wanted) } : {}),
      ...(before !== undefined ? { before } : {}),
    });
  };
  const notAsked = 'an earlier run put it there, this one does not ask for it';
  const moved = `an earlier run put it there, the placement is now node ${node.name}`;

  if (owned.label && owned.label !== wantedLabel) {
    const old = splitLabel(owned.label);
    if (old.key !== nodeLabel.key && node.labels[old.key] === old.value)
      changes.push({ node: node.name, op: 'unlabel', label: old, why: notAsked });
  }
  if (node.labels[nodeLabel.key] !== nodeLabel.value) {
    const before = node.labels[nodeLabel.key];
    changes.push({ node: node.name, op: 'label', label: nodeLabel, ...(before !== undefined ? { before } : {}) });
    next.label = wantedLabel;
  } else if (owned.label === wantedLabel) {
    next.label = wantedLabel;
  }
  // Nodes an earlier run pinned (the placement moved here): what the suite put there goes.
  for (const other of nodes.filter((candidate) => candidate.name !== node.name)) {
    const theirs = ownedPlacement(other);
    const theirTaint = theirs.taint ? other.taints.find((t) => taintText(t) === theirs.taint) : undefined;
    if (theirTaint) changes.push({ node: other.name, op: 'untaint', taint: theirTaint, why: moved });
    if (theirs.label && theirs.label !== wantedLabel) {
      const old = splitLabel(theirs.label);
      if (other.labels[old.key] === old.value)
        changes.push({ node: other.name, op: 'unlabel', label: old, why: moved });
    }
    if (other.labels[nodeLabel.key] === nodeLabel.value)
      changes.push({ node: other.name, op: 'unlabel', label: nodeLabel });
    record(other, {}, theirs);
  }
  const wantedTaint = taint ? taintText(taint) : undefined;
  const present = new Set(node.taints.map(taintText));
  if (owned.taint && owned.taint !== wantedTaint && present.has(owned.taint)) {
    const removed = node.taints.find((t) => taintText(t) === owned.taint)!;
    changes.push({ node: node.name, op: 'untaint', taint: removed, why: notAsked });
    present.delete(owned.taint);
  }
  if (taint && wantedTaint) {
    if (!present.has(wantedTaint)) {
      const replaced = node.taints.find((t) => t.key === taint.key && t.effect === taint.effect);
      changes.push({ node: node.name, op: 'taint', taint, ...(replaced ? { replaces: replaced } : {}) });
      next.taint = wantedTaint;
    } else if (owned.taint === wantedTaint) {
      next.taint = wantedTaint;
    }
  }
  record(node, next, owned);
  return changes;
}

/**
 * A node change as one sentence: `done` for the deploy's log (`Labelled node mcp-node
 * sophia.ai/pool=mcp`), `planned` for a plan (`Label node mcp-node sophia.ai/pool=mcp`).
 */
export function nodeChangeText(change: NodeChange, tense: 'done' | 'planned'): string {
  const done = tense === 'done';
  const why = (text: string | undefined) => (text ? `: ${text}` : '');
  switch (change.op) {
    case 'label':
      return `${done ? 'Labelled' : 'Label'} node ${change.node} ${labelText(change.label)}`;
    case 'unlabel':
      return `${done ? 'Removed' : 'Remove'} label ${change.why ? labelText(change.label) : change.label.key} from node ${change.node}${why(change.why)}`;
    case 'taint':
      return `${done ? 'Tainted' : 'Taint'} node ${change.node} ${taintText(change.taint)}`;
    case 'untaint':
      return `${done ? 'Removed' : 'Remove'} taint ${taintText(change.taint)} from node ${change.node}${why(change.why)}`;
    case 'record':
      return change.record !== undefined
        ? `${done ? 'Recorded' : 'Record'} on node ${change.node} what the suite put there (annotation ${PLACEMENT_ANNOTATION}: ${change.record})`
        : `${done ? 'Removed' : 'Remove'} the suite's record (annotation ${PLACEMENT_ANNOTATION}) from node ${change.node}: nothing of the suite is left there`;
  }
}

/**
 * The node changes a deploy of these inputs would make now (nodeChanges of the nodes as read).
 * @throws KubectlError when the nodes cannot be read; Error as nodeChanges.
 */
export async function plannedNodeChanges(kubectl: Kubectl, settings: NodePlacementSettings): Promise<NodeChange[]> {
  return nodeChanges((await kubectl.list('nodes')).map(nodeInfo), settings);
}

/** Makes one change (see NodeChange) and returns the step that takes it back. */
async function makeNodeChange(kubectl: Kubectl, putBack: Kubectl, change: NodeChange): Promise<PlacementUndo[number]> {
  const { node } = change;
  switch (change.op) {
    case 'label': {
      await kubectl.labelNode(node, change.label);
      const { key } = change.label;
      const before = change.before;
      return {
        line: `Put label ${key} of node ${node} back as it was`,
        run: () =>
          before === undefined ? putBack.unlabelNode(node, key) : putBack.labelNode(node, { key, value: before }),
      };
    }
    case 'unlabel':
      await kubectl.unlabelNode(node, change.label.key);
      return {
        line: `Put label ${labelText(change.label)} back on node ${node}`,
        run: () => putBack.labelNode(node, change.label),
      };
    case 'taint': {
      await kubectl.taintNode(node, change.taint);
      // A taint of the same key and effect was replaced (taint --overwrite): put that one back.
      const replaced = change.replaces;
      return {
        line: `Put the taints of node ${node} back as they were`,
        run: () => (replaced ? putBack.taintNode(node, replaced) : putBack.untaintNode(node, taintText(change.taint))),
      };
    }
    case 'untaint':
      await kubectl.untaintNode(node, taintText(change.taint));
      return {
        line: `Put taint ${taintText(change.taint)} back on node ${node}`,
        run: () => putBack.taintNode(node, change.taint),
      };
    case 'record': {
      const write = (client: Kubectl, value: string | undefined) =>
        value !== undefined
          ? client.annotate({ kind: 'Node', name: node }, { [PLACEMENT_ANNOTATION]: value })
          : client.run(['annotate', 'node', node, `${PLACEMENT_ANNOTATION}-`]).then(() => undefined);
      await write(kubectl, change.record);
      return { line: `Put the placement record of node ${node} back`, run: () => write(putBack, change.before) };
    }
  }
}

/**
 * Makes the node carry the placement of this run's inputs: the changes nodeChanges plans from the
 * nodes as read now, made in its order. Returns the changes made (see nodeChangeText for the
 * log); each change's inverse goes into `undo` when given.
 * @throws KubectlError when a node cannot be read or changed (the changes made until then are in `undo`).
 */
export async function pinNode(
  kubectl: Kubectl,
  node: NodeInfo,
  nodeLabel: Label,
  taint?: Taint,
  undo: PlacementUndo = [],
): Promise<NodeChange[]> {
  // The undo steps go on after a cancel: a cancelled deploy puts the node back as a failed one does.
  const putBack = kubectl.withoutSignal();
  const changes = await plannedNodeChanges(kubectl, { node: node.name, nodeLabel, taint });
  for (const change of changes) undo.push(await makeNodeChange(kubectl, putBack, change));
  return changes;
}
