/**
 * A frontend plan whose build names files to hide what follows them (a line break then `<!--`, a
 * backtick that ends a code span, a tag): the plan's Markdown shows every path as the text it is,
 * and nothing after it (the other hosts, another environment's section) is swallowed.
 */
import { htmlText, linkableReferences, renderMarkdown } from '@sophia-testing/github-api';
import { PLAN_SCHEMA, visibleText } from '@sophia/reporting';
import { frontendPlanMarkdown, type FrontendPlan, type HostPlan } from '@sophia/releases';

const HOSTILE_PATHS = ['x\n<!-- hidden.js', 'x`<!--.js', '<!-- a.js', 'a/``b``/<b>c</b>.js', 'n\u2028<!--.js'];

function host(label: string, paths: string[]): HostPlan {
  const changes = (list: string[]) => ({ count: list.length, bytes: list.length, paths: list });
  return {
    host: label.split(':')[0],
    label,
    target: '/var/www/sophia',
    liveRelease: 'r1',
    liveKnown: true,
    alreadyLive: false,
    added: changes(paths),
    changed: changes(['index.html']),
    removed: changes(paths.slice(0, 2)),
    unchanged: { count: 0, bytes: 0 },
    upload: { files: paths.length + 1, bytes: paths.length + 1 },
    drifted: paths.slice(1, 3),
    blockers: [`a lock is held by ${paths[0]}`],
  };
}

test('every hostile path reads back as its visible text, and the second host and the Markdown after it survive', () => {
  const plan: FrontendPlan = {
    schema: PLAN_SCHEMA,
    target: 'frontend',
    releaseId: 'r2<!--',
    build: { files: 6, bytes: 6 },
    hosts: [host('web-1:22', HOSTILE_PATHS), host('web-2:22', ['safe.js'])],
  };
  const markdown = `${frontendPlanMarkdown(plan)}\n## production\n\nThe production plan.\n`;
  expect(markdown.split('\n').filter((line) => line.startsWith('<!--'))).toEqual([]);
  const { html, codeSpans } = renderMarkdown(markdown);
  expect(html).not.toContain('<!--');
  expect(html).toContain('<h2>production</h2>');
  expect(html).toContain('web-2:22: the paths');
  for (const path of HOSTILE_PATHS) expect(codeSpans).toContain(visibleText(path));
  expect(codeSpans).toContain('safe.js');
});

test('a host label and paths with backslashes, markup and mentions read as written in the fold, and notify no one', () => {
  const label = 'web_1_ \\\\share\\ @sophia/deployers #7 <b>:22';
  const paths = ['dir\\file_name_.js', '@octocat/#12.js', 'a|b\\|c.js'];
  const plan: FrontendPlan = {
    schema: PLAN_SCHEMA,
    target: 'frontend',
    releaseId: 'r2 GH-9',
    build: { files: 3, bytes: 3 },
    hosts: [host(label, paths)],
  };
  const { html, codeSpans, cells } = renderMarkdown(`${frontendPlanMarkdown(plan)}\n## After\n`);
  expect(html).toMatch(/<\/details>\s*<h2>After<\/h2>/);
  expect(linkableReferences(html)).toEqual([]);
  const summaries = [...html.matchAll(/<summary>(.*?)<\/summary>/gs)].map((match) => htmlText(match[1]));
  expect(summaries).toEqual([`${label}: the paths`]);
  expect(cells[0]).toBe(label);
  for (const path of paths) expect(codeSpans).toContain(path);
  expect(htmlText(html.match(/<h3>(.*?)<\/h3>/s)![1])).toBe(
    'Frontend plan for release r2 GH-9 (dry run: nothing was changed)',
  );
});
