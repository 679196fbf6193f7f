import { RefusedInputError } from '@sophia/reporting';

/** One problem in a manifest, at a file and line so GitHub can show it on the manifest itself. */
export interface ManifestProblem {
  file: string;
  line: number;
  message: string;
}

/**
 * One problem as a line naming its file and line (`k8s/api.yaml:12: ...`), as compilers print them so editors can jump
 * to it.
 */
export function formatProblem(problem: ManifestProblem): string {
  return `${problem.file}:${problem.line}: ${problem.message}`;
}

/**
 * Every problem found in the manifests: all are reported at once. `outcome` says what had changed
 * when they were found: nothing, unless the server refused objects that could be checked only
 * after their namespace or CustomResourceDefinition was applied.
 */
export class ManifestError extends Error {
  constructor(
    readonly problems: ManifestProblem[],
    summary = 'manifest',
    readonly outcome = 'nothing was applied',
  ) {
    const list = problems.map((problem) => `  ${formatProblem(problem)}`).join('\n');
    super(`${problems.length} ${summary} problem${problems.length === 1 ? '' : 's'}, ${outcome}:\n${list}`);
    this.name = 'ManifestError';
  }
}

/**
 * An input this package was handed that the manifests or the cluster refuse, before anything on the
 * cluster changed: a `manifests` pattern that matches no file or no object, a kustomization kubectl
 * cannot build, a `namespace` the cluster does not have. The message names the input (`input`), so
 * the action reports it as it reports a bad input it read itself (see RefusedInputError).
 */
export class KubernetesInputError extends RefusedInputError {
  constructor(input: string, message: string) {
    super(input, message);
    this.name = 'KubernetesInputError';
  }
}

/**
 * The `namespace` input names a namespace the cluster does not have, and the manifests have more
 * problems found by the same check (other namespaces that do not exist, objects the server
 * refused): all are reported at once. A KubernetesInputError naming the input, whose message lists every
 * problem; `problems` holds those at a file and line, for annotations on the manifests.
 */
export class NamespaceInputError extends KubernetesInputError {
  constructor(
    message: string,
    readonly problems: ManifestProblem[],
  ) {
    super('namespace', message);
    this.name = 'NamespaceInputError';
  }
}
