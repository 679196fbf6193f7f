import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

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
    // Domain packages report through their return values, `Log` and `ReportedError` (@sophia/reporting);
    // only the action layer (actions/*, packages/action-runtime) talks to the runner.
    files: ['packages/*/src/**/*.ts'],
    ignores: ['packages/action-runtime/**'],
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
          ],
          patterns: [
            {
              group: ['@actions/*', '!@actions/core'],
              message: 'Only the action layer uses the GitHub Actions toolkit.',
            },
          ],
        },
      ],
    },
  },
);
