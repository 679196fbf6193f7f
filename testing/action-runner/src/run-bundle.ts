import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actionDefaults, actionDir, actionMetadata, actionsRoot } from './action-metadata.js';
import { nodePath, type NodeVersion } from './node-binaries.js';
import { commandFileEntries, parseCommandFile } from './output-file.js';
import { processWorkflowCommands, type Annotation } from './workflow-commands.js';

export interface BundleRunOptions {
  /** Directory name under actions/, such as `health-gate`. */
  action: string;
  /** Inputs as a workflow's `with:` gives them; names must exist in action.yml. */
  inputs?: Record<string, string>;
  /** Added to (or, with `undefined`, removed from) the runner's environment. */
  env?: Record<string, string | undefined>;
  /** Defaults to node24, the runtime action.yml asks for. */
  node?: NodeVersion;
  /** GITHUB_WORKSPACE and the working directory; a fresh empty directory when left out. */
  cwd?: string;
  /** The run is killed and the call rejects after this long (default 60 s). */
  timeoutMs?: number;
  /** Where action directories live; the repository's actions/ unless a test brings its own. */
  actionsRoot?: string;
  /** Cancels the main step, as the runner does, once `when` holds (polled every 20 ms). */
  cancel?: CancelOptions;
  /** Then runs the `post:` entry of action.yml, with the main step's saved state, as the runner does. */
  post?: boolean;
  /**
   * A cache service the step reaches as GitHub's runner gives a job its cache: the variables of its
   * `env()` (ACTIONS_CACHE_SERVICE_V2, ACTIONS_RESULTS_URL, ACTIONS_RUNTIME_TOKEN; see
   * @sophia-testing/actions-cache). Without one, the step has none of them, so @actions/cache finds no service.
   */
  cacheService?: { env(): Record<string, string> };
}

/**
 * The runner's cancel: SIGINT to the step's process, SIGTERM 7.5 s later, SIGKILL 2.5 s after that
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-cancellation).
 * A test may shorten the waits, or start at SIGTERM or SIGKILL (a runner that was itself killed).
 */
export interface CancelOptions {
  when: (progress: { stdout: string; runnerTemp: string }) => boolean;
  /** Default SIGINT. */
  firstSignal?: 'SIGINT' | 'SIGTERM' | 'SIGKILL';
  /** Default 7500. */
  sigtermAfterMs?: number;
  /** Default 2500. */
  sigkillAfterMs?: number;
}

/** What the post step did. */
export interface PostRun {
  code: number | null;
  stdout: string;
  stderr: string;
  log: string;
  annotations: Annotation[];
  /** The post step's own GITHUB_STEP_SUMMARY file: the runner gives every step, post steps too, its own. */
  summary: string;
}

export interface ActionRun {
  /** Exit code; null only when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr as the job log shows them: masks applied, `::add-mask::` lines consumed. */
  log: string;
  /** Every value the action registered with `::add-mask::`. */
  masks: string[];
  /** `::error::`, `::warning::` and `::notice::` lines, unescaped. */
  annotations: Annotation[];
  /** Parsed from the GITHUB_OUTPUT file (both `name=value` and heredoc forms); a name written twice keeps its later value. */
  outputs: Record<string, string>;
  /** Every entry of the GITHUB_OUTPUT file in the order written: a provisional value, then the one over it. */
  outputEntries: Array<{ name: string; value: string }>;
  /** Outputs written that action.yml does not declare (the runner accepts them silently; a contract slip). */
  undeclaredOutputs: string[];
  /** Contents of the GITHUB_STEP_SUMMARY file. */
  summary: string;
  /** Parsed from the GITHUB_ENV file. */
  exportedEnv: Record<string, string>;
  /** Parsed from the GITHUB_STATE file: what the post step receives as STATE_* variables. */
  state: Record<string, string>;
  /** Whether the harness sent the cancel signals. */
  cancelled: boolean;
  /**
   * The signals the harness sent, in order: `['SIGINT']` alone means the step ended on its own
   * within the runner's grace, before SIGTERM was due.
   */
  cancelSignals: NodeJS.Signals[];
  /** Every path under RUNNER_TEMP when the run (main, and post if asked) ended, relative to it. */
  runnerTempLeft: string[];
  post?: PostRun;
  durationMs: number;
}

/** The runner's variable for an input: upper-cased, spaces as `_`, hyphens kept. */
export function inputVariableName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

function runnerEnvironment(scratch: string, workspace: string): Record<string, string> {
  const files = join(scratch, 'file_commands');
  mkdirSync(files);
  const file = (name: string): string => {
    const path = join(files, name);
    writeFileSync(path, '');
    return path;
  };
  const eventPath = join(scratch, 'event.json');
  writeFileSync(eventPath, JSON.stringify({ ref: 'refs/heads/main', repository: { full_name: 'sophia/sophia-ai' } }));
  const runnerTemp = join(scratch, 'runner-temp');
  mkdirSync(runnerTemp);
  return {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: file('set_output'),
    GITHUB_STEP_SUMMARY: file('step_summary'),
    GITHUB_ENV: file('set_env'),
    GITHUB_PATH: file('add_path'),
    GITHUB_STATE: file('save_state'),
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_EVENT_NAME: 'push',
    GITHUB_SHA: '3f786850e387550fdab836ed7e6dc881de23001b',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_REF_TYPE: 'branch',
    GITHUB_REPOSITORY: 'sophia/sophia-ai',
    GITHUB_REPOSITORY_OWNER: 'sophia',
    GITHUB_ACTOR: 'sophia-bot',
    GITHUB_RUN_ID: '1658821493',
    GITHUB_RUN_NUMBER: '42',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKFLOW: 'Deploy',
    GITHUB_JOB: 'deploy',
    GITHUB_ACTION: '__sophia_deploy-actions',
    GITHUB_ACTION_REPOSITORY: 'sophia/deploy-actions',
    GITHUB_ACTION_REF: 'v1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_GRAPHQL_URL: 'https://api.github.com/graphql',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'GitHub Actions 1',
    RUNNER_ENVIRONMENT: 'github-hosted',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: join(scratch, 'tool-cache'),
  };
}

function inputEnvironment(action: string, inputs: Record<string, string>, root: string): Record<string, string> {
  const declared = actionMetadata(action, root).inputs;
  const unknown = Object.keys(inputs).filter((name) => !(name in declared));
  if (unknown.length > 0) {
    throw new Error(`actions/${action}/action.yml declares no input ${unknown.map((n) => `"${n}"`).join(', ')}`);
  }
  const values = { ...actionDefaults(action, root), ...inputs };
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [inputVariableName(name), value]));
}

/**
 * Runs actions/<action>/dist/index.js the way the GitHub runner runs a node action: a clean environment
 * (the test runner's own variables such as NODE_OPTIONS do not leak in), INPUT_* with action.yml defaults
 * applied, the file-command files, and the workspace as working directory.
 */
export async function runBundledAction(options: BundleRunOptions): Promise<ActionRun> {
  const root = options.actionsRoot ?? actionsRoot;
  const entry = join(actionDir(options.action, root), 'dist', 'index.js');
  if (!existsSync(entry)) {
    throw new Error(`${entry} does not exist: build it with "node scripts/build-actions.mjs ${options.action}"`);
  }
  const binary = nodePath(options.node ?? 'node24');
  const scratch = mkdtempSync(join(tmpdir(), 'runner-harness-'));
  try {
    const workspace = options.cwd ?? join(scratch, 'workspace');
    mkdirSync(workspace, { recursive: true });
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      ...runnerEnvironment(scratch, workspace),
      ...inputEnvironment(options.action, options.inputs ?? {}, root),
      ...options.cacheService?.env(),
    };
    for (const [name, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    const started = Date.now();
    const { code, signal, stdout, stderr, cancelled, cancelSignals } = await spawnNode(
      binary,
      entry,
      workspace,
      env,
      options.timeoutMs ?? 60_000,
      options.cancel,
    );
    const outputEntries = commandFileEntries(readIfPresent(env.GITHUB_OUTPUT));
    const outputs = Object.fromEntries(outputEntries.map(({ name, value }) => [name, value]));
    const declared = actionMetadata(options.action, root).outputs;
    const state = parseCommandFile(readIfPresent(env.GITHUB_STATE));
    const post = options.post ? await runPost(options.action, root, binary, workspace, env, state) : undefined;
    return {
      code,
      signal,
      stdout,
      stderr,
      ...processWorkflowCommands(stdout, stderr),
      outputs,
      outputEntries,
      undeclaredOutputs: Object.keys(outputs).filter((name) => !(name in declared)),
      summary: readIfPresent(env.GITHUB_STEP_SUMMARY),
      exportedEnv: parseCommandFile(readIfPresent(env.GITHUB_ENV)),
      state,
      cancelled,
      cancelSignals,
      runnerTempLeft: readdirSync(env.RUNNER_TEMP, { recursive: true }).map(String).sort(),
      post,
      durationMs: Date.now() - started,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** A test may remove a file command from the environment to see how an action copes; then there is nothing to read. */
function readIfPresent(path: string | undefined): string {
  return path && existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** The post step: action.yml's `runs.post`, with STATE_<name> for every state the main step saved. */
async function runPost(
  action: string,
  root: string,
  binary: string,
  workspace: string,
  env: Record<string, string>,
  state: Record<string, string>,
): Promise<PostRun> {
  const entry = actionMetadata(action, root).runs.post;
  if (!entry) throw new Error(`actions/${action}/action.yml has no post: entry`);
  const stateEnv = Object.fromEntries(Object.entries(state).map(([name, value]) => [`STATE_${name}`, value]));
  const summaryFile = `${env.GITHUB_STEP_SUMMARY}.post`;
  writeFileSync(summaryFile, '');
  const { code, stdout, stderr } = await spawnNode(
    binary,
    join(actionDir(action, root), entry),
    workspace,
    { ...env, ...stateEnv, GITHUB_STATE: '', GITHUB_STEP_SUMMARY: summaryFile },
    60_000,
  );
  const { log, annotations } = processWorkflowCommands(stdout, stderr);
  return { code, stdout, stderr, log, annotations, summary: readIfPresent(summaryFile) };
}

function spawnNode(
  binary: string,
  entry: string,
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
  cancel?: CancelOptions,
): Promise<{
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  cancelled: boolean;
  cancelSignals: NodeJS.Signals[];
}> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [entry], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const timers: NodeJS.Timeout[] = [];
    let cancelled = false;
    const cancelSignals: NodeJS.Signals[] = [];
    const send = (signal: NodeJS.Signals): void => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      cancelSignals.push(signal);
      child.kill(signal);
    };
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    if (cancel) {
      const poll = setInterval(() => {
        if (!cancel.when({ stdout: Buffer.concat(stdout).toString(), runnerTemp: env.RUNNER_TEMP })) return;
        clearInterval(poll);
        cancelled = true;
        const first = cancel.firstSignal ?? 'SIGINT';
        send(first);
        if (first === 'SIGKILL') return;
        const sigkill = (): NodeJS.Timeout => setTimeout(() => send('SIGKILL'), cancel.sigkillAfterMs ?? 2500);
        if (first === 'SIGTERM') timers.push(sigkill());
        else
          timers.push(
            setTimeout(() => {
              send('SIGTERM');
              timers.push(sigkill());
            }, cancel.sigtermAfterMs ?? 7500),
          );
      }, 20);
      timers.push(poll);
    }
    const stopTimers = (): void => timers.forEach((timer) => clearTimeout(timer));
    timers.push(
      setTimeout(() => {
        child.kill('SIGKILL');
        reject(
          new Error(
            `${entry} did not finish within ${timeoutMs} ms; output so far:\n${Buffer.concat(stdout)}${Buffer.concat(stderr)}`,
          ),
        );
      }, timeoutMs),
    );
    child.on('error', (error) => {
      stopTimers();
      reject(error);
    });
    child.on('close', (code, signal) => {
      stopTimers();
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString(),
        stderr: Buffer.concat(stderr).toString(),
        cancelled,
        cancelSignals,
      });
    });
  });
}

/** The messages of a run's `::error::` annotations, in order. */
export function errorsOf(run: Pick<ActionRun, 'annotations'>): string[] {
  return run.annotations.filter((annotation) => annotation.level === 'error').map((annotation) => annotation.message);
}

/** The messages of a run's `::warning::` annotations, in order. */
export function warningsOf(run: Pick<ActionRun, 'annotations'>): string[] {
  return run.annotations.filter((annotation) => annotation.level === 'warning').map((annotation) => annotation.message);
}
