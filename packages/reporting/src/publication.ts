// Pure shapes: an action publishes them (`publish` in @sophia/action-runtime, the one writer to the
// runner); domain packages may build them without importing @actions/core.

/** A step output's value: strings, numbers and booleans as text, objects and arrays as JSON. */
export type OutputValue = string | number | boolean | object;

/**
 * A finding at a place in the repository (a manifest line), shown by GitHub on the file itself
 * (the runner's `::error file=…,line=…,title=…::` workflow command).
 */
export interface FileAnnotation {
  /** Relative to the workspace, as GitHub links it. */
  file: string;
  /** 1-based. */
  line: number;
  message: string;
  /** What kind of finding ("Manifest problem", "Placement of the files as written"). */
  title: string;
  /** An error, or a warning for what is worth seeing but does not fail the step. */
  level: 'error' | 'warning';
}

/**
 * What an action tells about its work: step outputs, a job summary, log lines folded under a title
 * (one host, one phase), annotations at files and lines, and warnings (annotations that do not fail the step).
 */
export interface Publication {
  outputs?: Record<string, OutputValue>;
  /** Markdown appended to the job summary. */
  summary?: string;
  /** Log groups, each a title and its lines; an empty group is left out. */
  logGroups?: Array<{ title: string; lines: string[] }>;
  annotations?: FileAnnotation[];
  warnings?: string[];
}
