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

/**
 * `mode: audit`: reports, without changing anything, both what the files would do as written (a
 * warning at each file and line: deploy mode pins them) and where the pods of these workloads run
 * now. Fails only when pods run off the node now: that is what is wrong on the cluster.
 */
export async function auditNode(
  kubectl: Kubectl,
  manifests: Manifest[],
  node: NodeInfo,
  placement: Placement,
): Promise<void> {
  const findings = auditPlacement(manifests, node, placement);
  annotateFileProblems(
    findings.map((finding) => ({ ...finding, message: `As written: ${finding.message}` })),
    'Placement of the files as written',
    'warning',
  );
  const running = await checkPlacement(kubectl, manifests.map((m) => m.object).filter(isWorkload), node.name);
  setOutputs({
    findings: findings.map(({ workload, file, line, message }) => ({ workload, file, line, message })),
    placement: running.placement,
  });
  await writeSummary(placementMarkdown(node, { files: findings, running }));
  if (running.strays.length > 0) {
    const strays = running.strays.map((stray) => `${stray.pod} (${stray.workload}) on ${stray.node || 'no node'}`);
    throw new Error(
      `Audit: running now, ${running.strays.length} pod${running.strays.length === 1 ? '' : 's'} not on node ${node.name}: ${strays.join(', ')}`,
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
  await writeSummary(placementMarkdown(node, { running: check }));
  if (settings.verifyPlacement && check.strays.length > 0) {
    const strays = check.strays.map((stray) => `${stray.pod} (${stray.workload}) on ${stray.node || 'no node'}`);
    throw new Error(
      `Placement check failed: ${check.strays.length} pod${check.strays.length === 1 ? '' : 's'} not on node ${node.name}: ${strays.join(', ')}`,
    );
  }
}
