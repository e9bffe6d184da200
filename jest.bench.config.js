/** `npm run bench`: bench/bench.ts through the unit tests' harness. */
/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	// Temporary files in the project's cache, never the system's (see test/globalSetup.js).
	globalSetup: '<rootDir>/test/globalSetup.js',
	globalTeardown: '<rootDir>/test/globalTeardown.js',
	cacheDirectory: '<rootDir>/.cache/jest',
	roots: ['<rootDir>/bench'],
	testMatch: ['**/bench.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'test/tsconfig.json' }] },
	setupFiles: ['<rootDir>/test/env.ts'],
	// No nock here: its interceptors would sit in the path being measured.
	testTimeout: 15 * 60_000,
};
