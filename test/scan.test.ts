/**
 * n8n's pre-verification scanner (@n8n/scan-community-package) on this package, offline, both
 * legs: the packed tarball and the source (scripts/scan.mjs). And proof that it can fail.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import path from 'node:path';

import { PACKAGE_DIR } from './harness';
import { withProjectCopy } from './projectCopy';

/** Runs the scan; not under jest's NODE_ENV=test, which switches n8n's lint rules to their own test mode. */
function scan(packageDir: string) {
	const { NODE_ENV, ...env } = process.env;
	return spawnSync(process.execPath, [path.join(PACKAGE_DIR, 'scripts', 'scan.mjs'), packageDir], {
		encoding: 'utf8',
		env,
	});
}

// In copies: packing builds dist/ afresh, which the other suites load meanwhile.
test('the package passes both legs of the scan', () => {
	const result = withProjectCopy(scan);

	expect(result.stdout).toContain('passed: packed tarball');
	expect(result.stdout).toContain('passed: source');
	expect(result.status).toBe(0);
}, 120_000);

test('a planted violation (process.env in a node file) fails both legs', () => {
	const result = withProjectCopy((copy) => {
		appendFileSync(
			path.join(copy, 'nodes', 'BrazeCdi', 'helpers', 'retry.ts'),
			'\nexport const fromEnvironment = process.env.BRAZE_KEY;\n',
		);
		return scan(copy);
	});

	expect(result.stdout).toContain('FAILED: packed tarball');
	expect(result.stdout).toContain('FAILED: source');
	expect(result.stdout).toMatch(/process\.env|no-restricted-globals|environment/i);
	expect(result.status).toBe(1);
}, 120_000);
