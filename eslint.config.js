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

/**
 * `import('x')` is not covered by no-restricted-imports; these selectors refuse it for each prefix, whether the
 * specifier is a string or a template literal (`import(\`x\`)`, whose first chunk is matched).
 */
function dynamicImportBans(prefixes) {
  return prefixes.flatMap((prefix) => {
    const pattern = `/^${prefix.replace(/[/@]/g, '\\$&')}/`;
    const message = `Dynamic import of ${prefix}… is refused here for the same reason as a static one.`;
    return [
      { selector: `ImportExpression[source.value=${pattern}]`, message },
      { selector: `ImportExpression[source.type='TemplateLiteral'][source.quasis.0.value.cooked=${pattern}]`, message },
    ];
  });
}

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
    files: ['actions/*/src/**/*.ts', 'packages/*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: shippedPatterns }],
      'no-restricted-syntax': ['error', ...dynamicImportBans(['@sophia-testing/'])],
    },
  },
  {
    // Domain packages report through their return values, `Log` and `ReportedError` (@sophia/reporting);
    // only the action layer (actions/*, packages/action-runtime) talks to the runner.
    files: ['packages/*/src/**/*.ts'],
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
            {
              name: '@sophia/inputs',
              message:
                'Domain packages do not depend on the input layer: the rule or type belongs to the package that owns it, and @sophia/inputs imports it from there.',
            },
            {
              name: 'node:module',
              message: 'createRequire would load what the import rules keep out; import through an entry point.',
            },
            {
              // The same module without its scheme.
              name: 'module',
              message: 'createRequire would load what the import rules keep out; import through an entry point.',
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
        ...dynamicImportBans(['@sophia-testing/', '@actions/', '@sophia/action-runtime', '@sophia/inputs']),
      ],
    },
  },
  {
    // @sophia/github is the suite's REST client of GitHub: it uses @actions/github (octokit with the
    // runner's API root and proxy), and like a domain package nothing else of the toolkit.
    files: ['packages/github/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
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
        ...dynamicImportBans(['@sophia-testing/', '@sophia/action-runtime', '@sophia/inputs']),
        ...[
          String.raw`source.value=/^@actions\/(?!github$)/`,
          String.raw`source.quasis.0.value.cooked=/^@actions\/(?!github$)/`,
        ].map((attribute) => ({
          selector: `ImportExpression[${attribute}]`,
          message: 'Dynamic import of @actions/… other than @actions/github is refused here, as a static one is.',
        })),
      ],
    },
  },
  {
    // Every exported declaration of shipped code carries a docstring: the next engineer reads the shapes,
    // units, errors thrown and the source of borrowed rules there, not in the implementation.
    files: ['actions/*/src/**/*.ts', 'packages/*/src/**/*.ts'],
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
    files: ['test/**/*.ts', 'packages/*/test/**/*.ts', 'actions/*/test/**/*.ts', 'testing/**/*.ts'],
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
