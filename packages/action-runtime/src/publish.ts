import * as core from '@actions/core';
import { ReportedError } from '@sophia/reporting';
import { setOutputs, type OutputValue } from './outputs.js';

export type { OutputValue };
import { writeSummary } from './summary.js';

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

/** Writes the outputs, then the log groups, then the file annotations and warnings, then the job summary. */
export async function publish(publication: Publication): Promise<void> {
  if (publication.outputs) setOutputs(publication.outputs);
  for (const group of publication.logGroups ?? []) {
    if (group.lines.length === 0) continue;
    core.startGroup(group.title);
    for (const line of group.lines) core.info(line);
    core.endGroup();
  }
  for (const { file, line, message, title, level } of publication.annotations ?? []) {
    core[level](message, { file, startLine: line, title });
  }
  for (const warning of publication.warnings ?? []) core.warning(warning);
  if (publication.summary !== undefined) await writeSummary(publication.summary);
}

/** How `publishing` turns the end of a piece of work into a `Publication`. */
export interface PublishingPlan<Report> {
  /** The publication of the work's report, when the work returned it or threw it in a `reported` error. */
  publicationOf: (report: Report) => Publication;
  /**
   * The `ReportedError` subclass whose report the work throws (`DeployFailedError`): only its
   * report is trusted to be a `Report`. Left out when the work throws none.
   */
  reported?: abstract new (...args: never[]) => ReportedError<Report>;
  /**
   * The publication of any other error, which failed before anything happened: a summary saying
   * nothing changed and why, outputs as far as the inputs know them.
   */
  unreported?: (error: unknown) => Publication;
}

/**
 * Runs the work and publishes its report once, whether the work succeeded or failed with the
 * plan's `reported` error (then the error's report is published and the error rethrown, so the step
 * fails with the outputs and summary in place). Any other error is published with `unreported` when
 * given, and passes through. When the failure's publication itself fails, a warning says so and the
 * step still fails with the original error, not the publication's.
 */
export async function publishing<Report>(work: () => Promise<Report>, plan: PublishingPlan<Report>): Promise<Report> {
  let report: Report;
  try {
    report = await work();
  } catch (error) {
    const { reported, publicationOf, unreported } = plan;
    if (reported && error instanceof reported) await publishFailure(() => publicationOf(error.report));
    else if (unreported) await publishFailure(() => unreported(error));
    throw error;
  }
  await publish(plan.publicationOf(report));
  return report;
}

async function publishFailure(publicationOf: () => Publication): Promise<void> {
  try {
    await publish(publicationOf());
  } catch (failure) {
    core.warning(
      `The outputs and summary of this failure could not be written: ${failure instanceof Error ? failure.message : String(failure)}`,
    );
  }
}
