import type { ApplyAction, DeployReport } from './deploy.js';
import type { FieldChange, ImageChange } from './field-changes.js';
import { workloadKey } from './objects.js';
import { labelText, taintText, type NodeChange, type NodeInfo } from './placement.js';
import type { Placement } from './transforms.js';
import { PLAN_SCHEMA } from '@sophia/reporting';

/** One object of a Kubernetes plan. */
export interface PlannedObject {
  /** `<namespace>/<Kind>/<name>` (see workloadKey). */
  object: string;
  kind: string;
  namespace?: string;
  name: string;
  /** What the apply would do: `created`, `configured` (changed) or `unchanged`, as kubectl words it. */
  action: ApplyAction;
  /** For `configured`: the fields it would change (see FieldChange). */
  changes?: FieldChange[];
  /** Set when the server could not check the object before its namespace or CRD exists (see AppliedObject.notValidated). */
  notValidated?: string;
}

/**
 * Where deploy-mcp-node would put the MCP workloads: the node, the label its pod templates select
 * (and whether the node has it already or the deploy would add it), and the taint they tolerate.
 */
export interface PlannedPlacement {
  node: string;
  /** The node's addresses, as status.addresses lists them. */
  addresses: string[];
  /** The `node-label` input as `key=value`: the nodeSelector every pod template gets. */
  nodeSelector: string;
  /** `present`: the node carries the label; `added`: the deploy would label it; `missing`: it lacks it and `label-node` is false. */
  label: 'present' | 'added' | 'missing';
  /** The `taint` input as `key=value:Effect`, when given, and whether the node has it or the deploy would add it. */
  taint?: { taint: string; state: 'present' | 'added' | 'missing' };
  /** The workloads pinned there, each `<namespace>/<Kind>/<name>`. */
  workloads: string[];
  /**
   * Every change the deploy would make to the nodes, in its order (see nodeChanges): on this node,
   * and on the nodes an earlier run pinned when the MCP servers move. Empty with `label-node` false.
   */
  nodeChanges: NodeChange[];
}

/**
 * The placement an MCP deploy would make on `node` as found now: whether the node carries the
 * placement's label and taint already, or the deploy would add them (`labelNode`: the `label-node`
 * input; the taint is put on with the label), and the node changes it would make (`nodeChanges`:
 * plannedNodeChanges of the same inputs, the list pinNode makes; empty with `labelNode` false).
 */
export function plannedPlacement(
  node: NodeInfo,
  placement: Placement,
  labelNode: boolean,
  workloads: string[],
  nodeChanges: NodeChange[],
): PlannedPlacement {
  const { key, value } = placement.nodeSelector;
  const state = (present: boolean) => (present ? 'present' : labelNode ? 'added' : 'missing');
  const taint = placement.taint;
  return {
    node: node.name,
    addresses: node.addresses.map((address) => address.address),
    nodeSelector: labelText(placement.nodeSelector),
    label: state(node.labels[key] === value),
    ...(taint
      ? {
          taint: {
            taint: taintText(taint),
            state: state(
              node.taints.some((t) => t.key === taint.key && t.value === taint.value && t.effect === taint.effect),
            ),
          },
        }
      : {}),
    workloads,
    nodeChanges,
  };
}

/**
 * What a Kubernetes deploy would do, computed by a server-side dry run without changing anything:
 * the `plan` output of deploy-k3s-backend and deploy-mcp-node (with `dry-run: true`).
 */
export interface KubernetesPlan {
  schema: typeof PLAN_SCHEMA;
  target: 'kubernetes';
  /** How many objects would be created, configured (changed) and left unchanged. */
  counts: Record<ApplyAction, number>;
  /** Every object of the manifests, in apply order. */
  objects: PlannedObject[];
  /** Every container image that would change (or start, in a created object). */
  images: ImageChange[];
  /** deploy-mcp-node only. */
  placement?: PlannedPlacement;
}

/**
 * The plan of a dry run's report (`deployManifests` with `dryRun: true`), with the MCP placement
 * when given.
 * @throws Error when the report is not a dry run's: a real deploy's report says what was done, not what would be.
 */
export function kubernetesPlan(report: DeployReport, placement?: PlannedPlacement): KubernetesPlan {
  if (!report.dryRun) throw new Error('A plan is made from a dry run: this report is a real deploy');
  const counts: Record<ApplyAction, number> = { created: 0, configured: 0, unchanged: 0 };
  for (const object of report.applied) counts[object.action] += 1;
  return {
    schema: PLAN_SCHEMA,
    target: 'kubernetes',
    counts,
    objects: report.applied.map((object) => ({
      object: workloadKey(object),
      kind: object.kind,
      ...(object.namespace ? { namespace: object.namespace } : {}),
      name: object.name,
      action: object.action,
      ...(object.action === 'configured' ? { changes: object.changes ?? [] } : {}),
      ...(object.notValidated ? { notValidated: object.notValidated } : {}),
    })),
    images: report.applied.flatMap((object) => object.images ?? []),
    ...(placement ? { placement } : {}),
  };
}
