/**
 * Runs a workflow of an application repository on this machine the way GitHub runs it: parsed and
 * validated by GitHub's workflow parser (workflow-parse.ts), jobs ordered by `needs` (independent
 * ones at the same time), `if:` with the status functions, a called reusable workflow run as
 * jobs of its caller, environments with their secrets and variables, `run:` steps in bash with a
 * GITHUB_OUTPUT file, and node actions from their bundles by the action runner.
 *
 * References resolve as on GitHub (docs: "Finding and customizing actions", "Reusing workflows"):
 *   `./path`                      the caller's workspace (its checkout), also inside a called workflow
 *   `$/path`                      the repository of the workflow that names it, at its commit
 *   `owner/repo/path@ref`         that repository at that ref: `repositories` maps it to a directory
 * Steps that only prepare a hosted runner (checkout, setup-node) have nothing to do here; the
 * Docker actions of an image build, which need a daemon this machine lacks, run as stand-ins
 * (stand-ins.ts) that set the outputs the real actions set.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCommandFile, runBundledAction, type Annotation } from '@sophia-testing/action-runner';
import { parseFileReference, type FileReference } from '@actions/workflow-parser/workflows/file-reference';
import type { ReusableWorkflowJob, WorkflowJob } from '@actions/workflow-parser/model/workflow-template';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { DOCKER_STAND_INS, type StandIn, type StandInJob } from './stand-ins.js';
import { callInputs, dispatchInputs } from './trigger-inputs.js';
import {
  child,
  condition,
  entries,
  InvalidWorkflowError,
  items,
  parseWorkflowFile,
  text,
  textMap,
  value,
  type ContextValue,
  type Contexts,
  type ParsedWorkflow,
} from './workflow-parse.js';

/**
 * A job's or step's result; `cancelled` for a run a newer one replaced while it waited for its concurrency group,
 * and for a job or step the run's cancel stopped (RunWorkflowOptions.cancelAt).
 */
export type Result = 'success' | 'failure' | 'skipped' | 'cancelled';

export interface StepRecord {
  name: string;
  uses?: string;
  result: Result;
  durationMs: number;
  outputs: Record<string, string>;
  summary: string;
  annotations: Annotation[];
  /** Why a step did nothing here, or the tail of a failed step's output. */
  note?: string;
}

export interface JobRecord {
  /** The job id; `caller/called` for a job of a called workflow, as GitHub names it. */
  id: string;
  name: string;
  result: Result;
  environment?: { name: string; url: string };
  outputs: Record<string, string>;
  steps: StepRecord[];
  durationMs: number;
  /** The `if:` of a skipped job, so an account can say why. */
  condition?: string;
  /**
   * Why the job did not run its steps (an environment's reviewers rejected it), or why its
   * failure does not fail the run (`continue-on-error`).
   */
  note?: string;
  /** The runner's warnings about the job, such as an output skipped because it holds a secret. */
  warnings?: string[];
}

export interface WorkflowRun {
  /** `cancelled` when a newer run of its concurrency group took its place while it was pending, or it was cancelled. */
  result: 'success' | 'failure' | 'cancelled';
  /** The run's id (github.run_id): RunWorkflowOptions.runId, else one numbered in this process. */
  runId: string;
  jobs: JobRecord[];
  /** Every review a job waited for, in the order the jobs asked, with its decision. */
  reviews: DeploymentReview[];
  outputs: Record<string, string>;
  durationMs: number;
}

/** An environment of the repository, as its settings page holds it. */
export interface EnvironmentSettings {
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /**
   * The "Required reviewers" protection rule: every job that names this environment waits for a
   * review before it starts (RunWorkflowOptions.review decides it; approved when that is absent).
   */
  requiredReviewers?: boolean;
}

/** What happened to a run in a concurrency group, in the order it happened. */
export interface ConcurrencyEvent {
  /** The group, as written after evaluation (GitHub compares groups case-insensitively). */
  group: string;
  /** The run's id (WorkflowRun.runId). */
  run: string;
  event: 'running' | 'pending' | 'cancelled' | 'released';
}

/**
 * Concurrency groups shared by the runs of one repository, as GitHub keeps them with
 * `cancel-in-progress: false`: "at most one running and one pending job in a concurrency group
 * at any time"; a run queued while another of its group is in progress is pending, and "any
 * existing pending job or workflow in the same concurrency group ... will be canceled and the
 * new queued job or workflow will take its place"; group names are case-insensitive (docs:
 * "Control the concurrency of workflows and jobs",
 * https://docs.github.com/actions/using-jobs/using-concurrency). Pass one instance to every
 * runWorkflow of the repository; a workflow-level `concurrency:` (the started workflow's and a
 * called workflow's) and a job-level one (`jobs.<job_id>.concurrency`) then queue there. `cancel-in-progress: true` is refused: cancelling a run
 * in progress is not modelled.
 */
export class ConcurrencyGroups {
  /** Everything that happened, in order. */
  readonly events: ConcurrencyEvent[] = [];
  private readonly groups = new Map<
    string,
    { running: string; pending?: { run: string; decide: (outcome: 'running' | 'cancelled') => void } }
  >();

  /** Waits until `run` holds `group`: `running`, or `cancelled` when a newer run replaced it while pending. */
  acquire(group: string, run: string): Promise<'running' | 'cancelled'> {
    const key = group.toLowerCase();
    const held = this.groups.get(key);
    if (!held) {
      this.groups.set(key, { running: run });
      this.events.push({ group, run, event: 'running' });
      return Promise.resolve('running');
    }
    if (held.pending) {
      this.events.push({ group, run: held.pending.run, event: 'cancelled' });
      held.pending.decide('cancelled');
    }
    this.events.push({ group, run, event: 'pending' });
    return new Promise((decide) => {
      held.pending = { run, decide };
    });
  }

  /** `run` ends: the pending run of the group, if any, starts. */
  release(group: string, run: string): void {
    const key = group.toLowerCase();
    const held = this.groups.get(key);
    if (held?.running !== run) return;
    this.events.push({ group, run, event: 'released' });
    const next = held.pending;
    if (!next) {
      this.groups.delete(key);
      return;
    }
    this.groups.set(key, { running: next.run });
    this.events.push({ group, run: next.run, event: 'running' });
    next.decide('running');
  }
}

/** What a reviewer answers for one job waiting on a protected environment. */
export type ReviewDecision = 'approved' | 'rejected';

/**
 * One job run waiting for the required reviewers of its environment, and their decision.
 * GitHub asks per job, not per environment or run: "Jobs that reference an environment configured
 * with required reviewers will wait for an approval before starting"; "If a job is rejected, the
 * workflow will fail" (docs: "Reviewing deployments",
 * https://docs.github.com/actions/managing-workflow-runs/reviewing-deployments). Its review dialog
 * can answer several jobs waiting for the same environment at once; a `review` callback that
 * decides by environment alone gives each of them that same answer.
 */
export interface DeploymentReview {
  /** The job id, `caller/called` for a job of a called workflow (JobRecord.id). */
  job: string;
  environment: string;
  decision: ReviewDecision;
}

/**
 * GitHub's annotation on a job whose deployment was rejected (or stopped by another deployment
 * protection rule); the job fails without running a step.
 */
export const REJECTED_DEPLOYMENT = "The deployment was rejected or didn't satisfy other protection rules.";

export interface RunWorkflowOptions {
  /** The workflow file to run (absolute, or relative to `workspace`). */
  file: string;
  /** The caller's repository checkout: where jobs work and `./` resolves. */
  workspace: string;
  /**
   * `push` (default), `schedule` (no inputs, as push), `pull_request` (its payload in
   * `github.event`, such as `{ pull_request: { number } }`), `workflow_dispatch`, or
   * `workflow_call` to run a reusable workflow directly.
   */
  event?: 'push' | 'schedule' | 'pull_request' | 'workflow_dispatch' | 'workflow_call';
  /**
   * Inputs of a workflow_dispatch (as the form or the REST API sends them: text; a boolean or
   * number is taken as its text) or of a workflow_call (typed, as a caller's `with:` gives them).
   */
  inputs?: Record<string, string | number | boolean>;
  /** Repository secrets. */
  secrets?: Record<string, string>;
  /** Repository variables (the vars context). */
  vars?: Record<string, string>;
  environments?: Record<string, EnvironmentSettings>;
  /**
   * The reviewers of protected environments (`requiredReviewers`): called once for each job run
   * that waits for them, as it would wait; the job starts only when this answers `approved`.
   */
  review?: (request: Omit<DeploymentReview, 'decision'>) => ReviewDecision | Promise<ReviewDecision>;
  /** `owner/repo@ref` (or `owner/repo` for any ref) -> a directory holding that repository at that ref. */
  repositories?: Record<string, string>;
  /**
   * Values of the github context (sha, ref, repository...). `api_url` (default
   * https://api.github.com) becomes every step's GITHUB_API_URL: set it to a stand-in's URL to
   * route the actions' REST calls there; `token` defaults to the run's GITHUB_TOKEN secret.
   */
  github?: Record<string, ContextValue>;
  /** Called as each job ends, in the order jobs finish. */
  onJob?: (job: JobRecord) => void;
  /** Called as a step starts, with the id of its job: an account can show what is being waited for. */
  onStepStart?: (jobId: string, step: { name: string; uses?: string }) => void;
  /** The repository's concurrency groups, shared with its other runs; without it `concurrency:` queues nothing. */
  concurrency?: ConcurrencyGroups;
  /** The run's id (github.run_id); default: `run-<n>`, numbered in this process. */
  runId?: string;
  /** Limit for one action step (default 120 s). */
  stepTimeoutMs?: number;
  /**
   * Cancels the run, as its Cancel button does, when this answers true as a step starts (asked with
   * the id of its job). As GitHub does it (docs: "Workflow cancellation"): every running job whose
   * `if:` no longer holds with `cancelled()` true is cancelled: its running step gets SIGINT (then
   * SIGTERM, SIGKILL), its later steps run only when their `if:` holds (`always()`, `cancelled()`),
   * and the job ends `cancelled`. A running job whose `if:` still holds (`always()`) goes on. Jobs
   * not started yet run only when their `if:` holds with `cancelled()` true; the others are skipped.
   */
  cancelAt?: (jobId: string, step: { name: string; uses?: string }) => boolean;
  /**
   * A cache service (see @sophia-testing/actions-cache) whose variables every action step gets, as
   * GitHub's runner gives them to JavaScript actions only (never to `run:` scripts).
   */
  cacheService?: { env(): Record<string, string> };
}

/** What a run has recorded so far: jobs as they end, reviews as they are answered. */
interface RunLog {
  jobs: JobRecord[];
  reviews: DeploymentReview[];
  /** Set once the run is cancelled (RunWorkflowOptions.cancelAt); shared by the jobs of called workflows. */
  cancel: { requested: boolean };
}

/** One workflow file being run: where its own `$/` points and who called it. */
interface Frame {
  parsed: ParsedWorkflow;
  /** The directory of the workflow's own repository at its commit (`$/`). */
  repository: string;
  /** `caller/` for a called workflow's jobs. */
  prefix: string;
  namePrefix: string;
  base: Contexts;
  secrets: Record<string, string>;
  /**
   * Which secrets of an environment a job of this workflow sees: all of them in the workflow the
   * event started (and in a workflow called with `secrets: inherit`), only those of the names
   * the caller passed when it mapped them, none when it passed nothing. See environmentSecrets.
   */
  environmentSecrets: 'all' | 'passed' | 'none';
  /** The owner (organization or user) of the workflow's own repository. */
  owner: string;
  /** The workflow-level `env:`, evaluated; a called workflow does not see its caller's. */
  env: Record<string, string>;
}

/** The run's GITHUB_TOKEN here: a placeholder of GitHub's `ghs_` installation-token shape. */
const LOCAL_GITHUB_TOKEN = 'ghs_localWorkflowRunnerToken0000000000';

const HOSTED_RUNNER_SETUP: Record<string, string> = {
  'actions/checkout': 'the workspace is the checkout already',
  'actions/setup-node': 'Node is already installed here',
};

/** A YAML literal of a workflow file (an input's default), typed. */
function literal(token: TemplateToken): ContextValue {
  return value(token, {});
}

function repositoryOf(options: RunWorkflowOptions, owner: string, repo: string, ref: string): string | undefined {
  const map = options.repositories ?? {};
  return map[`${owner}/${repo}@${ref}`] ?? map[`${owner}/${repo}`];
}

/** A called workflow's file, resolved as GitHub does; throws GitHub's kind of message when it cannot be. */
function calledWorkflowFile(
  options: RunWorkflowOptions,
  frame: Pick<Frame, 'repository'>,
  reference: FileReference,
): string {
  if (!('repository' in reference)) return path.join(frame.repository, reference.path);
  const dir = repositoryOf(options, reference.owner, reference.repository, reference.version);
  if (!dir) {
    throw new Error(
      `Unable to find reusable workflow ${reference.owner}/${reference.repository}/${reference.path}@${reference.version}`,
    );
  }
  return path.join(dir, reference.path);
}

function workflowPath(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

/** Where a step's `uses:` points: an action directory, or a reason it needs none here. */
function resolveAction(
  uses: string,
  frame: Frame,
  options: RunWorkflowOptions,
): { dir: string } | { note: string } | { error: string } | { standIn: StandIn } {
  if (uses.startsWith('./') || uses.startsWith('$/')) {
    const dir = path.join(uses.startsWith('./') ? options.workspace : frame.repository, uses.slice(2));
    if (!['action.yml', 'action.yaml'].some((name) => existsSync(path.join(dir, name)))) {
      // The runner's own words for a local action it cannot find.
      return {
        error:
          `Can't find 'action.yml', 'action.yaml' or 'Dockerfile' under '${dir}'. ` +
          'Did you forget to run actions/checkout before running your local action?',
      };
    }
    return { dir };
  }
  const match = /^([^/@]+)\/([^/@]+)((?:\/[^@]+)?)@(.+)$/.exec(uses);
  if (!match) return { error: `Invalid action reference "${uses}": expected owner/repo[/path]@ref, ./path or $/path` };
  const [, owner, repo, subpath, ref] = match;
  const setup = HOSTED_RUNNER_SETUP[`${owner}/${repo}`];
  if (setup && !subpath) return { note: `${setup}: nothing to do here` };
  if (!subpath && Object.hasOwn(DOCKER_STAND_INS, `${owner}/${repo}`)) {
    return { standIn: DOCKER_STAND_INS[`${owner}/${repo}`] };
  }
  const dir = repositoryOf(options, owner, repo, ref);
  if (!dir) return { error: `Unable to resolve action \`${owner}/${repo}@${ref}\`, repository or version not found` };
  return { dir: path.join(dir, subpath.slice(1)) };
}

function runScript(
  script: string,
  cwd: string,
  env: Record<string, string>,
  cancelled: () => boolean,
): Promise<{ code: number; output: string; outputs: Record<string, string>; summary: string; cancelled: boolean }> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'workflow-step-'));
  const outputFile = path.join(scratch, 'output');
  const summaryFile = path.join(scratch, 'summary');
  const scriptFile = path.join(scratch, 'script.sh');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  writeFileSync(scriptFile, script);
  return new Promise((resolve, reject) => {
    // The shell GitHub uses for `run:` on Linux.
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', scriptFile], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/root',
        ...env,
        GITHUB_OUTPUT: outputFile,
        GITHUB_STEP_SUMMARY: summaryFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let signalled = false;
    // The runner's cancel of a `run:` step: SIGINT to its shell (docs: "Workflow cancellation").
    const poll = setInterval(() => {
      if (signalled || !cancelled()) return;
      signalled = true;
      child.kill('SIGINT');
    }, 20);
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', (error) => {
      clearInterval(poll);
      reject(error);
    });
    child.on('close', (code) => {
      clearInterval(poll);
      const outputs = parseCommandFile(readFileSync(outputFile, 'utf8'));
      const summary = readFileSync(summaryFile, 'utf8');
      rmSync(scratch, { recursive: true, force: true });
      resolve({ code: code ?? 1, output: Buffer.concat(chunks).toString(), outputs, summary, cancelled: signalled });
    });
  });
}

function annotationsOf(output: string): Annotation[] {
  return [...output.matchAll(/^::(error|warning|notice)(?: [^:]*)?::(.*)$/gm)].map((match) => ({
    level: match[1] as Annotation['level'],
    message: match[2],
    properties: {},
  }));
}

/**
 * The GITHUB_* variables the runner derives from the github context for every step. GITHUB_API_URL
 * follows `github.api_url`, so a test that sets it (RunWorkflowOptions.github) routes every REST
 * call of the run's actions (@actions/github reads it) to a stand-in such as
 * @sophia-testing/github-api. The token is not among them: as on GitHub, a step gets it only
 * through `${{ github.token }}` or `${{ secrets.GITHUB_TOKEN }}`.
 */
function githubEnv(contexts: Contexts): Record<string, string> {
  const github = (contexts.github ?? {}) as Record<string, ContextValue>;
  return {
    GITHUB_SHA: String(github.sha ?? ''),
    GITHUB_REPOSITORY: String(github.repository ?? ''),
    GITHUB_REF: String(github.ref ?? ''),
    GITHUB_WORKFLOW: String(github.workflow ?? ''),
    GITHUB_SERVER_URL: String(github.server_url ?? ''),
    GITHUB_API_URL: String(github.api_url ?? ''),
  };
}

async function runStep(
  stepToken: ReturnType<typeof items>[number],
  index: number,
  contexts: Contexts,
  frame: Frame,
  job: StandInJob & { id: string; runnerTemp: string },
  options: RunWorkflowOptions,
  cancel: { request: () => void; cancelled: () => boolean },
): Promise<StepRecord> {
  const uses = child(stepToken, 'uses')?.toString();
  const name = child(stepToken, 'name') ? text(child(stepToken, 'name'), contexts) : (uses ?? `Run step ${index + 1}`);
  options.onStepStart?.(job.id, { name, uses });
  if (options.cancelAt?.(job.id, { name, uses })) cancel.request();
  const started = Date.now();
  const record = (fields: Partial<StepRecord>): StepRecord => ({
    name,
    uses,
    result: 'success',
    durationMs: Date.now() - started,
    outputs: {},
    summary: '',
    annotations: [],
    ...fields,
  });
  const failed = (message: string): StepRecord =>
    record({ result: 'failure', note: message, annotations: [{ level: 'error', message, properties: {} }] });
  // The workflow's and the job's env under the step's own.
  const env = { ...(contexts.env as Record<string, string>), ...textMap(child(stepToken, 'env'), contexts) };
  if (uses) {
    const action = resolveAction(uses, frame, options);
    if ('note' in action) return record({ note: action.note });
    if ('standIn' in action) {
      try {
        const done = action.standIn(textMap(child(stepToken, 'with'), contexts), options.workspace, job);
        return record({ outputs: done.outputs, note: done.note });
      } catch (error) {
        return failed((error as Error).message);
      }
    }
    if ('error' in action) return failed(action.error);
    try {
      const run = await runBundledAction({
        action: path.basename(action.dir),
        actionsRoot: path.dirname(action.dir),
        inputs: textMap(child(stepToken, 'with'), contexts),
        cwd: options.workspace,
        env: { ...githubEnv(contexts), ...env, RUNNER_TEMP: job.runnerTemp },
        timeoutMs: options.stepTimeoutMs ?? 120_000,
        cancel: { when: cancel.cancelled },
        cacheService: options.cacheService,
      });
      return record({
        result: run.cancelled ? 'cancelled' : run.code === 0 ? 'success' : 'failure',
        outputs: run.outputs,
        summary: run.summary,
        annotations: run.annotations,
        durationMs: run.durationMs,
      });
    } catch (error) {
      return failed((error as Error).message);
    }
  }
  const cwd = path.join(options.workspace, text(child(stepToken, 'working-directory'), contexts) || '.');
  const script = await runScript(
    text(child(stepToken, 'run'), contexts),
    cwd,
    { ...githubEnv(contexts), ...env, RUNNER_TEMP: job.runnerTemp },
    cancel.cancelled,
  );
  return record({
    result: script.cancelled ? 'cancelled' : script.code === 0 ? 'success' : 'failure',
    outputs: script.outputs,
    summary: script.summary,
    annotations: annotationsOf(script.output),
    note: script.code === 0 ? undefined : script.output.trim().split('\n').slice(-5).join('\n'),
  });
}

type Finished = Map<string, { result: Result; outputs: Record<string, string> }>;

/**
 * The needs context of a job (its direct needs) and what its status functions answer. GitHub's
 * default `if: success()` for a job looks at every ancestor, not only the direct needs: a job
 * whose grand-parent failed or was skipped is skipped even when its parent ran with
 * `if: always()` and succeeded (docs: "Using conditions to control job execution" — a job's
 * status functions consider its ancestors; observed in actions/runner#2205).
 */
function needsContext(
  job: WorkflowJob,
  finished: Finished,
  jobs: Map<string, WorkflowJob>,
): { needs: Contexts; failed: boolean } {
  const needs: Contexts = {};
  for (const need of job.needs ?? []) {
    const done = finished.get(need.value);
    needs[need.value] = { result: done?.result ?? 'skipped', outputs: done?.outputs ?? {} };
  }
  const ancestors = new Set<string>();
  const visit = (ids: string[]) => {
    for (const id of ids) {
      if (ancestors.has(id)) continue;
      ancestors.add(id);
      visit((jobs.get(id)?.needs ?? []).map((need) => need.value));
    }
  };
  visit((job.needs ?? []).map((need) => need.value));
  const failed = [...ancestors].some((id) => finished.get(id)?.result !== 'success');
  return { needs, failed };
}

/**
 * The secrets a job sees. In the workflow the event started, an environment's secrets win over
 * the repository's. In a called workflow, secrets come only from what the caller passes
 * (docs: "Reusing workflows" → "Passing inputs and secrets to a reusable workflow"); an
 * environment named by the called job adds its secrets when the caller used `secrets: inherit`
 * (an environment's secret "will be used, and not the secret passed from the caller workflow",
 * docs: "Using environments with reusable workflows"), and a caller that passes nothing leaves
 * them empty (observed: actions/runner#4453). With an explicit mapping, only the passed names
 * take the environment's value.
 */
function environmentSecrets(frame: Frame, environment: Record<string, string> | undefined): Record<string, string> {
  if (!environment || frame.environmentSecrets === 'none') return frame.secrets;
  if (frame.environmentSecrets === 'all') return { ...frame.secrets, ...environment };
  const passed = Object.entries(environment).filter(([name]) => Object.hasOwn(frame.secrets, name));
  return { ...frame.secrets, ...Object.fromEntries(passed) };
}

/**
 * A job's outputs as they reach other jobs: an output whose value holds a secret the job had is
 * not passed on (docs: "Passing information between jobs": "Outputs containing secrets are
 * redacted on the runner and not sent to GitHub Actions"), with the runner's warning.
 */
function passedOutputs(
  outputs: Record<string, string>,
  secrets: Record<string, string>,
): { outputs: Record<string, string>; warnings: string[] } {
  const values = Object.values(secrets).filter((secret) => secret !== '');
  const warnings: string[] = [];
  const kept: Record<string, string> = {};
  for (const [name, output] of Object.entries(outputs)) {
    if (values.some((secret) => output.includes(secret))) {
      warnings.push(`Skip output '${name}' since it may contain secret.`);
    } else kept[name] = output;
  }
  return { outputs: kept, warnings };
}

/** A `continue-on-error:` (job or step), evaluated: a failure there does not fail what holds it. */
function continuesOnError(token: TemplateToken | undefined, contexts: Contexts): boolean {
  return token !== undefined && text(token, contexts) === 'true';
}

async function runJob(
  job: WorkflowJob,
  frame: Frame,
  finished: Finished,
  options: RunWorkflowOptions,
  log: RunLog,
): Promise<{ result: Result; outputs: Record<string, string> }> {
  const id = job.id.value;
  const token = child(child(frame.parsed.root, 'jobs'), id);
  const jobs = new Map(frame.parsed.template.jobs.map((each) => [each.id.value, each]));
  const { needs, failed } = needsContext(job, finished, jobs);
  const contexts: Contexts = { ...frame.base, needs, secrets: frame.secrets };
  const name = frame.namePrefix + (job.name ? text(job.name, contexts) : id);
  const started = Date.now();
  const report = (record: JobRecord) => {
    log.jobs.push(record);
    options.onJob?.(record);
    return { result: record.result, outputs: record.outputs };
  };
  if (!condition(job.if, contexts, { failed, cancelled: log.cancel.requested })) {
    return report({
      id: frame.prefix + id,
      name,
      result: 'skipped',
      outputs: {},
      steps: [],
      durationMs: 0,
      condition: child(token, 'if')?.toString() ?? '',
    });
  }
  // A job-level `concurrency:` queues the job as a workflow-level one queues the run (docs: "Control
  // the concurrency of workflows and jobs"); a skipped job never enters its group.
  const runId = String((frame.base.github as Record<string, ContextValue>).run_id);
  const jobGroup = child(token, 'concurrency');
  const done = await inGroup(jobGroup, contexts, options, runId, () =>
    job.type === 'reusableWorkflowJob'
      ? callWorkflow(job, token, contexts, frame, options, log)
      : runSteps(job, token, frame, { contexts, needs, name, started }, options, log, report, {
          request: () => {
            log.cancel.requested = true;
          },
          // The server's re-evaluation on cancel: the job is cancelled unless its `if:` still holds.
          cancelled: () => log.cancel.requested && !condition(job.if, contexts, { failed, cancelled: true }),
        }),
  );
  return (
    done ??
    report({
      id: frame.prefix + id,
      name,
      result: 'cancelled',
      outputs: {},
      steps: [],
      durationMs: Date.now() - started,
      note: `Canceled: a newer run of concurrency group '${concurrencyGroup(jobGroup, contexts)}' took its place while it waited`,
    })
  );
}

/** The job's steps, once it may run (its `if:` held and its concurrency group, if any, is its own). */
async function runSteps(
  job: Exclude<WorkflowJob, ReusableWorkflowJob>,
  token: ReturnType<typeof child>,
  frame: Frame,
  { contexts, needs, name, started }: { contexts: Contexts; needs: Contexts; name: string; started: number },
  options: RunWorkflowOptions,
  log: RunLog,
  report: (record: JobRecord) => { result: Result; outputs: Record<string, string> },
  cancel: { request: () => void; cancelled: () => boolean },
): Promise<{ result: Result; outputs: Record<string, string> }> {
  const id = job.id.value;
  const environmentToken = child(token, 'environment');
  const environment = environmentToken
    ? child(environmentToken, 'name')
      ? { name: text(child(environmentToken, 'name'), contexts), url: text(child(environmentToken, 'url'), contexts) }
      : { name: text(environmentToken, contexts), url: '' }
    : undefined;
  const settings = environment ? options.environments?.[environment.name] : undefined;
  if (environment && settings?.requiredReviewers) {
    const request = { job: frame.prefix + id, environment: environment.name };
    const decision = (await options.review?.(request)) ?? 'approved';
    log.reviews.push({ ...request, decision });
    if (decision === 'rejected') {
      return report({
        id: frame.prefix + id,
        name,
        result: 'failure',
        environment,
        outputs: {},
        steps: [],
        durationMs: Date.now() - started,
        note: REJECTED_DEPLOYMENT,
      });
    }
  }
  const secrets = environmentSecrets(frame, settings?.secrets);
  // An environment's variables win over those of the repository.
  const vars = { ...(frame.base.vars as Record<string, string>), ...settings?.vars };
  const jobContexts: Contexts = { ...frame.base, vars, needs, secrets };
  const env = { ...frame.env, ...textMap(child(token, 'env'), { ...jobContexts, env: frame.env }) };
  const steps: Contexts = {};
  const stepRecords: StepRecord[] = [];
  let stepFailed = false;
  const standInJob = {
    id: frame.prefix + id,
    githubToken: frame.secrets.GITHUB_TOKEN ?? '',
    permissions: tokenPermissions(child(frame.parsed.root, 'permissions'), child(token, 'permissions')),
    owner: String((frame.base.github as Record<string, ContextValue>).repository ?? '').split('/')[0],
    logins: new Map<string, string>(),
    // One RUNNER_TEMP for the job's steps, emptied when the job ends, as the runner's
    // (docs: "Store information in variables", RUNNER_TEMP): a step reads what an earlier one left there.
    runnerTemp: mkdtempSync(path.join(tmpdir(), 'runner-temp-')),
  };
  try {
    await runJobSteps();
  } finally {
    rmSync(standInJob.runnerTemp, { recursive: true, force: true });
  }
  async function runJobSteps(): Promise<void> {
    for (const [index, stepToken] of items(child(token, 'steps')).entries()) {
      const stepContexts: Contexts = { ...jobContexts, env, steps };
      const converted = job.steps[index];
      if (!condition(converted?.if, stepContexts, { failed: stepFailed, cancelled: cancel.cancelled() })) {
        const uses = child(stepToken, 'uses')?.toString();
        stepRecords.push({
          name: child(stepToken, 'name')
            ? text(child(stepToken, 'name'), stepContexts)
            : (uses ?? `Run step ${index + 1}`),
          uses,
          result: 'skipped',
          durationMs: 0,
          outputs: {},
          summary: '',
          annotations: [],
        });
        continue;
      }
      const record = await runStep(stepToken, index, stepContexts, frame, standInJob, options, cancel);
      stepRecords.push(record);
      // A step's continue-on-error: outcome failure, conclusion success (docs: "steps context").
      const conclusion =
        record.result === 'failure' && continuesOnError(child(stepToken, 'continue-on-error'), stepContexts)
          ? 'success'
          : record.result;
      const stepId = child(stepToken, 'id')?.toString();
      if (stepId) steps[stepId] = { outputs: record.outputs, outcome: record.result, conclusion };
      if (conclusion === 'failure') stepFailed = true;
    }
  }
  const { outputs, warnings } = passedOutputs(
    textMap(child(token, 'outputs'), { ...jobContexts, env, steps }),
    secrets,
  );
  const record: JobRecord = {
    id: frame.prefix + id,
    name,
    result: cancel.cancelled() ? 'cancelled' : stepFailed ? 'failure' : 'success',
    environment,
    outputs,
    steps: stepRecords,
    durationMs: Date.now() - started,
    ...(warnings.length > 0 ? { warnings } : {}),
  };
  // A job's continue-on-error "prevents a workflow run from failing when a job fails" (docs:
  // "Workflow syntax", jobs.<job_id>.continue-on-error): the record keeps the failure, while the
  // run and the jobs that need it see a success.
  if (stepFailed && continuesOnError(child(token, 'continue-on-error'), jobContexts)) {
    report({ ...record, note: 'continue-on-error: this failure does not fail the run' });
    return { result: 'success', outputs };
  }
  return report(record);
}

async function callWorkflow(
  job: ReusableWorkflowJob,
  token: ReturnType<typeof child>,
  contexts: Contexts,
  caller: Frame,
  options: RunWorkflowOptions,
  log: RunLog,
): Promise<{ result: Result; outputs: Record<string, string> }> {
  const reference = job.ref.value;
  const fileReference = parseFileReference(reference);
  const file = calledWorkflowFile(options, caller, fileReference);
  const repository =
    'repository' in fileReference
      ? (repositoryOf(options, fileReference.owner, fileReference.repository, fileReference.version) as string)
      : caller.repository;
  const parsed = await parseWorkflowFile(file, workflowPath(repository, file), (nested) =>
    calledWorkflowFile(options, { repository }, nested),
  );
  const call = child(child(parsed.root, 'on'), 'workflow_call');
  const given = Object.fromEntries(
    entries(child(token, 'with')).map(([name, item]) => [
      name,
      { value: value(item, contexts), line: item.line, col: item.col },
    ]),
  );
  const inputs = callInputs(entries(child(call, 'inputs')), given, caller.parsed.name, literal);
  const secretsToken = child(token, 'secrets');
  const inherit = secretsToken?.toString() === 'inherit';
  const owner = 'repository' in fileReference ? fileReference.owner : caller.owner;
  // `secrets: inherit` passes secrets only to a workflow of the same organization or enterprise
  // (docs: "Reusing workflows" → "Passing inputs and secrets to a reusable workflow"); across
  // organizations the called workflow gets none.
  const inherited = inherit && owner.toLowerCase() === caller.owner.toLowerCase();
  // GITHUB_TOKEN reaches every called workflow, passed or not (docs: "Reusing workflows").
  const secrets: Record<string, string> = {
    GITHUB_TOKEN: caller.secrets.GITHUB_TOKEN,
    ...(inherit ? (inherited ? caller.secrets : {}) : textMap(secretsToken, contexts)),
  };
  for (const [name, spec] of entries(child(call, 'secrets'))) {
    if (child(spec, 'required')?.toString() === 'true' && !secrets[name]) {
      throw new InvalidWorkflowError(caller.parsed.name, [
        `Secret ${name} is required, but not provided while calling.`,
      ]);
    }
  }
  const calledGroup = concurrencyGroup(child(parsed.root, 'concurrency'), { ...caller.base, inputs });
  const held = [child(caller.parsed.root, 'concurrency'), child(token, 'concurrency')].map((scope) =>
    concurrencyGroup(scope, contexts),
  );
  /** The calling job, cancelled before the called workflow ran, with GitHub's `note`. */
  const cancelled = (note: string) => {
    const record: JobRecord = {
      id: caller.prefix + job.id.value,
      name: caller.namePrefix + (job.name ? text(job.name, contexts) : job.id.value),
      result: 'cancelled',
      outputs: {},
      steps: [],
      durationMs: 0,
      note,
    };
    log.jobs.push(record);
    options.onJob?.(record);
    return { result: 'cancelled' as const, outputs: {} };
  };
  // Group names compare case-insensitively (docs: "Control the concurrency of workflows and jobs").
  if (calledGroup && held.some((group) => group?.toLowerCase() === calledGroup.toLowerCase())) {
    // GitHub cancels such a run rather than let it wait for itself, with this annotation.
    return cancelled(
      `Canceling since a deadlock was detected for concurrency group: '${calledGroup}' between ` +
        `'${caller.parsed.name}' (job ${job.id.value}) and the workflow it calls, ${parsed.name}`,
    );
  }
  const frame: Frame = {
    parsed,
    repository,
    prefix: `${caller.prefix}${job.id.value}/`,
    namePrefix: `${caller.namePrefix}${job.name ? text(job.name, contexts) : job.id.value} / `,
    base: { ...caller.base, inputs, env: {} },
    secrets,
    environmentSecrets: inherited ? 'all' : secretsToken && !inherit ? 'passed' : 'none',
    owner,
    env: {},
  };
  frame.env = workflowEnv(parsed, frame);
  frame.base = { ...frame.base, env: frame.env };
  const runId = String((caller.base.github as Record<string, ContextValue>).run_id);
  const jobs = await inGroup(child(parsed.root, 'concurrency'), { ...caller.base, inputs }, options, runId, () =>
    runJobs(frame, options, log),
  );
  if (!jobs) {
    // A newer run of the group took this call's place while it waited: GitHub cancels it.
    return cancelled(`Canceled: a newer run of concurrency group '${calledGroup}' took its place while it waited`);
  }
  const jobContext: Contexts = Object.fromEntries(
    [...jobs].map(([id, done]) => [id, { result: done.result, outputs: done.outputs }]),
  );
  const outputs = Object.fromEntries(
    entries(child(call, 'outputs')).map(([name, spec]) => [
      name,
      text(child(spec, 'value'), { ...frame.base, jobs: jobContext }),
    ]),
  );
  const results = [...jobs.values()].map((done) => done.result);
  return {
    result: results.includes('failure') ? 'failure' : results.includes('cancelled') ? 'cancelled' : 'success',
    outputs,
  };
}

/**
 * The GITHUB_TOKEN permissions of a job (scope -> `read`, `write` or `none`): the job's
 * `permissions:` if it has one, else the workflow's; a scope either leaves out is `none`
 * (`read-all`/`write-all` give every scope). With neither, the restricted default GitHub gives new
 * repositories and organizations: contents and packages read (docs: "Controlling permissions for
 * GITHUB_TOKEN", "Automatic token authentication"). Only `packages` is read here.
 */
function tokenPermissions(workflow: TemplateToken | undefined, job: TemplateToken | undefined): Record<string, string> {
  const chosen = job ?? workflow;
  if (!chosen) return { contents: 'read', packages: 'read' };
  const whole = chosen.toString();
  if (whole === 'read-all' || whole === 'write-all') {
    const level = whole.slice(0, -'-all'.length);
    return { contents: level, packages: level };
  }
  return textMap(chosen, {});
}

/** A workflow's own `env:`, evaluated with the contexts GitHub allows there (github, inputs, vars, secrets). */
function workflowEnv(parsed: ParsedWorkflow, frame: Frame): Record<string, string> {
  return textMap(child(parsed.root, 'env'), { ...frame.base, secrets: frame.secrets });
}

/** The group of a `concurrency:` (a string or `{ group }`), evaluated; undefined when there is none. */
function concurrencyGroup(token: ReturnType<typeof child>, contexts: Contexts): string | undefined {
  if (!token) return undefined;
  return text(child(token, 'group') ?? token, contexts) || undefined;
}

let runsStarted = 0;

/**
 * Runs `work` once the run holds the group of a workflow-level `concurrency:` (see
 * ConcurrencyGroups), releasing it after; undefined when a newer run replaced it while pending.
 */
async function inGroup<T>(
  token: ReturnType<typeof child>,
  contexts: Contexts,
  options: RunWorkflowOptions,
  run: string,
  work: () => Promise<T>,
): Promise<T | undefined> {
  const group = concurrencyGroup(token, contexts);
  if (!group || !options.concurrency) return work();
  const cancel = child(token, 'cancel-in-progress');
  if (cancel && text(cancel, contexts) === 'true') {
    throw new Error(`concurrency group '${group}': cancel-in-progress: true is not modelled by the local runner`);
  }
  if ((await options.concurrency.acquire(group, run)) === 'cancelled') return undefined;
  try {
    return await work();
  } finally {
    options.concurrency.release(group, run);
  }
}

async function runJobs(frame: Frame, options: RunWorkflowOptions, log: RunLog): Promise<Finished> {
  const finished: Finished = new Map();
  const pending = new Map(frame.parsed.template.jobs.map((job) => [job.id.value, job]));
  while (pending.size > 0) {
    const ready = [...pending.values()].filter((job) => (job.needs ?? []).every((need) => finished.has(need.value)));
    if (ready.length === 0)
      throw new Error(`${frame.parsed.name}: jobs ${[...pending.keys()].join(', ')} wait on each other`);
    // allSettled: when one job cannot run at all, the others of its wave still finish (and clean up) first.
    const wave = await Promise.allSettled(
      ready.map(async (job) => {
        pending.delete(job.id.value);
        finished.set(job.id.value, await runJob(job, frame, finished, options, log));
      }),
    );
    const broken = wave.find((outcome) => outcome.status === 'rejected');
    if (broken) throw broken.reason;
  }
  return finished;
}

/**
 * Runs a workflow file; rejects with InvalidWorkflowError when GitHub would refuse the file or a
 * call in it (unknown input, missing required input or secret, a workflow it cannot find).
 */
export async function runWorkflow(options: RunWorkflowOptions): Promise<WorkflowRun> {
  const started = Date.now();
  const file = path.resolve(options.workspace, options.file);
  // The workflow's own repository: the directory holding its .github/workflows.
  const repository = path.resolve(path.dirname(file), '..', '..');
  const parsed = await parseWorkflowFile(file, workflowPath(repository, file), (reference) =>
    calledWorkflowFile(options, { repository }, reference),
  );
  const event = options.event ?? 'push';
  const on = child(parsed.root, 'on');
  const trigger = child(on, event);
  const declared = entries(child(trigger, 'inputs'));
  const given = options.inputs ?? {};
  const inputs =
    event === 'workflow_dispatch'
      ? dispatchInputs(
          declared,
          Object.fromEntries(Object.entries(given).map(([name, item]) => [name, String(item)])),
          Object.keys(options.environments ?? {}),
          literal,
        )
      : event === 'workflow_call'
        ? callInputs(
            declared,
            Object.fromEntries(Object.entries(given).map(([name, item]) => [name, { value: item }])),
            parsed.name,
            literal,
          )
        : {};
  const runId = options.runId ?? `run-${++runsStarted}`;
  // GitHub creates a GITHUB_TOKEN for every run; here it opens nothing (the registry is a stand-in).
  const secrets = { GITHUB_TOKEN: LOCAL_GITHUB_TOKEN, ...options.secrets };
  const base: Contexts = {
    github: {
      server_url: 'https://github.com',
      api_url: 'https://api.github.com',
      token: secrets.GITHUB_TOKEN,
      run_id: runId,
      sha: '3f786850e387550fdab836ed7e6dc881de23001b',
      ref: 'refs/heads/main',
      repository: 'sophia/sophia-app',
      actor: 'sophia-dev',
      event_name: event,
      workflow: String(child(parsed.root, 'name') ?? parsed.name),
      workspace: options.workspace,
      ...options.github,
    },
    inputs,
    vars: options.vars ?? {},
    env: {},
    runner: { os: 'Linux', arch: 'X64' },
  };
  const frame: Frame = {
    parsed,
    repository,
    prefix: '',
    namePrefix: '',
    base,
    secrets,
    environmentSecrets: 'all',
    owner: String((base.github as Record<string, ContextValue>).repository).split('/')[0],
    env: {},
  };
  frame.env = workflowEnv(parsed, frame);
  frame.base = { ...base, env: frame.env };
  const log: RunLog = { jobs: [], reviews: [], cancel: { requested: false } };
  const finished = await inGroup(child(parsed.root, 'concurrency'), frame.base, options, runId, () =>
    runJobs(frame, options, log),
  );
  if (!finished) {
    return { result: 'cancelled', runId, jobs: [], reviews: [], outputs: {}, durationMs: Date.now() - started };
  }
  const jobs: Contexts = Object.fromEntries(
    [...finished].map(([id, done]) => [id, { result: done.result, outputs: done.outputs }]),
  );
  const outputs =
    event === 'workflow_call'
      ? Object.fromEntries(
          entries(child(trigger, 'outputs')).map(([name, spec]) => [
            name,
            text(child(spec, 'value'), { ...base, jobs }),
          ]),
        )
      : {};
  return {
    result: log.cancel.requested
      ? 'cancelled'
      : [...finished.values()].some((done) => done.result === 'failure')
        ? 'failure'
        : [...finished.values()].some((done) => done.result === 'cancelled')
          ? 'cancelled'
          : 'success',
    runId,
    jobs: log.jobs,
    reviews: log.reviews,
    outputs,
    durationMs: Date.now() - started,
  };
}
