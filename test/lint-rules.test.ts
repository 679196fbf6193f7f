/**
 * The import rules of eslint.config.js, run by `pnpm lint`, against planted violations: a domain package reaching
 * the runner (`@actions/core`) or the input layer (`@sophia/inputs`) in each way an import can be written, and a test
 * reaching into the demo.
 */
import { ESLint } from 'eslint';
import { repositoryRoot } from '@sophia-testing/action-runner';

const eslint = new ESLint({ cwd: repositoryRoot });

/** The import-rule verdicts (rule and message) on `code` as if it were the file at `path`. */
async function importVerdicts(code: string, path: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${repositoryRoot}/${path}` });
  return result.messages
    .filter((message) => ['no-restricted-imports', 'no-restricted-syntax'].includes(message.ruleId ?? ''))
    .map((message) => `${message.ruleId}: ${message.message}`);
}

const FORMS: Record<string, string> = {
  static: "import * as core from '@actions/core';\nexport const debug = core.debug;\n",
  'type-only': "import type { InputOptions } from '@actions/core';\nexport type Options = InputOptions;\n",
  're-export': "export { debug } from '@actions/core';\n",
  'dynamic, string': "export const load = () => import('@actions/core');\n",
  'dynamic, template literal': 'export const load = () => import(`@actions/core`);\n',
  'dynamic, template literal with a substitution':
    "const name = 'core';\nexport const load = () => import(`@actions/${name}`);\n",
};

describe('a domain package does not import @actions/core', () => {
  test.each(Object.entries(FORMS))('%s: refused in packages/kubernetes/src', async (_form, code) => {
    expect(await importVerdicts(code, 'packages/kubernetes/src/planted.ts')).toEqual([
      expect.stringMatching(
        /^no-restricted-(imports|syntax): .*(Domain packages do not talk to the runner|@actions\/)/,
      ),
    ]);
  });

  test.each(Object.entries(FORMS))(
    '%s: allowed in the action layer (packages/action-runtime/src)',
    async (_form, code) => {
      expect(await importVerdicts(code, 'packages/action-runtime/src/planted.ts')).toEqual([]);
    },
  );

  test('@sophia/github may load @actions/github, by a template literal too, and nothing else of the toolkit', async () => {
    const path = 'packages/github/src/planted.ts';
    expect(await importVerdicts('export const load = () => import(`@actions/github`);\n', path)).toEqual([]);
    expect(await importVerdicts('export const load = () => import(`@actions/core`);\n', path)).toEqual([
      expect.stringContaining('other than @actions/github'),
    ]);
  });
});

test('a test does not import the demo, by a template literal either', async () => {
  for (const code of [
    "export const load = () => import('../demo/run.js');\n",
    'export const load = () => import(`../demo/run.js`);\n',
  ]) {
    expect(await importVerdicts(code, 'test/planted.test.ts')).toEqual([
      expect.stringContaining('Dynamic import of the demo'),
    ]);
  }
});

describe('a domain package does not import the input layer (@sophia/inputs)', () => {
  const forms: Record<string, string> = {
    static: "import { text } from '@sophia/inputs';\nexport const read = text;\n",
    'type-only': "import type { Parser } from '@sophia/inputs';\nexport type Read = Parser<string>;\n",
    're-export': "export { text } from '@sophia/inputs';\n",
    'dynamic, string': "export const load = () => import('@sophia/inputs');\n",
    'dynamic, template literal': 'export const load = () => import(`@sophia/inputs`);\n',
  };
  const domains = ['releases', 'health-check', 'kubernetes', 'ssh', 'reporting', 'github'];
  test.each(domains.flatMap((name) => Object.entries(forms).map(([form, code]) => [name, form, code])))(
    'packages/%s/src, %s: refused',
    async (name, _form, code) => {
      expect(await importVerdicts(code, `packages/${name}/src/planted.ts`)).toEqual([
        expect.stringMatching(/input layer|@sophia\/inputs/),
      ]);
    },
  );

  test('the action layer and the actions may import it', async () => {
    for (const path of ['packages/action-runtime/src/planted.ts', 'actions/rollback/src/planted.ts']) {
      expect(await importVerdicts(forms.static, path)).toEqual([]);
    }
  });
});
