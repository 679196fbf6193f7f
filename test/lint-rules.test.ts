/**
 * The import rules of eslint.config.js, run by `pnpm lint`, against planted violations: a domain package reaching
 * the runner (`@actions/core`) or the input layer (`@sophia/inputs`) in each way an import can be written, in each
 * source extension, and by a module name computed at run time (which no lint can resolve, so shipped code names
 * every module it loads by a literal); and a test reaching into the demo. test/domain-packages.test.ts checks the
 * same boundary without the linter.
 */
import { ESLint } from 'eslint';
import { repositoryRoot } from '@sophia-testing/action-runner';

const eslint = new ESLint({ cwd: repositoryRoot });

/** The import-rule verdicts (rule and message) on `code` as if it were the file at `path`. */
async function importVerdicts(code: string, path: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${repositoryRoot}/${path}` });
  const fatal = result.messages.filter((message) => message.fatal);
  if (fatal.length > 0) throw new Error(`${path} does not parse: ${fatal.map((message) => message.message).join()}`);
  return result.messages
    .filter((message) => ['no-restricted-imports', 'no-restricted-syntax'].includes(message.ruleId ?? ''))
    .map((message) => `${message.ruleId}: ${message.message}`);
}

/** The verdicts each kind of planted code gets in a domain package. */
const STATIC_IMPORT = /^no-restricted-imports: .*Domain packages do not talk to the runner/;
const LOADS_TOOLKIT = /^no-restricted-syntax: Loading @actions\/… with import\(\) or require\(\) is refused/;
const NOT_LITERAL = /^no-restricted-syntax: Shipped code loads a module by a literal name/;
const INDIRECT_REQUIRE = /^no-restricted-syntax: require is only called directly/;

/** Each form names the module by a literal: refused in a domain package, allowed in the action layer. */
const LITERAL_FORMS: Record<string, { code: string; verdict: RegExp }> = {
  static: {
    code: "import * as core from '@actions/core';\nexport const debug = core.debug;\n",
    verdict: STATIC_IMPORT,
  },
  'type-only': {
    code: "import type { InputOptions } from '@actions/core';\nexport type Options = InputOptions;\n",
    verdict: STATIC_IMPORT,
  },
  're-export': { code: "export { debug } from '@actions/core';\n", verdict: STATIC_IMPORT },
  'dynamic, string': { code: "export const load = () => import('@actions/core');\n", verdict: LOADS_TOOLKIT },
  'dynamic, template literal': { code: 'export const load = () => import(`@actions/core`);\n', verdict: LOADS_TOOLKIT },
  'require, string': { code: "export const load = () => require('@actions/core');\n", verdict: LOADS_TOOLKIT },
};

/** Each form computes the module's name, or loads it behind the rules' back: refused in all shipped code. */
const COMPUTED_FORMS: Record<string, { code: string; verdict: RegExp }> = {
  'dynamic, variable': {
    code: "const name = '@actions/core';\nexport const load = () => import(name);\n",
    verdict: NOT_LITERAL,
  },
  'dynamic, concatenation': {
    code: "const name = 'core';\nexport const load = () => import('@actions/' + name);\n",
    verdict: NOT_LITERAL,
  },
  'dynamic, template literal with a substitution': {
    code: "const name = 'core';\nexport const load = () => import(`@actions/${name}`);\n",
    verdict: NOT_LITERAL,
  },
  'dynamic, call': {
    code: "const name = () => '@actions/core';\nexport const load = () => import(name());\n",
    verdict: NOT_LITERAL,
  },
  'require, variable': {
    code: "const name = '@actions/core';\nexport const load = () => require(name);\n",
    verdict: NOT_LITERAL,
  },
  'require, concatenation': {
    code: "const name = 'core';\nexport const load = () => require('@actions/' + name);\n",
    verdict: NOT_LITERAL,
  },
  'require, renamed': {
    code: "const load = require;\nexport const core = () => load('@actions/core');\n",
    verdict: INDIRECT_REQUIRE,
  },
  'module.require': { code: "export const load = () => module.require('@actions/core');\n", verdict: INDIRECT_REQUIRE },
  'process.getBuiltinModule': {
    code: "export const load = () => process.getBuiltinModule('node:module').createRequire(import.meta.url);\n",
    verdict: /^no-restricted-syntax: Import Node built-ins by name/,
  },
};

/** Planted in a domain package in each source extension other than .ts, with the verdict each gets. */
const EXTENSIONS: Record<string, { code: string; verdict: RegExp }> = {
  'planted.mts': { code: LITERAL_FORMS.static.code, verdict: STATIC_IMPORT },
  'planted.cts': {
    code: "import core = require('@actions/core');\nexport const debug = core.debug;\n",
    verdict: STATIC_IMPORT,
  },
  'planted.tsx': { code: LITERAL_FORMS['dynamic, string'].code, verdict: LOADS_TOOLKIT },
  'planted.js': { code: LITERAL_FORMS.static.code, verdict: STATIC_IMPORT },
  'planted.mjs': { code: COMPUTED_FORMS['dynamic, variable'].code, verdict: NOT_LITERAL },
  'planted.cjs': {
    code: "const core = require('@actions/core');\nmodule.exports = { debug: core.debug };\n",
    verdict: LOADS_TOOLKIT,
  },
  'planted.jsx': { code: COMPUTED_FORMS['require, concatenation'].code, verdict: NOT_LITERAL },
};

/** Lazy loading by a literal name, as packages/kubernetes loads the SSH stack only when a step connects over SSH. */
const LITERAL_LAZY_IMPORTS = [
  "export const load = () => import('@sophia/ssh');\n",
  'export const load = () => import(`@sophia/ssh`);\n',
  "export const load = () => import('./ssh-shell.js');\n",
];

describe('a domain package does not import @actions/core', () => {
  test.each(Object.entries({ ...LITERAL_FORMS, ...COMPUTED_FORMS }))(
    '%s: refused in packages/kubernetes/src',
    async (_form, { code, verdict }) => {
      expect(await importVerdicts(code, 'packages/kubernetes/src/planted.ts')).toEqual([
        expect.stringMatching(verdict),
      ]);
    },
  );

  test.each(Object.entries(EXTENSIONS))('%s: refused in packages/kubernetes/src', async (file, { code, verdict }) => {
    expect(await importVerdicts(code, `packages/kubernetes/src/${file}`)).toEqual([expect.stringMatching(verdict)]);
  });

  test('createRequire is refused, imported or loaded', async () => {
    const path = 'packages/releases/src/planted.ts';
    for (const code of [
      "import { createRequire } from 'node:module';\nexport const load = createRequire(import.meta.url);\n",
      "export const load = async () => (await import('node:module')).createRequire(import.meta.url);\n",
    ]) {
      expect(await importVerdicts(code, path)).toEqual([expect.stringContaining('createRequire would load')]);
    }
  });

  test.each(LITERAL_LAZY_IMPORTS)('a lazy import by a literal name passes: %s', async (code) => {
    expect(await importVerdicts(code, 'packages/kubernetes/src/planted.ts')).toEqual([]);
    expect(await importVerdicts(code, 'packages/kubernetes/src/planted.mjs')).toEqual([]);
  });

  test.each(Object.entries(LITERAL_FORMS))(
    '%s: allowed in the action layer (packages/action-runtime/src)',
    async (_form, { code }) => {
      expect(await importVerdicts(code, 'packages/action-runtime/src/planted.ts')).toEqual([]);
    },
  );

  test.each(Object.entries(COMPUTED_FORMS))(
    '%s: refused in the action layer too (packages/action-runtime/src, actions/*/src)',
    async (_form, { code, verdict }) => {
      for (const path of ['packages/action-runtime/src/planted.ts', 'actions/rollback/src/planted.ts']) {
        expect(await importVerdicts(code, path)).toEqual([expect.stringMatching(verdict)]);
      }
    },
  );

  test('@sophia/github may load @actions/github, by a template literal too, and nothing else of the toolkit', async () => {
    const path = 'packages/github/src/planted.ts';
    expect(await importVerdicts('export const load = () => import(`@actions/github`);\n', path)).toEqual([]);
    for (const code of [
      'export const load = () => import(`@actions/core`);\n',
      "export const load = () => require('@actions/core');\n",
    ]) {
      expect(await importVerdicts(code, path)).toEqual([expect.stringContaining('other than @actions/github')]);
    }
    expect(await importVerdicts(COMPUTED_FORMS['dynamic, concatenation'].code, path)).toEqual([
      expect.stringMatching(NOT_LITERAL),
    ]);
  });
});

/** Relative paths into another package or into the test machinery, refused as a dynamic load as they are as a static import. */
const RELATIVE_REACHES: [path: string, code: string][] = [
  ['packages/releases/src/planted.ts', "export const load = () => import('../../action-runtime/src/index.js');\n"],
  ['packages/kubernetes/src/planted.ts', "export const load = () => import('../../inputs/src/index.js');\n"],
  [
    'packages/kubernetes/src/planted.ts',
    "export const load = () => import('../../../testing/k3s-simulator/src/index.js');\n",
  ],
  [
    'actions/rollback/src/planted.ts',
    "export const load = () => import('../../../testing/k3s-simulator/src/index.js');\n",
  ],
  [
    'actions/rollback/src/planted.ts',
    "export const load = () => require('../../../testing/k3s-simulator/src/index.js');\n",
  ],
  ['packages/github/src/planted.ts', 'export const load = () => import(`../../ssh/src/index.js`);\n'],
];

describe('shipped code does not reach another package or the test machinery by a relative path', () => {
  test.each(RELATIVE_REACHES)('%s: %s is refused', async (path, code) => {
    expect(await importVerdicts(code, path)).toEqual([
      expect.stringMatching(/^no-restricted-syntax: Import another package through its entry point/),
    ]);
  });

  test('the static import of the same path gets the same message', async () => {
    expect(
      await importVerdicts("export * from '../../inputs/src/index.js';\n", 'packages/kubernetes/src/planted.ts'),
    ).toEqual([expect.stringMatching(/^no-restricted-imports: .*Import another package through its entry point/)]);
  });

  test('a relative lazy import inside the same package passes', async () => {
    for (const code of [
      "export const load = () => import('../kubectl/apply.js');\n",
      "export const load = () => import('./ssh-shell.js');\n",
    ]) {
      expect(await importVerdicts(code, 'packages/kubernetes/src/rollout/planted.ts')).toEqual([]);
    }
  });
});

/** Paths that resolve where the relative-path rules forbid but are not written as those rules match. */
const UNNORMAL_REACHES: [path: string, code: string][] = [
  ['packages/kubernetes/src/planted.ts', "export * from '..//../inputs/src/index.js';\n"],
  ['packages/kubernetes/src/planted.ts', "import { x } from '../..//inputs/src/index.js';\nexport const y = x;\n"],
  ['packages/releases/src/planted.ts', "export { x } from './x/../../../action-runtime/src/index.js';\n"],
  [
    'packages/releases/src/planted.ts',
    "import x = require('../.././../testing/ssh-hosts/src/index.js');\nexport = x;\n",
  ],
  [
    'actions/rollback/src/planted.ts',
    "export const load = () => import('..//../../testing/k3s-simulator/src/index.js');\n",
  ],
  ['actions/rollback/src/planted.ts', 'export const load = () => import(`./.././../../packages/ssh/src/index.js`);\n'],
  ['packages/github/src/planted.ts', "export const load = () => require('./../../ssh/src/index.js');\n"],
];

describe('shipped code names modules by their normal path', () => {
  test.each(UNNORMAL_REACHES)('%s: %s is refused', async (path, code) => {
    expect(await importVerdicts(code, path)).toContainEqual(
      expect.stringMatching(/^no-restricted-syntax: Name a module by its normal path/),
    );
  });

  test('normal relative paths and package names pass', async () => {
    for (const code of [
      "export const load = () => import('../kubectl/apply.js');\n",
      "import { a } from './ssh-shell.js';\nexport const b = a;\n",
      "export * from '../rollout/index.js';\n",
      "import { join } from 'node:path';\nexport const j = join;\n",
    ]) {
      expect(await importVerdicts(code, 'packages/kubernetes/src/rollout/planted.ts')).toEqual([]);
    }
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
