/**
 * The story `pnpm demo` tells, from the application's side: examples/sophia-app, checked out in a
 * directory outside this repository, runs its own workflows, which call
 * `sophia/deploy-actions/.github/workflows/*.yml@v1` (this checkout), through the local workflow
 * runner. Each environment has its own machines, named by its own variables and secrets: a real
 * sshd + nginx for its frontend VPS, a cluster simulator for its k3s (nodes k3s-server and
 * mcp-node, 104.171.202.117) and its API's public URL.
 *   1. A push: the backend image is built and pushed (a stand-in for docker buildx: no Docker
 *      here), staging deploys that image and passes its gate (the site and the API's /healthz
 *      through its public URL), then production: its deploy plan (what production would change,
 *      read with dry-run credentials) is ready before its reviewers approve each of its deploy jobs.
 *   2. The next push passes staging; production's reviewers reject each of its deploy jobs, which
 *      fail without a step: production keeps the first push, staging is one release ahead.
 *   3. The next push breaks the API: its image answers 503 on /healthz, staging's gate fails, and
 *      the run undoes exactly what it changed (the frontend and the backend); the MCP servers,
 *      deployed unchanged, keep their revision. Production never starts.
 *   4. The on-call rolls the staging frontend back one more release by hand (the rollback
 *      dispatch): staging serves the first push again, production is untouched.
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
import { startGitHubApi } from '@sophia-testing/github-api';
import { httpGet } from '@sophia-testing/http-servers';
import { fleetNginxCommand, startSshHost, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import {
  checkOutExampleApp,
  ConcurrencyGroups,
  MCP_NODE_ADDRESS,
  runWorkflow,
  startBackendStandIn,
  type BackendStandIn,
  type DeploymentReview,
  type ExampleApp,
  type ExampleEnvironment,
  type JobRecord,
  type RunWorkflowOptions,
  type WorkflowRun,
} from '@sophia-testing/workflow-runner';
import { bold, cyan, dim, green, planLines, red, renderJob, seconds, shownPath, wrapTo } from './terminal.js';

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

/** The machines of one environment: its frontend host, its cluster and its API's stand-in. */
export interface DemoEnvironment {
  site: LocalSshHost;
  cluster: Cluster;
  api: BackendStandIn;
  /** The cluster's kubeconfig, written in the application's checkout. */
  kubeconfigPath: string;
}

export interface Machines {
  environments: Record<ExampleEnvironment, DemoEnvironment>;
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
const COMMIT_C = 'c3d4e5f60718293a4b5c6d7e8f9012345678901a';
const ENVIRONMENTS: ExampleEnvironment[] = ['staging', 'production'];

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

/** Starts the machines of one environment: its frontend host, its cluster, its API at its public URL. */
async function startEnvironment(fast: boolean): Promise<Omit<DemoEnvironment, 'kubeconfigPath'>> {
  // An empty cluster, as a fresh k3s server: the example's manifests bring their own Namespace.
  const [site, cluster] = await Promise.all([
    startSshHost(),
    startCluster({ timings: fast ? TEST_TIMINGS : DEMO_TIMINGS }),
  ]);
  const api = await startBackendStandIn(async () => {
    const object = cluster.get('Deployment', 'sophia', 'chat-api');
    return object ? image(object) : undefined;
  });
  return { site, cluster, api };
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
  const starting = ENVIRONMENTS.map(() => startEnvironment(fast));
  // GitHub's REST API, stood in for: the runs write their deployment records there.
  const githubApi = startGitHubApi().then((api) => {
    api.repository('sophia/sophia-app'); // the application's repository, as the runner names it
    return api;
  });
  let app: ExampleApp | undefined;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    progress.stop();
    stopped ??= Promise.allSettled(
      starting.map(async (machines) => {
        const { site, cluster, api } = await machines;
        await Promise.allSettled([site.stop(), cluster.stop(), api.stop()]);
      }),
    )
      .then(() => githubApi.then((api) => api.stop()))
      .then(() => app?.remove());
    return stopped;
  };
  options.onStop?.(stop);
  try {
    const [staging, production] = await Promise.all(starting);
    const timings = fast
      ? { rollout: '10s', healthInterval: '200ms', healthTimeout: '3s' }
      : { rollout: '30s', healthInterval: '1s', healthTimeout: '10s' };
    app = checkOutExampleApp(
      {
        staging: { host: staging.site, kubeconfig: staging.cluster.kubeconfig, apiUrl: staging.api.url },
        production: { host: production.site, kubeconfig: production.cluster.kubeconfig, apiUrl: production.api.url },
      },
      // One command for every host, as `sudo -n nginx -s reload` is on real machines.
      { test: fleetNginxCommand('test'), reload: fleetNginxCommand('reload') },
      timings,
    );
    const workspace = app.workspace;
    const environments = {
      staging: {
        ...staging,
        kubeconfigPath: staging.cluster.writeKubeconfig(workspace, { fileName: 'staging.kubeconfig' }),
      },
      production: {
        ...production,
        kubeconfigPath: production.cluster.writeKubeconfig(workspace, { fileName: 'production.kubeconfig' }),
      },
    };
    const nodes = staging.cluster.nodes.list().map((node) => node.metadata.name);
    const intro: string[] = [];
    for (const name of ENVIRONMENTS) {
      const { site, cluster, api } = environments[name];
      const line = (label: string, value: string) => `    ${label.padEnd(15)}${value}`;
      intro.push(
        `  ${bold(name)}`,
        line('site', `${cyan(site.siteUrl)}   ${dim('<- open it while the story runs')}`),
        line('frontend host', `${site.user}@127.0.0.1:${site.sshPort} (OpenSSH)`),
        line('nginx serving', `${shownPath(site.siteDir)}/current`),
        line('k3s', `${cluster.httpsUrl} (simulator), nodes ${nodes.join(', ')}`),
        line('backend API', `${api.url} ${dim('(stands in for the Ingress and chat-api pods)')}`),
      );
    }
    say(
      [
        ...intro,
        `  application  ${shownPath(workspace)} (a copy of examples/sophia-app)`,
        `  ${dim(`ready in ${seconds(Date.now() - started)}`)}`,
        '',
      ].join('\n') + '\n',
    );

    // The repository's concurrency groups, as GitHub keeps them across its runs.
    const concurrency = new ConcurrencyGroups();
    // The deploy plan jobs whose plan was shown before their environment's reviewers answered.
    const plansSeenByReviewers: string[] = [];
    const run = async (
      title: string,
      story: string,
      settings: Partial<RunWorkflowOptions> & Pick<RunWorkflowOptions, 'file'>,
    ): Promise<WorkflowRun> => {
      say(`${bold(title)}\n${wrapTo(story, '  ').join('\n')}\n`);
      const finished: JobRecord[] = [];
      const shownPlans = new Set<string>();
      const result = await runWorkflow({
        ...app!.settings,
        ...settings,
        github: { api_url: (await githubApi).url, ...settings.github },
        concurrency,
        review: async (request) => {
          // What the reviewers open from the approval screen: the deploy plan job's summary, once per environment.
          const plan = finished.find((record) => record.id === request.job.replace(/[^/]+$/, 'deploy-plan'));
          if (plan && !shownPlans.has(plan.id)) {
            shownPlans.add(plan.id);
            plansSeenByReviewers.push(plan.id);
            say(`  ${dim(`? the plan ${request.environment}'s reviewers open (${plan.id}):`)}\n`);
            for (const planLine of planLines(plan)) say(`${wrapTo(planLine, '      ').map(cyan).join('\n')}\n`);
          }
          const decision = (await settings.review?.(request)) ?? 'approved';
          say(`  ${dim(`? review: ${request.job} waits for ${request.environment}'s reviewers: ${decision}`)}\n`);
          return decision;
        },
        onStepStart: (jobId, step) => {
          // Preparing a hosted runner takes no time here: nothing to wait for.
          if (/^actions\/(checkout|setup-node)@/.test(step.uses ?? '')) progress.end(jobId);
          else progress.start(jobId, `${jobId} · ${step.name}`);
        },
        onJob: (record) => {
          finished.push(record);
          settings.onJob?.(record);
          progress.end(record.id);
          say(renderJob(record) + '\n');
        },
      });
      say(`  ${dim(`workflow ${result.result} in ${seconds(result.durationMs)}`)}\n  ${bold('What held')}\n`);
      return result;
    };
    const backend = (name: ExampleEnvironment) => environments[name].cluster.get('Deployment', 'sophia', 'chat-api');
    const mcpServers = () => MCP_SERVERS.map((name) => staging.cluster.get('Deployment', 'sophia', name));
    const reviewed = (run: WorkflowRun, environment: string, decision: DeploymentReview['decision']) => {
      const asked = run.reviews.filter((review) => review.environment === environment);
      return asked.length === 3 && asked.every((review) => review.decision === decision);
    };

    // Act 1: a push goes to staging, then to production.
    const first = await run(
      `Act 1: push ${short(COMMIT_A)} to main`,
      'The application repository runs .github/workflows/deploy.yml: the backend image is built ' +
        'and pushed (docker buildx stood in for: no Docker here), then staging deploys that image ' +
        'through sophia/deploy-actions/.github/workflows/deploy.yml@v1, then production once ' +
        'staging passed; each production deploy job waits for its reviewers (here: approved).',
      { file: '.github/workflows/deploy.yml', github: { sha: COMMIT_A } },
    );
    record('the pipeline succeeded in staging and production', first.result === 'success', first.result);
    record(
      "production's deploy plan was ready, and shown, before its reviewers were asked",
      plansSeenByReviewers.includes('production/deploy-plan') &&
        job(first, 'production/deploy-plan')?.result === 'success',
      plansSeenByReviewers.join(', '),
    );
    record(
      'each production deploy job waited for its own review, and the reviewers approved it',
      reviewed(first, 'production', 'approved'),
      JSON.stringify(first.reviews),
    );
    const servedA = await Promise.all(ENVIRONMENTS.map((name) => servedHealth(environments[name].site.siteUrl)));
    record(
      `the nginx of each environment serves the frontend built from ${short(COMMIT_A)}`,
      servedA.every((served) => served.status === 'ok' && served.version === COMMIT_A),
      JSON.stringify(servedA),
    );
    const builtA = job(first, 'backend-image')?.outputs.image ?? '';
    record(
      `the backend of each runs the image this push built, ${shortImage(builtA)}`,
      builtA.startsWith(`ghcr.io/sophia/chat-api:${COMMIT_A}@sha256:`) &&
        ENVIRONMENTS.every((name) => image(backend(name)) === builtA),
      ENVIRONMENTS.map((name) => image(backend(name))).join(', '),
    );
    const healthA = await apiHealth(staging.api.url);
    record('the API answers healthy at its public URL', healthA.startsWith('200 '), healthA);
    const pods = staging.cluster.list('Pod', 'sophia').filter((pod) => pod.metadata.name.startsWith('mcp-'));
    record(
      `every MCP server pod runs on mcp-node (${MCP_NODE_ADDRESS})`,
      pods.length >= MCP_SERVERS.length &&
        pods.every((pod) => (pod.spec as { nodeName?: string }).nodeName === 'mcp-node'),
      pods.map((pod) => `${pod.metadata.name}@${(pod.spec as { nodeName?: string }).nodeName}`).join(', '),
    );
    say('\n');

    // Act 2: staging takes the next push; production's reviewers hold it back.
    const second = await run(
      `Act 2: push ${short(COMMIT_B)}, which production's reviewers reject`,
      'Staging deploys the push and passes its gate. Production waits for its reviewers once per ' +
        'deploy job; they reject each, and a rejected job fails without running a step.',
      {
        file: '.github/workflows/deploy.yml',
        github: { sha: COMMIT_B },
        review: ({ environment }) => (environment === 'production' ? 'rejected' : 'approved'),
      },
    );
    const rejected = ['frontend', 'backend', 'mcp'].map((id) => job(second, `production/${id}`));
    record(
      'each production deploy job was rejected on its own review and ran no step',
      reviewed(second, 'production', 'rejected') &&
        rejected.every((record) => record?.result === 'failure' && record.steps.length === 0),
      rejected.map((record) => `${record?.id} ${record?.result}`).join(', '),
    );
    const servedB = await servedHealth(staging.site.siteUrl);
    const productionB = await servedHealth(production.site.siteUrl);
    const builtB = job(second, 'backend-image')?.outputs.image ?? '';
    record(
      `staging serves ${short(COMMIT_B)} and runs its image; production keeps ${short(COMMIT_A)}, site and backend`,
      servedB.version === COMMIT_B &&
        image(backend('staging')) === builtB &&
        productionB.version === COMMIT_A &&
        image(backend('production')) === builtA,
      `staging ${JSON.stringify(servedB)}, production ${JSON.stringify(productionB)} ${shortImage(image(backend('production')))}`,
    );
    const mcpBefore = mcpServers().map((object) => annotation(object, 'deployment.kubernetes.io/revision'));
    say('\n');

    // Act 3: a push whose API cannot serve.
    const server = 'backend/server.mjs';
    app.write(server, readFileSync(path.join(workspace, server), 'utf8').replace("status: 'ok'", "status: 'error'"));
    const third = await run(
      `Act 3: push ${short(COMMIT_C)}, whose API fails its health check`,
      `The commit breaks ${server}: the image built from it answers 503 on /healthz (the stand-in ` +
        'for its pods answers so). The site and the backend are deployed; the MCP servers are ' +
        'deployed unchanged. The gate fails on the API, and the run undoes exactly what it changed.',
      {
        file: '.github/workflows/deploy.yml',
        github: { sha: COMMIT_C },
        onJob: (record) => {
          if (record.id === 'backend-image') staging.api.failing.add(record.outputs.image);
        },
      },
    );
    record(
      "staging's health gate failed, so production never started",
      job(third, 'staging/health-gate')?.result === 'failure' && job(third, 'production')?.result === 'skipped',
      `gate ${job(third, 'staging/health-gate')?.result}, production ${job(third, 'production')?.result}`,
    );
    const servedAfter = await servedHealth(staging.site.siteUrl);
    record(
      `staging's nginx serves ${short(COMMIT_B)} again`,
      servedAfter.version === COMMIT_B,
      JSON.stringify(servedAfter),
    );
    record(
      `the backend is back on the image of ${short(COMMIT_B)}, the ${short(COMMIT_C)} revision marked failed`,
      image(backend('staging')) === builtB && annotation(backend('staging'), 'sophia.ai/failed-revisions') !== '',
      `${shortImage(image(backend('staging')))}, failed revisions ${annotation(backend('staging'), 'sophia.ai/failed-revisions') || 'none'}`,
    );
    const mcpAfter = mcpServers();
    record(
      'the MCP servers, unchanged by this run, kept their revision and nothing is marked failed',
      job(third, 'staging/rollback-mcp')?.result === 'skipped' &&
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

    // Act 4: a manual rollback of staging, one release further back.
    const fourth = await run(
      'Act 4: the on-call rolls the staging frontend back by hand',
      'Actions → Rollback → Run workflow (environment staging, component frontend, to previous): ' +
        `the release before the live one (${short(COMMIT_B)}), skipping the one marked failed.`,
      {
        file: '.github/workflows/rollback.yml',
        event: 'workflow_dispatch',
        inputs: { environment: 'staging', component: 'frontend', to: 'previous' },
      },
    );
    const moved = job(fourth, 'rollback/rollback')?.outputs ?? {};
    const servedRolledBack = await servedHealth(staging.site.siteUrl);
    record(
      `staging switched from the release of ${short(COMMIT_B)} back to that of ${short(COMMIT_A)}`,
      fourth.result === 'success' && moved.from !== moved.to && servedRolledBack.version === COMMIT_A,
      `${fourth.result}: ${moved.from} -> ${moved.to}, serving ${JSON.stringify(servedRolledBack)}`,
    );
    // The Environments page: staging's one live deployment is the rollback's own record, naming the
    // frontend release it serves again (the rest still as the deployment it replaced).
    const records = (await githubApi).repository('sophia/sophia-app').deployments;
    const liveRecords = records
      .filter((deployment) => deployment.environment === 'staging')
      .filter((deployment) => [...deployment.statuses].sort((a, b) => b.id - a.id)[0]?.state === 'success');
    const liveFrontend = liveRecords.map(
      (deployment) => (deployment.payload as { components?: Record<string, string> }).components?.frontend,
    );
    record(
      `staging's deployment records say what is live: one active, the rollback, serving the frontend of ${short(COMMIT_A)}`,
      liveRecords.length === 1 && liveRecords[0].task === 'rollback' && liveFrontend[0] === moved.to,
      liveRecords.map((deployment, index) => `${deployment.task} ${liveFrontend[index] ?? '-'}`).join(', ') ||
        'none active',
    );
    const productionAfter = await servedHealth(production.site.siteUrl);
    record(
      `production, on its own host, still serves ${short(COMMIT_A)}`,
      productionAfter.version === COMMIT_A,
      JSON.stringify(productionAfter),
    );
    say('\n');
    await options.beforeStop?.({ environments, workspace });
  } finally {
    await stop();
  }
  return checks;
}
