#!/usr/bin/env node
// Fails when two exported types (interface, type alias, class, enum) share a name anywhere in the
// shipped code, the test machinery or the tests (their helpers included): a reader, or an editor's
// auto-import, must never have to guess which `DeployReport` is meant. Declarations are found by text, which is enough for the
// one-declaration-per-line style prettier keeps.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const roots = ['packages', 'actions', 'testing', 'test', 'demo', 'bench', 'scripts'].map((dir) => join(root, dir));
const skipped = [];
const DECLARATION = /^export\s+(?:declare\s+)?(?:abstract\s+)?(interface|type|class|enum)\s+([A-Za-z_$][\w$]*)/gm;

function sources(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === 'node_modules' || entry === 'dist' || skipped.includes(path)) return [];
    if (statSync(path).isDirectory()) return sources(path);
    return /\.ts$/.test(entry) && !entry.endsWith('.d.ts') ? [path] : [];
  });
}

const places = new Map();
for (const file of roots.flatMap(sources)) {
  for (const match of readFileSync(file, 'utf8').matchAll(DECLARATION)) {
    const where = places.get(match[2]) ?? [];
    where.push(relative(root, file));
    places.set(match[2], where);
  }
}
const duplicates = [...places].filter(([, files]) => files.length > 1);
for (const [name, files] of duplicates) console.error(`${name} is exported by ${files.join(' and ')}`);
if (duplicates.length > 0) process.exit(1);
console.log(`${places.size} exported type names, each declared once`);
