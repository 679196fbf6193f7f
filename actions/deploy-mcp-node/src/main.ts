import * as core from '@actions/core';
import { setOutputs } from '@sophia/action-runtime';
import {
  auditPlacement,
  checkPlacement,
  connectKubectl,
  deployAndReport,
  isWorkload,
  labelText,
  loadManifests,
  placementMarkdown,
  pinNode,
  prepareManifests,
  reportingManifestProblems,
  resolveNode,
  runsPods,
  traceFromEnvironment,
  openRemoteShell,
  writeSummary,
  type Kubectl,
  type Manifest,
  type NodeInfo,
  type Placement,
} from '@sophia/kubernetes';

import { getInputs, type McpDeploySettings } from './input-helper.js';

export async function main(): Promise<void> {
  const settings = getInputs();
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const placement: Placement = { nodeSelector: settings.nodeLabel, taint: settings.taint };

  const loaded = await reportingManifestProblems(() =>
    loadManifests({ patterns: settings.manifests, cwd: workspace, namespace: settings.namespace }),
  );
  const workloads = loaded
    .filter((manifest) => runsPods(manifest.object))
    .map((m) => `${m.object.kind}/${m.object.metadata.name}`);
  const manifests =
    settings.mode === 'deploy'
      ? await reportingManifestProblems(() =>
          prepareManifests(loaded, {
            images: settings.images,
            trace: traceFromEnvironment(),
            placement,
            warn: core.warning,
          }),
        )
      : loaded;

  const kubectl = await connectKubectl(settings.connection, { remoteShell: openRemoteShell, trace: core.debug });
  try {
    const node = await resolveNode(
      kubectl,
      settings.node.by === 'name' ? { name: settings.node.name } : { address: settings.node.address },
    );
    core.info(`Node ${node.name} (${node.addresses.map((a) => a.address).join(', ')}) is Ready`);
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
  for (const finding of findings)
    core.error(finding.message, { file: finding.file, startLine: finding.line, title: 'Placement' });
  setOutputs({ findings: findings.map(({ workload, file, line, message }) => ({ workload, file, line, message })) });
  await writeSummary(placementMarkdown(node, findings));
  if (findings.length > 0) {
    const workloads = new Set(findings.map((finding) => finding.workload));
    throw new Error(
      `Audit: ${workloads.size} workload${workloads.size === 1 ? '' : 's'} would not run on node ${node.name}: ${[...workloads].join(', ')}`,
    );
  }
  core.info(`Audit: every workload is pinned to node ${node.name}`);
}

async function deploy(
  kubectl: Kubectl,
  manifests: Manifest[],
  node: NodeInfo,
  settings: McpDeploySettings,
): Promise<void> {
  if (settings.labelNode && !settings.dryRun) {
    const changes = await pinNode(kubectl, node, settings.nodeLabel, settings.taint);
    for (const change of changes) core.info(change);
  } else if (settings.labelNode) {
    core.info(
      `Dry run: node ${node.name} would be labelled ${labelText(settings.nodeLabel)}${settings.taint ? ' and tainted' : ''}`,
    );
  }
  await deployAndReport(kubectl, manifests, settings, `deploy-mcp-node: ${node.name}`);
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
