import type { SshConnectRequest } from '@sophia/ssh';

/**
 * How kubectl reaches the cluster: a kubeconfig's text (a secret) and the kubectl binary to run on
 * this machine, or SSH to the server and the command that runs kubectl there (`k3s kubectl`: the
 * server's own version). `withKubectl` opens either; `readKubeConnection` in @sophia/inputs reads
 * the connection inputs into this shape.
 */
export type KubeConnection =
  | { mode: 'kubeconfig'; kubeconfig: string; kubectl: string }
  | { mode: 'ssh'; ssh: SshConnectRequest; kubectlCommand: string };

/**
 * What one deploy of a manifest set asks for, from loading the files to the end of the rollout:
 * `withDeployManifests` takes the files and namespace, `prepareManifests` the images, and
 * `deployManifests` (`DeploySettings`) the rest. The deploy actions' shared inputs are read into
 * this shape (`readKubernetesDeployInputs` in @sophia/inputs).
 */
export interface KubernetesDeployRequest {
  /** Files, directories (kustomizations) and globs, relative to the workspace, in the order given. */
  manifests: string[];
  /** Container name or image name (without tag) -> the full image reference to run instead. */
  images: Map<string, string>;
  /** For objects that name none; absent: the kubeconfig context's namespace, as kubectl does. */
  namespace?: string;
  /** How long, in milliseconds, every workload together may take to roll out (at least 100). */
  rolloutTimeoutMs: number;
  /** Apply with `kubectl apply --server-side` (field ownership kept by the API server) instead of client-side. */
  serverSide: boolean;
  /** The field manager the applies write as (kubectl's `--field-manager`), at most 128 characters. */
  fieldManager: string;
  /** Take fields other field managers own instead of stopping on the conflict (kubectl's `--force-conflicts`). */
  forceConflicts: boolean;
  /** After a failed rollout, put back the workloads and configuration this run changed. */
  rollbackOnFailure: boolean;
  /** Only show what would change (a server-side dry run with diffs); nothing is written. */
  dryRun: boolean;
}
