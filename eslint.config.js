import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import jsdoc from 'eslint-plugin-jsdoc';

/** Import patterns no shipped source may use (no-restricted-imports `patterns`). */
const shippedPatterns = [
  { group: ['@sophia-testing/*'], message: 'testing/ is test machinery and never ships inside an action.' },
  {
    group: ['../../*', '**/packages/*', '**/testing/*', '**/action-runtime/*'],
    message: 'Import another package through its entry point (@sophia/<name>), not by a relative path into it.',
  },
];

/** Every JavaScript and TypeScript source extension: a rule about sources holds in each of them. */
const SOURCES = '{ts,tsx,mts,cts,js,jsx,mjs,cjs}';
const shippedFiles = [`actions/*/src/**/*.${SOURCES}`, `packages/*/src/**/*.${SOURCES}`];

/**
 * The calls that load a module, each with where its module name is: `import(…)` and `require(…)`.
 * no-restricted-imports covers the statements (`import`, `export … from`, TypeScript's `import x = require('…')`).
 */
const LOADERS = [
  { call: 'ImportExpression', name: 'source' },
  { call: "CallExpression[callee.type='Identifier'][callee.name='require']", name: 'arguments.0' },
];

/**
 * no-restricted-syntax selectors refusing to load, in any of those ways, a module whose name matches `pattern`
 * (a regular expression's source), named by a string or by a template literal without substitutions (one with
 * substitutions is refused by `literalSpecifiersOnly` whatever it names).
 */
function loadBans(pattern, message) {
  return LOADERS.flatMap(({ call, name }) => [
    { selector: `${call}[${name}.value=/${pattern}/]`, message },
    {
      selector: `${call}[${name}.type='TemplateLiteral']:not([${name}.expressions.0])[${name}.quasis.0.value.cooked=/${pattern}/]`,
      message,
    },
  ]);
}

/** `loadBans` for every module whose name starts with one of `prefixes`. */
function prefixLoadBans(prefixes) {
  return prefixes.flatMap((prefix) =>
    loadBans(
      `^${prefix.replace(/[/@]/g, '\\$&')}`,
      `Loading ${prefix}… with import() or require() is refused here for the same reason as a static import.`,
    ),
  );
}

/**
 * `loadBans` for the module names `shippedPatterns` refuses as static imports, so that `import('../../x/src/…')` or
 * `require('../../../testing/…')` is refused with the same message as the import statement. Each group entry is a
 * gitignore-style glob of the shapes used there: an optional leading `**` and `/` (any leading path) and a trailing `/*`
 * (anything below); a module name matches when it starts with the rest, or, after that leading `**`, has it after a `/`.
 */
function shippedLoadBans() {
  return shippedPatterns.flatMap(({ group, message }) => {
    const names = group.map((glob) => {
      const shape = /^(\*\*\/)?([^*!]+\/)\*$/.exec(glob);
      if (!shape) throw new Error(`eslint.config.js: cannot turn the import pattern ${glob} into a load ban`);
      return `${shape[1] ? '(^|\\/)' : '^'}${shape[2].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`;
    });
    // One selector per group, as no-restricted-imports reports one message per group.
    return loadBans(`(${names.join('|')})`, message);
  });
}

/**
 * A relative module path not in normal form: a doubled slash, a `.` segment after the start (`a/./b`, `./.`, `./..`),
 * or a named segment undone by `..` (`x/../..`). Node and the bundler resolve them, but the import rules match the
 * path as written (`../../*`), so `..//../inputs/src` or `./x/../../../testing` would pass them.
 */
const NOT_NORMAL_PATH = String.raw`\/\/|\/\.(\/|$)|^\.\/\.\.?(\/|$)|(^|\/)(?!\.\.?(\/|$))[^/]+\/\.\.(\/|$)`;
const NOT_NORMAL_MESSAGE =
  'Name a module by its normal path (no //, no . segment, no dir/..): the import rules match the path as written.';

/** no-restricted-syntax selectors refusing a module path that is not in normal form, in imports, re-exports and loads. */
function normalSpecifiersOnly() {
  const statements = [
    'ImportDeclaration > Literal.source',
    'ExportAllDeclaration > Literal.source',
    'ExportNamedDeclaration > Literal.source',
    'TSExternalModuleReference > Literal.expression',
  ];
  return [
    ...statements.map((literal) => ({
      selector: `${literal}[value=/${NOT_NORMAL_PATH}/]`,
      message: NOT_NORMAL_MESSAGE,
    })),
    ...loadBans(NOT_NORMAL_PATH, NOT_NORMAL_MESSAGE),
  ];
}

/**
 * In shipped code a module is loaded by a name the reader, the bundler and the import rules can read: a string,
 * or a template literal without substitutions. ncc bundles only what it can resolve at build time, so a
 * computed name (`import(name)`, `import('@actions/' + x)`, `` import(`@actions/${x}`) ``, `require(name)`)
 * would fail in the published action, and no lint can tell which module it reaches. For the same reason
 * `require` is only ever called directly (not renamed, nor as `module.require` or `require.call`), and
 * `process.getBuiltinModule`, which reaches `createRequire` by a name given at run time, is not used.
 */
const literalSpecifiersOnly = [
  ...normalSpecifiersOnly(),
  ...LOADERS.map(({ call, name }) => ({
    selector: `${call}:not([${name}.type='Literal'], [${name}.type='TemplateLiteral']:not([${name}.expressions.0]))`,
    message:
      'Shipped code loads a module by a literal name (a string, or a template literal without ${…}): ncc bundles only names it can read, and the import rules can check only those.',
  })),
  {
    selector: "Identifier[name='require']:not(.callee)",
    message:
      'require is only called directly, with a literal name: a renamed or indirect require loads what the import rules cannot see.',
  },
  {
    selector: "MemberExpression[object.name='process'][property.name='getBuiltinModule']",
    message:
      'Import Node built-ins by name (node:…): getBuiltinModule reaches createRequire by a name given at run time.',
  },
];

/** createRequire would load by a run-time name what the import rules keep out: node:module, imported or loaded. */
const CREATE_REQUIRE = 'createRequire would load what the import rules keep out; import through an entry point.';
const createRequirePaths = ['node:module', 'module'].map((name) => ({ name, message: CREATE_REQUIRE }));
const createRequireBan = loadBans('^(node:)?module$', CREATE_REQUIRE);

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // What ships (actions/*/src, packages/*/src) never reaches into the test machinery or into another
    // package's files: a bundle must contain only shipped code, and packages talk through their entry points.
    files: shippedFiles,
    rules: {
      'no-restricted-imports': ['error', { patterns: shippedPatterns }],
      'no-restricted-syntax': ['error', ...literalSpecifiersOnly, ...shippedLoadBans()],
    },
  },
  {
    // Domain packages report through their return values, `Log` and `ReportedError` (@sophia/reporting);
    // only the action layer (actions/*, packages/action-runtime) talks to the runner. Every source extension
    // counts, and a module loaded at run time is named by a literal (see literalSpecifiersOnly).
    files: [`packages/*/src/**/*.${SOURCES}`],
    ignores: ['packages/action-runtime/**', 'packages/github/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@actions/core',
              message: 'Domain packages do not talk to the runner: take a Log, return a report, throw ReportedError.',
            },
            {
              name: '@sophia/action-runtime',
              message: 'Domain packages do not depend on the action layer: use @sophia/reporting.',
            },
            ...createRequirePaths,
            {
              name: '@sophia/inputs',
              message:
                'Domain packages do not depend on the input layer: the rule or type belongs to the package that owns it, and @sophia/inputs imports it from there.',
            },
          ],
          patterns: [
            ...shippedPatterns,
            {
              group: ['@actions/*', '!@actions/core'],
              message: 'Only the action layer uses the GitHub Actions toolkit.',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        ...literalSpecifiersOnly,
        ...shippedLoadBans(),
        ...prefixLoadBans(['@actions/', '@sophia/action-runtime', '@sophia/inputs']),
        ...createRequireBan,
      ],
    },
  },
  {
    // @sophia/github is the suite's REST client of GitHub: it uses @actions/github (octokit with the
    // runner's API root and proxy), and like a domain package nothing else of the toolkit.
    files: [`packages/github/src/**/*.${SOURCES}`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: createRequirePaths,
          patterns: [
            ...shippedPatterns,
            {
              group: ['@actions/*', '!@actions/github', '@sophia/action-runtime'],
              message: 'The GitHub client talks to the REST API only, not to the runner.',
            },
            {
              group: ['@sophia/inputs'],
              message: 'The GitHub client does not depend on the input layer: its caller passes what it needs.',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        ...literalSpecifiersOnly,
        ...shippedLoadBans(),
        ...prefixLoadBans(['@sophia/action-runtime', '@sophia/inputs']),
        ...loadBans(
          String.raw`^@actions\/(?!github$)`,
          'Loading @actions/… other than @actions/github is refused here, as a static import is.',
        ),
        ...createRequireBan,
      ],
    },
  },
  {
    // Every exported declaration of shipped code carries a docstring: the next engineer reads the shapes,
    // units, errors thrown and the source of borrowed rules there, not in the implementation.
    files: shippedFiles,
    plugins: { jsdoc },
    rules: {
      'jsdoc/require-jsdoc': [
        'error',
        {
          publicOnly: true,
          require: { FunctionDeclaration: true, ClassDeclaration: true, MethodDefinition: true },
          contexts: [
            'TSInterfaceDeclaration',
            'TSTypeAliasDeclaration',
            'TSEnumDeclaration',
            // Top-level exported constants only: publicOnly alone would also flag locals inside exported functions.
            'ExportNamedDeclaration > VariableDeclaration',
          ],
          checkConstructors: false,
        },
      ],
    },
  },
  {
    // Tests reach shared helpers through @sophia-testing/*, never through another package's test/ folder or the
    // demo: a helper another package needs belongs with the test machinery, where it has an owner and a README.
    files: [
      `test/**/*.${SOURCES}`,
      `packages/*/test/**/*.${SOURCES}`,
      `actions/*/test/**/*.${SOURCES}`,
      `testing/**/*.${SOURCES}`,
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/demo', '**/demo/**'],
              message: 'The demo is not a library: move what the test needs into testing/* (@sophia-testing/*).',
            },
            {
              group: ['../**/test/**', '../**/test', '@sophia/*/test/**', '@sophia-testing/*/test/**'],
              message:
                "Another package's tests are not a library: shared test helpers live in testing/* (@sophia-testing/*).",
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        // The specifier as a string, or as a template literal's first chunk.
        ...['source.value', 'source.quasis.0.value.cooked'].map((attribute) => ({
          selector: String.raw`ImportExpression[${attribute}=/(^|\/)demo(\/|$)|^\.\.\/(.*\/)?test(\/|$)|^@sophia(-testing)?\/[^/]+\/test\//]`,
          message:
            "Dynamic import of the demo or of another package's tests is refused for the same reason as a static one.",
        })),
      ],
    },
  },
  // The example application's frontend runs in the browser.
  { files: ['examples/sophia-app/src/**/*.js'], languageOptions: { globals: { ...globals.browser } } },
);
