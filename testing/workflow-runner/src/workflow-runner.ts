/**
 * Runs a reusable workflow of this repository (deploy.yml) on this machine the way GitHub would:
 * jobs ordered by `needs` (independent ones at the same time), job and step `if:` conditions with
 * their status functions, `with:` and `env:` evaluated from inputs, secrets, needs and steps,
 * `run:` steps in bash with a GITHUB_OUTPUT file, and every `./actions/<name>` step run from its
 * bundle by the runner harness. Steps that only prepare a hosted runner (checkout, setup-node)
 * have nothing to do here and are reported as such.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { parseCommandFile, runBundledAction, type Annotation } from '@sophia-testing/action-runner';
import {
  condition,
  interpolate,
  toText,
  type ExpressionContext,
  type StatusFunctions,
  type Value,
} from './expressions.js';

export type Result = 'success' | 'failure' | 'skipped';

export interface StepRecord {
  name: string;
  uses?: string;
  result: Result;
  durationMs: number;
  outputs: Record<string, string>;
  summary: string;
  annotations: Annotation[];
  /** Why a step did nothing here, or the tail of a failed script's output. */
  note?: string;
}

export interface JobRecord {
  id: string;
  name: string;
  result: Result;
  environment?: { name: string; url: string };
  outputs: Record<string, string>;
  steps: StepRecord[];
  durationMs: number;
  /** The evaluated `if:` of a skipped job, so the account can say why. */
  condition?: string;
}

export interface WorkflowRun {
  result: 'success' | 'failure';
  jobs: JobRecord[];
  outputs: Record<string, string>;
  durationMs: number;
}

export interface RunWorkflowOptions {
  /** Path of the workflow file (on: workflow_call, or workflow_dispatch as a person starts it). */
  file: string;
  inputs: Record<string, string>;
  secrets: Record<string, string>;
  /** The checked-out repository the jobs work in. */
  workspace: string;
  /** Repository or environment variables (the vars context). */
  vars?: Record<string, string>;
  /** Values of the github context the expressions may read (sha, repository...). */
  github?: Record<string, Value>;
  /** Called as each job ends, in the order jobs finish. */
  onJob?: (job: JobRecord) => void;
  /** Limit for one action step (default 120 s). */
  stepTimeoutMs?: number;
}

interface StepDefinition {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  if?: string | boolean;
  'working-directory'?: string;
}

interface JobDefinition {
  name?: string;
  needs?: string | string[];
  if?: string | boolean;
  environment?: string | { name: string; url?: string };
  outputs?: Record<string, string>;
  steps?: StepDefinition[];
}

interface InputDefinition {
  required?: boolean;
  default?: unknown;
  type?: string;
  options?: string[];
}

interface WorkflowDefinition {
  on: {
    workflow_call?: { inputs?: Record<string, InputDefinition>; outputs?: Record<string, { value: string }> };
    workflow_dispatch?: { inputs?: Record<string, InputDefinition> } | null;
  };
  jobs: Record<string, JobDefinition>;
}

function needsOf(job: JobDefinition): string[] {
  if (job.needs === undefined) return [];
  return Array.isArray(job.needs) ? job.needs : [job.needs];
}

/** The inputs as the trigger hands them to the jobs: declared ones only, defaults applied, choices checked. */
function callInputs(workflow: WorkflowDefinition, given: Record<string, string>, file: string): Record<string, string> {
  const declared = workflow.on.workflow_call?.inputs ?? workflow.on.workflow_dispatch?.inputs ?? {};
  for (const [name, spec] of Object.entries(declared)) {
    if (spec.type === 'choice' && name in given && !spec.options?.includes(given[name])) {
      throw new Error(`${file}: input "${name}" must be one of ${spec.options?.join(', ')}, got "${given[name]}"`);
    }
  }
  const unknown = Object.keys(given).filter((name) => !(name in declared));
  if (unknown.length > 0) throw new Error(`${file} declares no input ${unknown.join(', ')}`);
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(declared)) {
    if (name in given) inputs[name] = given[name];
    else if (spec.required) throw new Error(`${file} requires input "${name}"`);
    else inputs[name] = spec.default === undefined ? '' : String(spec.default);
  }
  return inputs;
}

const PROVIDED_BY_THE_RUNNER: Record<string, string> = {
  'actions/checkout': 'the workspace is this checkout already',
  'actions/setup-node': 'Node is already installed here',
  'pnpm/action-setup': 'pnpm is already installed here',
};

function runScript(
  script: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number; output: string; outputs: Record<string, string> }> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'demo-step-'));
  const outputFile = path.join(scratch, 'output');
  const scriptFile = path.join(scratch, 'script.sh');
  writeFileSync(outputFile, '');
  writeFileSync(scriptFile, script);
  return new Promise((resolve, reject) => {
    // The shell GitHub uses for `run:` on Linux.
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', scriptFile], {
      cwd,
      env: { ...process.env, ...env, GITHUB_OUTPUT: outputFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const outputs = parseCommandFile(readFileSync(outputFile, 'utf8'));
      rmSync(scratch, { recursive: true, force: true });
      resolve({ code: code ?? 1, output: Buffer.concat(chunks).toString(), outputs });
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

function property(context: ExpressionContext, name: string, key: string): Value {
  const value = context.contexts[name];
  return value && typeof value === 'object' && !Array.isArray(value) ? (value[key] ?? null) : null;
}

function evaluateMap(map: Record<string, unknown> | undefined, context: ExpressionContext): Record<string, string> {
  return Object.fromEntries(
    Object.entries(map ?? {}).map(([key, value]) => [key, toText(interpolate(String(value ?? ''), context))]),
  );
}

async function runStep(
  step: StepDefinition,
  index: number,
  context: ExpressionContext,
  options: RunWorkflowOptions,
): Promise<StepRecord> {
  const name = step.name ?? step.uses ?? `Run step ${index + 1}`;
  const started = Date.now();
  const record = (fields: Partial<StepRecord>): StepRecord => ({
    name: toText(interpolate(name, context)),
    uses: step.uses,
    result: 'success',
    durationMs: Date.now() - started,
    outputs: {},
    summary: '',
    annotations: [],
    ...fields,
  });
  const env = evaluateMap(step.env, context);
  if (step.uses?.startsWith('./actions/')) {
    const run = await runBundledAction({
      action: step.uses.slice('./actions/'.length).replace(/\/$/, ''),
      inputs: evaluateMap(step.with, context),
      cwd: options.workspace,
      env: { ...env, GITHUB_WORKFLOW: 'Deploy', GITHUB_SHA: toText(property(context, 'github', 'sha')) },
      timeoutMs: options.stepTimeoutMs ?? 120_000,
    });
    return record({
      result: run.code === 0 ? 'success' : 'failure',
      outputs: run.outputs,
      summary: run.summary,
      annotations: run.annotations,
      durationMs: run.durationMs,
    });
  }
  if (step.uses) {
    const action = step.uses.replace(/@.*$/, '');
    return record({ note: `${PROVIDED_BY_THE_RUNNER[action] ?? 'prepares a hosted runner'}: nothing to do here` });
  }
  const cwd = path.join(options.workspace, toText(interpolate(step['working-directory'] ?? '.', context)));
  const script = await runScript(toText(interpolate(step.run ?? '', context)), cwd, env);
  return record({
    result: script.code === 0 ? 'success' : 'failure',
    outputs: script.outputs,
    annotations: annotationsOf(script.output),
    note: script.code === 0 ? undefined : script.output.trim().split('\n').slice(-5).join('\n'),
  });
}

async function runJob(
  id: string,
  job: JobDefinition,
  base: Record<string, Value>,
  finished: Map<string, JobRecord>,
  options: RunWorkflowOptions,
): Promise<JobRecord> {
  const started = Date.now();
  const needs: Record<string, Value> = {};
  for (const need of needsOf(job)) {
    const done = finished.get(need);
    needs[need] = { result: done?.result ?? 'skipped', outputs: done?.outputs ?? {} };
  }
  const results = needsOf(job).map((need) => finished.get(need)?.result ?? 'skipped');
  const jobStatus: StatusFunctions = {
    success: () => results.every((result) => result === 'success'),
    failure: () => results.includes('failure'),
    cancelled: () => false,
    always: () => true,
  };
  const jobContext: ExpressionContext = { contexts: { ...base, needs }, status: jobStatus };
  const name = toText(interpolate(job.name ?? id, jobContext));
  if (!condition(job.if, jobContext)) {
    return { id, name, result: 'skipped', outputs: {}, steps: [], durationMs: 0, condition: String(job.if ?? '') };
  }

  const steps: Record<string, Value> = {};
  const records: StepRecord[] = [];
  let failed = false;
  for (const [index, step] of (job.steps ?? []).entries()) {
    const stepContext: ExpressionContext = {
      contexts: { ...base, needs, steps },
      status: {
        success: () => !failed,
        failure: () => failed,
        cancelled: () => false,
        always: () => true,
      },
    };
    if (!condition(step.if, stepContext)) {
      records.push({
        name: toText(interpolate(step.name ?? step.uses ?? `Run step ${index + 1}`, stepContext)),
        uses: step.uses,
        result: 'skipped',
        durationMs: 0,
        outputs: {},
        summary: '',
        annotations: [],
      });
      continue;
    }
    const record = await runStep(step, index, stepContext, options);
    records.push(record);
    if (step.id) steps[step.id] = { outputs: record.outputs, outcome: record.result, conclusion: record.result };
    if (record.result === 'failure') failed = true;
  }
  const endContext: ExpressionContext = { contexts: { ...base, needs, steps } };
  const environment =
    job.environment === undefined
      ? undefined
      : typeof job.environment === 'string'
        ? { name: toText(interpolate(job.environment, endContext)), url: '' }
        : {
            name: toText(interpolate(job.environment.name, endContext)),
            url: toText(interpolate(job.environment.url ?? '', endContext)),
          };
  return {
    id,
    name,
    result: failed ? 'failure' : 'success',
    environment,
    outputs: evaluateMap(job.outputs, endContext),
    steps: records,
    durationMs: Date.now() - started,
  };
}

export async function runWorkflow(options: RunWorkflowOptions): Promise<WorkflowRun> {
  const started = Date.now();
  const workflow = parse(readFileSync(options.file, 'utf8')) as WorkflowDefinition;
  const file = path.basename(options.file);
  const base: Record<string, Value> = {
    inputs: callInputs(workflow, options.inputs, file),
    secrets: options.secrets,
    github: { sha: '3f786850e387550fdab836ed7e6dc881de23001b', repository: 'sophia/sophia-ai', ...options.github },
    vars: options.vars ?? {},
    env: {},
    runner: { os: 'Linux', arch: 'X64' },
  };
  const finished = new Map<string, JobRecord>();
  const order: JobRecord[] = [];
  const pending = new Map(Object.entries(workflow.jobs));
  while (pending.size > 0) {
    const ready = [...pending].filter(([, job]) => needsOf(job).every((need) => finished.has(need)));
    if (ready.length === 0) throw new Error(`${file}: jobs ${[...pending.keys()].join(', ')} wait on each other`);
    // allSettled: when one job cannot run at all, the others of its wave still finish (and clean up) first.
    const wave = await Promise.allSettled(
      ready.map(async ([id, job]) => {
        pending.delete(id);
        const record = await runJob(id, job, base, finished, options);
        finished.set(id, record);
        order.push(record);
        options.onJob?.(record);
      }),
    );
    const broken = wave.find((outcome) => outcome.status === 'rejected');
    if (broken) throw broken.reason;
  }
  const jobs: Record<string, Value> = Object.fromEntries(
    [...finished].map(([id, record]) => [id, { result: record.result, outputs: record.outputs }]),
  );
  const outputs = Object.fromEntries(
    Object.entries(workflow.on.workflow_call?.outputs ?? {}).map(([name, spec]) => [
      name,
      toText(interpolate(spec.value, { contexts: { ...base, jobs } })),
    ]),
  );
  return {
    result: order.some((job) => job.result === 'failure') ? 'failure' : 'success',
    jobs: order,
    outputs,
    durationMs: Date.now() - started,
  };
}
