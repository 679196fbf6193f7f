/**
 * plan.yml as Sophia's application repository calls it on a pull request (examples/sophia-app's
 * plan.yml, run by the local workflow runner against a real sshd + nginx per environment and the
 * cluster simulator), with GitHub's REST API answered by the stand-in at the HTTP layer: the plans
 * of staging and production in one comment, created on the first run and updated in place on the
 * next, and nothing changed on any host or in the cluster.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { startGitHubApi, type GitHubApi } from '@sophia-testing/github-api';
import { runWorkflow, type WorkflowRun } from '@sophia-testing/workflow-runner';
import { startExampleApp, type ExampleAppMachines } from './fixtures/example-app.js';

let machines: ExampleAppMachines;
let api: GitHubApi;

beforeAll(async () => {
  [machines, api] = await Promise.all([startExampleApp(), startGitHubApi()]);
}, 60_000);

afterAll(async () => {
  await api?.stop();
  await machines?.stop();
});

const REPOSITORY = 'sophia/sophia-app';

/** Every entry under a directory as its kind, inode, mode, times and content hash: what a plan must leave as it is. */
async function tree(dir: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  const walk = async (at: string): Promise<void> => {
    for (const name of (await readdir(at)).sort()) {
      const entry = path.join(at, name);
      const stat = await lstat(entry);
      const meta = `${stat.ino} ${stat.mode} ${stat.mtimeMs} ${stat.ctimeMs}`;
      if (stat.isSymbolicLink()) found[entry] = `link ${await readlink(entry)} ${meta}`;
      else if (stat.isDirectory()) {
        found[entry] = `dir ${meta}`;
        await walk(entry);
      } else
        found[entry] = `file ${meta} ${createHash('sha256')
          .update(await readFile(entry))
          .digest('hex')}`;
    }
  };
  if (existsSync(dir)) await walk(dir);
  return found;
}

/** The hosts' trees, and every object of the cluster the plans look at as kind/namespace/name -> resourceVersion. */
async function everything(): Promise<Record<string, string | undefined>> {
  const found: Record<string, string | undefined> = {
    ...(await tree(machines.site.siteDir)),
    ...(await tree(machines.productionSite.siteDir)),
  };
  for (const kind of ['namespaces', 'nodes', 'configmaps', 'secrets', 'services', 'deployments.apps']) {
    for (const object of await machines.cluster.observer.list(kind, { allNamespaces: true })) {
      found[`${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`] =
        `${object.metadata.resourceVersion} ${JSON.stringify(object.metadata.labels ?? {})}`;
    }
  }
  return found;
}

function pullRequestRun(pullNumber: number, sha: string): Promise<WorkflowRun> {
  return runWorkflow({
    ...machines.app.settings,
    file: '.github/workflows/plan.yml',
    event: 'pull_request',
    github: {
      sha,
      ref: `refs/pull/${pullNumber}/merge`,
      api_url: api.url,
      event: { pull_request: { number: pullNumber, head: { sha, repo: { full_name: REPOSITORY } } } },
    },
  });
}

function results(run: WorkflowRun): Record<string, string> {
  return Object.fromEntries(run.jobs.map((job) => [job.id, job.result]));
}

test('a pull request gets one comment with the plans of staging and production, updated in place on the next push; nothing changes', async () => {
  const repository = api.repository(REPOSITORY);
  const pullNumber = repository.addPullRequest('Greet visitors by name');
  // Someone's comment before the plan: the plan comment is found by its marker, not its position.
  repository.addComment(pullNumber, 'Looks good to me');
  const before = await everything();

  const first = await pullRequestRun(pullNumber, 'c3d4e5f60718293a4b5c6d7e8f90123456789012');
  expect(results(first)).toMatchObject({
    'plan/components': 'success',
    'plan/staging': 'success',
    'plan/production': 'success',
    'plan/comment': 'success',
  });
  expect(first.result).toBe('success');
  // The example passes no plan user here: each plan job says the plan logs in as the deploy's user,
  // in the log and the summary. Its kubeconfig comes from the runner: nothing said of it here.
  for (const environment of ['staging', 'production']) {
    const identity = first.jobs
      .find((job) => job.id === `plan/${environment}`)
      ?.steps.find((step) => step.name === 'Check the plan identity');
    expect(identity?.result).toBe('success');
    expect(identity?.annotations).toEqual([
      expect.objectContaining({
        level: 'warning',
        message: expect.stringContaining("The plan logs in as the deploy's SSH user"),
      }),
    ]);
    expect(identity?.summary).toContain("> [!WARNING]\n> The plan logs in as the deploy's SSH user");
  }
  const writes = () => api.requests.filter((request) => request.method !== 'GET');
  expect(writes().map((request) => `${request.method} ${request.path}`)).toEqual([
    `POST /repos/${REPOSITORY}/issues/${pullNumber}/comments`,
  ]);
  const planComments = () => repository.comments.filter((comment) => comment.body.includes('sophia-deploy-plan'));
  expect(planComments()).toHaveLength(1);
  const [created] = planComments();
  const body = created.body;
  // Both environments, each with its three plans: the frontend per host (nothing live yet: every
  // file would be added), the backend and the MCP servers (their objects would be created).
  expect(body.indexOf('## staging')).toBeGreaterThan(0);
  expect(body.indexOf('## production')).toBeGreaterThan(body.indexOf('## staging'));
  for (const environment of ['staging', 'production']) {
    for (const component of ['frontend', 'backend', 'mcp']) expect(body).toContain(`### ${environment}: ${component}`);
  }
  expect(body.match(/### Frontend plan for release /g)).toHaveLength(2);
  expect(body).toContain(`| 127.0.0.1:${machines.site.sshPort} | nothing |`);
  expect(body).toContain(`| 127.0.0.1:${machines.productionSite.sshPort} | nothing |`);
  expect(body).toMatch(/\d+ to create, 0 to change, 0 unchanged\./);
  expect(body).toContain('| Node | mcp-node (');
  const comment = first.jobs.find((job) => job.id === 'plan/comment');
  expect(comment?.outputs['comment-url']).toBe(
    `https://github.com/${REPOSITORY}/pull/${pullNumber}#issuecomment-${created.id}`,
  );
  // A plan changes nothing, on either host or in the cluster.
  expect(await everything()).toEqual(before);

  // The next push to the pull request: the same comment, rewritten.
  const second = await pullRequestRun(pullNumber, 'd4e5f60718293a4b5c6d7e8f9012345678901234');
  expect(second.result).toBe('success');
  expect(writes().map((request) => `${request.method} ${request.path}`)).toEqual([
    `POST /repos/${REPOSITORY}/issues/${pullNumber}/comments`,
    `PATCH /repos/${REPOSITORY}/issues/comments/${created.id}`,
  ]);
  expect(planComments()).toHaveLength(1);
  expect(planComments()[0].id).toBe(created.id);
  expect(planComments()[0].body).toContain('## production');
  expect(repository.comments.filter((entry) => entry.issueNumber === pullNumber)).toHaveLength(2);
  expect(await everything()).toEqual(before);
}, 240_000);

test('plans over 128 KiB (a 150 kB setting changed): the comment is posted within its limit, every environment in it', async () => {
  // The setting live, as an earlier deploy left it; the pull request changes all of it.
  await machines.cluster.createNamespace('sophia');
  await machines.cluster.observer.apply(
    [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'prompts', namespace: 'sophia' },
        data: { 'system.txt': 'a'.repeat(150_000) },
      },
    ],
    { serverSide: true, fieldManager: 'sophia-deploy' },
  );
  machines.app.write(
    'kubernetes/backend/prompts.yaml',
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: prompts\n  namespace: sophia\ndata:\n  system.txt: ${'b'.repeat(150_000)}\n`,
  );
  const repository = api.repository(REPOSITORY);
  const pullNumber = repository.addPullRequest('Longer system prompt');
  const run = await pullRequestRun(pullNumber, 'e5f60718293a4b5c6d7e8f901234567890123456');
  expect(results(run)).toMatchObject({
    'plan/staging': 'success',
    'plan/production': 'success',
    'plan/comment': 'success',
  });
  expect(run.result).toBe('success');
  // Each backend plan is over 128 KiB: what left its job was only its bounded section.
  for (const environment of ['staging', 'production']) {
    const job = run.jobs.find((entry) => entry.id === `plan/${environment}`);
    const plan = job?.steps.find((step) => step.name === 'Plan the backend')?.outputs.plan ?? '';
    expect(Buffer.byteLength(plan)).toBeGreaterThan(128 * 1024);
    expect(Buffer.byteLength(job?.outputs.sections ?? '')).toBeLessThanOrEqual(60 * 1024);
  }
  const [written] = repository.comments.filter(
    (comment) => comment.issueNumber === pullNumber && comment.body.includes('sophia-deploy-plan'),
  );
  expect(written.body.length).toBeLessThanOrEqual(65536);
  for (const environment of ['staging', 'production']) {
    for (const component of ['frontend', 'backend', 'mcp'])
      expect(written.body).toContain(`### ${environment}: ${component}`);
  }
  const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);
  expect(written.body.match(new RegExp(`150000 bytes, sha256 ${sha('b'.repeat(150_000))}`, 'g'))).toHaveLength(2);
}, 240_000);
