import type { Publication } from '@sophia/action-runtime';
import {
  deployPublication,
  notDeployedPublication,
  type DeployReport,
  type ManifestProblem,
  type NodeChange,
  type NodeInfo,
  type PlacementCheck,
  type PlacementFinding,
  type PlannedPlacement,
  workloadKey,
} from '@sophia/kubernetes';
import { failedMarkdown, markdownTable, markdownText } from '@sophia/reporting';
import { NOT_RUN_OUTPUTS } from './not-run-outputs.js';

const TITLE = 'deploy-mcp-node';

/**
 * What a run of the MCP action found and did, filled in as the run goes: the action publishes it
 * once, whether the run succeeded or failed after the node was found.
 */
export interface McpNodeReport {
  /** The node the workloads are pinned to (or, in audit mode, checked against). */
  node: NodeInfo;
  /** The workloads of the manifests, each `<namespace>/<Kind>/<name>`. */
  workloads: string[];
  /** Audit mode: why the files as written would not keep their pods on the node. */
  files?: PlacementFinding[];
  /** Deploy mode: the deploy's report, also when it failed. */
  deploy?: DeployReport;
  /** Where the pods of the workloads run now (after the deploy; in audit mode, as found). */
  running?: PlacementCheck;
  /** Deploy mode with dry-run: where the deploy would put the workloads, for the plan. */
  placement?: PlannedPlacement;
  /**
   * Deploy mode: the changes this run made to nodes' labels, taints and placement records and did
   * not take back (a rollback puts them back). The nodes they touch count in `changed-objects`.
   */
  nodeChanges?: NodeChange[];
  /** Deploy mode: objects the API server refused, at their files and lines (nothing was applied). */
  problems?: ManifestProblem[];
}

/**
 * The summary of a placement, each part labelled: what the files would do as written (audit
 * findings, before the deploy pins them) and where the pods of these workloads run now.
 */
function placementMarkdown(node: NodeInfo, parts: { files?: PlacementFinding[]; running?: PlacementCheck }): string {
  const out = [
    `### Placement on node ${markdownText(`${node.name} (${node.addresses.map((a) => a.address).join(', ')})`)}`,
    '',
  ];
  if (parts.files) {
    out.push('#### The files as written (deploy mode pins them to the node)', '');
    out.push(
      parts.files.length > 0
        ? markdownTable(
            ['Workload', 'Where', 'Finding'],
            parts.files.map((f) => [f.workload, `${f.file}:${f.line}`, f.message]),
          )
        : `Every workload is pinned to ${markdownText(node.name)}.\n`,
    );
  }
  if (parts.running) {
    const rows = Object.entries(parts.running.placement).map(([pod, on]) => [
      pod,
      on || '(not scheduled)',
      on === node.name ? 'yes' : 'NO',
    ]);
    out.push('#### Running now', '');
    out.push(
      rows.length > 0 ? markdownTable(['Pod', 'Node', 'On target'], rows) : 'No pods found for these workloads.\n',
    );
  }
  return out.join('\n');
}

/**
 * The outputs (`node`, `workloads`; the deploy's `applied`, `revisions`, `changed`, `rolled-back`;
 * `findings` in audit mode; `placement` once the pods were looked at), the deploy's log groups,
 * and one job summary: the deploy's tables, then the placement.
 */
export function mcpNodePublication(report: McpNodeReport): Publication {
  const deploy = report.deploy
    ? deployPublication(`${TITLE}: ${report.node.name}`, report.deploy, report.placement)
    : undefined;
  const summaries = [
    ...(deploy ? [deploy.summary] : []),
    ...(report.files || report.running
      ? [placementMarkdown(report.node, { files: report.files, running: report.running })]
      : []),
  ];
  return {
    outputs: {
      node: report.node.name,
      workloads: report.workloads,
      ...deploy?.outputs,
      ...(deploy ? { 'changed-objects': changedObjects(deploy.outputs?.['changed-objects'], report.nodeChanges) } : {}),
      ...(report.files
        ? { findings: report.files.map(({ workload, file, line, message }) => ({ workload, file, line, message })) }
        : {}),
      ...(report.running ? { placement: report.running.placement } : {}),
    },
    logGroups: deploy?.logGroups,
    annotations: [
      // Audit mode: deploy mode would pin these, so they warn at each file and line.
      ...(report.files ?? []).map((finding) => ({
        file: finding.file,
        line: finding.line,
        message: `As written: ${finding.message}`,
        title: 'Placement of the files as written',
        level: 'warning' as const,
      })),
      ...(report.problems ?? []).map((problem) => ({ ...problem, title: 'Manifest problem', level: 'error' as const })),
    ],
    summary: summaries.length > 0 ? summaries.join('\n') : undefined,
  };
}

/**
 * The deploy's `changed-objects` and, after them, each node whose labels, taint or placement record
 * this run changed, as `Node/<name>` (the key `workloadKey` gives a cluster-scoped object): a run
 * that only put a node's label or taint back changed the cluster, and its deployment record must
 * say so.
 */
function changedObjects(applied: unknown, nodeChanges: NodeChange[] = []): string[] {
  const nodes = [...new Set(nodeChanges.map((change) => workloadKey({ kind: 'Node', name: change.node })))];
  return [...(Array.isArray(applied) ? (applied as string[]) : []), ...nodes];
}

/**
 * What a run that failed before the node was found tells (no connection, a manifest problem, no
 * such node): every output empty, manifest problems at their files and lines, and a summary saying neither the node nor the cluster was changed, and why.
 */
export function notPlacedPublication(error: unknown): Publication {
  const notDeployed = notDeployedPublication(TITLE, error);
  return {
    ...notDeployed,
    outputs: { ...NOT_RUN_OUTPUTS, node: '' },
    summary: `### ${TITLE}\n\nNothing was applied: neither the node nor the cluster was changed.\n\n${failedMarkdown(error)}\n`,
  };
}
