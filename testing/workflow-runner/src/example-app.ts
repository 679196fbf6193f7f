/**
 * examples/sophia-app, the application repository an adopter copies, set up on this machine:
 * checked out into a directory outside this repository, with the repository variables and the
 * environments (secrets, reviewers) its workflows read pointing at the local frontend host and
 * cluster, and `sophia/deploy-actions@v1` resolved to this checkout.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EnvironmentSettings, RunWorkflowOptions } from './workflow-runner.js';

/** This checkout: what `sophia/deploy-actions@v1` stands for in a local run. */
export const suiteRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The IP address of the simulator's node `mcp-node` (the product's MCP node; data, never contacted). */
export const MCP_NODE_ADDRESS = '104.171.202.117';

/** The frontend host the example's workflows reach over SSH (a LocalSshHost of @sophia-testing/ssh-hosts). */
export interface FrontendHost {
  sshPort: number;
  siteUrl: string;
  siteDir: string;
  user: string;
  privateKey: string;
  knownHosts: string;
  nginxTestCommand: string;
  nginxReloadCommand: string;
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
 * Copies examples/sophia-app to a fresh directory and configures it for `host` and the cluster of
 * `kubeconfig` (content); both environments point at the same machines. `timings` are durations
 * as the workflows take them (`20s`, `200ms`), short for tests.
 */
export function checkOutExampleApp(
  host: FrontendHost,
  kubeconfig: string,
  timings: { rollout: string; healthInterval: string; healthTimeout: string },
): ExampleApp {
  const workspace = mkdtempSync(path.join(tmpdir(), 'sophia-app-'));
  cpSync(path.join(suiteRoot, 'examples', 'sophia-app'), workspace, { recursive: true });
  const site = host.siteUrl.replace(/\/$/, '');
  const vars: Record<string, string> = {
    FRONTEND_TARGET: host.siteDir,
    NGINX_TEST_COMMAND: host.nginxTestCommand,
    NGINX_RELOAD_COMMAND: host.nginxReloadCommand,
    SSH_USER: host.user,
    ROLLOUT_TIMEOUT: timings.rollout,
    HEALTH_INTERVAL: timings.healthInterval,
    HEALTH_TIMEOUT: timings.healthTimeout,
  };
  for (const environment of ['STAGING', 'PRODUCTION']) {
    vars[`${environment}_SITE_URL`] = site;
    vars[`${environment}_API_URL`] = `${site}/api`;
    vars[`${environment}_FRONTEND_HOST`] = `127.0.0.1:${host.sshPort}`;
    vars[`${environment}_MCP_NODE_ADDRESS`] = MCP_NODE_ADDRESS;
  }
  const secrets = { SSH_KEY: host.privateKey, SSH_KNOWN_HOSTS: host.knownHosts, KUBECONFIG: kubeconfig };
  const environments: Record<string, EnvironmentSettings> = { staging: { secrets }, production: { secrets } };
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
