import * as core from '@actions/core';
import { ReportedError } from '@sophia/reporting';
import { setOutputs, type OutputValue } from './outputs.js';
import { writeSummary } from './summary.js';

/**
 * What an action tells about its work: step outputs, a job summary, log lines folded under a title
 * (one host, one phase), and warnings (annotations that do not fail the step).
 */
export interface Publication {
  outputs?: Record<string, OutputValue>;
  /** Markdown appended to the job summary. */
  summary?: string;
  /** Log groups, each a title and its lines; an empty group is left out. */
  logGroups?: Array<{ title: string; lines: string[] }>;
  warnings?: string[];
}

/** Writes the outputs, then the log groups, then the warnings, then the job summary. */
export async function publish(publication: Publication): Promise<void> {
  if (publication.outputs) setOutputs(publication.outputs);
  for (const group of publication.logGroups ?? []) {
    if (group.lines.length === 0) continue;
    core.startGroup(group.title);
    for (const line of group.lines) core.info(line);
    core.endGroup();
  }
  for (const warning of publication.warnings ?? []) core.warning(warning);
  if (publication.summary !== undefined) await writeSummary(publication.summary);
}

/**
 * Runs the work and publishes its report once, whether the work succeeded or failed with a
 * `ReportedError` (then the error's report is published and the error rethrown, so the step fails
 * with the outputs and summary in place). Any other error failed before anything happened: it is
 * published with `unreported` when given (a summary saying nothing changed, outputs as far as the
 * inputs know them), and passes through.
 */
export async function publishing<Report>(
  work: () => Promise<Report>,
  publicationOf: (report: Report) => Publication,
  unreported?: (error: unknown) => Publication,
): Promise<Report> {
  let report: Report;
  try {
    report = await work();
  } catch (error) {
    if (error instanceof ReportedError) await publish(publicationOf(error.report as Report));
    else if (unreported) await publish(unreported(error));
    throw error;
  }
  await publish(publicationOf(report));
  return report;
}
