/** Tests run the TypeScript sources directly as ESM; workspace packages resolve to their sources. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/packages', '<rootDir>/actions', '<rootDir>/testing', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: {
    '^@sophia/([a-z0-9-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^@sophia-testing/([a-z0-9-]+)$': '<rootDir>/testing/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // GitHub's workflow parser imports its schemas without an import attribute (see the files).
    '^\\.\\./(workflow|action)-v1\\.0\\.min\\.json$': '<rootDir>/testing/workflow-runner/jest/$1-schema.mjs',
  },
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      { useESM: true, tsconfig: { isolatedModules: true }, diagnostics: { ignoreCodes: [151002] } },
    ],
  },
  setupFiles: ['<rootDir>/test/support/hide-debug-lines.ts'],
  testTimeout: 60000,
  maxWorkers: 2,
};
