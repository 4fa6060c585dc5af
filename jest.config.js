/**
 * Jest runs the TypeScript sources through @swc/jest (no type-check: `npm test` runs `tsc` first, in
 * `pretest`, which type-checks everything and builds the dist/ that child processes — the local Functions
 * host, the emulators — run from).
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  testTimeout: 60000,
  maxWorkers: 2,
};
