import {
  actionLog,
  annotateFileProblems,
  annotatingFileProblems,
  publishing,
  setOutputs,
  runContext,
  workspaceDir,
  writeSummary,
} from '@sophia/action-runtime';
import {
  auditPlacement,
  checkPlacement,
  connectKubectl,
  deployManifests,
  deployPublication,
  isWorkload,
  labelText,
  loadManifests,
  placementMarkdown,
  pinNode,
  prepareManifests,
  resolveNode,
  rolloutTimings,
  runsPods,
  traceOf,
  openRemoteShell,
  workloadKey,
  refOf,
  type Kubectl,
  type Manifest,
  type NodeInfo,
  type Placement,
} from '@sophia/kubernetes';

import { getInputs, type McpDeploySettings } from './input-helper.js';

/** The runbook: read inputs, load the manifests, find the node, then audit or pin-deploy-verify. */
export async function main(): Promise<void> {
  const settings = getInputs();
  const workspace = workspaceDir();
  const placement: Placement = { nodeSelector: settings.nodeLabel, taint: settings.taint };

  const loaded = await annotatingFileProblems('Manifest problem', () =>
    loadManifests({ patterns: settings.manifests, cwd: workspace, namespace: settings.namespace }),
  );
  const workloads = loaded.filter((manifest) => runsPods(manifest.object)).map((m) => workloadKey(refOf(m.object)));
  const manifests =
    settings.mode === 'deploy'
      ? await annotatingFileProblems('Manifest problem', () =>
          prepareManifests(loaded, {
            images: settings.images,
            trace: traceOf(runContext()),
            placement,
            warn: actionLog.warning,
          }),
        )
      : loaded;

  const kubectl = await connectKubectl(settings.connection, {
    remoteShell: (connection) => openRemoteShell(connection, actionLog),
    trace: actionLog.debug,
  });
  try {
    const node = await resolveNode(
      kubectl,
      settings.node.by === 'name' ? { name: settings.node.name } : { address: settings.node.address },
    );
    actionLog.info(`Node ${node.name} (${node.addresses.map((a) => a.address).join(', ')}) is Ready`);
    setOutputs({ node: node.name, workloads });
    // Awaited here, inside the try: a rejection must reach the caller, not race the finally.
    if (settings.mode === 'audit') return await audit(loaded, node, placement);
    await deploy(kubectl, manifests, node, settings);
  } finally {
    await kubectl.close();
  }
}

/** Reports, without changing anything, every workload that would not run on the node as written. */
async function audit(manifests: Manifest[], node: NodeInfo, placement: Placement): Promise<void> {
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

async function deploy(
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
      deployManifests(kubectl, manifests, {
        ...settings,
        ...rolloutTimings(settings.rolloutTimeoutMs),
        log: actionLog.info,
      }),
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
