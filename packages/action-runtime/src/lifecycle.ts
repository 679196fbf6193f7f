import * as core from '@actions/core';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Log } from '@sophia/reporting';
import { actionLog, closeOpenLogGroup } from './log.js';
import { workspaceDir } from './run-context.js';

/**
 * The same bundle runs as the main step and, when action.yml names it under `post:`, as the post
 * step; the main step leaves this state behind so the post run knows which it is. This is how
 * actions/checkout tells them apart (its state-helper's `isPost`).
 */
const IS_POST_STATE = 'isPost';
const SECRETS_DIR_STATE = 'secrets-dir';

let secretsDirPath: string | undefined;

/**
 * True once the runner has cancelled this main step (SIGINT, or SIGTERM without an SIGINT before it):
 * the step then fails with CANCELLED_MESSAGE.
 */
export function wasCancelled(): boolean {
  return cancelledBy !== undefined;
}

/** The step's saved state, handed to the post step by the runner as STATE_<name> variables. */
export const stepState = {
  save: (name: string, value: string): void => core.saveState(name, value),
  get: (name: string): string => core.getState(name),
};

/** True when this process is the action's post step. */
export function isPostStep(): boolean {
  return core.getState(IS_POST_STATE) === 'true';
}

/**
 * A private directory (mode 0700) under RUNNER_TEMP for files holding secrets, such as a
 * kubeconfig. It is removed when the main step ends however it ends: on success or failure, on
 * the runner's cancel signals (SIGINT, then SIGTERM), and, if the process was killed outright,
 * by the post step, which finds its path in the step's saved state. Created on first use.
 */
export function secretsDir(): string {
  if (secretsDirPath) return secretsDirPath;
  const parent = process.env.RUNNER_TEMP || tmpdir();
  mkdirSync(parent, { recursive: true });
  const path = join(parent, `sophia-secrets-${randomBytes(6).toString('hex')}`);
  mkdirSync(path, { mode: 0o700 });
  core.saveState(SECRETS_DIR_STATE, path);
  secretsDirPath = path;
  return path;
}

/**
 * Never throws: a directory that cannot be removed is a warning, so the step's own outcome (a
 * deploy that changed a target) is what the run reports. Node retries ENOTEMPTY and EBUSY itself.
 */
function removeSecretsDir(path = secretsDirPath): void {
  if (!path) return;
  try {
    rmSync(path, { recursive: true, force: true, maxRetries: 3 });
  } catch (error) {
    core.warning(
      `Could not remove the step's secrets directory ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** The message of a step the runner cancelled, whatever the action. */
export const CANCELLED_MESSAGE = 'The run was cancelled';

/**
 * How long after SIGINT a main step that listens to cancelSignal() may go on putting back what it
 * changed before it is ended: just within the 7.5 s before the runner's SIGTERM. What it knows is
 * published at once on the cancel (publishProvisional), so this bounds only the put-back.
 */
export const CANCEL_GRACE_MS = 7000;

/**
 * The grace of a cancel that begins with SIGTERM (a runner that skips SIGINT, or a job's
 * `timeout-minutes` that ends the step so): the runner kills the process tree 2.5 s after SIGTERM,
 * so the step publishes what it knows and ends within this. A put-back that cannot finish in it is
 * the post step's, as after a cancel that outlasts CANCEL_GRACE_MS.
 */
export const TERMINATE_GRACE_MS = 2000;

/** The exit code of a step ended by SIGINT (128 + 2) or SIGTERM (128 + 15), as a shell reports it. */
const EXIT_CODE_OF = { SIGINT: 130, SIGTERM: 143 } as const;

const cancellation = new AbortController();
let cancelHeard = false;
let cancelledBy: keyof typeof EXIT_CODE_OF | undefined;

/**
 * Aborted (with reason `Error(CANCELLED_MESSAGE)`) when the runner cancels the main step (SIGINT,
 * or SIGTERM when no SIGINT came first). Work that takes this signal stops at once and returns what
 * it has, so the action can publish it (outputs, summary) and then fail with CANCELLED_MESSAGE; it
 * has CANCEL_GRACE_MS to do so (TERMINATE_GRACE_MS after a SIGTERM-first cancel). A main step that
 * never asks for the signal publishes what its action says it knew, unless it published already
 * (see asMainStep), and fails with CANCELLED_MESSAGE.
 */
export function cancelSignal(): AbortSignal {
  cancelHeard = true;
  return cancellation.signal;
}

/**
 * The exit code a main step that a cancel ended must end with, once its work has ended on its own:
 * 143 when the cancel began with SIGTERM (what the process would have exited with had it not
 * listened), undefined otherwise (a SIGINT cancel fails the step as any failure does).
 */
export function cancelExitCode(): number | undefined {
  return cancelledBy === 'SIGTERM' ? EXIT_CODE_OF.SIGTERM : undefined;
}

/**
 * On cancel the runner sends SIGINT to the step's process, then SIGTERM 7.5 s later, and kills the
 * process tree 2.5 s after that
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-cancellation). A
 * SIGTERM that comes without a SIGINT before it (a runner or a `timeout-minutes` kill that skips
 * SIGINT) is that cancel with only the last 2.5 s of it: it is handled as SIGINT is, within
 * TERMINATE_GRACE_MS. A SIGTERM after a SIGINT ends the step at once, as the runner's last word.
 * The secrets go synchronously on that SIGTERM, and on a cancel's first signal when the work does
 * not listen to cancelSignal(); work that listens may still need them to put back what it changed
 * (kubectl's kubeconfig), so they go when it ends (asMainStep) or when its grace runs out. The
 * message says only that the run was cancelled, whether or not this action had secrets on disk.
 */
function handleCancelSignals(publishOnCancel?: () => Promise<void>): void {
  const onCancel = (signal: keyof typeof EXIT_CODE_OF, graceMs: number): void => {
    cancelledBy = signal;
    const end = (): void => {
      closeOpenLogGroup();
      removeSecretsDir();
      core.setFailed(CANCELLED_MESSAGE);
      process.exit(EXIT_CODE_OF[signal]);
    };
    if (cancelHeard && !cancellation.signal.aborted) {
      cancellation.abort(new Error(CANCELLED_MESSAGE));
      // The work publishes and the step ends on its own; this only bounds a step that does not.
      setTimeout(end, graceMs).unref();
      return;
    }
    if (!publishOnCancel) return end();
    // The work does not stop on the cancel: only what is known goes out, within the grace, then the step ends.
    setTimeout(end, graceMs).unref();
    publishOnCancel()
      .catch(() => undefined)
      .finally(end);
  };
  process.on('SIGTERM', () => {
    if (cancelledBy === undefined) return onCancel('SIGTERM', TERMINATE_GRACE_MS);
    closeOpenLogGroup();
    removeSecretsDir();
    process.exit(EXIT_CODE_OF.SIGTERM);
  });
  // Remote clean-up (a deploy lock) is the post step's: it runs after the cancel too, with time of its own.
  process.on('SIGINT', () => {
    if (cancelledBy === undefined) onCancel('SIGINT', CANCEL_GRACE_MS);
  });
}

/**
 * The main step's lifecycle: mark the post step, watch for cancel signals, remove secrets at the end.
 * `publishOnCancel` publishes what a step that does not listen to cancelSignal() knew when the cancel
 * came (its outputs and summary); the step ends once it is done, or after CANCEL_GRACE_MS
 * (TERMINATE_GRACE_MS when the cancel began with SIGTERM).
 */
export async function asMainStep(work: () => Promise<void>, publishOnCancel?: () => Promise<void>): Promise<void> {
  core.saveState(IS_POST_STATE, 'true');
  handleCancelSignals(publishOnCancel);
  try {
    await work();
  } finally {
    removeSecretsDir();
  }
}

/** The post step's lifecycle: remove what a killed main step left on disk, then the action's own clean-up. */
export async function asPostStep(work?: () => Promise<void>): Promise<void> {
  removeSecretsDir(core.getState(SECRETS_DIR_STATE) || undefined);
  await work?.();
}

/**
 * Where a step that runs kubectl and reads the workspace logs and keeps its files, in the shape
 * `withKubectl` and `withDeployManifests` take: the runner's log, `secretsDir()` for files holding
 * secrets (a kubeconfig, removed however the step ends), the checkout that relative inputs
 * start from (`workspaceDir()`), and the run's `cancelSignal()`, which ends kubectl on cancel so
 * the step can publish what it did. Creates the secrets directory on first use.
 */
export function onRunner(): { log: Log; tempDir: string; cwd: string; signal: AbortSignal } {
  return { log: actionLog, tempDir: secretsDir(), cwd: workspaceDir(), signal: cancelSignal() };
}
