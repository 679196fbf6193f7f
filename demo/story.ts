/**
 * The story `pnpm demo` tells, on this machine: a real sshd + nginx stands for the frontend VPS,
 * the cluster simulator for k3s (nodes k3s-server and mcp-node, 104.171.202.117), and
 * .github/workflows/deploy.yml runs twice with the bundled actions:
 *   1. v1 of everything: frontend, backend, MCP servers pinned to mcp-node; the health gate passes.
 *   2. a broken frontend v2 and a backend image that crashes: the rollout fails (and the backend
 *      action puts the previous revision back), the gate fails, and the rollback job restores v1.
 *   3. a healthy backend with a broken frontend v3: the gate fails and the rollback jobs undo both
 *      components, the backend through the rollback action to its previous good revision.
 * Every claim of the story is checked against the machines themselves, not against the actions'
 * own words.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEMO_TIMINGS,
  startCluster,
  TEST_TIMINGS,
  type Cluster,
  type StoredObject,
} from '@sophia-testing/k3s-simulator';
import { startSshHost, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import { bold, cyan, dim, green, red, renderJob, seconds } from './terminal.js';
import { runWorkflow, type JobRecord, type WorkflowRun } from '@sophia-testing/workflow-runner';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.join(repoRoot, 'test', 'fixtures');

export interface StoryOptions {
  /** Short timeouts and the simulator's test timings (for the test of the demo). */
  fast: boolean;
  write: (text: string) => void;
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

const BACKEND_IMAGE = 'ghcr.io/sophia-ai/backend';
const MCP_NODE_ADDRESS = '104.171.202.117';

/** The application's frontend at one version: `node build.mjs` turns src/ into dist/. */
/** The application's frontend at one version; a `fault` builds a site whose health check fails. */
function writeApp(workspace: string, version: string, fault?: string): void {
  const app = path.join(workspace, 'app');
  rmSync(app, { recursive: true, force: true });
  mkdirSync(path.join(app, 'src', 'assets'), { recursive: true });
  writeFileSync(
    path.join(app, 'build.mjs'),
    "import { cpSync, rmSync } from 'node:fs';\nrmSync('dist', { recursive: true, force: true });\ncpSync('src', 'dist', { recursive: true });\n",
  );
  writeFileSync(
    path.join(app, 'src', 'index.html'),
    `<!doctype html>\n<title>Sophia AI</title>\n<h1>Sophia AI</h1>\n<p>Frontend ${version}</p>\n<script src="/assets/app-${version}.js"></script>\n`,
  );
  writeFileSync(path.join(app, 'src', 'assets', `app-${version}.js`), `console.log('Sophia AI ${version}');\n`);
  writeFileSync(
    path.join(app, 'src', 'healthz.json'),
    JSON.stringify(fault ? { status: 'error', version, error: fault } : { status: 'ok', version }) + '\n',
  );
}

/** What the site serves now, read over HTTP as a visitor would. */
async function servedHealth(siteUrl: string): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(new URL('healthz.json', siteUrl), { signal: AbortSignal.timeout(5000) });
    return { status: response.status, body: (await response.text()).trim() };
  } catch (error) {
    return { status: 0, body: String(error) };
  }
}

function job(run: WorkflowRun, id: string): JobRecord | undefined {
  return run.jobs.find((record) => record.id === id);
}

function outputOf(run: WorkflowRun, jobId: string, stepUses: string, name: string): string {
  return job(run, jobId)?.steps.find((step) => step.uses === stepUses)?.outputs[name] ?? '';
}

function image(deployment: StoredObject | undefined): string {
  const spec = deployment?.spec as { template?: { spec?: { containers?: Array<{ image?: string }> } } } | undefined;
  return spec?.template?.spec?.containers?.[0]?.image ?? '(none)';
}

function annotation(object: StoredObject | undefined, name: string): string {
  return object?.metadata.annotations?.[name] ?? '';
}

function check(claim: string, held: boolean, detail: string): Check {
  return { claim, held, detail };
}

function jobResults(run: WorkflowRun, expected: Record<string, string>): Check {
  const actual = Object.fromEntries(Object.keys(expected).map((id) => [id, job(run, id)?.result ?? 'missing']));
  const held = Object.entries(expected).every(([id, result]) => actual[id] === result);
  return check(
    `jobs: ${Object.entries(expected)
      .map(([id, result]) => `${id} ${result}`)
      .join(', ')}`,
    held,
    held ? '' : `got ${JSON.stringify(actual)}`,
  );
}

function releaseStatus(sandbox: LocalSshHost, releaseId: string): string {
  try {
    const meta = JSON.parse(
      readFileSync(path.join(sandbox.siteDir, '.deploy/records', releaseId, 'release.json'), 'utf8'),
    ) as {
      status?: string;
    };
    return meta.status ?? '(no status)';
  } catch (error) {
    return `(unreadable: ${(error as Error).message})`;
  }
}

export async function runStory(options: StoryOptions): Promise<Check[]> {
  const { write, fast } = options;
  const checks: Check[] = [];
  const record = (result: Check) => {
    checks.push(result);
    write(
      `  ${result.held ? green('✓') : red('✗')} ${result.claim}${result.detail ? dim(`  (${result.detail})`) : ''}\n`,
    );
  };

  write(`${bold('Starting the machines')}\n`);
  const started = Date.now();
  const sandbox = await startSshHost();
  let cluster: Cluster | undefined;
  const workspace = mkdtempSync(path.join(tmpdir(), 'sophia-demo-'));
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= Promise.allSettled([sandbox.stop(), cluster?.stop()]).then(() =>
      rmSync(workspace, { recursive: true, force: true }),
    );
    return stopped;
  };
  options.onStop?.(stop);
  try {
    cluster = await startCluster({ namespaces: ['sophia'], timings: fast ? TEST_TIMINGS : DEMO_TIMINGS });
    const kubeconfigPath = cluster.writeKubeconfig(workspace);
    // The application repository as a runner checks it out: manifests of the backend and the MCP servers.
    cpSync(path.join(fixtures, 'backend'), workspace, { recursive: true });
    cpSync(path.join(fixtures, 'mcp'), workspace, { recursive: true });
    // ...and the helper scripts deploy.yml runs from its checkout.
    cpSync(path.join(repoRoot, '.github', 'scripts'), path.join(workspace, '.github', 'scripts'), { recursive: true });
    write(
      [
        `  frontend host  ${sandbox.user}@127.0.0.1:${sandbox.sshPort} (OpenSSH), nginx serving ${sandbox.siteDir}/current`,
        `  site           ${cyan(sandbox.siteUrl)}   ${dim('<- open it while the story runs')}`,
        `  k3s            ${cluster.httpsUrl} (simulator), nodes ${cluster.nodes
          .list()
          .map((node) => node.metadata.name)
          .join(', ')}`,
        `  kubeconfig     ${kubeconfigPath}`,
        `  ${dim(`ready in ${seconds(Date.now() - started)}`)}`,
        '',
      ].join('\n') + '\n',
    );

    const secrets = {
      SSH_KEY: sandbox.privateKey,
      SSH_KNOWN_HOSTS: sandbox.knownHosts,
      KUBECONFIG: cluster.kubeconfig,
    };
    const environment = {
      environment: 'staging',
      'frontend-url': sandbox.siteUrl,
      'frontend-host': `127.0.0.1:${sandbox.sshPort}`,
      'frontend-target': sandbox.siteDir,
      'frontend-directory': 'app',
      'frontend-build-command': 'node build.mjs',
      'frontend-dist': 'app/dist',
      'frontend-nginx-test-command': sandbox.nginxTestCommand,
      'frontend-nginx-reload-command': sandbox.nginxReloadCommand,
      'ssh-user': sandbox.user,
      namespace: 'sophia',
      'backend-manifests': 'kubernetes/production/backend.yaml',
      'mcp-node-address': MCP_NODE_ADDRESS,
      'rollout-timeout': fast ? '10s' : '30s',
      'health-urls': new URL('healthz.json', sandbox.siteUrl).href,
      'health-expected-body': '"status":"ok"',
      'health-interval': fast ? '200ms' : '1s',
      'health-timeout': fast ? '3s' : '10s',
    };
    const deploy = async (title: string, story: string, inputs: Record<string, string>, sha: string) => {
      write(`${bold(title)}\n  ${story}\n${dim(`  deploy.yml with ${JSON.stringify(inputs)}`)}\n`);
      const run = await runWorkflow({
        file: path.join(repoRoot, '.github', 'workflows', 'deploy.yml'),
        inputs: { ...environment, ...inputs },
        secrets,
        workspace,
        github: { sha },
        onJob: (record) => write(renderJob(record) + '\n'),
      });
      write(`  ${dim(`workflow ${run.result} in ${seconds(run.durationMs)}`)}\n\n  ${bold('What held')}\n`);
      return run;
    };

    // Act 1: everything at v1.
    writeApp(workspace, 'v1');
    const first = await deploy(
      'Act 1: deploy v1 of the frontend, the backend and the MCP servers',
      'The pipeline calls deploy.yml for staging: the frontend is built and uploaded to nginx, the backend\n' +
        '  rolls out on k3s, the MCP servers are pinned to mcp-node, and the health gate decides.',
      { components: 'frontend,backend,mcp', 'backend-images': `api=${BACKEND_IMAGE}:1.5.0` },
      'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    );
    record(check('the deploy succeeded', first.result === 'success', first.result));
    record(
      jobResults(first, {
        frontend: 'success',
        backend: 'success',
        mcp: 'success',
        'health-gate': 'success',
        'rollback-frontend': 'skipped',
        'rollback-backend': 'skipped',
        'rollback-mcp': 'skipped',
      }),
    );
    const v1Release = outputOf(first, 'frontend', './actions/deploy-frontend-nginx', 'release-id');
    const servedV1 = await servedHealth(sandbox.siteUrl);
    record(
      check(
        'nginx serves frontend v1',
        servedV1.body.includes('"version":"v1"'),
        `${servedV1.status} ${servedV1.body}`,
      ),
    );
    const backendV1 = cluster.get('Deployment', 'sophia', 'sophia-backend');
    const backendRevision = annotation(backendV1, 'deployment.kubernetes.io/revision');
    record(
      check(
        `the backend runs ${BACKEND_IMAGE}:1.5.0`,
        image(backendV1) === `${BACKEND_IMAGE}:1.5.0`,
        `${image(backendV1)}, revision ${backendRevision}`,
      ),
    );
    const mcpPods = cluster
      .list('Pod', 'sophia')
      .filter((pod) => pod.metadata.labels?.['app.kubernetes.io/component'] === 'mcp-server');
    const placement = mcpPods.map(
      (pod) => `${pod.metadata.name}@${(pod.spec as { nodeName?: string }).nodeName ?? '-'}`,
    );
    record(
      check(
        `every MCP server pod runs on mcp-node (${MCP_NODE_ADDRESS})`,
        mcpPods.length >= 3 && mcpPods.every((pod) => (pod.spec as { nodeName?: string }).nodeName === 'mcp-node'),
        placement.join(', '),
      ),
    );
    record(
      check(
        'the health gate passed',
        job(first, 'health-gate')?.outputs.healthy === 'true',
        `healthy=${job(first, 'health-gate')?.outputs.healthy}`,
      ),
    );
    write('\n');

    // Act 2: a broken frontend and a backend image that never becomes ready.
    writeApp(workspace, 'v2', 'API_URL was not set at build time');
    const second = await deploy(
      'Act 2: deploy a broken frontend v2 and a backend image that crashes on start',
      'v2 of the frontend was built without its API URL, and the new backend image crashes on start.\n' +
        '  Watch the rollout fail fast, the gate refuse the site, and the run put back what it changed.',
      { components: 'frontend,backend', 'backend-images': `api=${BACKEND_IMAGE}:1.6.0-crashloop` },
      'b2c3d4e5f60718293a4b5c6d7e8f901234567890',
    );
    record(check('the deploy failed, as it must', second.result === 'failure', second.result));
    record(
      jobResults(second, {
        frontend: 'success',
        backend: 'failure',
        'health-gate': 'failure',
        'rollback-frontend': 'success',
        'rollback-backend': 'skipped',
        'rollback-mcp': 'skipped',
      }),
    );
    const v2Release = outputOf(second, 'frontend', './actions/deploy-frontend-nginx', 'release-id');
    record(
      check(
        'the backend rollout failed and its action put the previous revision back',
        outputOf(second, 'backend', './actions/deploy-k3s-backend', 'rolled-back') === 'true',
        `rolled-back=${outputOf(second, 'backend', './actions/deploy-k3s-backend', 'rolled-back')}`,
      ),
    );
    record(
      check(
        'the health gate failed on the broken frontend',
        job(second, 'health-gate')?.outputs.healthy === 'false',
        `healthy=${job(second, 'health-gate')?.outputs.healthy}`,
      ),
    );
    const rolledTo = outputOf(second, 'rollback-frontend', './actions/rollback', 'to');
    record(
      check(
        'the rollback job switched the frontend back to the v1 release',
        v1Release !== '' && rolledTo === v1Release,
        `from ${outputOf(second, 'rollback-frontend', './actions/rollback', 'from')} to ${rolledTo}`,
      ),
    );
    const servedAfter = await servedHealth(sandbox.siteUrl);
    record(
      check(
        'nginx serves frontend v1 again',
        servedAfter.body.includes('"version":"v1"'),
        `${servedAfter.status} ${servedAfter.body}`,
      ),
    );
    record(
      check(
        'the v2 release is marked failed, so no later rollback returns to it',
        v2Release !== '' && releaseStatus(sandbox, v2Release) === 'failed',
        `${v2Release}: ${releaseStatus(sandbox, v2Release)}`,
      ),
    );
    const backendAfter = cluster.get('Deployment', 'sophia', 'sophia-backend');
    const failedRevisions = annotation(backendAfter, 'sophia.ai/failed-revisions');
    record(
      check(
        `the backend is back on the previous revision (${BACKEND_IMAGE}:1.5.0), the crashing one marked failed`,
        image(backendAfter) === `${BACKEND_IMAGE}:1.5.0` && failedRevisions !== '',
        `${image(backendAfter)}, revision ${annotation(backendAfter, 'deployment.kubernetes.io/revision')}, failed revisions ${failedRevisions || 'none'}`,
      ),
    );
    write('\n');

    // Act 3: the backend is fine this time, the site is not: the run is undone as a whole.
    writeApp(workspace, 'v3', 'the asset manifest points at a CDN path that does not exist');
    const third = await deploy(
      'Act 3: a healthy backend with a broken frontend v3: a run lands whole or not at all',
      'The backend 1.6.1 rolls out fine, but the site fails its health check. The rollback jobs undo what\n' +
        '  this run changed: the frontend to v1, the backend to its previous good revision. The MCP servers\n' +
        '  are deployed too, unchanged, so they are left as they are.',
      { components: 'frontend,backend,mcp', 'backend-images': `api=${BACKEND_IMAGE}:1.6.1` },
      'c3d4e5f60718293a4b5c6d7e8f90123456789012',
    );
    record(
      jobResults(third, {
        frontend: 'success',
        backend: 'success',
        'health-gate': 'failure',
        'rollback-frontend': 'success',
        'rollback-backend': 'success',
        'rollback-mcp': 'skipped',
      }),
    );
    const mcpAtEnd = cluster
      .list('Deployment', 'sophia')
      .filter((workload) => workload.metadata.labels?.['app.kubernetes.io/component'] === 'mcp-server');
    record(
      check(
        'the MCP servers, unchanged by this run, kept their revision',
        mcpAtEnd.length >= 3 &&
          mcpAtEnd.every(
            (workload) =>
              annotation(workload, 'deployment.kubernetes.io/revision') === '1' &&
              annotation(workload, 'sophia.ai/failed-revisions') === '',
          ),
        mcpAtEnd
          .map(
            (workload) =>
              `${workload.metadata.name} revision ${annotation(workload, 'deployment.kubernetes.io/revision')}`,
          )
          .join(', '),
      ),
    );
    const servedAtEnd = await servedHealth(sandbox.siteUrl);
    record(
      check(
        'nginx serves frontend v1',
        servedAtEnd.body.includes('"version":"v1"'),
        `${servedAtEnd.status} ${servedAtEnd.body}`,
      ),
    );
    const backendAtEnd = cluster.get('Deployment', 'sophia', 'sophia-backend');
    const undone = JSON.parse(outputOf(third, 'rollback-backend', './actions/rollback', 'from') || '{}') as Record<
      string,
      string
    >;
    record(
      check(
        `the rollback job put the backend back on ${BACKEND_IMAGE}:1.5.0 and marked the 1.6.1 revision failed`,
        image(backendAtEnd) === `${BACKEND_IMAGE}:1.5.0` &&
          annotation(backendAtEnd, 'sophia.ai/failed-revisions')
            .split(',')
            .includes(undone['Deployment/sophia-backend'] ?? '-'),
        `${image(backendAtEnd)}, rolled back from revision ${undone['Deployment/sophia-backend'] ?? '?'}, failed revisions ${annotation(backendAtEnd, 'sophia.ai/failed-revisions')}`,
      ),
    );
    write('\n');
    await options.beforeStop?.({ sandbox, cluster, kubeconfigPath, workspace });
  } finally {
    await stop();
  }
  return checks;
}
