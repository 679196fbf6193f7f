/**
 * The stand-in answers as GitHub does where the suite depends on it (pagination, 404 and 422
 * shapes, token permissions), and a workflow run here routes its steps' calls to it through
 * GITHUB_API_URL, as a job's steps reach GitHub's API through the variable the runner sets.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runWorkflow } from '@sophia-testing/workflow-runner';
import { startGitHubApi, type GitHubApi } from '../src/index.js';

let api: GitHubApi;

beforeAll(async () => {
  api = await startGitHubApi({ tokens: { ghs_issues: { issues: 'write' } } });
  api.repository('sophia/sophia-app');
});

afterAll(() => api.stop());

async function call(method: string, route: string, body?: unknown, token = 'ghs_issues') {
  const response = await fetch(`${api.url}${route}`, {
    method,
    headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, link: response.headers.get('link'), json: (await response.json()) as unknown };
}

it('pages a list with per_page and answers with Link headers to the next and last pages', async () => {
  for (let index = 0; index < 5; index++) await call('POST', '/repos/sophia/sophia-app/issues', { title: `#${index}` });
  const first = await call('GET', '/repos/sophia/sophia-app/issues?per_page=2');
  expect((first.json as Array<{ title: string }>).map((issue) => issue.title)).toEqual(['#4', '#3']);
  expect(first.link).toBe(
    `<${api.url}/repos/sophia/sophia-app/issues?per_page=2&page=2>; rel="next", ` +
      `<${api.url}/repos/sophia/sophia-app/issues?per_page=2&page=3>; rel="last"`,
  );
  const last = await call('GET', '/repos/sophia/sophia-app/issues?per_page=2&page=3');
  expect(last.json).toHaveLength(1);
  expect(last.link).not.toContain('rel="next"');
});

it("answers 404, 422, 401 and 403 with GitHub's message shape", async () => {
  expect(await call('GET', '/repos/sophia/unknown/issues')).toMatchObject({
    status: 404,
    json: { message: 'Not Found', status: '404' },
  });
  expect(await call('POST', '/repos/sophia/sophia-app/issues', { body: 'no title' })).toMatchObject({
    status: 422,
    json: { message: 'Validation Failed', errors: [{ resource: 'Issue', field: 'title', code: 'missing_field' }] },
  });
  expect(await call('GET', '/repos/sophia/sophia-app/issues', undefined, 'ghs_unknown')).toMatchObject({
    status: 401,
    json: { message: 'Bad credentials' },
  });
  expect(await call('GET', '/repos/sophia/sophia-app/deployments')).toMatchObject({
    status: 403,
    json: { message: 'Resource not accessible by integration' },
  });
});

it("routes a workflow step's REST calls to the stand-in through GITHUB_API_URL, with the run's token", async () => {
  const workspace = mkdtempSync(path.join(tmpdir(), 'github-api-run-'));
  const open = await startGitHubApi();
  open.repository('sophia/sophia-app');
  try {
    mkdirSync(path.join(workspace, '.github', 'workflows'), { recursive: true });
    writeFileSync(
      path.join(workspace, '.github', 'workflows', 'alert.yml'),
      [
        'on: push',
        'jobs:',
        '  alert:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - env: { TOKEN: "${{ github.token }}" }',
        '        run: |',
        '          curl -sSf -X POST -H "Authorization: token $TOKEN" -d \'{"title":"down"}\' "$GITHUB_API_URL/repos/$GITHUB_REPOSITORY/issues"',
        '',
      ].join('\n'),
    );
    const run = await runWorkflow({ file: '.github/workflows/alert.yml', workspace, github: { api_url: open.url } });
    expect(run.jobs[0].steps.map((step) => step.note ?? '')).toEqual(['']);
    expect(run.result).toBe('success');
    expect(open.requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/repos/sophia/sophia-app/issues',
        body: { title: 'down' },
        token: expect.stringMatching(/^ghs_/),
      }),
    ]);
  } finally {
    await open.stop();
    rmSync(workspace, { recursive: true, force: true });
  }
});
