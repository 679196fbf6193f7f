/**
 * `node scripts/check-type-names.mjs` (part of `pnpm lint`) keeps every public type name to one declaration.
 *
 * Public, here as in the script, means every type any module exports (not only what a package's entry point
 * re-exports: an editor offers every exported name for auto-import), tests and test helpers included, plus what a
 * declaration file makes visible without an export: a global type, and the exports of an ambient
 * `declare module 'name'`. Every TypeScript source of the repository is read (.ts, .tsx, .mts, .cts and their
 * declaration files, inside or outside a package's src/ and test/), except node_modules/, dist/ and coverage/.
 *
 * These tests plant, in a copy of the repository, each way of exporting a second `DeployReport` that a check by
 * text would miss, and a second `DeployReport` in each kind of file the check reads, beside the one
 * packages/kubernetes declares.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repositoryRoot } from '@sophia-testing/action-runner';

const run = promisify(execFile);
const script = join(repositoryRoot, 'scripts', 'check-type-names.mjs');

async function check(root: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, root]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Each planted module exports a second type named DeployReport, in a way a check by text misses. */
const PLANTED: Record<string, string> = {
  'packages/ssh/src/planted-export-list.ts':
    'interface DeployReport {\n  planted: true;\n}\nexport type { DeployReport };\n',
  'packages/ssh/src/planted-const-enum.ts': 'export const enum DeployReport {\n  Planted,\n}\n',
  'packages/releases/src/planted-default.ts': 'export default class DeployReport {\n  planted = true;\n}\n',
  'testing/manifests/src/planted-renamed.ts':
    'interface Outcome {\n  planted: true;\n}\nexport { Outcome as DeployReport };\n',
};

/** Each planted file declares a second public DeployReport in a kind of file that is not a `src/` or `test/` .ts. */
const PLANTED_FILE_KINDS: Record<string, string> = {
  // A declaration file that is a module: its exports.
  'packages/ssh/src/planted-module.d.ts': 'export interface DeployReport {\n  planted: true;\n}\n',
  // A declaration file that is not a module: its top-level types are global, visible without an import.
  'packages/ssh/src/planted-global.d.ts': 'interface DeployReport {\n  planted: true;\n}\n',
  // An ambient module: what `import type { DeployReport } from 'planted-untyped'` gives.
  'packages/ssh/src/planted-ambient.d.ts':
    "declare module 'planted-untyped' {\n  export interface DeployReport {\n    planted: true;\n  }\n}\n",
  'packages/releases/src/planted.mts': 'export type DeployReport = { planted: true };\n',
  'packages/releases/src/planted.cts': 'export enum DeployReport {\n  Planted,\n}\n',
  'packages/releases/src/planted.d.mts': 'export interface DeployReport {\n  planted: true;\n}\n',
  'packages/releases/src/planted.tsx': 'export class DeployReport {\n  planted = true;\n}\n',
  // Outside a package's src/ and test/, and outside tsconfig.json's list of files.
  'testing/k3s-simulator/scripts/planted.ts': 'export interface DeployReport {\n  planted: true;\n}\n',
  'examples/sophia-app/planted.ts': 'export interface DeployReport {\n  planted: true;\n}\n',
};

/**
 * `declare global` in a module adds a global type. (Two global DeployReports would merge into one interface, as
 * TypeScript merges them, so this one collides with another exported name: @sophia/reporting's Log.)
 */
const PLANTED_GLOBAL_BLOCK: Record<string, string> = {
  'packages/health-check/src/planted-global-block.d.cts':
    'export {};\ndeclare global {\n  interface Log {\n    planted: true;\n  }\n}\n',
};

/**
 * A namespace beside a type of the same name declared elsewhere is a second public declaration; one merged with a
 * class of the same declaration site is that class.
 */
const PLANTED_NAMESPACES: Record<string, string> = {
  'packages/kubernetes/src/planted-namespace.ts': 'export namespace HealthReport {}\n',
  'packages/ssh/src/planted-merged.ts':
    'export class PlantedMerged {\n  planted = true;\n}\nexport namespace PlantedMerged {\n  export const planted = true;\n}\n',
};

/** A copy of the repository without what the check never reads (installed, built, git's own). */
function copyRepository(): string {
  const copy = mkdtempSync(join(tmpdir(), 'type-names-'));
  cpSync(repositoryRoot, copy, {
    recursive: true,
    filter: (source) => !/[/\\](node_modules|dist|coverage|\.git)$/.test(source),
  });
  return copy;
}

describe('the exported type names check', () => {
  it('passes on the repository', async () => {
    const result = await check(repositoryRoot);
    expect(result).toEqual({ code: 0, stdout: expect.stringContaining('each naming one declaration'), stderr: '' });
  });

  it('fails on each way of exporting a second DeployReport, naming every declaration', async () => {
    const copy = copyRepository();
    try {
      // Unplanted, the copy passes: the failure below comes from the planted modules alone.
      expect((await check(copy)).code).toBe(0);
      for (const [path, text] of Object.entries(PLANTED)) writeFileSync(join(copy, path), text);

      const result = await check(copy);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('DeployReport names 5 different types');
      expect(result.stderr).toMatch(/packages\/kubernetes\/src\/[\w-]+\.ts:\d+/);
      for (const path of Object.keys(PLANTED)) expect(result.stderr).toContain(`${path}:1`);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('fails on a second DeployReport in each kind of TypeScript file, and on a global type', async () => {
    const copy = copyRepository();
    try {
      const planted = { ...PLANTED_FILE_KINDS, ...PLANTED_GLOBAL_BLOCK };
      for (const [path, text] of Object.entries(planted)) writeFileSync(join(copy, path), text);

      const result = await check(copy);
      expect(result.code).toBe(1);
      const kinds = Object.keys(PLANTED_FILE_KINDS).length;
      expect(result.stderr).toContain(`DeployReport names ${kinds + 1} different types`);
      expect(result.stderr).toMatch(/Log names 2 different types: .*packages\/reporting\/src\/[\w-]+\.ts:\d+/);
      // The line of each planted declaration: the ambient module's and the global block's sit inside a block.
      for (const path of Object.keys(PLANTED_FILE_KINDS)) {
        expect(result.stderr).toMatch(new RegExp(`${path.replace(/\./g, '\\.')}:[12]\\b`));
      }
      expect(result.stderr).toContain(`${Object.keys(PLANTED_GLOBAL_BLOCK)[0]}:3`);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('fails on an exported namespace named as another public type, not on a namespace merged with its class', async () => {
    const copy = copyRepository();
    try {
      for (const [path, text] of Object.entries(PLANTED_NAMESPACES)) writeFileSync(join(copy, path), text);

      const result = await check(copy);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /^HealthReport names 2 different types: packages\/health-check\/src\/report\.ts:\d+, packages\/kubernetes\/src\/planted-namespace\.ts:1$/m,
      );
      expect(result.stderr).not.toContain('PlantedMerged');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
