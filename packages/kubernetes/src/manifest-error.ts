import { InputError } from '@sophia/inputs';

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
 * The `namespace` input names a namespace the cluster does not have, and the manifests have more
 * problems found by the same check (other namespaces that do not exist, objects the server
 * refused): all are reported at once. An InputError naming the input, whose message lists every
 * problem; `problems` holds those at a file and line, for annotations on the manifests.
 */
export class NamespaceInputError extends InputError {
  constructor(
    message: string,
    readonly problems: ManifestProblem[],
  ) {
    super('namespace', message);
    this.name = 'NamespaceInputError';
  }
}
