/**
 * A plan comment cut to GitHub's limit closes the folds its renderers opened, whatever the file
 * names say: a pull request's build may name a file `x</details>y.js` (only control characters
 * are refused), and no such name may close or open a fold at a cut, so production's plan never
 * renders inside staging's fold. Checked in both places a cut happens: the comment of whole
 * plans (plansMarkdown) and the sections a plan job passes on (planSections), rendered as
 * GitHub renders them.
 */
import { renderMarkdown } from '@sophia-testing/github-api';
import type { FrontendPlan, PathChanges } from '@sophia/releases';
import { planSections, plansMarkdown, type EnvironmentPlan } from '../actions/plan-comment/src/plans.js';

/** Names that a text search for tags would take for folds, or that could end a code span early. */
const HOSTILE = [
  'assets/x</details>y.js',
  'assets/a<details>b.js',
  'assets/<summary>s.js',
  'assets/</summary>t.js',
  '</details>',
  '<details>',
  'assets/`</details>`.js',
  'assets/``<details>``.js',
  '`',
];

function changes(paths: string[]): PathChanges {
  return { count: paths.length, bytes: 100 * paths.length, paths };
}

/** A frontend plan for one host adding `added` and removing `removed`, files changed on the server as `drifted`. */
function frontendPlan(added: string[], removed: string[] = [], drifted: string[] = []): FrontendPlan {
  return {
    schema: 'sophia.deploy-plan/v1',
    target: 'frontend',
    releaseId: 'r2',
    build: { files: added.length, bytes: 100 * added.length },
    hosts: [
      {
        host: 'web1',
        label: 'web1:22',
        target: '/var/www/sophia',
        liveRelease: 'r1',
        liveKnown: true,
        alreadyLive: false,
        added: changes(added),
        changed: changes([]),
        removed: changes(removed),
        unchanged: { count: 0, bytes: 0 },
        upload: { files: added.length, bytes: 100 * added.length },
        drifted,
        blockers: [],
      },
    ],
  } as FrontendPlan;
}

/** Staging's paths: hostile names spread among ordinary long ones, so cuts land before, between and after them. */
function stagingPaths(): string[] {
  const paths: string[] = [];
  for (let index = 0; index < 300; index += 1) {
    paths.push(
      index % 25 === 0 ? HOSTILE[(index / 25) % HOSTILE.length] : `assets/chunk-${index}-${'h'.repeat(90)}.js`,
    );
  }
  return paths;
}

const staging = (): EnvironmentPlan => ({
  environment: 'staging',
  component: 'frontend',
  plan: frontendPlan(stagingPaths(), HOSTILE, HOSTILE),
});
const production: EnvironmentPlan = {
  environment: 'production',
  component: 'frontend',
  plan: frontendPlan(['index.html', ...HOSTILE]),
};

/** How many `<details>` are open at the start of `heading` in rendered HTML (a code span's tags are escaped there). */
function foldsOpenAt(html: string, heading: string): number {
  const before = html.slice(0, html.indexOf(heading));
  return (before.match(/<details>/g) ?? []).length - (before.match(/<\/details>/g) ?? []).length;
}

function expectProductionOutsideFolds(body: string, where: Record<string, unknown>): void {
  const { html } = renderMarkdown(body);
  expect({ ...where, heading: html.includes('<h2>production</h2>') }).toEqual({ ...where, heading: true });
  expect({ ...where, open: foldsOpenAt(html, '<h2>production</h2>') }).toEqual({ ...where, open: 0 });
  expect({ ...where, atEnd: foldsOpenAt(html + '<END>', '<END>') }).toEqual({ ...where, atEnd: 0 });
}

test('hostile file names never close or open a fold at a cut of the comment', () => {
  const plans = [staging(), production];
  let cuts = 0;
  for (let limit = 6_000; limit <= 40_000; limit += 337) {
    const { body, truncated } = plansMarkdown(plans, [], [], '', limit);
    expect(body.length).toBeLessThanOrEqual(limit);
    if (truncated) cuts += 1;
    expectProductionOutsideFolds(body, { limit });
  }
  expect(cuts).toBeGreaterThan(50);
});

test("hostile file names never close or open a fold at a cut of a plan job's section", () => {
  let cuts = 0;
  for (let limit = 6_000; limit <= 40_000; limit += 337) {
    const { sections, truncated } = planSections([staging()], 2, limit);
    if (truncated) cuts += 1;
    const [productionSection] = planSections([production], 2, limit).sections;
    const { body } = plansMarkdown([], [...sections, productionSection], [], '', limit);
    expect(body.length).toBeLessThanOrEqual(limit);
    expectProductionOutsideFolds(body, { limit });
  }
  expect(cuts).toBeGreaterThan(50);
});

test('uncut, hostile file names leave every fold as the renderers wrote it', () => {
  const { body, truncated } = plansMarkdown([staging(), production], [], [], '', 1_000_000);
  expect(truncated).toBe(false);
  expectProductionOutsideFolds(body, {});
  const { codeSpans } = renderMarkdown(body);
  for (const name of HOSTILE) expect(codeSpans).toContain(name);
});
