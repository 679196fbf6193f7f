/**
 * The guides a newcomer reads first name real files: every path that ARCHITECTURE.md, CONTRIBUTING.md and the
 * READMEs spell in backticks exists, and ARCHITECTURE's "What ships" table names every top-level file and folder
 * of the repository (and each entry of .github/), so a new one cannot be added without saying whether it ships, and
 * marks as in a release exactly what scripts/publish-actions.mjs publishes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repositoryRoot } from '@sophia-testing/action-runner';

const tracked = execFileSync('git', ['ls-files'], { cwd: repositoryRoot, encoding: 'utf8' })
  .split('\n')
  .filter(Boolean);
const guides = tracked.filter(
  (file) =>
    ['ARCHITECTURE.md', 'CONTRIBUTING.md', 'README.md'].includes(file) ||
    /^(actions|packages|testing)\/[^/]+\/README\.md$/.test(file),
);

/** Backticked words that read as paths in the repository: a known extension, or a slash, and no spaces. */
function namedPaths(text: string): string[] {
  return [...text.matchAll(/`([^`\s]+)`/g)]
    .map((match) => match[1].replace(/[:#].*$/, ''))
    .filter((word) => !/^(@|https?:|\$|-|\.\.?\/?$)/.test(word) && !/[(){}=,]/.test(word))
    .filter((word) => /\//.test(word) || /\.(md|ts|mjs|js|json|ya?ml|patch)$/.test(word));
}

/** One segment as a pattern: `<name>` and `*` stand for any run of characters. */
function segmentPattern(segment: string): RegExp {
  const parts = segment.split(/(\*|<[^>]+>)/);
  return new RegExp(
    `^${parts.map((part, index) => (index % 2 ? '.+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`,
  );
}

/** Whether a path exists under `base`. */
function exists(base: string, path: string): boolean {
  const [first, ...rest] = path.split('/').filter(Boolean);
  if (first === undefined) return true;
  if (!existsSync(base) || !statSync(base).isDirectory()) return false;
  const pattern = segmentPattern(first);
  return readdirSync(base).some((entry) => pattern.test(entry) && exists(join(base, entry), rest.join('/')));
}

/**
 * The folders a guide's paths are read from: its own and the root; the root guides also name files inside one
 * package (`kubernetes/src/failed-revisions.ts`). A word is a path claim when its first segment is an entry of one
 * of them: `dist/` in an action's README is; `/etc/nginx` or `<target>/current` (on a target machine), a bare
 * `action.yml`, or `sophia/deploy-k3s-backend@v1` are not.
 */
function bases(guide: string): string[] {
  const root = !guide.includes('/');
  return [
    dirname(join(repositoryRoot, guide)),
    repositoryRoot,
    ...(root ? ['packages', 'testing'].map((tree) => join(repositoryRoot, tree)) : []),
  ];
}

/** Words that look like paths of this repository and are not: GitHub actions a workflow uses. */
const NOT_PATHS = new Set(['actions/checkout', 'actions/setup-node']);

describe('the guides', () => {
  test.each(guides)('every path %s names exists', (guide) => {
    const text = readFileSync(join(repositoryRoot, guide), 'utf8');
    const claims = namedPaths(text).filter((path) => {
      const first = path.split('/')[0];
      return (
        !NOT_PATHS.has(path) &&
        !['', '.'].includes(first) &&
        !/[<*]/.test(first) &&
        bases(guide).some((base) => existsSync(join(base, first)))
      );
    });
    const missing = claims.filter((path) => !bases(guide).some((base) => exists(base, path)));
    expect(missing).toEqual([]);
  });

  test("ARCHITECTURE's table of what ships names every top-level file and folder, and each entry of .github/", () => {
    const text = readFileSync(join(repositoryRoot, 'ARCHITECTURE.md'), 'utf8');
    const section = text.slice(text.indexOf('## What ships'), text.indexOf('\n## ', text.indexOf('## What ships') + 1));
    const named = [
      ...section
        .split('\n')
        .filter((line) => line.startsWith('|'))
        .join('\n')
        .matchAll(/`([^`]+)`/g),
    ].map((match) => match[1]);
    const entries = [
      ...new Set(
        tracked.map((file) =>
          file.startsWith('.github/') ? file.split('/').slice(0, 2).join('/') : file.split('/')[0],
        ),
      ),
    ];
    const unnamed = entries.filter((entry) => !named.some((path) => path === entry || path.startsWith(`${entry}/`)));
    expect(unnamed).toEqual([]);
  });

  test("ARCHITECTURE's table marks as in a release exactly the files a release publishes (PUBLISHED_FILES)", () => {
    const script = readFileSync(join(repositoryRoot, 'scripts', 'publish-actions.mjs'), 'utf8');
    const list = /^const PUBLISHED_FILES = \[([^\]]*)\];$/m.exec(script);
    expect(list).not.toBeNull();
    // LICENSE is the action's own when it has one, else the repository root's; the rest come from the action.
    const published = [...(list?.[1] ?? '').matchAll(/'([^']+)'/g)].map(([, file]) =>
      file === 'LICENSE' ? 'LICENSE' : `actions/<name>/${file}`,
    );
    const text = readFileSync(join(repositoryRoot, 'ARCHITECTURE.md'), 'utf8');
    const section = text.slice(text.indexOf('## What ships'), text.indexOf('\n## ', text.indexOf('## What ships') + 1));
    const rows = section
      .split('\n')
      .filter((line) => line.startsWith('|') && !line.startsWith('| ---'))
      .map((line) => line.split('|').map((cell) => cell.trim()));
    expect(rows[0]?.[2]).toBe('In a release');
    const marked = rows
      .slice(1)
      .filter((cells) => /^yes\b/.test(cells[2]))
      .flatMap((cells) => [...cells[1].matchAll(/`([^`]+)`/g)].map(([, path]) => path.replace(/\/$/, '')));
    expect(rows.slice(1).every((cells) => /^(yes|no)\b/.test(cells[2]))).toBe(true);
    expect(marked.sort()).toEqual(published.sort());
  });

  test('CONTRIBUTING names every system package .ci/system-packages installs, and the install .ci/run runs', () => {
    const script = readFileSync(join(repositoryRoot, '.ci', 'system-packages'), 'utf8');
    const packages = [...script.matchAll(/missing\+=\(([a-z0-9-]+)\)/g)].map(([, name]) => name);
    expect(packages.length).toBeGreaterThan(0);
    const contributing = readFileSync(join(repositoryRoot, 'CONTRIBUTING.md'), 'utf8');
    expect(packages.filter((name) => !contributing.includes(`\`${name}\``))).toEqual([]);
    const install = /^pnpm install .*$/m.exec(readFileSync(join(repositoryRoot, '.ci', 'run'), 'utf8'))?.[0];
    expect(install).toBeDefined();
    expect(contributing).toContain(`\n${install}\n`);
  });
});
