import { startGitHubApi, type GitHubApi } from '@sophia-testing/github-api';
import {
  createDeployment,
  createDeploymentStatus,
  finishDeploymentRecord,
  githubRepository,
  recordRollback,
  type GitHubRepository,
} from '@sophia/github';

const TOKEN = 'ghs_deploymentRecords';
const links = { logUrl: 'https://github.com/sophia/long-history/actions/runs/1', environmentUrl: '' };
let api: GitHubApi;
let github: GitHubRepository;

beforeAll(async () => {
  api = await startGitHubApi({ tokens: { [TOKEN]: { deployments: 'write' } } });
  api.repository('sophia/long-history');
  github = githubRepository({ token: TOKEN, repository: 'sophia/long-history', apiUrl: api.url });
  // 300 deploys, each replacing the one before: only the newest is live.
  const ids: number[] = [];
  for (let n = 0; n < 300; n++) {
    const deployment = await createDeployment(github, { ref: 'a'.repeat(40), environment: 'production' });
    await createDeploymentStatus(github, deployment.id, { state: 'success' });
    if (ids.length > 0) await createDeploymentStatus(github, ids.at(-1)!, { state: 'inactive' });
    ids.push(deployment.id);
  }
}, 120_000);

afterAll(() => api.stop());

/** The requests `work` made, with the most that were in flight at once. */
async function counted(work: () => Promise<unknown>): Promise<{ gets: number; atOnce: number }> {
  const before = api.requests.length;
  let inFlight = 0;
  let atOnce = 0;
  const fetching = globalThis.fetch;
  globalThis.fetch = async (...args: Parameters<typeof fetch>) => {
    atOnce = Math.max(atOnce, ++inFlight);
    try {
      return await fetching(...args);
    } finally {
      inFlight--;
    }
  };
  try {
    await work();
  } finally {
    globalThis.fetch = fetching;
  }
  const gets = api.requests.slice(before).filter((request) => request.method === 'GET').length;
  return { gets, atOnce };
}

it('closes a record after 300 deploys reading the newest page and a few statuses, a few at a time', async () => {
  const next = await createDeployment(github, { ref: 'b'.repeat(40), environment: 'production' });
  const done = await counted(() =>
    finishDeploymentRecord(github, next.id, {
      environment: 'production',
      outcome: 'failure',
      restored: true,
      description: 'Health gate failed',
      ...links,
    }),
  );
  // One page of deployments; statuses of the new one and the live one before it, read in a chunk of 4.
  expect(done.gets).toBeLessThanOrEqual(1 + 4);
  expect(done.atOnce).toBeLessThanOrEqual(4);
  const rollback = await counted(() =>
    recordRollback(github, {
      environment: 'production',
      fallbackRef: 'f'.repeat(40),
      facts: { component: 'frontend', live: 'r1' },
      ...links,
    }),
  );
  // Twice a page and a chunk of statuses: to find the live one, then to mark it inactive.
  expect(rollback.gets).toBeLessThanOrEqual(2 * (1 + 4));
  expect(rollback.atOnce).toBeLessThanOrEqual(4);
});

describe('recordRollback', () => {
  let fresh: GitHubRepository;
  const live = async (repository: string) =>
    api
      .repository(repository)
      .deployments.filter((deployment) => [...deployment.statuses].sort((a, b) => b.id - a.id)[0]?.state === 'success');

  beforeAll(() => {
    api.repository('sophia/rollback-records');
    fresh = githubRepository({ token: TOKEN, repository: 'sophia/rollback-records', apiUrl: api.url });
  });

  it('with no live record, records the rollback at the run commit, naming only the component it changed', async () => {
    const done = await recordRollback(fresh, {
      environment: 'staging',
      fallbackRef: 'c'.repeat(40),
      facts: { component: 'backend', live: '{"sophia/Deployment/api":"4"}' },
      ...links,
    });
    expect(done.replaced).toBeUndefined();
    expect(done.deployment).toMatchObject({
      sha: 'c'.repeat(40),
      task: 'rollback',
      description: 'Rolled back backend: {"sophia/Deployment/api":"4"}',
      payload: {
        components: { backend: '{"sophia/Deployment/api":"4"}' },
        rollback: { component: 'backend', replaced: null, base: null },
      },
    });
    expect((await live('sophia/rollback-records')).map((deployment) => deployment.id)).toEqual([done.deployment.id]);
  });

  it('a rollback after a rollback keeps the components the first named and the deploy the rest come from', async () => {
    const deploy = await createDeployment(fresh, { ref: 'd'.repeat(40), environment: 'production' });
    await createDeploymentStatus(fresh, deploy.id, { state: 'success' });
    const first = await recordRollback(fresh, {
      environment: 'production',
      fallbackRef: 'f'.repeat(40),
      facts: { component: 'frontend', live: 'r1' },
      ...links,
    });
    const second = await recordRollback(fresh, {
      environment: 'production',
      fallbackRef: 'f'.repeat(40),
      facts: { component: 'mcp', live: '{"sophia/Deployment/mcp":"2"}' },
      ...links,
    });
    expect(first.replaced?.id).toBe(deploy.id);
    expect(second.replaced?.id).toBe(first.deployment.id);
    expect(second.deployment).toMatchObject({
      sha: 'd'.repeat(40),
      description: `Rolled back mcp: {"sophia/Deployment/mcp":"2"}; rest as deployment ${deploy.id}`,
      payload: {
        components: { frontend: 'r1', mcp: '{"sophia/Deployment/mcp":"2"}' },
        rollback: { replaced: first.deployment.id, base: deploy.id },
      },
    });
    const production = (await live('sophia/rollback-records')).filter((each) => each.environment === 'production');
    expect(production.map((deployment) => deployment.id)).toEqual([second.deployment.id]);
  });
});
