/**
 * End-to-end: `npm run demo` as a person runs it, in real n8n: it prints the sync tables and
 * leaves nothing in the temporary folder, whether it ends by itself or is interrupted; with
 * `--editor`, n8n's folder is kept in the cache, so the owner account and the user's edits are
 * there on the next run, every example is loaded, and Ctrl-C stops everything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	readlinkSync,
	rmSync,
	statSync,
	symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import nock from 'nock';

import { DEMO_OWNER, fetchN8n, freePort } from '../../scripts/n8n';
import { cacheDir, ROOT } from '../../scripts/setup';

const DEMO = path.join(ROOT, 'scripts', 'demo.js');
const examples = readdirSync(path.join(ROOT, 'examples')).filter((file) => file.endsWith('.json'));

interface Demo {
	child: ChildProcess;
	output: () => string;
	/** Resolves when the output matches, fails when the demo ends first. */
	printed: (pattern: RegExp) => Promise<void>;
	ended: Promise<number | null>;
}

/** Demos started by the test running now: stopped after it, whatever it asserted. */
const started: Demo[] = [];
afterEach(async () => {
	for (const demo of started.splice(0)) {
		if (demo.child.exitCode === null && demo.child.signalCode === null) demo.child.kill('SIGINT');
		await demo.ended;
	}
});

function startDemo(args: string[], env: NodeJS.ProcessEnv): Demo {
	const child = spawn(process.execPath, [DEMO, ...args], {
		cwd: ROOT,
		env: { ...process.env, ...env },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	const listeners = new Set<() => void>();
	const onData = (chunk: Buffer) => {
		output += chunk;
		for (const listener of listeners) listener();
	};
	child.stdout!.on('data', onData);
	child.stderr!.on('data', onData);
	const ended = new Promise<number | null>((resolve) =>
		child.once('exit', (code, signal) => resolve(signal ? 128 : code)),
	);
	const printed = (pattern: RegExp) =>
		new Promise<void>((resolve, reject) => {
			const check = () => {
				if (pattern.test(output)) {
					listeners.delete(check);
					resolve();
				}
			};
			listeners.add(check);
			check();
			void ended.then(() => {
				if (!pattern.test(output))
					reject(new Error(`The demo ended without printing ${pattern}:\n${output}`));
			});
		});
	const demo = { child, output: () => output, printed, ended };
	started.push(demo);
	return demo;
}

/** Processes whose working folder is inside `folder` (n8n runs in its user folder). */
function processesIn(folder: string): string[] {
	// A process killed a moment ago may still be on its way out: give it a few seconds.
	const deadline = Date.now() + 10_000;
	let found = running(folder);
	while (found.length && Date.now() < deadline) {
		Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
		found = running(folder);
	}
	return found;
}

function running(folder: string): string[] {
	const found: string[] = [];
	for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
		try {
			if (readlinkSync(`/proc/${pid}/cwd`).startsWith(folder)) found.push(pid);
		} catch {
			// ended meanwhile, or not ours to read
		}
	}
	return found;
}

beforeAll(() => nock.enableNetConnect(/127\.0\.0\.1|localhost/));

/** A folder standing in for the system's temporary folder, which the demo must leave empty. */
let systemTmp: string;
beforeEach(() => {
	systemTmp = mkdtempSync(path.join(tmpdir(), 'system-tmp-'));
});
afterEach(() => rmSync(systemTmp, { recursive: true, force: true }));

const demoScratch = (pid: number | undefined) => path.join(cacheDir(), 'tmp', `demo-${pid}`);

test('prints the sync tables and the HTML report it wrote, and leaves nothing in the temporary folder', async () => {
	const began = Date.now();
	const demo = startDemo([], { TMPDIR: systemTmp });

	expect(await demo.ended).toBe(0);
	const output = demo.output();
	expect(output).toMatch(/▶ Braze CDI: List Job Sync Status\n {2}List Job Sync Status: 37 syncs/);
	expect(output).toMatch(/Latest sync: \w+, started /);
	expect(output).toMatch(/✓ Triggered a sync and waited: Braze CDI sync finished \(success\)/);
	// The report: its text lines, then where its HTML is, in the cache and written by this run.
	const reportFile = path.join(cacheDir(), 'demo-report.html');
	expect(output).toMatch(/Report, last 24 hours, 10 integrations:\n {2}Braze CDI syncs from /);
	// The silent failures, each unhealthy for its reason in words: syncs that succeed while the
	// data is 3 days old, and a newest sync of 97 % fewer rows than usual.
	expect(output).toMatch(/\n {2}❌ [^\n]*\(cdi-stale\): data 3 days old; 24 syncs \(24 success\)/);
	expect(output).toMatch(
		/\n {2}❌ [^\n]*\(cdi-volume-drop\): rows 97(\.\d{1,2})? % below normal; 24 syncs \(24 success\)/,
	);
	// Its newest sync succeeded, but three in four fail: degraded, and the report says so.
	expect(output).toMatch(
		/\n {2}⚠️ Recent activity \(cdi-recent\): fails 18 of 24 syncs \(75 %\); 24 syncs/,
	);
	expect(output).toContain(`HTML report (as an email would show it): ${reportFile}\n`);
	expect(statSync(reportFile).mtimeMs).toBeGreaterThanOrEqual(began - 1000);
	const html = readFileSync(reportFile, 'utf8');
	expect(html).toMatch(/^<!DOCTYPE html>/);
	expect(html).toContain('Braze CDI sync report');
	const recent = html
		.slice(html.indexOf('data-integration-id="cdi-recent"'))
		.split('data-integration-id=')[1];
	expect(recent.match(/<td data-status=/g)).toHaveLength(24); // one a sync of the last 24 h
	expect(readdirSync(systemTmp)).toEqual([]);
	expect(existsSync(demoScratch(demo.child.pid))).toBe(false);
}, 300_000);

test('interrupted while n8n runs the workflows, stops n8n and leaves nothing behind', async () => {
	const demo = startDemo([], { TMPDIR: systemTmp });
	await demo.printed(/▶ Braze CDI: List Job Sync Status/);
	const scratch = demoScratch(demo.child.pid);
	expect(existsSync(scratch)).toBe(true);

	demo.child.kill('SIGINT'); // the demo alone, not its process group: it must stop n8n itself

	expect(await demo.ended).toBe(130);
	expect(readdirSync(systemTmp)).toEqual([]);
	expect(existsSync(scratch)).toBe(false);
	expect(processesIn(scratch)).toEqual([]);
}, 300_000);

describe('npm run demo -- --editor', () => {
	let cache: string;
	beforeAll(() => {
		// A cache of its own, so that the test never touches the demo editor folder of the person
		// running it; n8n and Node.js come from the real cache.
		cache = mkdtempSync(path.join(tmpdir(), 'braze-cdi-editor-cache-'));
		for (const entry of ['n8n', 'node24']) {
			mkdirSync(path.join(cacheDir(), entry), { recursive: true });
			symlinkSync(path.join(cacheDir(), entry), path.join(cache, entry), 'dir');
		}
	});
	afterAll(() => rmSync(cache, { recursive: true, force: true }));

	async function login(base: string): Promise<string> {
		const response = await fetchN8n(`${base}/rest/login`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({
				emailOrLdapLoginId: DEMO_OWNER.email,
				email: DEMO_OWNER.email,
				password: DEMO_OWNER.password,
			}),
		});
		expect(response.status).toBe(200);
		return response.headers
			.getSetCookie()
			.map((cookie) => cookie.split(';')[0])
			.join('; ');
	}

	async function api(base: string, cookie: string, route: string, init: RequestInit = {}) {
		const response = await fetchN8n(`${base}/rest${route}`, {
			...init,
			headers: { cookie, 'content-type': 'application/json', ...init.headers },
		});
		expect(response.status).toBe(200);
		return ((await response.json()) as { data: any }).data;
	}

	test('keeps the owner account and edits across runs, loads every example, and Ctrl-C stops it all', async () => {
		const editorPort = await freePort();
		const env = {
			TMPDIR: systemTmp,
			BRAZE_CDI_CACHE_DIR: cache,
			N8N_PORT: String(editorPort),
			SIMULATOR_PORT: String(await freePort()),
		};
		const base = `http://127.0.0.1:${editorPort}`;

		const first = startDemo(['--editor'], env);
		await first.printed(/Press Ctrl-C/);
		expect(first.output()).toContain(`Log in as ${DEMO_OWNER.email} with the password`);
		expect(first.output()).toContain('(the owner account was just set up)');
		let cookie = await login(base);
		const listed: Array<{ id: string; name: string }> = await api(base, cookie, '/workflows');
		expect(listed).toHaveLength(examples.length + 2);
		expect(listed.map((workflow) => workflow.name)).toContain(
			'Braze CDI: page on-call when an integration breaks, resolve when it recovers',
		);
		// An edit, as the editor saves it.
		const workflow = await api(base, cookie, '/workflows/demo-alert');
		await api(base, cookie, '/workflows/demo-alert', {
			method: 'PATCH',
			body: JSON.stringify({ name: 'My renamed alert', versionId: workflow.versionId }),
		});

		first.child.kill('SIGINT');
		expect(await first.ended).toBe(130);
		await expect(fetch(`${base}/rest/settings`)).rejects.toThrow();
		expect(processesIn(path.join(cache, 'demo-editor'))).toEqual([]);

		const second = startDemo(['--editor'], env);
		await second.printed(/Press Ctrl-C/);
		expect(second.output()).not.toContain('(the owner account was just set up)');
		cookie = await login(base);
		expect((await api(base, cookie, '/workflows/demo-alert')).name).toBe('My renamed alert');
		expect(await api(base, cookie, '/workflows')).toHaveLength(examples.length + 2);

		second.child.kill('SIGINT');
		expect(await second.ended).toBe(130);
		expect(readdirSync(systemTmp)).toEqual([]);
	}, 300_000);
});
