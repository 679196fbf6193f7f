import { actionLog, onRunner, publishing, runContext, withPlanFile } from '@sophia/action-runtime';
import {
  objectKey,
  prepareManifests,
  resolveNode,
  runsPods,
  traceOf,
  withDeployManifests,
  type Placement,
} from '@sophia/kubernetes';
import { getInputs } from './input-helper.js';
import { auditNode, deployToNode, McpNodeFailedError, reportingOnNode } from './node-placement.js';
import { mcpNodePublication, notPlacedPublication } from './summary.js';

/** The runbook: read inputs, connect, load the manifests, find the node, then audit, or pin, deploy and verify. */
export async function main(): Promise<void> {
  const settings = getInputs();
  const placement: Placement = { nodeSelector: settings.nodeLabel, taint: settings.taint };

  // Outputs and summary are published however the step ends once the inputs are read: a failure
  // before the node was found (no connection, a manifest problem, no such node) says so and why.
  await publishing(
    () =>
      withDeployManifests(settings, onRunner(), async (kubectl, loaded) => {
        const workloads = loaded
          .filter((manifest) => runsPods(manifest.object))
          .map((manifest) => objectKey(manifest.object));
        const node = await resolveNode(
          kubectl,
          settings.node.by === 'name' ? { name: settings.node.name } : { address: settings.node.address },
        );
        actionLog.info(`Node ${node.name} (${node.addresses.map((a) => a.address).join(', ')}) is Ready`);
        const manifests =
          settings.mode === 'deploy'
            ? prepareManifests(loaded, {
                images: settings.images,
                trace: traceOf(runContext()),
                // The node's name on each pod template: moving to another node rolls the pods there.
                placement: { ...placement, node: node.name },
                warn: actionLog.warning,
              })
            : loaded;
        return reportingOnNode({ node, workloads }, (report) =>
          settings.mode === 'audit'
            ? auditNode(kubectl, loaded, placement, report)
            : deployToNode(kubectl, manifests, settings, report),
        );
      }),
    {
      reported: McpNodeFailedError,
      publicationOf: (report) => withPlanFile(mcpNodePublication(report), 'deploy-mcp-node'),
      unreported: notPlacedPublication,
    },
  );
}
