import { actionLog, annotateFileProblems, publishing, setOutputs, writeSummary } from '@sophia/action-runtime';
import {
  auditPlacement,
  checkPlacement,
  deployPublication,
  deployWithRolloutTimeout,
  isWorkload,
  labelText,
  pinNode,
  placementMarkdown,
  type Kubectl,
  type Manifest,
  type NodeInfo,
  type Placement,
} from '@sophia/kubernetes';
import type { McpDeploySettings } from './input-helper.js';

/** `mode: audit`: reports, without changing anything, every workload that would not run on the node as written. */
export async function auditNode(manifests: Manifest[], node: NodeInfo, placement: Placement): Promise<void> {
  const findings = auditPlacement(manifests, node, placement);
  annotateFileProblems(findings, 'Placement');
  setOutputs({ findings: findings.map(({ workload, file, line, message }) => ({ workload, file, line, message })) });
  await writeSummary(placementMarkdown(node, findings));
  if (findings.length > 0) {
    const workloads = new Set(findings.map((finding) => finding.workload));
    throw new Error(
      `Audit: ${workloads.size} workload${workloads.size === 1 ? '' : 's'} would not run on node ${node.name}: ${[...workloads].join(', ')}`,
    );
  }
  actionLog.info(`Audit: every workload is pinned to node ${node.name}`);
}

/** `mode: deploy`: label (and taint) the node, deploy, then check that every pod runs on it. */
export async function deployToNode(
  kubectl: Kubectl,
  manifests: Manifest[],
  node: NodeInfo,
  settings: McpDeploySettings,
): Promise<void> {
  if (settings.labelNode && !settings.dryRun) {
    const changes = await pinNode(kubectl, node, settings.nodeLabel, settings.taint);
    for (const change of changes) actionLog.info(change);
  } else if (settings.labelNode) {
    actionLog.info(
      `Dry run: node ${node.name} would be labelled ${labelText(settings.nodeLabel)}${settings.taint ? ' and tainted' : ''}`,
    );
  }
  await publishing(
    () =>
      actionLog.group('Apply and watch the rollouts', () =>
        deployWithRolloutTimeout(kubectl, manifests, { ...settings, log: actionLog.info, warn: actionLog.warning }),
      ),
    (report) => deployPublication(`deploy-mcp-node: ${node.name}`, report),
  );
  if (settings.dryRun) return;
  const check = await checkPlacement(kubectl, manifests.map((m) => m.object).filter(isWorkload), node.name);
  setOutputs({ placement: check.placement });
  await writeSummary(placementMarkdown(node, [], check));
  if (settings.verifyPlacement && check.strays.length > 0) {
    const strays = check.strays.map((stray) => `${stray.pod} (${stray.workload}) on ${stray.node || 'no node'}`);
    throw new Error(
      `Placement check failed: ${check.strays.length} pod${check.strays.length === 1 ? '' : 's'} not on node ${node.name}: ${strays.join(', ')}`,
    );
  }
}
