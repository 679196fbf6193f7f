/**
 * The plan-comment action's bundle as the runner runs it, against the GitHub REST API stand-in:
 * plans that GitHub would refuse for their length are cut with a note, and an environment whose
 * plan could not be made is named as such rather than left out. (plan.yml end to end:
 * workflows-plan.test.ts.)
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBundledAction, type ActionRun } from '@sophia-testing/action-runner';
import { renderMarkdown, startGitHubApi, type GitHubApi } from '@sophia-testing/github-api';
import { plansMarkdown, type EnvironmentPlan } from '../actions/plan-comment/src/plans.js';

let api: GitHubApi;

beforeAll(async () => {
  api = await startGitHubApi({
    tokens: {
      ghs_planComment0000: { 'pull-requests': 'write' },
      ghs_readOnly0000: { 'pull-requests': 'read' },
      ghs_appInstallation0: { 'pull-requests': 'write' },
    },
    identities: { ghs_appInstallation0: 'sophia-deploy[bot]' },
  });
});

afterAll(() => api?.stop());

/** A Kubernetes plan with `objects` ConfigMaps to create. */
function kubernetesPlan(objects: number): string {
  return JSON.stringify({
    schema: 'sophia.deploy-plan/v1',
    target: 'kubernetes',
    counts: { created: objects, configured: 0, unchanged: 0 },
    objects: Array.from({ length: objects }, (_, index) => ({
      object: `sophia/ConfigMap/settings-${index}`,
      kind: 'ConfigMap',
      namespace: 'sophia',
      name: `settings-${index}`,
      action: 'configured',
      changes: [{ path: `data.key${index}`, op: 'replace', before: 'a'.repeat(100), after: 'b'.repeat(100) }],
    })),
    images: [],
  });
}

/** A Kubernetes plan changing one ConfigMap value from `before` to `after`. */
function bigValuePlan(before: string, after: string): string {
  return JSON.stringify({
    schema: 'sophia.deploy-plan/v1',
    target: 'kubernetes',
    counts: { created: 0, configured: 1, unchanged: 0 },
    objects: [
      {
        object: 'sophia/ConfigMap/big',
        kind: 'ConfigMap',
        namespace: 'sophia',
        name: 'big',
        action: 'configured',
        changes: [{ path: 'data.conf', op: 'replace', before, after }],
      },
    ],
    images: [],
  });
}

/** The pull request's plan comment after a run that had to cut plans: within GitHub's limit, and nearly full. */
function cutComment(run: ActionRun, pullNumber: number): string {
  expect(run.annotations.filter((annotation) => annotation.level === 'error')).toEqual([]);
  expect(run.code).toBe(0);
  expect(run.outputs).toMatchObject({ created: 'true', truncated: 'true' });
  const [written] = api.repository('sophia/sophia-app').comments.filter((entry) => entry.issueNumber === pullNumber);
  expect(written.body.length).toBeLessThanOrEqual(65536);
  expect(written.body.length).toBeGreaterThan(60000);
  return written.body;
}

const planDir = mkdtempSync(path.join(tmpdir(), 'plan-comment-'));
afterAll(() => rmSync(planDir, { recursive: true, force: true }));

/** `<environment> <component> <plan JSON>` lines as the `plan-files` input: each plan written to a file, as a deploy action's `plan-file`. */
function planFiles(plans: string): string {
  return plans
    .split('\n')
    .map((line, index) => {
      const [environment, component, ...rest] = line.trim().split(' ');
      if (!environment) return '';
      const file = path.join(
        planDir,
        `${environment}-${component}-${index}-${Math.random().toString(36).slice(2)}.json`,
      );
      if (rest.length > 0) writeFileSync(file, rest.join(' '));
      return `${environment} ${component} ${rest.length > 0 ? file : ''}`;
    })
    .join('\n');
}

function comment(pullNumber: number, plans: string, failed = '', inputs: Record<string, string> = {}) {
  return runBundledAction({
    action: 'plan-comment',
    inputs: {
      'pull-request': String(pullNumber),
      'github-token': 'ghs_planComment0000',
      'plan-files': planFiles(plans),
      failed,
      ...inputs,
    },
    env: {
      GITHUB_API_URL: api.url,
      GITHUB_REPOSITORY: 'sophia/sophia-app',
      GITHUB_RUN_ID: '4242',
      GITHUB_SERVER_URL: 'https://github.com',
    },
  });
}

test('plans longer than a comment may be: each environment keeps its share, cut at a line with a note', async () => {
  const repository = api.repository('sophia/sophia-app');
  const pullNumber = repository.addPullRequest('Many settings');
  const run = await comment(
    pullNumber,
    `staging backend ${kubernetesPlan(150)}\nproduction backend ${kubernetesPlan(150)}\nreview backend ${kubernetesPlan(1)}`,
  );
  const written = { body: cutComment(run, pullNumber) };
  const sections = written.body.split(/\n(?=## (?:staging|production|review)\n)/).slice(1);
  expect(sections.map((section) => section.split('\n')[0])).toEqual(['## staging', '## production', '## review']);
  // The two long ones share what the short one leaves; each ends with the note, on a whole line.
  const note = /\n\n---\n\*\*This environment's plan is cut here:\*\* .*65536 characters.*whole\.\n?$/;
  expect(sections[0]).toMatch(note);
  expect(sections[1]).toMatch(note);
  expect(sections[2]).not.toMatch(note);
  expect(sections[2]).toContain('settings-0');
  expect(Math.abs(sections[0].length - sections[1].length)).toBeLessThan(400);
  expect(run.annotations.map((annotation) => annotation.message)).toContain(
    'The plans are longer than a comment may be (65536 characters): the longest environments are cut',
  );
});

test('a big value in a plan shows capped, with its size and digest', async () => {
  const repository = api.repository('sophia/sophia-app');
  const pullNumber = repository.addPullRequest('Big ConfigMap');
  const plan = bigValuePlan('a'.repeat(20000), 'a'.repeat(19999) + 'b');
  const run = await comment(pullNumber, `production backend ${plan}`);
  expect(run.code).toBe(0);
  const [written] = repository.comments.filter((entry) => entry.issueNumber === pullNumber);
  expect(written.body.length).toBeLessThan(2000);
  const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);
  expect(written.body).toContain(`… (20000 bytes, sha256 ${sha('a'.repeat(20000))})`);
  expect(written.body).toContain(`… (20000 bytes, sha256 ${sha('a'.repeat(19999) + 'b')})`);
});

test('an environment whose plan could not be made says so, with the run, instead of showing a plan', async () => {
  const repository = api.repository('sophia/sophia-app');
  const pullNumber = repository.addPullRequest('Small change');
  const run = await comment(pullNumber, `staging backend ${kubernetesPlan(1)}\nproduction backend\n`, 'production');
  expect(run.code).toBe(0);
  expect(run.outputs).toMatchObject({ created: 'true', truncated: 'false' });
  const [written] = repository.comments.filter((entry) => entry.issueNumber === pullNumber);
  expect(written.body).toContain('### staging: backend');
  expect(written.body).toContain('1 to create, 0 to change, 0 unchanged.');
  expect(written.body).toContain(
    "## production\n\n**The plan could not be made** (see [the run's log](https://github.com/sophia/sophia-app/actions/runs/4242))",
  );
  expect(written.body).not.toContain('### production');
});

test('a token that may not comment fails with a hint: fork, Dependabot or the missing permission', async () => {
  const pullNumber = api.repository('sophia/sophia-app').addPullRequest('From Dependabot');
  const run = await comment(pullNumber, `staging backend ${kubernetesPlan(1)}`, '', {
    'github-token': 'ghs_readOnly0000',
  });
  expect(run.code).toBe(1);
  const [error] = run.annotations.filter((annotation) => annotation.level === 'error');
  expect(error.message).toContain('HTTP 403: Resource not accessible by integration');
  expect(error.message).toContain('from a fork or by Dependabot');
  expect(error.message).toContain('pull-requests: write');
});

test('a rate-limited 403 is reported as the rate limit, without the missing-permission hint', async () => {
  const pullNumber = api.repository('sophia/sophia-app').addPullRequest('Busy hour');
  api.rateLimitNext('primary', 10);
  const run = await comment(pullNumber, `staging backend ${kubernetesPlan(1)}`);
  api.rateLimitNext('primary', 0);
  expect(run.code).toBe(1);
  const [error] = run.annotations.filter((annotation) => annotation.level === 'error');
  expect(error.message).toContain('HTTP 403: API rate limit exceeded');
  expect(error.message).toContain(
    "this token's API requests are used up until 2026-01-01 01:00:00 UTC; not a missing permission",
  );
  expect(error.message).not.toContain('Dependabot');
  expect(error.message).not.toContain('pull-requests: write');
});

test('a marker comment by someone else is left alone; a token writing as another login than comment-author is warned about', async () => {
  const repository = api.repository('sophia/sophia-app');
  const pullNumber = repository.addPullRequest('Marker in a review');
  repository.addComment(pullNumber, 'LGTM <!-- sophia-deploy-plan:deploy-plans -->', 'mallory');
  const own = await comment(pullNumber, `staging backend ${kubernetesPlan(1)}`);
  expect(own.code).toBe(0);
  expect(own.outputs).toMatchObject({ created: 'true' });
  expect(
    repository.comments.filter((entry) => entry.issueNumber === pullNumber).map((entry) => entry.user.login),
  ).toEqual(['mallory', 'github-actions[bot]']);
  expect(repository.comments.find((entry) => entry.issueNumber === pullNumber)?.body).toBe(
    'LGTM <!-- sophia-deploy-plan:deploy-plans -->',
  );

  const appPull = repository.addPullRequest('Written by an app');
  const app = await comment(appPull, `staging backend ${kubernetesPlan(1)}`, '', {
    'github-token': 'ghs_appInstallation0',
  });
  expect(app.code).toBe(0);
  expect(app.annotations.map((annotation) => annotation.message)).toContain(
    'The plan comment was written as "sophia-deploy[bot]", not as comment-author "github-actions[bot]": the next run looks for what "github-actions[bot]" wrote and will not find it. Set comment-author: sophia-deploy[bot]',
  );
  const appAgain = await comment(appPull, `staging backend ${kubernetesPlan(2)}`, '', {
    'github-token': 'ghs_appInstallation0',
    'comment-author': 'sophia-deploy[bot]',
  });
  expect(appAgain.outputs).toMatchObject({ created: 'false', 'comment-id': app.outputs['comment-id'] });
  expect(repository.comments.filter((entry) => entry.issueNumber === appPull).map((entry) => entry.user.login)).toEqual(
    ['sophia-deploy[bot]'],
  );
});

test('plans over 128 KiB: each plan job renders its sections within its share, the comment job joins them', async () => {
  const repository = api.repository('sophia/sophia-app');
  const pullNumber = repository.addPullRequest('A 150 kB setting and many more');
  const big = bigValuePlan('a'.repeat(150_000), 'ü'.repeat(150_000));
  expect(big.length).toBeGreaterThan(300_000);
  const section = (environment: string) =>
    runBundledAction({
      action: 'plan-comment',
      inputs: {
        mode: 'section',
        environments: '2',
        'plan-files': planFiles(
          `${environment} backend ${big}\n${environment} mcp ${kubernetesPlan(400)}\n${environment} frontend`,
        ),
      },
    });
  const [staging, production] = await Promise.all([section('staging'), section('production')]);
  for (const run of [staging, production]) {
    expect(run.annotations.filter((annotation) => annotation.level === 'error')).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs.truncated).toBe('true');
    // What travels on as a job output and then an input: one line, within half the comment and
    // half of what an input may hold.
    expect(run.outputs.sections.split('\n')).toHaveLength(1);
    expect(Buffer.byteLength(run.outputs.sections)).toBeLessThanOrEqual(60 * 1024);
    expect(JSON.parse(run.outputs.sections).markdown.length).toBeLessThanOrEqual(32768);
  }
  const run = await runBundledAction({
    action: 'plan-comment',
    inputs: {
      'pull-request': String(pullNumber),
      'github-token': 'ghs_planComment0000',
      sections: `${staging.outputs.sections}\n${production.outputs.sections}\n`,
    },
    env: { GITHUB_API_URL: api.url, GITHUB_REPOSITORY: 'sophia/sophia-app', GITHUB_SERVER_URL: 'https://github.com' },
  });
  const written = { body: cutComment(run, pullNumber) };
  for (const environment of ['staging', 'production']) {
    expect(written.body).toContain(`## ${environment}\n\n### ${environment}: backend`);
    expect(written.body).toContain(`### ${environment}: mcp`);
  }
  expect(written.body.match(/This environment's plan is cut here/g)).toHaveLength(2);
  const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);
  expect(written.body).toContain(`(150000 bytes, sha256 ${sha('a'.repeat(150_000))})`);
});

/** kubernetesPlan's ConfigMaps, each with five changed fields whose old value is `size` characters. */
function changedPlan(objects: number, size: number): EnvironmentPlan['plan'] {
  const plan = JSON.parse(kubernetesPlan(objects)) as { objects: Array<{ changes: unknown[] }> };
  for (const object of plan.objects) {
    object.changes = Array.from({ length: 5 }, (_, key) => ({
      path: `data.key${key}`,
      op: 'replace',
      before: 'a'.repeat(size),
      after: 'b'.repeat(100),
    }));
  }
  return plan as unknown as EnvironmentPlan['plan'];
}

/** How many `<details>` are open at the start of `heading` in rendered HTML. */
function foldsOpenAt(html: string, heading: string): number {
  const before = html.slice(0, html.indexOf(heading));
  return (before.match(/<details>/g) ?? []).length - (before.match(/<\/details>/g) ?? []).length;
}

test('a cut inside a fold or a code block closes them: the next environment renders outside, whatever the sizes', () => {
  for (const limit of [20_000, 41_000, 65_000]) {
    for (let size = 50; size <= 130; size += 8) {
      const plans: EnvironmentPlan[] = [
        { environment: 'staging', component: 'backend', plan: changedPlan(200, size) },
        { environment: 'production', component: 'backend', plan: changedPlan(1, 10) },
      ];
      const { body, truncated } = plansMarkdown(plans, [], [], '', limit);
      expect(truncated).toBe(true);
      expect(body.length).toBeLessThanOrEqual(limit);
      const { html } = renderMarkdown(body);
      expect(html).toContain('<h2>production</h2>');
      expect({ limit, size, open: foldsOpenAt(html, '<h2>production</h2>') }).toEqual({ limit, size, open: 0 });
      expect(foldsOpenAt(html, "<strong>This environment's plan is cut here:</strong>")).toBe(0);
    }
  }
  // A section rendered by a plan job, cut inside a code block inside a fold.
  const code = Array.from({ length: 4000 }, (_, index) => `+ line ${index}`).join('\n');
  for (const limit of [9_000, 17_000, 30_000]) {
    const { body } = plansMarkdown(
      [],
      [
        {
          environment: 'staging',
          markdown: `## staging\n\n<details><summary>diff</summary>\n\n\`\`\`\`diff\n${code}\n\`\`\`\`\n</details>\n`,
        },
        { environment: 'production', markdown: '## production\n\nNo change.\n' },
      ],
      [],
      '',
      limit,
    );
    const { html } = renderMarkdown(body);
    expect(html).toContain('<h2>production</h2>');
    expect(html).toContain("<p><strong>This environment's plan is cut here:</strong>");
    expect(foldsOpenAt(html, '<h2>production</h2>')).toBe(0);
  }
});

test('environment and component names read as written in their headings, never as emphasis', () => {
  const plans: EnvironmentPlan[] = [{ environment: '_qa_', component: '__web__', plan: changedPlan(1, 10) }];
  const { html } = renderMarkdown(plansMarkdown(plans, [], [], '', 65_000).body);
  expect(html).toContain('<h2>_qa_</h2>');
  expect(html).toContain('<h3>_qa_: __web__</h3>');
});
