/**
 * Domain packages do not talk to the runner, checked without the linter: eslint.config.js refuses every import of
 * `@actions/core` it can read (test/lint-rules.test.ts), and this test makes sure none can happen even where a lint
 * cannot see, because the module is not there to load. Every package under packages/ is a domain package except
 * the action layer, `@sophia/action-runtime`; `@sophia/github` is GitHub's REST client and may use
 * `@actions/github`, nothing else of the toolkit.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repositoryRoot } from '@sophia-testing/action-runner';

/** The one package of packages/ that talks to the runner. */
const ACTION_LAYER = 'action-runtime';
/** The toolkit packages a domain package may declare: only the GitHub client's octokit. */
const ALLOWED_TOOLKIT: Record<string, string[]> = { github: ['@actions/github'] };
/**
 * Where Node's ESM resolution (the `import` condition, as the bundler follows it) finds `specifier` from the
 * sources of `packages/<name>`, or the error code when it finds nothing. A Node of its own, because jest resolves
 * modules its own way.
 */
function resolveFromSources(name: string, specifier: string): string {
  const script = `try { process.stdout.write(import.meta.resolve(${JSON.stringify(specifier)})); } catch (error) { process.stdout.write(error.code); }`;
  return execFileSync(process.execPath, ['--input-type=module', '--eval', script], {
    cwd: join(repositoryRoot, 'packages', name, 'src'),
    encoding: 'utf8',
  });
}

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];

const domainPackages = readdirSync(join(repositoryRoot, 'packages'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== ACTION_LAYER)
  .map((entry) => entry.name);

/** Every dependency `packages/<name>/package.json` declares, whatever the field. */
function declaredDependencies(name: string): string[] {
  const manifest = JSON.parse(readFileSync(join(repositoryRoot, 'packages', name, 'package.json'), 'utf8')) as Record<
    string,
    Record<string, string> | undefined
  >;
  return DEPENDENCY_FIELDS.flatMap((field) => Object.keys(manifest[field] ?? {}));
}

test('the domain packages are every package but the action layer', () => {
  expect(domainPackages).toEqual(
    expect.arrayContaining(['releases', 'kubernetes', 'health-check', 'ssh', 'inputs', 'reporting', 'github']),
  );
  expect(domainPackages).not.toContain(ACTION_LAYER);
});

describe.each(domainPackages)('packages/%s', (name) => {
  test('declares no dependency on the toolkit (beyond its allowance) nor on the action layer', () => {
    const allowed = ALLOWED_TOOLKIT[name] ?? [];
    const refused = declaredDependencies(name).filter(
      (dependency) =>
        (dependency.startsWith('@actions/') && !allowed.includes(dependency)) ||
        dependency === `@sophia/${ACTION_LAYER}`,
    );
    expect(refused).toEqual([]);
  });

  test('cannot resolve @actions/core from its sources, even through a dependency or a hoisted copy', () => {
    expect(resolveFromSources(name, '@actions/core')).toBe('ERR_MODULE_NOT_FOUND');
  });
});

test('the action layer, by contrast, resolves @actions/core: the resolution above can succeed', () => {
  expect(resolveFromSources(ACTION_LAYER, '@actions/core')).toMatch(/\/node_modules\/@actions\/core\/lib\/core\.js$/);
});
