#!/usr/bin/env node
// Fails when two different declarations of a type (interface, type alias, class, enum, const enum, namespace) are
// public under the same name anywhere in the repository's TypeScript: a reader, or an editor's auto-import, must
// never have to guess which `DeployReport` is meant.
//
// What is read: every TypeScript source of the repository (.ts, .tsx, .mts, .cts and their declaration files
// .d.ts, .d.mts, .d.cts), in every tree and at any depth (packages/*, actions/*, testing/*, test/, demo/, bench/,
// scripts/, examples/, a package's own scripts/ beside src/), whatever tsconfig.json includes. Left out is what is
// generated or vendored: node_modules/, dist/ (ncc's bundles), coverage/, dot-directories (.git, .bench) and the
// root's scratch tmp/ (all ignored by git).
//
// What is public: every type a module exports, not only what a package's entry point re-exports, because an
// editor offers every exported name for auto-import, and tests and test helpers count as much as shipped code.
// A declaration file adds two more ways to make a type visible, and both count: a type declared globally (at the
// top level of a file that is not a module, or in `declare global { … }`) is visible everywhere without an
// import, and the exports of an ambient module (`declare module 'name' { … }` in a file that is not a module)
// are what `import … from 'name'` gives. An augmentation of another module (`declare module` inside a module)
// adds to a type that module names, so it is that module's name, not a new one.
//
// The exports are read with the TypeScript checker, not by text, so that every way of exporting counts:
// `export interface X`, `interface X {…} export type { X }`, `export const enum X`, `export default class X`,
// and `export { Y as X }` (listed under X). Re-exports of one declaration (an index.ts passing a module's types
// on) resolve to that one declaration and are not a collision, nor are the merged declarations of one interface.
//
// Usage: node scripts/check-type-names.mjs [repository root]   (the root defaults to this repository)
import { readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
/** Directories never read, at any depth: installed, built or generated, and ignored by git. */
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', 'coverage']);
/** TypeScript's source extensions; each also covers its declaration files (`.d.ts`, `.d.mts`, `.d.cts`). */
const TYPESCRIPT = /\.(ts|tsx|mts|cts)$/;
// A namespace names a public declaration as a type does (`HealthReport.Check` reads as HealthReport's). Merged with
// a class, function or enum of the same declaration site (one symbol) it is that declaration, not a second one.
const TYPE_FLAGS =
  ts.SymbolFlags.Interface |
  ts.SymbolFlags.TypeAlias |
  ts.SymbolFlags.Class |
  ts.SymbolFlags.Enum |
  ts.SymbolFlags.Module;

/** Every TypeScript source under `directory`, skipping what is generated or vendored. */
function sources(directory, atRoot = true) {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      const skipped =
        SKIPPED_DIRECTORIES.has(entry.name) || entry.name.startsWith('.') || (atRoot && entry.name === 'tmp');
      return skipped ? [] : sources(path, false);
    }
    return entry.isFile() && TYPESCRIPT.test(entry.name) ? [path] : [];
  });
}

const ours = (file) => {
  const path = relative(root, file);
  return (
    TYPESCRIPT.test(path) &&
    !path.startsWith('..') &&
    !path.split(sep).some((part) => SKIPPED_DIRECTORIES.has(part) || part.startsWith('.'))
  );
};

// The compiler options (module resolution, the @sophia/* paths) are tsconfig.json's; the files are not its list.
const configPath = join(root, 'tsconfig.json');
const config = ts.readConfigFile(configPath, ts.sys.readFile);
if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root, { noEmit: true }, configPath);
// Only our modules are read: libraries' declarations (node_modules, @types) are left unresolved, which keeps the
// check fast; a type a library declares is not ours to name.
const options = { ...parsed.options, types: [], noLib: true, jsx: ts.JsxEmit.Preserve };
const host = ts.createCompilerHost(options);
host.resolveModuleNameLiterals = (literals, containingFile, redirect, compilerOptions) =>
  literals.map((literal) => {
    const { resolvedModule } = ts.resolveModuleName(literal.text, containingFile, compilerOptions, host);
    return { resolvedModule: resolvedModule && ours(resolvedModule.resolvedFileName) ? resolvedModule : undefined };
  });
const program = ts.createProgram({ rootNames: sources(root), options, host });
const checker = program.getTypeChecker();

/** Public name → (declaration symbol → where it is declared). */
const places = new Map();
function record(name, symbol) {
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  if (!(target.flags & TYPE_FLAGS) || !target.declarations?.length) return;
  const declaration = target.declarations[0];
  // `export default class X` is imported under any name, but its declaration names it X.
  const shown = name === 'default' ? (ts.getNameOfDeclaration(declaration)?.getText() ?? 'default') : name;
  const file = declaration.getSourceFile();
  const where = `${relative(root, file.fileName)}:${file.getLineAndCharacterOfPosition(declaration.getStart()).line + 1}`;
  const declarations = places.get(shown) ?? new Map();
  declarations.set(target, where);
  places.set(shown, declarations);
}
const isGlobalBlock = (statement) =>
  ts.isModuleDeclaration(statement) && (statement.flags & ts.NodeFlags.GlobalAugmentation) !== 0;
/** The types `statements` declare in the global scope (a script's top level, or a `declare global` block's). */
function recordGlobals(statements) {
  for (const statement of statements) {
    if (isGlobalBlock(statement) && statement.body && ts.isModuleBlock(statement.body)) {
      recordGlobals(statement.body.statements);
    } else if (
      (ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isEnumDeclaration(statement) ||
        (ts.isModuleDeclaration(statement) && ts.isIdentifier(statement.name))) &&
      statement.name
    ) {
      const symbol = checker.getSymbolAtLocation(statement.name);
      if (symbol) record(symbol.name, symbol);
    }
  }
}

for (const sourceFile of program.getSourceFiles()) {
  if (!ours(sourceFile.fileName)) continue;
  const moduleSymbol = checker.getSymbolAtLocation(sourceFile);
  if (moduleSymbol) {
    for (const exported of checker.getExportsOfModule(moduleSymbol)) record(exported.name, exported);
    recordGlobals(sourceFile.statements.filter(isGlobalBlock));
    continue;
  }
  // A file that is not a module: its top-level types are global, and its `declare module 'name'` blocks say what
  // importing that module gives.
  recordGlobals(sourceFile.statements);
  for (const statement of sourceFile.statements) {
    if (!ts.isModuleDeclaration(statement) || !ts.isStringLiteral(statement.name)) continue;
    const ambientModule = checker.getSymbolAtLocation(statement.name);
    if (ambientModule)
      for (const exported of checker.getExportsOfModule(ambientModule)) record(exported.name, exported);
  }
}

const duplicates = [...places].filter(([, declarations]) => declarations.size > 1);
for (const [name, declarations] of duplicates) {
  console.error(`${name} names ${declarations.size} different types: ${[...declarations.values()].sort().join(', ')}`);
}
if (duplicates.length > 0) process.exit(1);
console.log(`${places.size} public type names, each naming one declaration`);
