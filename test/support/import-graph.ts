/**
 * The workspace's import graph as the bundler follows it: from a source file, every module it loads through a
 * relative import or a `@sophia/<name>` entry point, statically or with `import()`, and every module those load.
 * Read with the TypeScript parser rather than a regular expression so comments, strings and type-only imports
 * (erased before ncc bundles: `import type`, `export type`, `import { type X }` with only type names) do not count.
 * madge (`pnpm cycles`) reads the same files for cycles but cannot tell a type-only import from a value one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { repositoryRoot } from '@sophia-testing/action-runner';

/** One import of a source file: the specifier as written, and whether only types are imported. */
export interface ModuleImport {
  specifier: string;
  typeOnly: boolean;
}

/** The imports and re-exports of one TypeScript file, `import()` calls with a string literal included. */
export function moduleImports(file: string): ModuleImport[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: ModuleImport[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            named !== undefined &&
            ts.isNamedImports(named) &&
            named.elements.length > 0 &&
            named.elements.every((element) => element.isTypeOnly)));
      found.push({ specifier: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.exportClause;
      const typeOnly =
        node.isTypeOnly ||
        (clause !== undefined &&
          ts.isNamedExports(clause) &&
          clause.elements.length > 0 &&
          clause.elements.every((element) => element.isTypeOnly));
      found.push({ specifier: node.moduleSpecifier.text, typeOnly });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push({ specifier: node.arguments[0].text, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The workspace package a file belongs to (`<name>` of `packages/<name>/`), or undefined outside `packages/`. */
export function workspacePackageOf(file: string): string | undefined {
  return /^packages\/([^/]+)\//.exec(relative(repositoryRoot, file))?.[1];
}

/**
 * The file a specifier names from `importer`, or undefined for a third-party or Node module. A relative `./x.js`
 * is the TypeScript source `./x.ts` (NodeNext spelling); `@sophia/<name>` is `packages/<name>/src/index.ts`, as
 * tsconfig's `paths` and jest's moduleNameMapper resolve it.
 */
export function resolveWorkspaceImport(importer: string, specifier: string): string | undefined {
  const entry = /^@sophia\/([a-z0-9-]+)$/.exec(specifier);
  if (entry) return join(repositoryRoot, 'packages', entry[1], 'src', 'index.ts');
  if (!specifier.startsWith('.')) return undefined;
  const target = resolve(dirname(importer), specifier);
  const candidates = [target.replace(/\.js$/, '.ts'), `${target}.ts`, join(target, 'index.ts'), target];
  const file = candidates.find((candidate) => candidate.endsWith('.ts') && existsSync(candidate));
  if (!file) throw new Error(`${relative(repositoryRoot, importer)}: cannot resolve "${specifier}"`);
  return file;
}

/**
 * Every workspace file reachable from `entry`: through value imports only (what a bundle contains), or with
 * `types: true` through type-only imports as well (what a reader of the code depends on).
 */
export function reachableFiles(entry: string, options: { types?: boolean } = {}): Set<string> {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    for (const { specifier, typeOnly } of moduleImports(file)) {
      if (typeOnly && !options.types) continue;
      const target = resolveWorkspaceImport(file, specifier);
      if (target && !seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return seen;
}

/** The workspace packages (`<name>` of `packages/<name>/`) whose files `entry` reaches, sorted; see reachableFiles. */
export function packagesReached(entry: string, options: { types?: boolean } = {}): string[] {
  const names = [...reachableFiles(entry, options)].map(workspacePackageOf);
  return [...new Set(names.filter((name) => name !== undefined))].sort();
}
