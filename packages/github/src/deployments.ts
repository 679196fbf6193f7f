import { calling, listAll, pagesOf, type GitHubRepository } from './client.js';

/** The states GitHub accepts for a deployment status (REST reference, "Create a deployment status"). */
export type DeploymentState = 'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success';

/** A deployment as GitHub records it (REST "Get a deployment"), fields in camelCase. */
export interface Deployment {
  id: number;
  /** The commit deployed: GitHub resolves `ref` to it when the deployment is created. */
  sha: string;
  ref: string;
  environment: string;
  task: string;
  description: string | null;
  payload: unknown;
  productionEnvironment: boolean;
  transientEnvironment: boolean;
  /** ISO 8601. */
  createdAt: string;
}

/**
 * One status of a deployment as GitHub records it (REST "Get a deployment status"), fields in camelCase; `logUrl` and
 * `environmentUrl` are '' when none was given.
 */
export interface DeploymentStatus {
  id: number;
  state: DeploymentState;
  description: string;
  environment: string;
  logUrl: string;
  environmentUrl: string;
  /** ISO 8601. */
  createdAt: string;
}

/** What `createDeployment` sends; GitHub's defaults apply to what is left out. */
export interface CreateDeploymentOptions {
  /** A branch, tag or commit SHA. */
  ref: string;
  /** Such as `staging` or `production`. */
  environment: string;
  description?: string;
  /** GitHub's deployment task; default (GitHub's) `deploy`. */
  task?: string;
  /** Free JSON kept with the deployment (such as the release id), read back by listDeployments. */
  payload?: Record<string, unknown>;
  /** Default (GitHub's): true for `production`, false otherwise. */
  productionEnvironment?: boolean;
  /** Default false. */
  transientEnvironment?: boolean;
}

/**
 * Records a deployment of `ref` to `environment`. It is created with `auto_merge: false` (GitHub
 * would otherwise merge the default branch into a ref behind it) and `required_contexts: []`
 * (GitHub would otherwise refuse, 409, while a commit status of the ref is not green: the
 * workflow's own `needs:` already decide whether to deploy).
 *
 * REST: POST /repos/{owner}/{repo}/deployments.
 * Minimum token permission: `deployments: write`.
 * Throws GitHubApiError (operation `createDeployment`; 422 `No ref found for: <ref>`).
 */
export async function createDeployment(
  github: GitHubRepository,
  options: CreateDeploymentOptions,
): Promise<Deployment> {
  return calling('createDeployment', async () => {
    const { octokit, owner, repo } = github;
    const response = await octokit.rest.repos.createDeployment({
      owner,
      repo,
      ref: options.ref,
      environment: options.environment,
      description: options.description,
      task: options.task,
      payload: options.payload,
      production_environment: options.productionEnvironment,
      transient_environment: options.transientEnvironment,
      auto_merge: false,
      required_contexts: [],
    });
    // 202 is GitHub's "Auto-merged ..." answer, which auto_merge: false rules out.
    if (!('id' in response.data)) throw new Error(String(response.data.message));
    return deploymentOf(response.data);
  });
}

/** What a deployment status says: its state, the links GitHub shows with it, and its description. */
export interface DeploymentStatusOptions {
  state: DeploymentState;
  /** The run's log (such as `<server>/<repo>/actions/runs/<id>`); GitHub links it as "View logs". */
  logUrl?: string;
  /** The deployed site; the Environments page links it. */
  environmentUrl?: string;
  /** At most 140 characters (GitHub's limit); longer text is cut with `…`. */
  description?: string;
  /**
   * GitHub's `auto_inactive` (default true): a `success` status marks prior successful deployments
   * of the same environment inactive, but only in non-production, non-transient environments;
   * a production deployment replaced must be marked `inactive` explicitly.
   */
  autoInactive?: boolean;
}

/** GitHub's limit on a deployment status description (REST reference). */
const DESCRIPTION_LIMIT = 140;

/**
 * Posts a status of a deployment, which the repository's Environments page shows.
 *
 * REST: POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses.
 * Minimum token permission: `deployments: write`.
 * Throws GitHubApiError (operation `createDeploymentStatus`).
 */
export async function createDeploymentStatus(
  github: GitHubRepository,
  deploymentId: number,
  options: DeploymentStatusOptions,
): Promise<DeploymentStatus> {
  const description =
    options.description && options.description.length > DESCRIPTION_LIMIT
      ? `${options.description.slice(0, DESCRIPTION_LIMIT - 1)}…`
      : options.description;
  return calling('createDeploymentStatus', async () => {
    const { octokit, owner, repo } = github;
    const { data } = await octokit.rest.repos.createDeploymentStatus({
      owner,
      repo,
      deployment_id: deploymentId,
      state: options.state,
      log_url: options.logUrl,
      environment_url: options.environmentUrl,
      description,
      auto_inactive: options.autoInactive,
    });
    return statusOf(data);
  });
}

/**
 * The deployments to `environment`, newest first, narrowed to a `ref` or `sha` when given.
 *
 * REST: GET /repos/{owner}/{repo}/deployments?environment=… (every page).
 * Minimum token permission: `deployments: read`.
 * Throws GitHubApiError (operation `listDeployments`).
 */
export async function listDeployments(
  github: GitHubRepository,
  filter: { environment: string; ref?: string; sha?: string },
): Promise<Deployment[]> {
  return calling('listDeployments', async () => {
    const deployments = await listAll(github, github.octokit.rest.repos.listDeployments, {
      environment: filter.environment,
      ref: filter.ref,
      sha: filter.sha,
    });
    return deployments.map(deploymentOf).sort((a, b) => b.id - a.id);
  });
}

/**
 * The deployments to `environment`, newest first (GitHub's order), one page of up to 100 at a time:
 * a caller that stops early reads no further page.
 *
 * REST: GET /repos/{owner}/{repo}/deployments?environment=… (page by page, as the caller reads).
 * Minimum token permission: `deployments: read`.
 * Throws GitHubApiError (operation `listDeployments`).
 */
export async function* deploymentPages(
  github: GitHubRepository,
  filter: { environment: string },
): AsyncGenerator<Deployment[]> {
  const pages = pagesOf(github, github.octokit.rest.repos.listDeployments, { environment: filter.environment });
  const iterator = pages[Symbol.asyncIterator]();
  for (;;) {
    const next = await calling('listDeployments', () => iterator.next());
    if (next.done) return;
    yield next.value.map(deploymentOf);
  }
}

/**
 * The newest deployment to `environment` of `ref` or `sha`, or undefined.
 * REST, permission and errors: those of listDeployments.
 */
export async function findDeployment(
  github: GitHubRepository,
  filter: { environment: string; ref?: string; sha?: string },
): Promise<Deployment | undefined> {
  return (await listDeployments(github, filter))[0];
}

/**
 * A deployment's statuses, newest first: the first is what the Environments page shows.
 *
 * REST: GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses (every page).
 * Minimum token permission: `deployments: read`.
 * Throws GitHubApiError (operation `listDeploymentStatuses`).
 */
export async function listDeploymentStatuses(
  github: GitHubRepository,
  deploymentId: number,
): Promise<DeploymentStatus[]> {
  return calling('listDeploymentStatuses', async () => {
    const statuses = await listAll(github, github.octokit.rest.repos.listDeploymentStatuses, {
      deployment_id: deploymentId,
    });
    return statuses.map(statusOf).sort((a, b) => b.id - a.id);
  });
}

/**
 * The one rule by which GitHub's JSON becomes this package's records: each field of the record is
 * GitHub's field of the same name in snake_case (`createdAt` from `created_at`, the REST API's
 * naming), or the field's value in `fields` when GitHub leaves it out or sends null. Fields GitHub
 * sends that the record does not declare are left behind.
 */
function recordRule<T extends object>(fields: T): (json: object) => T {
  const sources = Object.entries(fields).map(([field, fallback]) => ({
    field,
    fallback: fallback as unknown,
    source: field.replace(/[A-Z]/g, (capital) => `_${capital.toLowerCase()}`),
  }));
  return (json) => {
    const data = json as Record<string, unknown>;
    return Object.fromEntries(sources.map(({ field, fallback, source }) => [field, data[source] ?? fallback])) as T;
  };
}

// GitHub always sends `id`, `sha`, `ref`, `environment`, `task`, `payload` and `created_at` (REST
// reference, "Get a deployment"): their values here only give the record's type.
const deploymentOf = recordRule<Deployment>({
  id: 0,
  sha: '',
  ref: '',
  environment: '',
  task: '',
  description: null,
  payload: undefined,
  productionEnvironment: false,
  transientEnvironment: false,
  createdAt: '',
});

// A status's `id`, `state` and `created_at` are always sent too ("Get a deployment status").
const statusRecordOf = recordRule<DeploymentStatus>({
  id: 0,
  state: 'pending',
  description: '',
  environment: '',
  logUrl: '',
  environmentUrl: '',
  createdAt: '',
});

/** A status's log link is `log_url`, else `target_url`, the older field GitHub documents `log_url` as replacing. */
function statusOf(json: object): DeploymentStatus {
  const status = statusRecordOf(json);
  return { ...status, logUrl: status.logUrl || (json as { target_url?: string }).target_url || '' };
}
