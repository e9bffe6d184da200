import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { PACKAGE_DIR } from './harness';
import { withProjectCopy } from './projectCopy';

const packageJson = JSON.parse(readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8'));

describe('the published package', () => {
	test('is an n8n community package with no runtime dependencies', () => {
		expect(packageJson.name).toBe('n8n-nodes-braze-cdi');
		expect(packageJson.license).toBe('MIT');
		expect(packageJson.keywords).toContain('n8n-community-node-package');
		expect(packageJson.dependencies ?? {}).toEqual({});
		expect(packageJson.peerDependencies).toEqual({ 'n8n-workflow': '*' });
		// The runtimes of the n8n majors it claims: n8n 1.x runs on 20.19 to 24, n8n 2.x on 24.
		expect(packageJson.engines.node).toBe('>=20.19');
		expect(packageJson.n8n).toEqual({
			n8nNodesApiVersion: 1,
			credentials: ['dist/credentials/BrazeCdiApi.credentials.js'],
			nodes: [
				'dist/nodes/BrazeCdi/BrazeCdi.node.js',
				'dist/nodes/BrazeCdi/BrazeCdiTrigger.node.js',
			],
		});
	});

	test('npm pack ships dist/ (node, credential, icons, codex) and no tests or sources', () => {
		const [pack] = JSON.parse(
			execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
				cwd: PACKAGE_DIR,
				encoding: 'utf8',
			}),
		);
		const files: string[] = pack.files.map((file: { path: string }) => file.path);

		expect(files).toEqual(
			expect.arrayContaining([
				'package.json',
				'README.md',
				'LICENSE',
				'dist/nodes/BrazeCdi/BrazeCdi.node.js',
				'dist/nodes/BrazeCdi/BrazeCdi.node.json',
				'dist/nodes/BrazeCdi/brazeCdi.svg',
				'dist/nodes/BrazeCdi/brazeCdi.dark.svg',
				'dist/credentials/BrazeCdiApi.credentials.js',
				'dist/nodes/BrazeCdi/BrazeCdiTrigger.node.js',
				'dist/nodes/BrazeCdi/BrazeCdiTrigger.node.json',
			]),
		);
		const unexpected = files.filter(
			(file) =>
				!['package.json', 'README.md', 'LICENSE'].includes(file) && !file.startsWith('dist/'),
		);
		expect(unexpected).toEqual([]);
		expect(
			files.filter((file) => /(^|\/)test\/|\.test\.|\.ts$/.test(file) && !file.endsWith('.d.ts')),
		).toEqual([]);
	});

	test('npm run build starts from an empty dist/: a stray file left there is not packed', () => {
		withProjectCopy((copy) => {
			mkdirSync(path.join(copy, 'dist', 'nodes'), { recursive: true });
			writeFileSync(path.join(copy, 'dist', 'nodes', 'Stray.node.js'), 'module.exports = {};');

			execFileSync('npm', ['run', 'build'], { cwd: copy, stdio: 'ignore' });
			const [pack] = JSON.parse(
				execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
					cwd: copy,
					encoding: 'utf8',
				}),
			);
			const files: string[] = pack.files.map((file: { path: string }) => file.path);

			expect(files).toContain('dist/nodes/BrazeCdi/BrazeCdi.node.js');
			expect(files).not.toContain('dist/nodes/Stray.node.js');
		});
	}, 120_000);
});
