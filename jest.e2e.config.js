/** End-to-end suite: real n8n (installed on first use into the cache), the packed package. */
/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	// Temporary files in the project's cache, never the system's (see test/globalSetup.js).
	globalSetup: '<rootDir>/test/e2e/globalSetup.js',
	globalTeardown: '<rootDir>/test/e2e/globalTeardown.js',
	cacheDirectory: '<rootDir>/.cache/jest',
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.e2e.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'test/tsconfig.json' }] },
	setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
	testTimeout: 120_000,
	// Three suites at a time: most of an end-to-end suite is waiting (on polls that come once a
	// minute, on n8n starting). With two, the others' 1,400 s or so ran on one worker beside
	// watch.e2e.ts's 800 s, and a whole CI run came near 30 minutes; with three they run on two.
	maxWorkers: 3,
};
