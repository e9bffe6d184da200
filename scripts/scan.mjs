/**
 * n8n's own pre-verification check of a community package (@n8n/scan-community-package), run
 * offline: its CLI only scans a package it downloads from the registry, so this calls the
 * analyser it exports on both legs it scans, the packed tarball and the source.
 *
 *   node scripts/scan.mjs [packageDir]   (default: this project; exit 1 on a violation)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = path.resolve(
	process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'),
);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const unpacked = mkdtempSync(path.join(tmpdir(), 'braze-cdi-scan-'));
// The scanner makes a temporary folder of its own when loaded and leaves it: make it in ours.
process.env.TMPDIR = unpacked;
const { analyzePackage, SOURCE_FILE_PATTERNS } =
	await import('@n8n/scan-community-package/scanner/scanner.mjs');
let failed = false;
try {
	// The tarball leg: what npm would publish (its prepack builds dist/ first).
	const output = execFileSync(npm, ['pack', '--json', '--pack-destination', unpacked], {
		cwd: packageDir,
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const [{ filename }] = JSON.parse(output.slice(output.search(/^\[$/m)));
	execFileSync('tar', ['-xzf', path.join(unpacked, filename), '-C', unpacked]);
	const legs = [
		['packed tarball', await analyzePackage(path.join(unpacked, 'package'))],
		['source', await analyzePackage(packageDir, SOURCE_FILE_PATTERNS)],
	];
	for (const [leg, result] of legs) {
		process.stdout.write(
			`${result.passed ? 'passed' : 'FAILED'}: ${leg}${result.message ? ` (${result.message})` : ''}\n`,
		);
		if (!result.passed) {
			failed = true;
			if (result.details) process.stdout.write(`${result.details}\n`);
		}
	}
} finally {
	rmSync(unpacked, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
