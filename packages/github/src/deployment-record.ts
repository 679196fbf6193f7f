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
          };
        }),
      );
      yield* read;
    }
  }
}

/**
 * Opens the record of a deploy: a deployment of `ref` to `environment` (task `deploy`), then its
 * `in_progress` status with the run's log URL.
 *
 * REST and errors: those of createDeployment and createDeploymentStatus.
 * Minimum token permission: `deployments: write`.
 */
export async function startDeploymentRecord(
  github: GitHubRepository,
  options: { ref: string; environment: string; description: string } & RecordLinks,
): Promise<Deployment> {
  const deployment = await createDeployment(github, {
    ref: options.ref,
    environment: options.environment,
    description: options.description,
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
 * Closes the record of a deploy.
 * - `success`: the deployment's `success` status; the newest other live deployment of the environment
 *   is marked `inactive` (GitHub does that by itself only outside production: `auto_inactive`).
 * - `failure`: the deployment's `failure` status (`description` says why). With `restored` (what
 *   the run changed was put back), the newest earlier deployment that is still live, else that
 *   ever was, gets a new `success` status: it is what is live again. Without it (a rollback that
 *   failed too, so what is live is not known), no other record is touched.
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
  } & RecordLinks,
): Promise<{ restored?: Deployment }> {
  const links = { logUrl: options.logUrl, environmentUrl: options.environmentUrl };
  if (options.outcome === 'success') {
    await createDeploymentStatus(github, deploymentId, {
      state: 'success',
      description: options.description,
      ...links,
    });
    // These records keep one deployment live: the newest other live one is the one replaced.
    for await (const history of histories(github, options.environment)) {
      if (history.deployment.id === deploymentId || !history.live) continue;
      await createDeploymentStatus(github, history.deployment.id, {
        state: 'inactive',
        description: `Replaced by deployment ${deploymentId}`,
        ...links,
      });
      break;
    }
    return {};
  }
  await createDeploymentStatus(github, deploymentId, { state: 'failure', description: options.description, ...links });
  if (!options.restored) return {};
  let restored: Deployment | undefined;
  for await (const history of histories(github, options.environment)) {
    if (history.deployment.id >= deploymentId) continue;
    if (history.live) {
      restored = history.deployment;
      break;
    }
    if (history.everLive) restored ??= history.deployment;
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
 * Records a rollback of the environment to what was live before: the live deployment (the newest
 * whose latest status is `success`) is marked `inactive`, and the newest earlier one that was
 * ever live gets a new `success` status, as `to: previous` goes one release back (a deployment
 * marked `failure` never was live, so it is skipped, as the rollback skips releases marked
 * failed). Rolling back twice goes one further. Returns both, when found.
 *
 * REST: those of listDeployments, listDeploymentStatuses and createDeploymentStatus.
 * Minimum token permission: `deployments: write`.
 */
export async function recordRollback(
  github: GitHubRepository,
  options: { environment: string; description: string } & RecordLinks,
): Promise<{ rolledBack?: Deployment; restored?: Deployment }> {
  let live: Deployment | undefined;
  let restored: Deployment | undefined;
  for await (const history of histories(github, options.environment)) {
    if (!live) {
      if (history.live) live = history.deployment;
    } else if (history.everLive) {
      restored = history.deployment;
      break;
    }
  }
  if (!live) return {};
  const links = { logUrl: options.logUrl, environmentUrl: options.environmentUrl };
  if (restored) {
    await createDeploymentStatus(github, restored.id, {
      state: 'success',
      description: `Live again (${options.description})`,
      ...links,
    });
  }
  await createDeploymentStatus(github, live.id, { state: 'inactive', description: options.description, ...links });
  return { rolledBack: live, restored };
}
