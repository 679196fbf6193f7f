/** One problem in a manifest, at a file and line so GitHub can show it on the manifest itself. */
export interface ManifestProblem {
  file: string;
  line: number;
  message: string;
}

export function formatProblem(problem: ManifestProblem): string {
  return `${problem.file}:${problem.line}: ${problem.message}`;
}

/** Every problem found in the manifests: all are reported at once, and nothing is applied. */
export class ManifestError extends Error {
  constructor(
    readonly problems: ManifestProblem[],
    summary = 'manifest',
  ) {
    const list = problems.map((problem) => `  ${formatProblem(problem)}`).join('\n');
    super(`${problems.length} ${summary} problem${problems.length === 1 ? '' : 's'}, nothing was applied:\n${list}`);
    this.name = 'ManifestError';
  }
}
