import { actionInputs } from '@sophia/action-runtime';
import {
  boolean,
  InputError,
  InputReader,
  ipAddress,
  KUBE_SECRET_INPUTS,
  kubernetesName,
  label,
  oneOf,
  readKubeConnection,
  readKubernetesDeployInputs,
  taint,
} from '@sophia/inputs';
import type { KubeConnection, KubernetesDeployRequest, Label, Taint } from '@sophia/kubernetes';

/** The node is named directly, or found by one of its addresses. */
export type NodeSelection = { by: 'name'; name: string } | { by: 'address'; address: string };

/**
 * The MCP action's inputs: the shared Kubernetes deploy request plus the dedicated node (by name or address), the
 * label that pins pods to it, the optional taint that keeps other pods off, and whether to check placement after the
 * rollout. `mode: 'audit'` only reports placement and changes nothing.
 */
export interface McpDeploySettings extends KubernetesDeployRequest {
  connection: KubeConnection;
  node: NodeSelection;
  nodeLabel: Label;
  labelNode: boolean;
  taint?: Taint;
  verifyPlacement: boolean;
  mode: 'deploy' | 'audit';
}

function readNodeSelection(reader: InputReader): NodeSelection {
  const name = reader.optional('node', kubernetesName);
  const address = reader.optional('node-address', ipAddress);
  if (name !== undefined && address !== undefined) {
    throw new InputError('node', 'Give either input "node" or input "node-address", not both');
  }
  if (name !== undefined) return { by: 'name', name };
  if (address !== undefined) return { by: 'address', address };
  throw new InputError('node', 'Input "node" or input "node-address" is required (the node the MCP workloads run on)');
}

/** Reads every input in action.yml order, so the first missing or bad one is the one reported. */
export function getInputs(reader = actionInputs()): McpDeploySettings {
  reader.maskSecrets(...KUBE_SECRET_INPUTS);
  const connection = readKubeConnection(reader);
  const deploy = readKubernetesDeployInputs(reader);
  return {
    connection,
    ...deploy,
    node: readNodeSelection(reader),
    nodeLabel: reader.required('node-label', label),
    labelNode: reader.required('label-node', boolean),
    taint: reader.optional('taint', taint),
    verifyPlacement: reader.required('verify-placement', boolean),
    mode: reader.required('mode', oneOf(['deploy', 'audit'] as const)),
  };
}
