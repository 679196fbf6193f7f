#!/usr/bin/env node
// Bundles every action with ncc into actions/<name>/dist. With --check, bundles into a
// temporary directory instead and fails when the committed dist/ differs, so a source change
// can never ship without its bundle.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const only = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const ncc = join(root, 'node_modules', '.bin', 'ncc');
const UNUSED_ASSETS = ['pagent.exe'];

function listFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map((entry) => join(dir, entry))
    .filter((path) => statSync(path).isFile())
    .map((path) => relative(dir, path))
    .sort();
}

const actions = readdirSync(join(root, 'actions')).filter(
  (name) => existsSync(join(root, 'actions', name, 'src', 'index.ts')) && (only.length === 0 || only.includes(name)),
);
const drifted = [];
const scratch = check ? mkdtempSync(join(tmpdir(), 'check-dist-')) : undefined;
for (const name of actions) {
  const actionDir = join(root, 'actions', name);
  const out = check ? join(scratch, name) : join(actionDir, 'dist');
  if (!check) rmSync(out, { recursive: true, force: true });
  execFileSync(ncc, ['build', 'src/index.ts', '-o', out, '--license', 'licenses.txt', '--transpile-only', '--quiet'], {
    cwd: actionDir,
    stdio: 'inherit',
  });
  // ncc copies every file a bundled module names next to its own code. ssh2 names util/pagent.exe,
  // a Windows helper it spawns only to reach a PuTTY Pageant agent (`agent: 'pageant'`); the SSH
  // layer authenticates with the given key alone and never asks for an agent, so the bundle
  // ships without that executable.
  for (const unused of UNUSED_ASSETS) rmSync(join(out, unused), { force: true });
  if (check) {
    const committed = join(actionDir, 'dist');
    const files = new Set([...listFiles(out), ...listFiles(committed)]);
    for (const file of files) {
      const a = existsSync(join(out, file)) ? readFileSync(join(out, file)) : undefined;
      const b = existsSync(join(committed, file)) ? readFileSync(join(committed, file)) : undefined;
      if (!a || !b || !a.equals(b)) drifted.push(`actions/${name}/dist/${file}`);
    }
  }
  console.log(`${check ? 'checked' : 'built'} actions/${name}`);
}
if (scratch) rmSync(scratch, { recursive: true, force: true });
if (drifted.length > 0) {
  console.error(`dist/ is out of date; run "pnpm build" and commit:\n  ${drifted.join('\n  ')}`);
  process.exit(1);
}
