import * as core from '@actions/core';
import { failedMarkdown, markdownText, RefusedInputError, type OutputValue } from '@sophia/reporting';
import { asMainStep, asPostStep, CANCELLED_MESSAGE, cancelExitCode, isPostStep, wasCancelled } from './lifecycle.js';
import { hasPublished, publishFailure } from './publish.js';

/**
 * True when the user re-ran the job with debug logging (`RUNNER_DEBUG=1`) or set the `ACTIONS_STEP_DEBUG` secret, as
 * GitHub documents under "Enabling debug logging"; values `1` or `true`, any case.
 */
export function debugEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['RUNNER_DEBUG', 'ACTIONS_STEP_DEBUG'].some((name) => ['1', 'true'].includes((env[name] ?? '').toLowerCase()));
}

/**
 * What an action tells its error boundary about itself (runAction): its post step, and what it
 * publishes when an input is refused before the action published anything.
 */
export interface ActionSteps {
  /** The post step's work (see runAction). */
  post?: () => Promise<void>;
  /** The heading of the job summary: the action's name (`deploy-k3s-backend`). */
  title: string;
  /**
   * The outputs that hold whatever the inputs are when nothing ran (`rolled-back: false`,
   * `files-uploaded: 0`, `healthy: false`); outputs that depend on the inputs are left unset. Each action
   * keeps them in its `src/not-run-outputs.ts` (`NOT_RUN_OUTPUTS`), which its summaries derive from too.
   */
  notRunOutputs: Record<string, OutputValue>;
  /**
   * For a main step that does not listen to cancelSignal(): what it knew when the runner cancelled it
   * before it published anything (a sentence or two of Markdown, from its inputs: what it was writing
   * and that it may or may not have been written), for the job summary beside `notRunOutputs`.
   * Left out: the summary says only that the step was cancelled before it finished.
   */
  whenCancelled?: () => string;
}

/**
 * The job summary of a main step cancelled before it published anything (see ActionSteps.whenCancelled);
 * a `whenCancelled` that throws (inputs that cannot be read) is left out.
 */
export function cancelledSummary(title: string, whenCancelled?: () => string): string {
  let known = '';
  try {
    known = whenCancelled ? `\n\n${whenCancelled()}` : '';
  } catch {
    // The inputs could not be read: the step never got as far as doing anything with them.
  }
  return `### ${title}\n\n**Failed:** ${CANCELLED_MESSAGE} before this step finished.${known}\n`;
}

/**
 * The job summary of a step that an input error stopped before anything ran: the input, and what
 * was expected of it (the RefusedInputError's message says both: an InputError from reading the
 * inputs, or a domain package's refusal of an input it was handed, such as a KubernetesInputError). The message quotes what the user
 * typed, so it and the input's name go in through markdownText (failedMarkdown for the message):
 * shown as written, control characters visible, cut when long.
 */
export function inputRefusedSummary(title: string, error: RefusedInputError): string {
  const input = markdownText(error.input);
  return `### ${title}\n\nNothing was run: input "${input}" was refused, and nothing was changed.\n\n${failedMarkdown(error)}\n`;
}

/**
 * The one error path of every action: the message goes to `core.setFailed`; the stack only
 * when the user turned step debugging on, because stacks in normal logs bury the reason. A main
 * step that an input error stopped before it published anything still publishes its summary
 * and the outputs that do not depend on the inputs (`steps`).
 */
async function reportFailures(work: () => Promise<void>, steps?: ActionSteps): Promise<void> {
  try {
    await work();
    // A cancelled step that put back what it changed has published how; it still did not do its job.
    if (wasCancelled()) core.setFailed(CANCELLED_MESSAGE);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (debugEnabled() && error instanceof Error && error.stack) core.info(error.stack);
    if (steps && error instanceof RefusedInputError && !hasPublished()) {
      await publishFailure(() => ({
        outputs: steps.notRunOutputs,
        summary: inputRefusedSummary(steps.title, error),
      }));
    }
    core.setFailed(message);
  }
}

/**
 * Runs an action's bundle as its main step or, when action.yml also names the bundle under
 * `post:` (with `post-if: always()`), as its post step: `steps.post` frees what a cancelled or killed
 * main step may have left (a remote lock); secrets on disk are removed in both steps. A main step
 * that a SIGTERM-first cancel ended exits 143 even when its work ended on its own (see cancelExitCode).
 */
export async function runAction(main: () => Promise<void>, steps: ActionSteps): Promise<void> {
  if (isPostStep()) return reportFailures(() => asPostStep(steps.post));
  await reportFailures(
    () =>
      asMainStep(main, async () => {
        if (hasPublished()) return;
        await publishFailure(() => ({
          outputs: steps.notRunOutputs,
          summary: cancelledSummary(steps.title, steps.whenCancelled),
        }));
      }),
    steps,
  );
  process.exitCode = cancelExitCode() ?? process.exitCode;
}
