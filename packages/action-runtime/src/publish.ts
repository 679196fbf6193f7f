import * as core from '@actions/core';
import { ReportedError } from '@sophia/reporting';
import type { Publication } from '@sophia/reporting';
import { setOutputs } from './outputs.js';
import { writeSummary } from './summary.js';

// The shape is declared beside the reports, so that domain packages can build one without @actions/core.
export type { FileAnnotation, OutputValue, Publication } from '@sophia/reporting';

let publishedOnce = false;
let provisionalPublished = false;
/** What this step's publications wrote to the log (groups, annotations, warnings), each as a key: see `publish`. */
const written = new Set<string>();

/** Whether this step has published anything yet: the error boundary publishes only for a step that has not. */
export function hasPublished(): boolean {
  return publishedOnce;
}

/**
 * Writes the outputs, then the log groups, then the file annotations and warnings, then the job
 * summary. Each log group, annotation and warning is written once per step: one that an earlier
 * publication of this step wrote already is left out, so a step that published at a cancel
 * (`publishProvisional`) and again at its end shows each in the log once. After a
 * `publishProvisional`, the summary replaces the provisional one and the outputs are written again,
 * appended after the provisional ones (@actions/core's setOutput only appends): the later entry for
 * a name wins. actions/runner reads GITHUB_OUTPUT once, in a `finally` after
 * the action's process ends, also on a cancel (src/Runner.Worker/ActionRunner.cs, RunAsync);
 * `SetOutputFileCommand.ProcessCommand` (src/Runner.Worker/FileCommandManager.cs) walks the
 * file's entries in order and sets each through `StepsContext.SetOutput`
 * (src/Runner.Worker/StepsContext.cs), which assigns `outputs[name]`, replacing an earlier value.
 */
export async function publish(publication: Publication): Promise<void> {
  publishedOnce = true;
  const replacing = provisionalPublished;
  provisionalPublished = false;
  await write(publication, { replacing, groups: true });
}

/**
 * Publishes what is known while the work still runs and the runner may end the step before it
 * ends (a cancelled deploy putting back what it changed): its outputs, annotations, warnings and
 * summary; the next `publish` overwrites the summary and outputs. It writes no log group: the work
 * may be inside a group of its own when the cancel comes (a Kubernetes deploy's "Apply and watch
 * the rollouts"), and GitHub's log does not nest groups; and the final publication's groups hold
 * what this one's would, and how it ended. A step ended before its final publication shows what it
 * knew in the summary.
 */
export async function publishProvisional(publication: Publication): Promise<void> {
  publishedOnce = true;
  const replacing = provisionalPublished;
  await write(publication, { replacing, groups: false });
  provisionalPublished = true;
}

/** What `provisionalPublisher` returns: publish in order while the work runs, and wait for it around the work. */
export interface ProvisionalPublisher {
  /** Queues `publication` as provisional (see publishProvisional), after any queued before it. */
  publish(publication: Publication): void;
  /** Runs `work`, then waits for every queued publication, so the final `publish` comes after them. */
  around<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * For a step that publishes at once on cancel what it knows (a cancelled deploy putting back what it
 * changed, which may outlast the runner's grace): publications queued through it are written one
 * after another (the job summary is one buffer, so two writes must not overlap), and, when `signal`
 * aborts before the work has published anything of its own, `atCancel()` is published first. A
 * publication that cannot be written is a warning.
 */
export function provisionalPublisher(signal: AbortSignal, atCancel: () => Publication): ProvisionalPublisher {
  let queue: Promise<void> = Promise.resolve();
  const publish = (publication: Publication): void => {
    queue = queue
      .then(() => publishProvisional(publication))
      .catch((error: unknown) =>
        core.warning(
          `What the cancelled step knew could not be published: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
  };
  const onAbort = (): void => publish(atCancel());
  signal.addEventListener('abort', onAbort, { once: true });
  return {
    publish,
    around: async (work) => {
      try {
        return await work();
      } finally {
        signal.removeEventListener('abort', onAbort);
        await queue;
      }
    },
  };
}

/** True the first time `entry` of `kind` is offered in this step, recording it; false after. */
function firstTime(kind: 'group' | 'annotation' | 'warning', entry: unknown): boolean {
  const key = JSON.stringify([kind, entry]);
  if (written.has(key)) return false;
  written.add(key);
  return true;
}

async function write(publication: Publication, options: { replacing: boolean; groups: boolean }): Promise<void> {
  if (publication.outputs) setOutputs(publication.outputs);
  for (const group of options.groups ? (publication.logGroups ?? []) : []) {
    if (group.lines.length === 0 || !firstTime('group', group)) continue;
    core.startGroup(group.title);
    for (const line of group.lines) core.info(line);
    core.endGroup();
  }
  for (const annotation of publication.annotations ?? []) {
    if (!firstTime('annotation', annotation)) continue;
    const { file, line, message, title, level } = annotation;
    core[level](message, { file, startLine: line, title });
  }
  for (const warning of publication.warnings ?? []) if (firstTime('warning', warning)) core.warning(warning);
  if (publication.summary !== undefined) await writeSummary(publication.summary, options.replacing);
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

/**
 * Publishes a failure's outputs and summary; when that itself fails, only a warning says so, so
 * that the step fails with the original error, not the publication's.
 */
export async function publishFailure(publicationOf: () => Publication): Promise<void> {
  try {
    await publish(publicationOf());
  } catch (failure) {
    core.warning(
      `The outputs and summary of this failure could not be written: ${failure instanceof Error ? failure.message : String(failure)}`,
    );
  }
}
