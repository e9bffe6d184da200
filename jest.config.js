/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	// Temporary files in the project's cache, never the system's (see test/globalSetup.js).
	globalSetup: '<rootDir>/test/globalSetup.js',
	globalTeardown: '<rootDir>/test/globalTeardown.js',
	cacheDirectory: '<rootDir>/.cache/jest',
	roots: ['<rootDir>/test'],
	testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'test/tsconfig.json' }] },
	setupFiles: ['<rootDir>/test/env.ts'],
	setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
	testTimeout: 20_000,
};
