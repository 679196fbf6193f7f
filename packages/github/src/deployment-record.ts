import type { GitHubRepository } from './client.js';
import {
  createDeployment,
  createDeploymentStatus,
  deploymentPages,
  listDeploymentStatuses,
  type Deployment,
} from './deployments.js';

/**
 * The records of one environment kept so that its Environments page says what is live: exactly
 * one deployment whose latest status is `success` (the live one), every deployment it replaced
 * `inactive`, a deploy that was rolled back `failure`. Records are per environment, not per
 * component: a deploy of some components is one deployment of the environment.
 */

/** Where a status points: the run that wrote it, and the site. */
export interface RecordLinks {
  /** The run's page (`<server>/<owner>/<repo>/actions/runs/<id>`): the status's "View logs". */
  logUrl: string;
  /** The site of the environment, linked from the Environments page; empty: none. */
  environmentUrl: string;
}

/** A deployment and whether it is live (its newest status is `success`) or ever was. */
interface DeploymentHistory {
  deployment: Deployment;
  live: boolean;
  everLive: boolean;
  /**
   * Its newest status is `inactive`: it was replaced, and so was everything older. These records
   * mark a deployment inactive only when a newer one replaces the one live deployment, and GitHub's
   * `auto_inactive` (REST reference, "Create a deployment status": a `success` status "adds a new
   * inactive status to all prior non-transient, non-production environment deployments") marks every
   * earlier successful one at once. A search for a live deployment older than an inactive one stops
   * there, so its cost does not grow with the environment's history.
   */
  replaced: boolean;
}

/**
 * How many deployments' statuses are read at once: GitHub's secondary rate limits punish bursts of
 * concurrent requests ("Best practices for using the REST API": avoid concurrent requests).
 */
const STATUS_READS_AT_ONCE = 4;

/**
 * The environment's deployments with their state, newest first, read lazily: a page of
 * deployments, then their statuses a few at a time. A caller stops (breaks) as soon as it has
 * found what it needs, so a long history costs only the requests up to there.
 */
async function* histories(github: GitHubRepository, environment: string): AsyncGenerator<DeploymentHistory> {
  for await (const page of deploymentPages(github, { environment })) {
    for (let start = 0; start < page.length; start += STATUS_READS_AT_ONCE) {
      const chunk = page.slice(start, start + STATUS_READS_AT_ONCE);
      const read = await Promise.all(
        chunk.map(async (deployment) => {
          const statuses = await listDeploymentStatuses(github, deployment.id);
          return {
            deployment,
            live: statuses[0]?.state === 'success',
            everLive: statuses.some((status) => status.state === 'success'),
            replaced: statuses[0]?.state === 'inactive',
          };
        }),
      );
      yield* read;
    }
  }
}

/**
 * Opens the record of a deploy: a deployment of `ref` to `environment` (task `deploy` unless given), then its
 * `in_progress` status with the run's log URL.
 *
 * REST and errors: those of createDeployment and createDeploymentStatus.
 * Minimum token permission: `deployments: write`.
 */
export async function startDeploymentRecord(
  github: GitHubRepository,
  options: {
    ref: string;
    environment: string;
    description: string;
    /** GitHub's deployment task; default `deploy`. */
    task?: string;
    payload?: Record<string, unknown>;
  } & RecordLinks,
): Promise<Deployment> {
  const deployment = await createDeployment(github, {
    ref: options.ref,
    environment: options.environment,
    description: options.description,
    task: options.task,
    payload: options.payload,
  });
  await createDeploymentStatus(github, deployment.id, {
    state: 'in_progress',
    logUrl: options.logUrl,
    environmentUrl: options.environmentUrl,
    description: options.description,
  });
  return deployment;
}

/**
 * Makes `deploymentId` the environment's one live record: its `success` status, then every other
 * live deployment `inactive` (GitHub does that by itself only outside production:
 * `auto_inactive` of "Create a deployment status" applies to non-transient, non-production
 * environments, and only `success` makes a deployment the active one). The search stops at the
 * first earlier deployment that is inactive: nothing older is live (see DeploymentHistory.replaced).
 * It does not stop at the first live one: a deployment written by something else (a job naming
 * `environment: production` gets a `success` status from GitHub Actions) can stand between this
 * one and the one it replaces, and stopping there would leave that one live for good.
 */
async function markLive(
  github: GitHubRepository,
  deploymentId: number,
  options: { environment: string; description: string } & RecordLinks,
): Promise<void> {
  const links = { logUrl: options.logUrl, environmentUrl: options.environmentUrl };
  await createDeploymentStatus(github, deploymentId, { state: 'success', description: options.description, ...links });
  for await (const history of histories(github, options.environment)) {
    if (history.deployment.id < deploymentId && history.replaced) break;
    if (history.deployment.id === deploymentId || !history.live) continue;
    await createDeploymentStatus(github, history.deployment.id, {
      state: 'inactive',
      description: `Replaced by deployment ${deploymentId}`,
      ...links,
    });
  }
}

/**
 * Closes the record of a deploy.
 * - `success`: the deployment's `success` status; every other live deployment of the environment
 *   is marked `inactive` (GitHub does that by itself only outside production: `auto_inactive`). The
 *   search stops at the first earlier deployment that is inactive (nothing older is live), so it
 *   reads a few deployments' statuses however long the history.
 * - `failure`: the deployment's `failure` status (`description` says why). With `restored` (what
 *   the run changed was put back), the newest earlier deployment that is still live, else that
 *   ever was, gets a new `success` status: it is what is live again. With `liveDescription` (what
 *   failed serves all the same: a failed health gate that nothing rolled back), the `failure` status
 *   is followed by a `success` one saying so, and the live one before it becomes `inactive`:
 *   GitHub shows only a deployment whose newest status is `success` as active, and the one before
 *   no longer serves. With neither (a rollback that failed too, so what is live is not known), no
 *   other record is touched.
 * Returns the deployment marked live again, if any.
 *
 * REST: those of listDeployments, listDeploymentStatuses and createDeploymentStatus.
 * Minimum token permission: `deployments: write`.
 */
export async function finishDeploymentRecord(
  github: GitHubRepository,
  deploymentId: number,
  options: {
    environment: string;
    outcome: 'success' | 'failure';
    restored: boolean;
    description: string;
    /** With `failure`: what failed serves all the same; the description of its `success` status. */
    liveDescription?: string;
  } & RecordLinks,
): Promise<{ restored?: Deployment }> {
  const links = { logUrl: options.logUrl, environmentUrl: options.environmentUrl };
  if (options.outcome === 'success') {
    await markLive(github, deploymentId, options);
    return {};
  }
  await createDeploymentStatus(github, deploymentId, { state: 'failure', description: options.description, ...links });
  if (options.liveDescription !== undefined && !options.restored) {
    await markLive(github, deploymentId, { ...options, description: options.liveDescription });
    return {};
  }
  if (!options.restored) return {};
  let restored: Deployment | undefined;
  for await (const history of histories(github, options.environment)) {
    if (history.deployment.id >= deploymentId) continue;
    if (history.live) {
      restored = history.deployment;
      break;
    }
    if (history.everLive) restored ??= history.deployment;
    if (history.replaced) break;
  }
  if (restored) {
    await createDeploymentStatus(github, restored.id, {
      state: 'success',
      description: `Live again: deployment ${deploymentId} was rolled back`,
      ...links,
    });
  }
  return { restored };
}

/**
 * What a manual rollback left serving, per component: the component rolled back with what its
 * rollback reports serving now, every other component as the record it replaced says.
 */
export interface RollbackFacts {
  /** The component rolled back, such as `frontend`, `backend` or `mcp`. */
  component: string;
  /**
   * What it serves after the rollback, as the rollback action reports it: the frontend's `live`
   * output (a release id, or JSON `host:port` -> release id), Kubernetes' `to` output (JSON
   * `<namespace>/<Kind>/<name>` -> revision).
   */
  live: string;
}

/** What a rollback record keeps in its payload beside `components`. */
type RollbackPayload = {
  components: Record<string, string>;
  rollback: {
    component: string;
    live: string;
    /** The deployment the rollback replaced. */
    replaced: number | null;
    /** The deploy whose releases the components not in `components` still serve. */
    base: number | null;
  };
};

/**
 * What a live record says serves: a rollback record's payload `components` and `base`; a deploy's
 * record names no component (it may have deployed some only), so it is itself the base.
 */
function servedBy(deployment: Deployment): { components: Record<string, string>; base: number } {
  const payload = deployment.payload as Partial<RollbackPayload> | null;
  const components = payload?.components;
  const base = payload?.rollback?.base;
  if (deployment.task !== 'rollback' || typeof components !== 'object' || components === null) {
    return { components: {}, base: deployment.id };
  }
  return {
    components: Object.fromEntries(
      Object.entries(components).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    ),
    base: typeof base === 'number' ? base : deployment.id,
  };
}

/**
 * Records a manual rollback as what it is: a new deployment of the environment (task `rollback`)
 * whose payload `components` names what each component serves, marked `success` so it is the live
 * one, and the deployment it replaced `inactive`. A rollback changes one component, to whatever
 * release or revision it was asked for, so no earlier deployment describes what serves (deploy A
 * of everything, deploy B of the backend, the frontend rolled back: the frontend is older than A,
 * the backend B's); marking an earlier one live again would name the wrong release.
 * - `ref`: the commit of the deployment replaced (the other components still serve what it
 *   recorded), else `fallbackRef`.
 * - payload `components`: the rolled-back component -> `facts.live`; every other component the
 *   replaced record named (a rollback's) -> the same; `rollback`: `{component, live, replaced,
 *   base}`: deployment ids of the record replaced and of the deploy whose releases the components
 *   not named still serve (the replaced deploy, or the base of the replaced rollback).
 * - description: `Rolled back <component>: <live>; rest as deployment <base>`, cut at 140 characters.
 * Returns the deployment created and the one replaced, if any was live.
 *
 * REST: those of createDeployment, listDeployments, listDeploymentStatuses and createDeploymentStatus.
 * Minimum token permission: `deployments: write`.
 */
export async function recordRollback(
  github: GitHubRepository,
  options: { environment: string; fallbackRef: string; facts: RollbackFacts } & RecordLinks,
): Promise<{ deployment: Deployment; replaced?: Deployment }> {
  let replaced: Deployment | undefined;
  for await (const history of histories(github, options.environment)) {
    if (history.live) {
      replaced = history.deployment;
      break;
    }
    if (history.replaced) break;
  }
  const { component, live } = options.facts;
  const before = replaced ? servedBy(replaced) : undefined;
  const components = { ...before?.components, [component]: live };
  const rest = before ? `; rest as deployment ${before.base}` : '';
  const description = `Rolled back ${component}: ${live}${rest}`;
  const links = { logUrl: options.logUrl, environmentUrl: options.environmentUrl };
  const deployment = await startDeploymentRecord(github, {
    ref: replaced?.sha ?? options.fallbackRef,
    environment: options.environment,
    description,
    task: 'rollback',
    payload: {
      components,
      rollback: { component, live, replaced: replaced?.id ?? null, base: before?.base ?? null },
    } satisfies RollbackPayload,
    ...links,
  });
  await finishDeploymentRecord(github, deployment.id, {
    environment: options.environment,
    outcome: 'success',
    restored: false,
    description,
    ...links,
  });
  return { deployment, replaced };
}
