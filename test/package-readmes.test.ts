/**
 * Each shipped package's README says which action bundles contain its code, on one line a reader and this test
 * both read:
 *
 *     Ships in: `deploy-frontend-nginx`, `rollback`.
 *
 * The truth is the bundle: ncc keeps only the modules an action's `src/index.ts` reaches through value imports and
 * drops the rest (`"sideEffects": false` packages are pruned per module), so a package an action imports only
 * through another package's entry point may not ship in it at all (`@sophia/ssh` is not in `plan-comment`, whose
 * plan renderers need none of it). The bundles are read from the committed `dist/` (the modules ncc names in it),
 * which `pnpm check-dist` holds to the sources; the workspace import graph of `src/` checks that reading.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from '@sophia-testing/action-runner';
import { ACTION_NAMES } from './support/actions.js';
import { packagesReached } from './support/import-graph.js';

const PACKAGES = readdirSync(join(repositoryRoot, 'packages')).sort();

/** The workspace packages whose modules an action's committed bundle (every `dist/*.js`) contains. */
function packagesInBundle(action: string): string[] {
  const dist = join(repositoryRoot, 'actions', action, 'dist');
  const code = readdirSync(dist)
    .filter((file) => file.endsWith('.js'))
    .map((file) => readFileSync(join(dist, file), 'utf8'))
    .join('\n');
  // ncc names each bundled module by its path from the action's folder: `../../packages/<name>/src/<file>.ts`.
  return [...new Set([...code.matchAll(/\.\.\/\.\.\/packages\/([a-z0-9-]+)\/src\//g)].map((match) => match[1]))]
    .filter((name) => PACKAGES.includes(name))
    .sort();
}

/** The actions named on a README's `Ships in:` line, in its order; undefined when there is no such line. */
function shipsInLine(readme: string): string[] | undefined {
  const lines = readme.split('\n').filter((line) => line.startsWith('Ships in:'));
  if (lines.length !== 1) return undefined;
  return [...lines[0].matchAll(/`([^`]+)`/g)].map((match) => match[1]);
}

const bundles = new Map(ACTION_NAMES.map((action) => [action, packagesInBundle(action)]));

test('every action bundle is read: each contains the action layer it starts with', () => {
  for (const [action, packages] of bundles)
    expect([action, packages]).toEqual([action, expect.arrayContaining(['action-runtime'])]);
});

test.each(ACTION_NAMES)('%s bundles only packages its src reaches through value imports', (action) => {
  const reached = packagesReached(join(repositoryRoot, 'actions', action, 'src', 'index.ts'));
  expect(bundles.get(action)?.filter((name) => !reached.includes(name))).toEqual([]);
});

test.each(PACKAGES)("packages/%s/README.md's `Ships in:` line names exactly the bundles that contain it", (name) => {
  const named = shipsInLine(readFileSync(join(repositoryRoot, 'packages', name, 'README.md'), 'utf8'));
  const shipping = ACTION_NAMES.filter((action) => bundles.get(action)?.includes(name));
  expect(named).toEqual(shipping);
});
