import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { actionMetadata, repositoryRoot } from '@sophia-testing/action-runner';
import { RELEASE_ID_RULE } from '@sophia/releases';
import { ACTION_NAMES } from './support/actions.js';

const run = promisify(execFile);
const script = join(repositoryRoot, 'scripts', 'action-docs.mjs');
const ACTIONS = ACTION_NAMES;

async function docs(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('action READMEs', () => {
  it('match every action.yml (node scripts/action-docs.mjs --check)', async () => {
    const result = await docs('--check');
    expect({ code: result.code, stderr: result.stderr }).toEqual({
      code: 0,
      stderr: expect.not.stringContaining('README'),
    });
  });

  it('states the release-id rule the input is checked against, word for word (RELEASE_ID_RULE)', () => {
    const description = actionMetadata('deploy-frontend-nginx').inputs['release-id'].description;
    expect(description).toContain(RELEASE_ID_RULE);
  });

  it.each(ACTIONS)('%s documents every input with its default, and every output', (action) => {
    const readme = readFileSync(join(repositoryRoot, 'actions', action, 'README.md'), 'utf8');
    const metadata = actionMetadata(action);
    for (const [name, input] of Object.entries(metadata.inputs)) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${name}\` `));
      expect(row).toBeDefined();
      if (input.default) expect(row).toContain(`\`${input.default}\``);
    }
    for (const name of Object.keys(metadata.outputs)) expect(readme).toMatch(new RegExp(`^\\| \`${name}\` +\\|`, 'm'));
    expect(readme).toContain(`uses: sophia/deploy-actions/actions/${action}@v1`);
    expect(readme).toContain('## What happens on failure');
  });

  describe('on a copy of the repository', () => {
    let root: string;
    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), 'action-docs-'));
      mkdirSync(join(root, 'actions'));
      cpSync(join(repositoryRoot, '.prettierrc.json'), join(root, '.prettierrc.json'));
      for (const file of ['action.yml', 'README.md']) {
        mkdirSync(join(root, 'actions', 'health-gate'), { recursive: true });
        cpSync(join(repositoryRoot, 'actions', 'health-gate', file), join(root, 'actions', 'health-gate', file));
      }
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    it('fails the check when action.yml changed, and write mode brings the README up to date', async () => {
      const actionYml = join(root, 'actions', 'health-gate', 'action.yml');
      writeFileSync(actionYml, readFileSync(actionYml, 'utf8').replace("default: '5s'", "default: '7s'"));
      const check = await docs('--check', '--root', root);
      expect(check.code).toBe(1);
      expect(check.stderr).toContain('actions/health-gate/README.md');
      expect((await docs('--root', root)).stdout).toBe('wrote actions/health-gate/README.md\n');
      expect(readFileSync(join(root, 'actions', 'health-gate', 'README.md'), 'utf8')).toMatch(
        /\| `interval` +\| no +\| `7s` +\|/,
      );
      expect((await docs('--check', '--root', root)).code).toBe(0);
    });

    it('refuses a README without the generated sections', async () => {
      writeFileSync(join(root, 'actions', 'health-gate', 'README.md'), '# Health gate\n');
      const result = await docs('--check', '--root', root);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        'actions/health-gate/README.md has no <!-- action-docs:inputs --> ... <!-- /action-docs:inputs --> section',
      );
    });
  });
});
