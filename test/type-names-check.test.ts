/**
 * `node scripts/check-type-names.mjs` (part of `pnpm lint`) keeps every exported type name to one declaration.
 * It reads exports with the TypeScript checker; these tests plant, in a copy of the sources, each way of exporting
 * a second `DeployReport` that a check by text would miss, beside the one packages/kubernetes declares.
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

describe('the exported type names check', () => {
  it('passes on the repository', async () => {
    const result = await check(repositoryRoot);
    expect(result).toEqual({ code: 0, stdout: expect.stringContaining('each naming one declaration'), stderr: '' });
  });

  it('fails on each way of exporting a second DeployReport, naming every declaration', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'type-names-'));
    try {
      cpSync(join(repositoryRoot, 'tsconfig.json'), join(copy, 'tsconfig.json'));
      for (const tree of ['packages', 'actions', 'testing']) {
        cpSync(join(repositoryRoot, tree), join(copy, tree), {
          recursive: true,
          filter: (source) => !/[/\\](node_modules|dist)$/.test(source),
        });
      }
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
});
