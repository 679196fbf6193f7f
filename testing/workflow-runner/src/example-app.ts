/**
 * examples/sophia-app, the application repository an adopter copies, set up on this machine:
 * checked out into a directory outside this repository, with the repository variables and the
 * environments (secrets, reviewers) its workflows read pointing at a frontend host of each
 * environment and the cluster, and `sophia/deploy-actions@v1` resolved to this checkout.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { reply, startServer } from '@sophia-testing/http-servers';
import type { EnvironmentSettings, RunWorkflowOptions } from './workflow-runner.js';

/** This checkout: what `sophia/deploy-actions@v1` stands for in a local run. */
export const suiteRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The IP address of the simulator's node `mcp-node` (the product's MCP node; data, never contacted). */
export const MCP_NODE_ADDRESS = '104.171.202.117';

/** The environments of the example application. */
export type ExampleEnvironment = 'staging' | 'production';

/** The machines of one environment of the example application. */
export interface EnvironmentMachines {
  /** Its frontend host (a LocalSshHost). */
  host: FrontendHost;
  /** Its cluster's kubeconfig (content): the KUBECONFIG secret. */
  kubeconfig: string;
  /** Its backend API's public URL (a BackendStandIn's url). */
  apiUrl: string;
}

/** A frontend host the example's workflows reach over SSH (a LocalSshHost of @sophia-testing/ssh-hosts). */
export interface FrontendHost {
  sshPort: number;
  siteUrl: string;
  siteDir: string;
  user: string;
  privateKey: string;
  knownHosts: string;
}

/**
 * The backend API as its users reach it (`<ENV>_API_URL`): on k3s, the Ingress in front of the
 * chat-api pods. The cluster simulator runs no containers, so this server stands in for the
 * Ingress and the pods: `GET /healthz` answers for the image the live Deployment sophia/chat-api
 * runs, as the example's backend/server.mjs does (200 `{"status":"ok"}`), except for the images
 * in `failing`, which answer 503 as a build whose API cannot start would (the readiness probe's
 * view). Without a live Deployment it answers 503, as an Ingress without ready endpoints does.
 */
export interface BackendStandIn {
  /** The API's public URL, without a trailing slash. */
  url: string;
  /** Image references (as in the Deployment) whose API fails its health. */
  failing: Set<string>;
  stop(): Promise<void>;
}

/** `liveImage` reads the image of the live Deployment sophia/chat-api (undefined when there is none). */
export async function startBackendStandIn(liveImage: () => Promise<string | undefined>): Promise<BackendStandIn> {
  const failing = new Set<string>();
  const server = await startServer((request, response) => {
    if (request.url !== '/healthz') return reply(response, 404, '{"error":"not found"}\n');
    liveImage().then(
      (image) => {
        const json = { 'content-type': 'application/json' };
        if (!image) return reply(response, 503, '{"status":"unavailable","error":"no ready endpoints"}\n', json);
        if (failing.has(image)) return reply(response, 503, `${JSON.stringify({ status: 'error', image })}\n`, json);
        reply(response, 200, `${JSON.stringify({ status: 'ok', image })}\n`, json);
      },
      (error: Error) => reply(response, 502, `${error.message}\n`),
    );
  });
  return { url: server.origin, failing, stop: () => server.stop() };
}

export interface ExampleApp {
  /** The application's checkout, outside this repository. */
  workspace: string;
  /** Options every run of its workflows shares; a run adds file, event, inputs and github. */
  settings: Pick<RunWorkflowOptions, 'workspace' | 'vars' | 'environments' | 'repositories'>;
  /** Writes a file of the checkout (a path relative to it), as a new commit would. */
  write(file: string, text: string): void;
  remove(): void;
}

/**
 * Copies examples/sophia-app to a fresh directory and configures each environment for its own
 * machines, as the application's settings would: the repository variables `<ENV>_FRONTEND_HOST`,
 * `<ENV>_FRONTEND_TARGET`, `<ENV>_SITE_URL`, `<ENV>_API_URL`, `<ENV>_MCP_NODE_ADDRESS`, and the
 * environment's secrets SSH_KEY, SSH_KNOWN_HOSTS and KUBECONFIG; production has required
 * reviewers, and `production-plan`, the deploy plan job's environment, none. Two environments
 * may share machines (a test that needs only one of each).
 * `nginx` holds the test and reload commands every host runs alike (the repository variables
 * NGINX_TEST_COMMAND and NGINX_RELOAD_COMMAND, as `sudo -n nginx -s reload` on real machines:
 * fleetNginxCommand of @sophia-testing/ssh-hosts). `timings` are durations as the workflows take
 * them (`20s`, `200ms`), short for tests.
 */
export function checkOutExampleApp(
  machines: Record<ExampleEnvironment, EnvironmentMachines>,
  nginx: { test: string; reload: string },
  timings: { rollout: string; healthInterval: string; healthTimeout: string },
): ExampleApp {
  const workspace = mkdtempSync(path.join(tmpdir(), 'sophia-app-'));
  cpSync(path.join(suiteRoot, 'examples', 'sophia-app'), workspace, { recursive: true });
  const users = new Set(Object.values(machines).map(({ host }) => host.user));
  if (users.size > 1)
    throw new Error(`The example's SSH_USER is one for every host; these hosts have ${[...users].join(', ')}`);
  const vars: Record<string, string> = {
    NGINX_TEST_COMMAND: nginx.test,
    NGINX_RELOAD_COMMAND: nginx.reload,
    SSH_USER: machines.staging.host.user,
    ROLLOUT_TIMEOUT: timings.rollout,
    HEALTH_INTERVAL: timings.healthInterval,
    HEALTH_TIMEOUT: timings.healthTimeout,
  };
  const environments: Record<string, EnvironmentSettings> = {};
  for (const [environment, { host, kubeconfig, apiUrl }] of Object.entries(machines) as Array<
    [ExampleEnvironment, EnvironmentMachines]
  >) {
    const prefix = environment.toUpperCase();
    vars[`${prefix}_SITE_URL`] = host.siteUrl.replace(/\/$/, '');
    vars[`${prefix}_API_URL`] = apiUrl;
    vars[`${prefix}_FRONTEND_HOST`] = `127.0.0.1:${host.sshPort}`;
    vars[`${prefix}_FRONTEND_TARGET`] = host.siteDir;
    vars[`${prefix}_MCP_NODE_ADDRESS`] = MCP_NODE_ADDRESS;
    environments[environment] = {
      secrets: { SSH_KEY: host.privateKey, SSH_KNOWN_HOSTS: host.knownHosts, KUBECONFIG: kubeconfig },
      requiredReviewers: environment === 'production',
    };
  }
  // The plan jobs' environments, without reviewers. On real machines their secrets are a plan
  // user's key and a kubeconfig that may only read and dry-run (docs/deploy-plans.md); the test
  // machines have one user each, so each holds its environment's.
  environments['production-plan'] = { secrets: { ...environments.production.secrets } };
  environments['staging-plan'] = { secrets: { ...environments.staging.secrets } };
  return {
    workspace,
    settings: { workspace, vars, environments, repositories: { 'sophia/deploy-actions@v1': suiteRoot } },
    write: (file, text) => {
      mkdirSync(path.dirname(path.join(workspace, file)), { recursive: true });
      writeFileSync(path.join(workspace, file), text);
    },
    remove: () => rmSync(workspace, { recursive: true, force: true }),
  };
}
