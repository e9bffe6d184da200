/**
 * Real n8n for the demo and the end-to-end tests: installed from the npm registry into a cache
 * folder, with this package packed and installed as a community package, driven headlessly
 * through n8n's CLI (import:credentials, import:workflow, execute).
 */
const { spawn, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const {
	ROOT,
	SetupError,
	cacheDir,
	log,
	nodeOfMajor,
	npm,
	processAlive,
	requireCommands,
	run,
	spawnTracked,
} = require('./setup');

const PACKAGE_NAME = 'n8n-nodes-braze-cdi';

/**
 * The n8n versions this package is tested on: the pinned 2.x, the newest 1.x, and the oldest n8n
 * it runs in: 1.85, the first whose n8n-workflow exports NodeConnectionTypes (n8n's lint rules
 * and verification scanner require it for a node's inputs and outputs); 1.85.3 is the oldest
 * 1.85 release on the registry.
 */
const N8N_VERSIONS = { latest: '2.41.1', v1: '1.123.81', oldest: '1.85.3' };

/** The versions E2E_N8N_VERSIONS names (a,b), when it is set. */
const chosenVersions = process.env.E2E_N8N_VERSIONS?.split(',');

/** The n8n versions the end-to-end suites run on: both majors, or those of E2E_N8N_VERSIONS. */
const E2E_VERSIONS = chosenVersions ?? [N8N_VERSIONS.latest, N8N_VERSIONS.v1];

/**
 * Where oldest.e2e.ts checks what the package needs of n8n: the oldest n8n it supports, unless
 * E2E_N8N_VERSIONS leaves it out.
 */
const OLDEST_VERSIONS = [N8N_VERSIONS.oldest].filter(
	(version) => !chosenVersions || chosenVersions.includes(version),
);

/**
 * Every n8n version an end-to-end suite uses (queue mode and the demo run the pinned 2.x whatever
 * is chosen): what the e2e globalSetup installs, and `npm run test:all` in the background before.
 */
const E2E_INSTALLS = [...new Set([N8N_VERSIONS.latest, ...E2E_VERSIONS, ...OLDEST_VERSIONS])];

/** n8n 2.41's durable poll cursors: a poll's static data committed with the execution it starts. */
const DURABLE_CURSORS = Object.freeze({
	N8N_POLLER_DURABLE_CURSORS_ENABLED: 'true',
	N8N_SCHEDULER_ENABLED: 'true',
	N8N_SCHEDULER_POLL_TRIGGERS_ENABLED: 'true',
	N8N_USE_WORKFLOW_PUBLICATION_SERVICE: 'true',
});

/**
 * The Node.js each n8n runs on, as its users run it: 2.x on Node.js 24, 1.x on Node.js 22 (n8n
 * 1.x supports 20.19 to 24).
 */
const nodeFor = (version) => {
	const major = version.startsWith('1.') ? 22 : 24;
	// One fetch per major, however many installs ask for it side by side.
	if (!nodeOfMajors.has(major)) nodeOfMajors.set(major, nodeOfMajor(major));
	return nodeOfMajors.get(major);
};
const nodeOfMajors = new Map();

/** Where n8n@version is installed: one folder per version and the Node.js it is built for. */
const n8nFolder = (version) =>
	path.join(cacheDir(), 'n8n', version.startsWith('1.') ? `${version}-node22` : version);

/** Whether n8n@version is installed: its install's last act is to write .ready. */
const n8nReady = (version) => fs.existsSync(path.join(n8nFolder(version), '.ready'));

/**
 * How long each step of installing n8n took on a 2-core machine here (seconds; 2.41.1, empty npm
 * cache): the estimate of what is left that the progress lines show. The two run side by side.
 */
const TYPICAL_SECONDS = { packages: 210, sqlite3: 100 };

/**
 * Checks, before any of it starts, what installing n8n@version needs (when it is not installed
 * yet): a C++ toolchain and disk space.
 */
function checkN8nPrerequisites(version) {
	if (n8nReady(version)) return;
	const folder = n8nFolder(version);
	requireCommands(
		"Building n8n's sqlite3 module for this Node.js",
		['g++', 'make', 'python3'],
		'apt-get install -y g++ make python3',
	);
	fs.mkdirSync(folder, { recursive: true });
	const { bavail, bsize } = fs.statfsSync(folder);
	const freeGb = (bavail * bsize) / 1e9;
	if (freeGb < 4) {
		throw new SetupError(
			`Installing n8n takes about 3 GB and ${folder} has ${freeGb.toFixed(1)} GB free: free some space or set BRAZE_CDI_CACHE_DIR to a folder on a larger disk.`,
		);
	}
}

/**
 * Installs n8n@version into the cache once (3 GB; about 4 minutes for 2.x on 2 cores), for the
 * Node.js it runs on: with --ignore-scripts (an optional dependency downloads from the internet
 * in its install script), and sqlite3, the one native module n8n needs to start, compiled for
 * that Node.js on the other core meanwhile (npm's install is single-threaded), once per sqlite3
 * version and Node.js major (sqlite3For). 1.x needs its xlsx dependency, published on a CDN,
 * taken from the same version republished on npm. Answers n8n's bin and that Node.js.
 */
async function ensureN8n(version) {
	const folder = n8nFolder(version);
	const bin = path.join(folder, 'node_modules', 'n8n', 'bin', 'n8n');
	if (n8nReady(version)) return { bin, node: await nodeFor(version) };

	checkN8nPrerequisites(version);
	const node = await nodeFor(version);
	await installOnce(folder, `n8n@${version}`, () => installN8n(version, folder, node));
	return { bin, node };
}

/** See ensureN8n: installs n8n@version into `folder`, for `node`, and marks it ready. */
async function installN8n(version, folder, node) {
	const ready = path.join(folder, '.ready');
	// What an interrupted install left is not to be trusted: start over.
	fs.rmSync(folder, { recursive: true, force: true });
	fs.mkdirSync(folder, { recursive: true });
	const manifest = { name: 'n8n-host', private: true };
	if (version.startsWith('1.')) manifest.overrides = { xlsx: 'npm:@e965/xlsx@0.20.2' };
	fs.writeFileSync(path.join(folder, 'package.json'), JSON.stringify(manifest, null, 2));

	const started = Date.now();
	log(`Installing n8n@${version} into ${folder} (first time only: 3 GB, about 4 minutes)…`);
	// npm, and the sqlite3 build it runs, on n8n's Node.js and against its headers.
	const env = {
		...process.env,
		PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH}`,
		npm_config_nodedir: path.dirname(path.dirname(node)),
	};
	const steps = {
		packages: { name: "n8n's packages", done: undefined },
		sqlite3: { name: 'sqlite3 compiling', done: undefined },
	};
	const progress = setInterval(
		() => log(`  … n8n@${version}, ${installProgress(started, steps)}`),
		15_000,
	);
	try {
		const packages = npmOrFail(
			['install', `n8n@${version}`, '--ignore-scripts', '--no-audit', '--no-fund'],
			{ cwd: folder, env },
		).then(() => (steps.packages.done = Date.now()));
		const sqlite3 = sqlite3For(version, node, env).then((binary) => {
			steps.sqlite3.done = Date.now();
			return binary;
		});
		// Both settle before anything fails, so that no npm is left writing into the folder.
		const [installed, built] = await Promise.allSettled([packages, sqlite3]);
		for (const result of [installed, built]) if (result.status === 'rejected') throw result.reason;
		const target = path.join(folder, 'node_modules', 'sqlite3', 'build', 'Release');
		fs.mkdirSync(target, { recursive: true });
		fs.copyFileSync(built.value, path.join(target, 'node_sqlite3.node'));
		const check = await run(node, ['-e', "require('sqlite3')"], { cwd: folder });
		if (check.code !== 0)
			throw new Error(`The sqlite3 built for n8n does not load:\n${check.output}`);
	} finally {
		clearInterval(progress);
	}
	fs.writeFileSync(ready, new Date().toISOString());
	log(`  n8n@${version} ready after ${Math.round((Date.now() - started) / 1000)} s`);
}

/**
 * Runs `install`, which fills `folder` and writes its .ready last, unless .ready is there: one
 * process at a time, holding `<folder>.lock` (its pid) meanwhile, so that another process (or
 * call) asking for the same folder waits for that install instead of wiping the folder to start
 * its own: the e2e globalSetup while `npm run test:all` installs in the background, a demo
 * beside a test run. A lock whose process is gone (killed outright) is taken over.
 */
async function installOnce(folder, what, install) {
	const ready = path.join(folder, '.ready');
	const lock = `${folder}.lock`;
	let waiting = false;
	for (let holder; (holder = takeLock(lock)) !== true;) {
		if (fs.existsSync(ready)) return;
		if (!waiting)
			log(`Waiting for ${what}, which process ${holder || '(starting)'} is installing…`);
		waiting = true;
		await new Promise((resolve) => setTimeout(resolve, 1000));
	}
	try {
		// The holder waited for may have finished it; or failed, and this one tries again.
		if (!fs.existsSync(ready)) await install();
	} finally {
		fs.rmSync(lock, { force: true });
		heldLocks.delete(lock);
	}
}

/**
 * Takes `lock` for this process (answers true), or answers the pid of the process holding it (0
 * while that one has made the file and not yet written its pid).
 */
function takeLock(lock) {
	fs.mkdirSync(path.dirname(lock), { recursive: true });
	try {
		fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
	} catch (error) {
		if (error.code !== 'EEXIST') throw error;
		let holder;
		try {
			holder = Number(fs.readFileSync(lock, 'utf8'));
		} catch {
			return takeLock(lock); // released meanwhile
		}
		if (processAlive(holder) || (holder === 0 && !emptyLockAbandoned(lock))) return holder;
		return takeOverDeadLock(lock, holder) ? takeLock(lock) : holder;
	}
	if (!releaseOnExit) {
		// Ctrl-C ends the process without its finally blocks (see exitOnSignals).
		process.once('exit', () => heldLocks.forEach((held) => fs.rmSync(held, { force: true })));
		releaseOnExit = true;
	}
	heldLocks.add(lock);
	return true;
}
const heldLocks = new Set();
let releaseOnExit = false;

/** An empty lock older than this was left by a process killed between creating and writing it. */
const EMPTY_LOCK_ABANDONED_MS = 10_000;

function emptyLockAbandoned(lock) {
	try {
		return Date.now() - fs.statSync(lock).mtimeMs > EMPTY_LOCK_ABANDONED_MS;
	} catch {
		return true; // gone meanwhile
	}
}

/**
 * Removes a lock whose holder is dead, when this process wins the claim to do so: of several
 * waiters that read the same dead holder, one removes it, and none removes the lock another has
 * taken since (the holder is read again under the claim). True when the lock may be taken now.
 */
function takeOverDeadLock(lock, deadHolder) {
	const claim = `${lock}.takeover`;
	try {
		fs.writeFileSync(claim, String(process.pid), { flag: 'wx' });
	} catch (error) {
		if (error.code !== 'EEXIST') throw error;
		// Another waiter is taking it over; a claim left by a killed one is cleared after a while.
		if (emptyLockAbandoned(claim)) fs.rmSync(claim, { force: true });
		return false;
	}
	try {
		let holder;
		try {
			holder = Number(fs.readFileSync(lock, 'utf8'));
		} catch {
			return true; // released meanwhile
		}
		if (holder !== deadHolder) return false; // taken by another since
		fs.rmSync(lock, { force: true });
		return true;
	} finally {
		fs.rmSync(claim, { force: true });
	}
}

/**
 * Installs the n8n versions not installed yet side by side, one install per version: each is
 * mostly waiting on the registry and the disk, and one core compiles sqlite3 meanwhile, so three
 * take little more than the slowest alone. Fails with every install's failure, once all settled.
 */
async function ensureN8ns(versions) {
	const unique = [...new Set(versions)];
	for (const version of unique) checkN8nPrerequisites(version);
	const results = await Promise.allSettled(unique.map((version) => ensureN8n(version)));
	const failures = results.flatMap((result, index) =>
		result.status === 'rejected'
			? [`n8n@${unique[index]}: ${result.reason?.message ?? result.reason}`]
			: [],
	);
	if (failures.length) throw new Error(failures.join('\n\n'));
}

/** One progress line: time so far, what is still running, and about how long is left. */
function installProgress(started, steps) {
	const elapsed = (Date.now() - started) / 1000;
	const running = Object.entries(steps).filter(([, step]) => step.done === undefined);
	const left = Math.max(0, ...running.map(([key]) => TYPICAL_SECONDS[key] - elapsed));
	const estimate =
		left > 0 ? `about ${duration(left)} left` : 'longer than usual on this machine; still working';
	return `${duration(elapsed)}: ${running.map(([, step]) => step.name).join(' and ')}; ${estimate}`;
}

/** 95 → "1 min 35 s". */
function duration(seconds) {
	const whole = Math.round(seconds);
	return whole < 60 ? `${whole} s` : `${Math.floor(whole / 60)} min ${whole % 60} s`;
}

/**
 * The sqlite3 binary n8n@version needs, for the Node.js it runs on: built once per sqlite3
 * version and Node.js major, into the cache, and shared (n8n 1.85.3 and 1.123.81 both pin
 * sqlite3 5.1.7 and run on Node.js 22), also between installs running side by side.
 */
async function sqlite3For(version, node, env) {
	const view = await npmOrFail(['view', `n8n@${version}`, 'dependencies.sqlite3'], { env });
	const pinned = view.output.trim();
	const major = (await run(node, ['-p', 'process.versions.node'])).output.trim().split('.')[0];
	const folder = path.join(cacheDir(), 'sqlite3', `${pinned}-node${major}`);
	if (!sqlite3Builds.has(folder)) {
		const binary = path.join(folder, 'node_modules', 'sqlite3', 'build', 'Release');
		const ready = path.join(folder, '.ready');
		const build = installOnce(folder, `sqlite3@${pinned} for Node.js ${major}`, () =>
			buildSqlite3(pinned, folder, env).then(() => fs.writeFileSync(ready, '')),
		);
		sqlite3Builds.set(
			folder,
			build.then(() => path.join(binary, 'node_sqlite3.node')),
		);
		// A failed build is tried again by the next install that asks.
		build.catch(() => sqlite3Builds.delete(folder));
	}
	return await sqlite3Builds.get(folder);
}
const sqlite3Builds = new Map();

/**
 * Compiles sqlite3@pinned in `folder` for the Node.js on env's PATH. From source: prebuilt
 * binaries come from a host this machine may not reach.
 */
async function buildSqlite3(pinned, folder, env) {
	// What an interrupted build left is not to be trusted: start over.
	fs.rmSync(folder, { recursive: true, force: true });
	fs.mkdirSync(folder, { recursive: true });
	fs.writeFileSync(path.join(folder, 'package.json'), '{"private":true}');
	const options = { cwd: folder, env: { ...env, JOBS: '2' } };
	await npmOrFail(
		['install', `sqlite3@${pinned}`, '--ignore-scripts', '--no-audit', '--no-fund'],
		options,
	);
	await npmOrFail(['rebuild', 'sqlite3', '--build-from-source'], options);
}

async function npmOrFail(args, options) {
	const result = await run(npm, args, options);
	if (result.code !== 0)
		throw new Error(`npm ${args.join(' ')} failed:\n${result.output.slice(-3000)}`);
	return result;
}

/** Deletes a tarball packPackage made, with the folder it made for it. */
function removePack(tarball) {
	if (tarball && path.basename(path.dirname(tarball)).startsWith('braze-cdi-pack-'))
		fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
}

/** Builds and packs this package, as a user gets it from the registry; returns the tarball. */
function packPackage(destination = fs.mkdtempSync(path.join(os.tmpdir(), 'braze-cdi-pack-'))) {
	const output = execFileSync(npm, ['pack', '--json', '--pack-destination', destination], {
		cwd: ROOT,
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	// The build (prepack) prints first; npm's JSON report starts at a line that is just `[`.
	const [{ filename }] = JSON.parse(output.slice(output.search(/^\[$/m)));
	return path.join(destination, filename);
}

/** The demo editor's owner account (local only; the end-to-end editor tests log in with it). */
const DEMO_OWNER = {
	email: 'demo@example.com',
	firstName: 'Demo',
	lastName: 'User',
	password: 'Demo-password-1',
};

function freePort() {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

/**
 * The JSON n8n prints after its log lines (an execution, or execute-batch's summary): from the
 * first line that is exactly `{`.
 */
function parseExecution(output) {
	const lines = output.split('\n');
	const start = lines.findIndex((line) => line === '{');
	if (start === -1) return undefined;
	const end = lines.lastIndexOf('}');
	try {
		return JSON.parse(lines.slice(start, end + 1).join('\n'));
	} catch {
		return undefined;
	}
}

/**
 * Sends a request to n8n, and again while n8n refuses it with "Database is not ready!" (503), for
 * up to a minute. n8n pings its database every 2 s and refuses every REST and webhook request
 * until a ping answers within 5 s: on a loaded 2-core CI machine one did not, and a test failed on
 * n8n's refusal, not on anything it checks. n8n refuses before any route runs, so a request sent
 * again was never handled: nothing is done twice.
 * @template R
 * @param {() => Promise<R>} send sends the request (its body, if any, a string or JSON data)
 * @param {(response: R) => number} status an answer's status
 * @param {(response: R) => Promise<string>} text a 503's text, leaving the answer readable
 * @returns {Promise<R>} the first answer that is not that refusal (or the last, after a minute)
 */
async function sendUntilHandled(send, status, text) {
	const deadline = Date.now() + 60_000;
	for (;;) {
		const response = await send();
		// Only a 503's body is read: another answer may be a stream that never ends (MCP's).
		if (status(response) !== 503 || Date.now() > deadline) return response;
		if (!(await text(response)).includes('Database is not ready')) return response;
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

/**
 * `fetch`, for a request to n8n (see sendUntilHandled).
 * @param {string | URL} url
 * @param {RequestInit} [init]
 */
const fetchN8n = (url, init) =>
	sendUntilHandled(
		() => fetch(url, init),
		(response) => response.status,
		(response) => response.clone().text(),
	);

/**
 * A Playwright request to n8n (`page.request.post(…)`, say), sent as sendUntilHandled says.
 * @param {() => Promise<import('playwright-core').APIResponse>} send
 */
const requestN8n = (send) =>
	sendUntilHandled(
		send,
		(response) => response.status(),
		(response) => response.text(),
	);

/**
 * Sets up the owner account of the n8n answering at `base` (DEMO_OWNER) unless it has one;
 * answers 'created' or 'existing'.
 */
async function setUpOwner(base) {
	const response = await fetchN8n(`${base}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(DEMO_OWNER),
	});
	if (response.ok) return 'created';
	if (response.status === 400) return 'existing'; // n8n: "Instance owner already setup"
	throw new Error(`n8n's owner set-up failed: ${response.status} ${await response.text()}`);
}

/**
 * An n8n user folder with the packed package installed as a community package
 * (`.n8n/nodes/node_modules/n8n-nodes-braze-cdi`, node type `n8n-nodes-braze-cdi.brazeCdi`).
 * `env` adds to (or overrides) n8n's environment for every command and process. A `persistent`
 * folder keeps the encryption key n8n makes for itself there, so that it opens again next time.
 * @param {{ version: string, tarball: string, userFolder?: string, persistent?: boolean, env?: Record<string, string> }} options
 */
async function createN8n({ version, tarball, userFolder, persistent, env: extraEnv = {} } = {}) {
	const { bin, node } = await ensureN8n(version);
	const home = userFolder ?? fs.mkdtempSync(path.join(os.tmpdir(), `n8n-${version}-`));
	// n8n and Node.js write to the temporary folder too (uploads, the compile cache): inside the
	// user folder, they go with it.
	const tmp = path.join(home, 'tmp');
	fs.mkdirSync(tmp, { recursive: true });
	const packageDir = path.join(home, '.n8n', 'nodes', 'node_modules', PACKAGE_NAME);
	fs.rmSync(packageDir, { recursive: true, force: true });
	fs.mkdirSync(packageDir, { recursive: true });
	execFileSync('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1']);

	// Not the test runner's NODE_ENV=test: n8n changes behaviour under it.
	const { NODE_ENV, JEST_WORKER_ID, ...inherited } = process.env;
	const env = {
		...inherited,
		N8N_USER_FOLDER: home,
		TMPDIR: tmp,
		...(persistent ? {} : { N8N_ENCRYPTION_KEY: crypto.randomBytes(24).toString('hex') }),
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		N8N_HIDE_USAGE_PAGE: 'true',
		DB_SQLITE_POOL_SIZE: '1',
		// n8n 2.x refuses every request for a while when a ping of its database takes over 5 s
		// (see fetchN8n), which a loaded CI machine caused once; 1.x's 5 s is fixed.
		DB_PING_TIMEOUT_MS: '30000',
		...extraEnv,
	};
	// Each process its own task-runner broker port, which 2.x binds in every command that runs
	// workflows (and exits if it is taken): chosen at each spawn, not once for the folder, where
	// another test's server could take it between two commands.
	const processEnv = async (overrides = {}) => ({
		...env,
		N8N_RUNNERS_BROKER_PORT: extraEnv.N8N_RUNNERS_BROKER_PORT ?? String(await freePort()),
		...overrides,
	});
	const cli = async (args) => run(node, [bin, ...args], { cwd: home, env: await processEnv() });

	const importFile = async (kind, entries) => {
		const file = path.join(home, `import-${kind}-${Date.now()}.json`);
		// Credentials are written in plain text: the file lives only as long as the import.
		fs.writeFileSync(file, JSON.stringify(entries), { mode: 0o600 });
		let result;
		try {
			result = await cli([`import:${kind}`, `--input=${file}`]);
		} finally {
			fs.rmSync(file, { force: true });
		}
		if (result.code !== 0 || !/Successfully imported/.test(result.output)) {
			throw new Error(`n8n import:${kind} failed:\n${result.output.slice(-3000)}`);
		}
	};

	return {
		version,
		node,
		home,
		env,
		/** Credentials with plain `data`; n8n encrypts them with the folder's key on import. */
		importCredentials: (credentials) => importFile('credentials', credentials),
		importWorkflows: (workflows) => importFile('workflow', workflows),
		/** Deletes the user folder, unless it was given (the demo editor keeps its own). */
		remove() {
			if (!userFolder) fs.rmSync(home, { recursive: true, force: true });
		},
		/**
		 * Runs a workflow as `n8n execute --id` does and returns n8n's execution (the JSON it
		 * prints), with the whole output. n8n's exit code is not trusted alone: check the items.
		 */
		async execute(id) {
			const { code, output } = await cli(['execute', `--id=${id}`, '--rawOutput']);
			return { code, output, execution: parseExecution(output) };
		},
		/**
		 * Runs every imported workflow once, as `execute` does (same runner, mode `cli`), in one
		 * `n8n execute-batch`: one start of n8n for all of them, where `execute` starts n8n once per
		 * workflow (most of what a short run costs). `concurrency` at a time; none is retried (n8n
		 * would run a failed one again by default). Each run is recorded in n8n's database: read it
		 * with `executions(id)`. Answers n8n's whole output and the status it gave each workflow's
		 * run, by workflow ID; fails only when n8n did not finish the batch.
		 */
		async executeBatch({ concurrency = 1 } = {}) {
			const { output } = await cli([
				'execute-batch',
				'--retries=0',
				`--concurrency=${concurrency}`,
			]);
			const summary = parseExecution(output);
			if (!Array.isArray(summary?.executions))
				throw new Error(`n8n execute-batch did not finish:\n${output.slice(-3000)}`);
			return {
				output,
				statuses: Object.fromEntries(
					summary.executions.map((run) => [run.workflowId, run.executionStatus]),
				),
			};
		},
		/**
		 * Activates a workflow from the CLI, as each major does it (2.x publishes it), while n8n is
		 * stopped: the next `n8n start` activates it.
		 */
		async activate(id) {
			const args = version.startsWith('1.')
				? ['update:workflow', `--id=${id}`, '--active=true']
				: ['publish:workflow', `--id=${id}`];
			const result = await cli(args);
			if (result.code !== 0)
				throw new Error(`n8n ${args.join(' ')} failed:\n${result.output.slice(-3000)}`);
		},
		async deactivate(id) {
			const args = version.startsWith('1.')
				? ['update:workflow', `--id=${id}`, '--active=false']
				: ['unpublish:workflow', `--id=${id}`];
			const result = await cli(args);
			if (result.code !== 0)
				throw new Error(`n8n ${args.join(' ')} failed:\n${result.output.slice(-3000)}`);
		},
		/**
		 * The executions n8n recorded for a workflow, oldest first, read from its database (SQLite
		 * in the user folder, or the PostgreSQL the environment names), each with its run data.
		 */
		executions: (workflowId) => recordedExecutions(node, version, home, env, workflowId),
		/** Starts `n8n worker` (queue mode); resolves once its health check answers. */
		async startWorker({ healthPort, env: workerEnv = {} }) {
			const child = spawnTracked(node, [bin, 'worker'], {
				cwd: home,
				env: await processEnv({
					QUEUE_HEALTH_CHECK_ACTIVE: 'true',
					QUEUE_HEALTH_CHECK_PORT: String(healthPort),
					...workerEnv,
				}),
				stdio: ['ignore', 'pipe', 'pipe'],
			});
			// Its readiness, not /healthz: also 503 while a ping of the database is late or Redis is
			// lost (and, in 2.x, until the worker takes jobs).
			return await answering(
				child,
				`http://127.0.0.1:${healthPort}/healthz/readiness`,
				'n8n worker',
			);
		},
		/** Starts the editor; resolves once it answers, with `stop()` to end it (and its task runners). */
		async startEditor({ port = 5678, host = '127.0.0.1', env: startEnv = {} } = {}) {
			const child = spawnTracked(node, [bin, 'start'], {
				cwd: home,
				env: await processEnv({
					N8N_PORT: String(port),
					N8N_HOST: host,
					N8N_LISTEN_ADDRESS: host,
					N8N_SECURE_COOKIE: 'false',
					...startEnv,
				}),
				stdio: ['ignore', 'pipe', 'pipe'],
			});
			return await answering(
				child,
				`http://${host}:${port}/rest/settings`,
				'n8n start',
				restApiMounted,
			);
		},
		cli,
	};
}

/**
 * Whether n8n's answer to GET /rest/settings says its REST API is there. n8n listens before it
 * migrates its database, answering 200 "n8n is starting up. Please wait" (text) meanwhile, then
 * 404 until Server.configure() mounts the REST controllers and, in the same step, the settings
 * route (JSON). Webhooks and triggers come later still (activeWorkflowManager.init): a test that
 * needs them waits for them. (2.x's /healthz/readiness would do, 1.x's does not wait for routes.)
 * @param {Response} response
 */
const restApiMounted = (response) => /json/.test(response.headers.get('content-type') ?? '');

/**
 * Resolves once `url` answers 2xx (and `ready` accepts the answer), with the process, its output
 * so far and `stop()`; fails (and ends the process) when it exits first or does not answer in 5
 * minutes (a crash ends the wait at once: the limit is for a hang, not for a loaded machine).
 * @param {(response: Response) => boolean} [ready]
 */
async function answering(child, url, what, ready = () => true) {
	let output = '';
	child.stdout.on('data', (chunk) => (output += chunk));
	child.stderr.on('data', (chunk) => (output += chunk));
	const deadline = Date.now() + 300_000;
	for (;;) {
		if (child.exitCode !== null) throw new Error(`${what} exited:\n${output.slice(-3000)}`);
		try {
			const response = await fetch(url);
			if (response.ok && ready(response))
				return { child, output: () => output, stop: () => stopProcess(child) };
			await response.body?.cancel();
		} catch {
			// not listening yet
		}
		if (Date.now() > deadline) {
			await stopProcess(child);
			throw new Error(`${what} did not answer in 5 minutes:\n${output.slice(-3000)}`);
		}
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
}

/**
 * See `executions` above.
 * @returns {Promise<Array<{ id: string, status: string, mode: string, runData: Record<string, any>, error?: Record<string, any> }>>}
 */
async function recordedExecutions(node, version, home, env, workflowId) {
	// Read with n8n's own Node.js: its sqlite3 is built for that one, not for this process's.
	const request = {
		modules: path.join(n8nFolder(version), 'node_modules'),
		database: path.join(home, '.n8n', 'database.sqlite'),
		env: Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('DB_'))),
		workflowId,
	};
	const script = `(${readExecutions})(${JSON.stringify(request)}).then(
		(rows) => process.stdout.write(JSON.stringify(rows)),
		(error) => { process.stderr.write(String(error?.stack ?? error)); process.exit(1); },
	)`;
	return await new Promise((resolve, reject) => {
		const child = spawn(node, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk) => (stdout += chunk));
		child.stderr.on('data', (chunk) => (stderr += chunk));
		child.on('error', reject);
		child.on('close', (code) =>
			code === 0
				? resolve(JSON.parse(stdout))
				: reject(new Error(`Reading n8n's executions failed:\n${stderr}`)),
		);
	});
}

/** Runs in a child process (see above): only its argument and n8n's modules are at hand. */
async function readExecutions({ modules, database, env, workflowId }) {
	const path = require('node:path');
	const { parse } = require(path.join(modules, 'flatted'));
	let rows;
	if (env.DB_TYPE === 'postgresdb') {
		const { Client } = require(path.join(modules, 'pg'));
		const client = new Client({
			host: env.DB_POSTGRESDB_HOST,
			port: Number(env.DB_POSTGRESDB_PORT),
			user: env.DB_POSTGRESDB_USER,
			password: env.DB_POSTGRESDB_PASSWORD,
			database: env.DB_POSTGRESDB_DATABASE,
		});
		await client.connect();
		try {
			const result = await client.query(
				'SELECT e.id, e.status, e.mode, d.data FROM execution_entity e JOIN execution_data d ON d."executionId" = e.id WHERE e."workflowId" = $1 ORDER BY e.id',
				[workflowId],
			);
			rows = result.rows;
		} finally {
			await client.end();
		}
	} else {
		const sqlite3 = require(path.join(modules, 'sqlite3'));
		const db = await new Promise((resolve, reject) => {
			const handle = new sqlite3.Database(database, sqlite3.OPEN_READONLY, (error) =>
				error ? reject(error) : resolve(handle),
			);
		});
		try {
			rows = await new Promise((resolve, reject) =>
				db.all(
					'SELECT e.id, e.status, e.mode, d.data FROM execution_entity e JOIN execution_data d ON d.executionId = e.id WHERE e.workflowId = ? ORDER BY e.id',
					[workflowId],
					(error, result) => (error ? reject(error) : resolve(result)),
				),
			);
		} finally {
			await new Promise((resolve) => db.close(resolve));
		}
	}
	return rows.map((row) => {
		const resultData = parse(row.data)?.resultData ?? {};
		return {
			id: String(row.id),
			status: row.status,
			mode: row.mode,
			runData: resultData.runData ?? {},
			error: resultData.error,
		};
	});
}

/**
 * Ends a process started with spawnTracked: SIGTERM, then SIGKILL if it has not exited within
 * 45 s (n8n gives its own shutdown 30 s, N8N_GRACEFUL_SHUTDOWN_TIMEOUT, to finish executions and
 * save their static data: killed sooner, a restart test may see a poll again); then whatever of
 * its process group is left (task runners).
 */
async function stopProcess(child) {
	const killGroup = () => {
		try {
			process.kill(-child.pid, 'SIGKILL');
		} catch {
			// the group is gone
		}
	};
	if (child.exitCode === null && child.signalCode === null) {
		const exited = new Promise((resolve) => child.once('exit', resolve));
		child.kill('SIGTERM');
		const timer = setTimeout(() => {
			log(`Process ${child.pid} did not exit 45 s after SIGTERM: killed.`);
			killGroup();
		}, 45_000);
		await exited;
		clearTimeout(timer);
	}
	killGroup();
}

/**
 * The items a node produced in an execution: `[{ json, pairedItem }, …]` of its first run.
 * @returns {Array<{ json: Record<string, any>, pairedItem?: unknown }>}
 */
function nodeItems(execution, nodeName) {
	const run = execution?.data?.resultData?.runData?.[nodeName]?.[0];
	return run?.data?.main?.[0] ?? [];
}

/** The error the execution ended with (a node's, or the workflow's), or undefined. */
function executionError(execution) {
	const resultData = execution?.data?.resultData ?? {};
	if (resultData.error) return resultData.error;
	for (const runs of Object.values(resultData.runData ?? {})) {
		if (runs[0]?.error) return runs[0].error;
	}
	return undefined;
}

module.exports = {
	DEMO_OWNER,
	DURABLE_CURSORS,
	checkN8nPrerequisites,
	E2E_INSTALLS,
	E2E_VERSIONS,
	N8N_VERSIONS,
	OLDEST_VERSIONS,
	ROOT,
	ensureN8n,
	ensureN8ns,
	n8nReady,
	packPackage,
	createN8n,
	removePack,
	freePort,
	answering,
	restApiMounted,
	run,
	nodeItems,
	executionError,
	fetchN8n,
	parseExecution,
	requestN8n,
	setUpOwner,
};

if (require.main === module) {
	const { exitOnSignals, runMain, useScratchFolder } = require('./setup');
	if (process.argv[2] === 'install-e2e') {
		// What npm run test:all starts in the background (see scripts/setup.js): the versions the
		// e2e globalSetup would install, in a scratch folder, stopped (npm and all) by SIGTERM.
		runMain(async () => {
			useScratchFolder('n8n-install');
			exitOnSignals();
			await ensureN8ns(E2E_INSTALLS);
		});
	} else {
		process.stderr.write('usage: node scripts/n8n.js install-e2e\n');
		process.exit(2);
	}
}
