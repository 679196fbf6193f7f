import { actionInputs } from '@sophia/action-runtime';
import { KUBE_SECRET_INPUTS, readKubeConnection, readKubernetesDeployInputs } from '@sophia/inputs';
import type { KubeConnection, KubernetesDeployRequest } from '@sophia/kubernetes';

/**
 * The backend action's inputs: the shared Kubernetes deploy request plus how kubectl reaches the cluster (a kubeconfig
 * on the runner, or `k3s kubectl` over SSH).
 */
export interface BackendDeploySettings extends KubernetesDeployRequest {
  connection: KubeConnection;
}

/** Reads every input in action.yml order, so the first missing or bad one is the one reported. */
export function getInputs(reader = actionInputs()): BackendDeploySettings {
  reader.maskSecrets(...KUBE_SECRET_INPUTS);
  const connection = readKubeConnection(reader);
  return { connection, ...readKubernetesDeployInputs(reader) };
}
