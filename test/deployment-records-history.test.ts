/**
 * Keeping an environment's deployment records true costs the same few REST requests however long
 * its history: finishing a deploy, putting back the one before a failed deploy, and recording a
 * manual rollback each stop at the first earlier deployment that was replaced (inactive), through
 * GitHub's REST API stand-in, in staging (where GitHub's auto_inactive marks earlier deployments
 * inactive by itself) and in production (where only these records do).
 */
import {
  createDeployment,
  createDeploymentStatus,
  finishDeploymentRecord,
  githubRepository,
  recordRollback,
  startDeploymentRecord,
  type GitHubRepository,
} from '@sophia/github';
import { startGitHubApi, type GitHubApi } from '@sophia-testing/github-api';

const TOKEN = 'ghs_recordsHistory00';
const links = { logUrl: 'https://github.com/sophia/app/actions/runs/1', environmentUrl: 'https://example.com' };
let api: GitHubApi;
let repositories = 0;

beforeAll(async () => {
  api = await startGitHubApi({ tokens: { [TOKEN]: { deployments: 'write' } } });
});
afterAll(() => api?.stop());

/**
 * A repository whose `environment` has `earlier` deployments, each replacing the one before as
 * these records do (the last one live), seeded through the REST API directly.
 */
async function withHistory(environment: string, earlier: number): Promise<GitHubRepository> {
  const name = `sophia/records-${(repositories += 1)}`;
  api.repository(name).refs['main'] = 'a'.repeat(40);
  const github = githubRepository({ token: TOKEN, repository: name, apiUrl: api.url });
  let previous: number | undefined;
  for (let index = 0; index < earlier; index += 1) {
    const { id } = await createDeployment(github, { ref: 'main', environment, description: `deploy ${index}` });
    await createDeploymentStatus(github, id, { state: 'success', description: 'live', ...links });
    if (previous !== undefined && environment === 'production') {
      await createDeploymentStatus(github, previous, { state: 'inactive', description: 'replaced', ...links });
    }
    previous = id;
  }
  return github;
}

/** The REST requests `step` makes. */
async function requestsOf(step: () => Promise<unknown>): Promise<number> {
  const before = api.requests.length;
  await step();
  return api.requests.length - before;
}

/** The deployments of the environment whose newest status is `success`. */
function liveIds(github: GitHubRepository): number[] {
  return api
    .repository(`${github.owner}/${github.repo}`)
    .deployments.filter((deployment) => deployment.statuses.at(-1)?.state === 'success')
    .map((deployment) => deployment.id);
}

/**
 * What each way of keeping the records costs after `earlier` deployments, one after the other in
 * one repository, each checked for which deployment it leaves live.
 */
async function costs(environment: string, earlier: number): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  const github = await withHistory(environment, earlier);
  let deployment = await startDeploymentRecord(github, { ref: 'main', environment, description: 'new', ...links });
  result.success = await requestsOf(() =>
    finishDeploymentRecord(github, deployment.id, {
      environment,
      outcome: 'success',
      restored: false,
      description: 'ok',
      ...links,
    }),
  );
  expect(liveIds(github)).toEqual([deployment.id]);

  const liveBefore = liveIds(github);
  deployment = await startDeploymentRecord(github, { ref: 'main', environment, description: 'new', ...links });
  result.restored = await requestsOf(() =>
    finishDeploymentRecord(github, deployment.id, {
      environment,
      outcome: 'failure',
      restored: true,
      description: 'gate failed',
      ...links,
    }),
  );
  expect(liveIds(github)).toEqual(liveBefore);

  let created = 0;
  result.rollback = await requestsOf(async () => {
    created = (
      await recordRollback(github, {
        environment,
        fallbackRef: 'main',
        facts: { component: 'backend', live: '{}' },
        ...links,
      })
    ).deployment.id;
  });
  expect(liveIds(github)).toEqual([created]);
  return result;
}

test.each(['staging', 'production'])(
  'in %s, keeping the records after 250 earlier deployments costs what it does after 5',
  async (environment) => {
    const few = await costs(environment, 5);
    const many = await costs(environment, 250);
    expect(many).toEqual(few);
    expect(many.success).toBeLessThan(10);
  },
  60_000,
);

/**
 * After `earlier` deployments, one written by something else (GitHub Actions gives a job naming
 * `environment: production` a deployment and a `success` status), then two deploys: what each
 * deploy's record costs, checked for leaving only the last one live.
 */
async function costsAfterForeign(earlier: number): Promise<number[]> {
  const environment = 'production';
  const github = await withHistory(environment, earlier);
  const foreign = await createDeployment(github, { ref: 'main', environment, description: 'migration job' });
  await createDeploymentStatus(github, foreign.id, { state: 'success', description: '', ...links });
  const result: number[] = [];
  for (const description of ['B', 'C']) {
    const deployment = await startDeploymentRecord(github, { ref: 'main', environment, description, ...links });
    result.push(
      await requestsOf(() =>
        finishDeploymentRecord(github, deployment.id, {
          environment,
          outcome: 'success',
          restored: false,
          description,
          ...links,
        }),
      ),
    );
    expect(liveIds(github)).toEqual([deployment.id]);
  }
  return result;
}

test('a deployment written by another job between two deploys leaves no earlier one live, at the same cost after 250 deployments', async () => {
  const few = await costsAfterForeign(5);
  const many = await costsAfterForeign(250);
  expect(many).toEqual(few);
  expect(Math.max(...many)).toBeLessThan(10);
}, 60_000);
