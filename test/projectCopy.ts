import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { PACKAGE_DIR } from './harness';

/**
 * Runs `use` on a copy of the project (sharing its node_modules), removed afterwards: for tests
 * that build or pack, which must not touch the dist/ the other suites load meanwhile.
 */
export function withProjectCopy<T>(use: (copy: string) => T): T {
	const copy = mkdtempSync(path.join(tmpdir(), 'braze-cdi-copy-'));
	try {
		for (const entry of [
			'package.json',
			'tsconfig.json',
			'gulpfile.js',
			'README.md',
			'LICENSE',
			'nodes',
			'credentials',
		]) {
			cpSync(path.join(PACKAGE_DIR, entry), path.join(copy, entry), { recursive: true });
		}
		symlinkSync(path.join(PACKAGE_DIR, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
		return use(copy);
	} finally {
		rmSync(copy, { recursive: true, force: true });
	}
}
