#!/usr/bin/env node
// Fails when two different declarations of a type (interface, type alias, class, enum, const enum) are exported
// under the same name anywhere in the shipped code, the test machinery or the tests (their helpers included): a
// reader, or an editor's auto-import, must never have to guess which `DeployReport` is meant.
//
// The exports are read with the TypeScript checker, not by text, so that every way of exporting counts:
// `export interface X`, `interface X {…} export type { X }`, `export const enum X`, `export default class X`,
// and `export { Y as X }` (listed under X). Re-exports of one declaration (an index.ts passing a module's types
// on) resolve to that one declaration and are not a collision.
//
// Usage: node scripts/check-type-names.mjs [repository root]   (the root defaults to this repository)
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
/** The trees whose modules are read: what ships, the test machinery, and the tests, demo, bench and scripts. */
const trees = ['packages', 'actions', 'testing', 'test', 'demo', 'bench', 'scripts'];
const TYPE_FLAGS = ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Class | ts.SymbolFlags.Enum;

const configPath = join(root, 'tsconfig.json');
const config = ts.readConfigFile(configPath, ts.sys.readFile);
if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root, { noEmit: true }, configPath);
const inTrees = (file) => {
  const path = relative(root, file);
  return trees.includes(path.split(sep)[0]) && !path.split(sep).includes('node_modules') && !path.endsWith('.d.ts');
};
// Only our modules are read: libraries' declarations (node_modules, @types) are left unresolved, which keeps the
// check fast; a type a library declares is not ours to name.
const options = { ...parsed.options, types: [], noLib: true };
const host = ts.createCompilerHost(options);
host.resolveModuleNameLiterals = (literals, containingFile, redirect, compilerOptions) =>
  literals.map((literal) => {
    const { resolvedModule } = ts.resolveModuleName(literal.text, containingFile, compilerOptions, host);
    return { resolvedModule: resolvedModule && inTrees(resolvedModule.resolvedFileName) ? resolvedModule : undefined };
  });
const program = ts.createProgram({ rootNames: parsed.fileNames.filter(inTrees), options, host });
const checker = program.getTypeChecker();

/** Exported name → (declaration symbol → where it is declared). */
const places = new Map();
for (const sourceFile of program.getSourceFiles()) {
  if (!inTrees(sourceFile.fileName)) continue;
  const moduleSymbol = checker.getSymbolAtLocation(sourceFile);
  if (!moduleSymbol) continue; // a script without imports or exports exports nothing
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (!(target.flags & TYPE_FLAGS) || !target.declarations?.length) continue;
    const declaration = target.declarations[0];
    // `export default class X` is imported under any name, but its declaration names it X.
    const name =
      exported.escapedName === 'default'
        ? (ts.getNameOfDeclaration(declaration)?.getText() ?? 'default')
        : exported.name;
    const file = declaration.getSourceFile();
    const where = `${relative(root, file.fileName)}:${file.getLineAndCharacterOfPosition(declaration.getStart()).line + 1}`;
    const declarations = places.get(name) ?? new Map();
    declarations.set(target, where);
    places.set(name, declarations);
  }
}

const duplicates = [...places].filter(([, declarations]) => declarations.size > 1);
for (const [name, declarations] of duplicates) {
  console.error(`${name} names ${declarations.size} different types: ${[...declarations.values()].sort().join(', ')}`);
}
if (duplicates.length > 0) process.exit(1);
console.log(`${places.size} exported type names, each naming one declaration`);
