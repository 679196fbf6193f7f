import { actionLog, publishProvisional, withPlanFile } from '@sophia/action-runtime';
import {
  auditPlacement,
  checkPlacement,
  DeployFailedError,
  deployWithRolloutTimeout,
  ManifestError,
  isWorkload,
  labelText,
  nodeChangeText,
  pinNode,
  plannedNodeChanges,
  plannedPlacement,
  undoPlacement,
  untoleratedTaints,
  type Kubectl,
  type Manifest,
  type Placement,
  type PlacementUndo,
} from '@sophia/kubernetes';
import { ReportedError } from '@sophia/reporting';
import type { McpDeploySettings } from './input-helper.js';
import { mcpNodePublication, type McpNodeReport } from './summary.js';

/** A run that failed after the node was found, carrying the report as far as the run got. */
export class McpNodeFailedError extends ReportedError<McpNodeReport> {
  constructor(message: string, report: McpNodeReport, options?: ErrorOptions) {
    super(message, report);
    this.name = 'McpNodeFailedError';
    if (options && 'cause' in options) this.cause = options.cause;
  }
}

/**
 * Runs the work of the mode, which fills `report` in as it goes, and returns the report. A reported
 * failure leaves as an `McpNodeFailedError` carrying the report as far as the run got, so the action
 * publishes its outputs and summary once, also then: a failed deploy (`DeployFailedError`), objects
 * the API server refused (`ManifestError`), pods off the node, and any failure once the deploy has
 * changed the cluster (the original error as `cause`). Any other error leaves as it is, its class
 * kept: nothing was changed, and the action reports it as a run that placed nothing.
 */
export async function reportingOnNode(
  report: McpNodeReport,
  work: (report: McpNodeReport) => Promise<void>,
): Promise<McpNodeReport> {
  try {
    await work(report);
  } catch (error) {
    if (error instanceof McpNodeFailedError) throw error;
    if (error instanceof DeployFailedError) report.deploy = error.report;
    else if (error instanceof ManifestError) report.problems = error.problems;
    else if (report.deploy === undefined) throw error;
    const failure = new McpNodeFailedError(error instanceof Error ? error.message : String(error), report, {
      cause: error,
    });
    // With step debugging on, the stack shown is where the run failed, not where it was wrapped.
    if (error instanceof Error && error.stack) failure.stack = error.stack;
    throw failure;
  }
  return report;
}

/**
 * `mode: audit`: reports, without changing anything, both what the files would do as written (a
 * warning at each file and line, published with the report: deploy mode pins them) and where the pods of these workloads run
 * now. Fails only when pods run off the node now: that is what is wrong on the cluster.
 */
export async function auditNode(
  kubectl: Kubectl,
  manifests: Manifest[],
  placement: Placement,
  report: McpNodeReport,
): Promise<void> {
  const node = report.node;
  const findings = auditPlacement(manifests, node, placement);
  report.files = findings;
  const running = await checkPlacement(kubectl, manifests.map((m) => m.object).filter(isWorkload), node.name);
  report.running = running;
  if (running.strays.length > 0) {
    const strays = running.strays.map((stray) => `${stray.pod} (${stray.workload}) on ${stray.node || 'no node'}`);
    throw new McpNodeFailedError(
      `Audit: running now, ${running.strays.length} pod${running.strays.length === 1 ? '' : 's'} not on node ${node.name}: ${strays.join(', ')}`,
      report,
    );
  }
  actionLog.info(
    `Audit: every running pod of these workloads is on node ${node.name}` +
      (findings.length > 0
        ? `; as written, ${new Set(findings.map((f) => f.workload)).size} workloads are not pinned (deploy mode pins them)`
        : ''),
  );
}

/** `mode: deploy`: label (and taint) the node, deploy, then check that every pod runs on it. */
export async function deployToNode(
  kubectl: Kubectl,
  manifests: Manifest[],
  settings: McpDeploySettings,
  report: McpNodeReport,
): Promise<void> {
  const node = report.node;
  // A taint the pods do not tolerate would leave every rollout Unschedulable: refused before anything changes.
  const taints = untoleratedTaints(manifests, node, settings.taint, settings.labelNode);
  for (const warning of taints.warnings) actionLog.warning(warning);
  if (taints.problems.length > 0) throw new ManifestError(taints.problems, 'placement', 'nothing was changed');
  // The node changes only once the API server accepted the manifests, and goes back on a rollback.
  const undo: PlacementUndo = [];
  const companion =
    settings.labelNode && !settings.dryRun
      ? {
          what: `node ${node.name}'s label${settings.taint ? ' and taint' : ''}`,
          make: async () => {
            // A change made halfway (pinNode threw) is taken back by `undo`, so only a whole one is kept.
            const changes = await pinNode(kubectl, node, settings.nodeLabel, settings.taint, undo);
            report.nodeChanges = changes;
            return changes.map((change) => nodeChangeText(change, 'done'));
          },
          undo: async () => {
            const lines = await undoPlacement(undo);
            // Every node is as it was (a failed put-back throws first and keeps them reported).
            report.nodeChanges = [];
            return lines;
          },
        }
      : undefined;
  if (settings.dryRun) {
    // The very list pinNode would make, from the nodes as they are now (nodeChanges).
    const nodeChanges = settings.labelNode
      ? await plannedNodeChanges(kubectl, { node: node.name, nodeLabel: settings.nodeLabel, taint: settings.taint })
      : [];
    report.placement = plannedPlacement(
      node,
      { nodeSelector: settings.nodeLabel, taint: settings.taint },
      settings.labelNode,
      report.workloads,
      nodeChanges,
    );
    if (settings.labelNode)
      actionLog.info(
        `Dry run: node ${node.name} would be labelled ${labelText(settings.nodeLabel)}${settings.taint ? ' and tainted' : ''}` +
          nodeChanges.map((change) => `\n  ${nodeChangeText(change, 'planned')}`).join(''),
      );
  }
  report.deploy = await actionLog.group('Apply and watch the rollouts', () =>
    deployWithRolloutTimeout(kubectl, manifests, {
      ...settings,
      companion,
      log: actionLog.info,
      warn: actionLog.warning,
      // The runner may end a cancelled step before the put-back ends: say at once what is known.
      onCancelled: (deploy) =>
        publishProvisional(withPlanFile(mcpNodePublication({ ...report, deploy }), 'deploy-mcp-node')),
    }),
  );
  if (settings.dryRun) return;
  const check = await checkPlacement(kubectl, manifests.map((m) => m.object).filter(isWorkload), node.name);
  report.running = check;
  if (settings.verifyPlacement && check.strays.length > 0) {
    const strays = check.strays.map((stray) => `${stray.pod} (${stray.workload}) on ${stray.node || 'no node'}`);
    throw new McpNodeFailedError(
      `Placement check failed: ${check.strays.length} pod${check.strays.length === 1 ? '' : 's'} not on node ${node.name}: ${strays.join(', ')}`,
      report,
    );
  }
}
