/**
 * The story `pnpm demo` tells, from the application's side: examples/sophia-app, checked out in a
 * directory outside this repository, runs its own workflows, which call
 * `sophia/deploy-actions/.github/workflows/*.yml@v1` (this checkout), through the local workflow
 * runner. A real sshd + nginx stands for the frontend VPS, the cluster simulator for k3s (nodes
 * k3s-server and mcp-node, 104.171.202.117); both environments point at them.
 *   1. A push: the backend image is built and pushed (a stand-in for docker buildx: no Docker
 *      here), staging deploys that image and passes its gate (the site and the API's /healthz
 *      through its public URL), then production, approved by its reviewers.
 *   2. The next push breaks the API: its image answers 503 on /healthz, staging's gate fails, and
 *      the run undoes exactly what it changed (the frontend and the backend); the MCP servers,
 *      deployed unchanged, keep their revision. Production never starts.
 *   3. The on-call rolls the frontend back one more release by hand (the rollback dispatch).
 * Every claim is checked against the machines themselves, not against the actions' own words.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  DEMO_TIMINGS,
  startCluster,
  TEST_TIMINGS,
  type Cluster,
  type StoredObject,
} from '@sophia-testing/k3s-simulator';
import { httpGet } from '@sophia-testing/http-servers';
import { startSshHost, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import {
  checkOutExampleApp,
  MCP_NODE_ADDRESS,
  runWorkflow,
  startBackendStandIn,
  type BackendStandIn,
  type ExampleApp,
  type JobRecord,
  type RunWorkflowOptions,
  type WorkflowRun,
} from '@sophia-testing/workflow-runner';
import { bold, cyan, dim, green, red, renderJob, seconds, shownPath, wrapTo } from './terminal.js';

export interface StoryOptions {
  /** Short timeouts and the simulator's test timings (for the test of the demo). */
  fast: boolean;
  write: (text: string) => void;
  /** True when `write` goes to a terminal: progress then updates one line in place. */
  interactive?: boolean;
  /** Called with the running machines before they are stopped (`--keep` waits here). */
  beforeStop?: (machines: Machines) => Promise<void>;
  /** Receives the function that stops the machines, for a signal that ends the story early. */
  onStop?: (stop: () => Promise<void>) => void;
}

export interface Machines {
  sandbox: LocalSshHost;
  cluster: Cluster;
  kubeconfigPath: string;
  workspace: string;
}

export interface Check {
  claim: string;
  held: boolean;
  detail: string;
}

const MCP_SERVERS = ['mcp-memory', 'mcp-slack'];
const COMMIT_A = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const COMMIT_B = 'b2c3d4e5f60718293a4b5c6d7e8f901234567890';

/** What the site serves now, read over HTTP as a visitor would (a fresh connection: see httpGet). */
async function servedHealth(siteUrl: string): Promise<{ status?: string; version?: string }> {
  try {
    return JSON.parse((await httpGet(new URL('healthz.json', siteUrl).href)).body.toString()) as {
      status?: string;
      version?: string;
    };
  } catch {
    return {};
  }
}

function job(run: WorkflowRun, id: string): JobRecord | undefined {
  return run.jobs.find((record) => record.id === id);
}

function image(object: StoredObject | undefined): string {
  const spec = object?.spec as { template?: { spec?: { containers?: Array<{ image?: string }> } } } | undefined;
  return spec?.template?.spec?.containers?.[0]?.image ?? '(none)';
}

/** What the API answers on /healthz through its public URL, as the gate reads it. */
async function apiHealth(apiUrl: string): Promise<string> {
  try {
    const answer = await httpGet(`${apiUrl}/healthz`);
    return `${answer.status} ${answer.body.toString().trim()}`;
  } catch (error) {
    return (error as Error).message;
  }
}

/** `ghcr.io/sophia/chat-api:<sha>@sha256:<digest>` shortened for a line: `chat-api:<sha7>@sha256:<8 hex>…`. */
function shortImage(reference: string): string {
  return reference
    .replace(/^ghcr\.io\/sophia\//, '')
    .replace(/:([0-9a-f]{7})[0-9a-f]{33}@sha256:([0-9a-f]{8})[0-9a-f]{56}$/, ':$1@sha256:$2…');
}

function annotation(object: StoredObject | undefined, name: string): string {
  return object?.metadata.annotations?.[name] ?? '';
}

function short(commit: string): string {
  return commit.slice(0, 7);
}

/**
 * Shows what the run is waiting for. On a terminal, one line rewritten every second; elsewhere,
 * one line for a step that has been running for 2 s, said once.
 */
class Progress {
  private readonly running = new Map<string, { label: string; started: number; told: boolean }>();
  private timer: NodeJS.Timeout | undefined;
  private shown = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly interactive: boolean,
  ) {}

  /** A job runs its steps one after another: a step starting ends the one before it in its job. */
  start(job: string, label: string): void {
    this.end(job);
    this.running.set(job, {
      label: label.length > 80 ? `${label.slice(0, 77)}...` : label,
      started: Date.now(),
      told: false,
    });
    this.timer ??= setInterval(() => this.tick(), 1000);
  }

  end(job: string): void {
    this.running.delete(job);
  }

  /** Before other output: the in-place line goes away. */
  clear(): void {
    if (this.shown) this.write('\r\u001b[2K');
    this.shown = false;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.running.clear();
    this.clear();
  }

  private tick(): void {
    const now = Date.now();
    const waits = [...this.running.values()];
    if (this.interactive) {
      const text = waits.map((wait) => `${wait.label} ${Math.round((now - wait.started) / 1000)}s`).join(' · ');
      this.clear();
      if (text) {
        this.write(dim(`  ⋯ ${text.length > 94 ? `${text.slice(0, 91)}...` : text}`));
        this.shown = true;
      }
      return;
    }
    for (const wait of waits) {
      if (wait.told || now - wait.started < 2000) continue;
      wait.told = true;
      this.write(dim(`  ⋯ waiting for ${wait.label}`) + '\n');
    }
  }
}

export async function runStory(options: StoryOptions): Promise<Check[]> {
  const { write, fast } = options;
  const checks: Check[] = [];
  const progress = new Progress(write, options.interactive ?? false);
  const say = (text: string) => {
    progress.clear();
    write(text);
  };
  const record = (claim: string, held: boolean, detail: string) => {
    checks.push({ claim, held, detail });
    const line = wrapTo(claim, '    ')
      .map((text, index) => (index === 0 ? `  ${held ? green('✓') : red('✗')} ${text.trimStart()}` : text))
      .join('\n');
    say(
      `${line}\n${
        held || !detail
          ? ''
          : `${wrapTo(detail, '      ')
              .map((l) => dim(l))
              .join('\n')}\n`
      }`,
    );
  };

  say(`${bold('Starting the machines')}\n`);
  const started = Date.now();
  const sandbox = await startSshHost();
  let cluster: Cluster | undefined;
  let api: BackendStandIn | undefined;
  let app: ExampleApp | undefined;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    progress.stop();
    stopped ??= Promise.allSettled([sandbox.stop(), cluster?.stop(), api?.stop()]).then(() => app?.remove());
    return stopped;
  };
  options.onStop?.(stop);
  try {
    // An empty cluster, as a fresh k3s server: the example's manifests bring their own Namespace.
    cluster = await startCluster({ timings: fast ? TEST_TIMINGS : DEMO_TIMINGS });
    const live = cluster;
    api = await startBackendStandIn(async () => {
      const object = live.get('Deployment', 'sophia', 'chat-api');
      return object ? image(object) : undefined;
    });
    app = checkOutExampleApp(
      sandbox,
      cluster.kubeconfig,
      api.url,
      fast
        ? { rollout: '10s', healthInterval: '200ms', healthTimeout: '3s' }
        : { rollout: '30s', healthInterval: '1s', healthTimeout: '10s' },
    );
    const kubeconfigPath = cluster.writeKubeconfig(app.workspace);
    const nodes = cluster.nodes.list().map((node) => node.metadata.name);
    say(
      [
        `  frontend host  ${sandbox.user}@127.0.0.1:${sandbox.sshPort} (OpenSSH)`,
        `  nginx serving  ${shownPath(sandbox.siteDir)}/current`,
        `  site           ${cyan(sandbox.siteUrl)}   ${dim('<- open it while the story runs')}`,
        `  k3s            ${cluster.httpsUrl} (simulator), nodes ${nodes.join(', ')}`,
        `  backend API    ${api.url} ${dim('(stands in for the Ingress and chat-api pods)')}`,
        `  application    ${shownPath(app.workspace)} (a copy of examples/sophia-app)`,
        `  ${dim(`ready in ${seconds(Date.now() - started)}`)}`,
        '',
      ].join('\n') + '\n',
    );

    const run = async (
      title: string,
      story: string,
      settings: Partial<RunWorkflowOptions> & Pick<RunWorkflowOptions, 'file'>,
    ): Promise<WorkflowRun> => {
      say(`${bold(title)}\n${wrapTo(story, '  ').join('\n')}\n`);
      const result = await runWorkflow({
        ...app!.settings,
        ...settings,
        onStepStart: (jobId, step) => {
          // Preparing a hosted runner takes no time here: nothing to wait for.
          if (/^actions\/(checkout|setup-node)@/.test(step.uses ?? '')) progress.end(jobId);
          else progress.start(jobId, `${jobId} · ${step.name}`);
        },
        onJob: (record) => {
          settings.onJob?.(record);
          progress.end(record.id);
          say(renderJob(record) + '\n');
        },
      });
      say(`  ${dim(`workflow ${result.result} in ${seconds(result.durationMs)}`)}\n  ${bold('What held')}\n`);
      return result;
    };
    const backend = () => cluster!.get('Deployment', 'sophia', 'chat-api');
    const mcpServers = () => MCP_SERVERS.map((name) => cluster!.get('Deployment', 'sophia', name));

    // Act 1: a push goes to staging, then to production.
    const first = await run(
      `Act 1: push ${short(COMMIT_A)} to main`,
      'The application repository runs .github/workflows/deploy.yml: the backend image is built ' +
        'and pushed (docker buildx stood in for: no Docker here), then staging deploys that image ' +
        'through sophia/deploy-actions/.github/workflows/deploy.yml@v1, then production once ' +
        'staging passed and its reviewers approved (here: approved).',
      { file: '.github/workflows/deploy.yml', github: { sha: COMMIT_A } },
    );
    record('the pipeline succeeded in staging and production', first.result === 'success', first.result);
    const servedA = await servedHealth(sandbox.siteUrl);
    record(
      `nginx serves the frontend built from ${short(COMMIT_A)}`,
      servedA.status === 'ok' && servedA.version === COMMIT_A,
      JSON.stringify(servedA),
    );
    const builtA = job(first, 'backend-image')?.outputs.image ?? '';
    record(
      `the backend runs the image this push built, ${shortImage(builtA)}`,
      builtA.startsWith(`ghcr.io/sophia/chat-api:${COMMIT_A}@sha256:`) && image(backend()) === builtA,
      image(backend()),
    );
    const healthA = await apiHealth(api.url);
    record('the API answers healthy at its public URL', healthA.startsWith('200 '), healthA);
    const pods = cluster.list('Pod', 'sophia').filter((pod) => pod.metadata.name.startsWith('mcp-'));
    record(
      `every MCP server pod runs on mcp-node (${MCP_NODE_ADDRESS})`,
      pods.length >= MCP_SERVERS.length &&
        pods.every((pod) => (pod.spec as { nodeName?: string }).nodeName === 'mcp-node'),
      pods.map((pod) => `${pod.metadata.name}@${(pod.spec as { nodeName?: string }).nodeName}`).join(', '),
    );
    const mcpBefore = mcpServers().map((object) => annotation(object, 'deployment.kubernetes.io/revision'));
    say('\n');

    // Act 2: a push whose API cannot serve.
    const server = 'backend/server.mjs';
    app.write(
      server,
      readFileSync(path.join(app.workspace, server), 'utf8').replace("status: 'ok'", "status: 'error'"),
    );
    const apiStandIn = api;
    const second = await run(
      `Act 2: push ${short(COMMIT_B)}, whose API fails its health check`,
      `The commit breaks ${server}: the image built from it answers 503 on /healthz (the stand-in ` +
        'for its pods answers so). The site and the backend are deployed; the MCP servers are ' +
        'deployed unchanged. The gate fails on the API, and the run undoes exactly what it changed.',
      {
        file: '.github/workflows/deploy.yml',
        github: { sha: COMMIT_B },
        onJob: (record) => {
          if (record.id === 'backend-image') apiStandIn.failing.add(record.outputs.image);
        },
      },
    );
    record(
      "staging's health gate failed, so production never started",
      job(second, 'staging/health-gate')?.result === 'failure' && job(second, 'production')?.result === 'skipped',
      `gate ${job(second, 'staging/health-gate')?.result}, production ${job(second, 'production')?.result}`,
    );
    const servedAfter = await servedHealth(sandbox.siteUrl);
    record(`nginx serves ${short(COMMIT_A)} again`, servedAfter.version === COMMIT_A, JSON.stringify(servedAfter));
    record(
      `the backend is back on the image of ${short(COMMIT_A)}, the ${short(COMMIT_B)} revision marked failed`,
      image(backend()) === builtA && annotation(backend(), 'sophia.ai/failed-revisions') !== '',
      `${shortImage(image(backend()))}, failed revisions ${annotation(backend(), 'sophia.ai/failed-revisions') || 'none'}`,
    );
    const mcpAfter = mcpServers();
    record(
      'the MCP servers, unchanged by this run, kept their revision and nothing is marked failed',
      job(second, 'staging/rollback-mcp')?.result === 'skipped' &&
        mcpAfter.every(
          (object, index) =>
            annotation(object, 'deployment.kubernetes.io/revision') === mcpBefore[index] &&
            annotation(object, 'sophia.ai/failed-revisions') === '',
        ),
      mcpAfter
        .map((object) => `${object?.metadata.name} rev ${annotation(object, 'deployment.kubernetes.io/revision')}`)
        .join(', '),
    );
    say('\n');

    // Act 3: a manual rollback.
    const third = await run(
      'Act 3: the on-call rolls the staging frontend back by hand',
      'Actions → Rollback → Run workflow (environment staging, component frontend, to previous): ' +
        'the release before the live one, skipping the one marked failed.',
      {
        file: '.github/workflows/rollback.yml',
        event: 'workflow_dispatch',
        inputs: { environment: 'staging', component: 'frontend', to: 'previous' },
      },
    );
    const moved = job(third, 'rollback/rollback')?.outputs ?? {};
    record(
      'the rollback switched to an earlier release, and the site still answers',
      third.result === 'success' && moved.from !== moved.to && (await servedHealth(sandbox.siteUrl)).status === 'ok',
      `${third.result}: ${moved.from} -> ${moved.to}`,
    );
    say('\n');
    await options.beforeStop?.({ sandbox, cluster, kubeconfigPath, workspace: app.workspace });
  } finally {
    await stop();
  }
  return checks;
}
