/**
 * The input layer sits above the domain packages: `@sophia/inputs` reads the actions' inputs into the request
 * types and rules the domain packages own (a release id, a health check, an SSH or Kubernetes request), so no
 * domain package imports it, type-only imports included. Read from the sources' import graph, so a form the lint
 * rule cannot see (a re-export through another module, a relative path) is caught too.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repositoryRoot } from '@sophia-testing/action-runner';
import { moduleImports, resolveWorkspaceImport, workspacePackageOf } from './support/import-graph.js';

/** The layers above the domain: the input layer itself and the action layer that reads the runner's inputs. */
const ABOVE_THE_DOMAIN = ['action-runtime', 'inputs'];
const domains = readdirSync(join(repositoryRoot, 'packages'))
  .filter((name) => !ABOVE_THE_DOMAIN.includes(name))
  .sort();

/** Every TypeScript source file under `packages/<name>/src`. */
function sources(name: string): string[] {
  const src = join(repositoryRoot, 'packages', name, 'src');
  return readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(src, file));
}

test('the domain packages are found', () => {
  expect(domains).toEqual(expect.arrayContaining(['health-check', 'kubernetes', 'releases', 'reporting', 'ssh']));
});

test.each(domains)('packages/%s/src imports nothing of @sophia/inputs, types included', (name) => {
  const reaching = sources(name).flatMap((file) =>
    moduleImports(file)
      .filter(({ specifier }) => {
        const target = resolveWorkspaceImport(file, specifier);
        return target !== undefined && workspacePackageOf(target) === 'inputs';
      })
      .map(({ specifier }) => `${relative(repositoryRoot, file)}: ${specifier}`),
  );
  expect(reaching).toEqual([]);
});
