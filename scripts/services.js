/**
 * Throwaway PostgreSQL and Redis servers for the queue-mode end-to-end test (n8n main + worker
 * share one database and one Bull queue): each runs as a child process of ours on a free loopback
 * port, with its data in a fresh temporary folder that stop() removes. The Debian packages
 * (postgresql, redis-server) are installed when their programs are missing (npm run test:e2e
 * installs them before it starts; this is for jest run alone).
 */
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const { freePort, run } = require('./n8n');
const { ensureDebianPackages } = require('./setup');

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

function log(message) {
	process.stderr.write(`${message}\n`);
}

/** The path of an executable on PATH (or under extra folders), or undefined. */
function findProgram(name, folders = []) {
	const candidates = [
		...folders,
		...(process.env.PATH ?? '').split(path.delimiter),
		'/usr/sbin',
		'/usr/bin',
		'/sbin',
		'/bin',
	];
	for (const folder of candidates) {
		if (!folder) continue;
		const file = path.join(folder, name);
		try {
			fs.accessSync(file, fs.constants.X_OK);
			if (fs.statSync(file).isFile()) return file;
		} catch {
			// not there
		}
	}
	return undefined;
}

/** The bin folder of the newest PostgreSQL under /usr/lib/postgresql, or undefined. */
function postgresBin() {
	const root = '/usr/lib/postgresql';
	if (!fs.existsSync(root)) return undefined;
	const versions = fs
		.readdirSync(root)
		.filter((version) => fs.existsSync(path.join(root, version, 'bin', 'postgres')))
		.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
	return versions.length ? path.join(root, versions[0], 'bin') : undefined;
}

/**
 * As root, the user the PostgreSQL server runs as (it refuses root): the `postgres` account the
 * Debian package creates. Not root: ourselves (undefined).
 */
async function postgresAccount() {
	if (process.getuid?.() !== 0) return undefined;
	const id = async (flag) => {
		const result = await run('id', [flag, 'postgres']);
		if (result.code !== 0)
			throw new Error(
				`No postgres account to run PostgreSQL as (id ${flag} postgres):\n${result.output}`,
			);
		return Number(result.output.trim());
	};
	return { uid: await id('-u'), gid: await id('-g') };
}

/** Ends a process for sure: `signal`, then SIGKILL if it has not exited within the grace time. */
async function stopChild(child, signal = 'SIGTERM', graceMs = STOP_GRACE_MS) {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise((resolve) => child.once('exit', resolve));
	child.kill(signal);
	const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
	await exited;
	clearTimeout(timer);
}

/**
 * Starts a server process and waits (bounded) until `ready()` says it answers. Fails, with its
 * output, when it exits first or does not answer in time; the process is ended then. While it
 * runs, our own exit kills it, so that a crashed test run leaves no server behind.
 */
async function startServer({ what, command, args, options, ready, stopSignal }) {
	const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
	let output = '';
	child.stdout.on('data', (chunk) => (output += chunk));
	child.stderr.on('data', (chunk) => (output += chunk));
	let spawnError;
	child.on('error', (error) => (spawnError = error));
	const killOnExit = () => child.kill('SIGKILL');
	process.on('exit', killOnExit);
	const stop = async () => {
		try {
			await stopChild(child, stopSignal);
		} finally {
			process.removeListener('exit', killOnExit);
		}
	};

	const deadline = Date.now() + READY_TIMEOUT_MS;
	for (;;) {
		if (spawnError) {
			await stop();
			throw new Error(`${what} could not start: ${spawnError.message}`);
		}
		if (child.exitCode !== null || child.signalCode !== null) {
			await stop();
			const error = new Error(
				`${what} exited (${child.exitCode ?? child.signalCode}) before answering:\n${output.slice(-3000)}`,
			);
			error.output = output;
			throw error;
		}
		if (await ready().catch(() => false)) return { child, output: () => output, stop };
		if (Date.now() > deadline) {
			await stop();
			throw new Error(
				`${what} did not answer within ${READY_TIMEOUT_MS / 1000} s:\n${output.slice(-3000)}`,
			);
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

/** Tries `start(port)` on free ports until one is not taken meanwhile by someone else (3 tries). */
async function onFreePort(start) {
	for (let attempt = 1; ; attempt++) {
		const port = await freePort();
		try {
			return { port, ...(await start(port)) };
		} catch (error) {
			const taken = /address already in use|could not bind/i.test(String(error.output ?? ''));
			if (!taken || attempt === 3) throw error;
		}
	}
}

/**
 * A PostgreSQL server on 127.0.0.1:port with a database and a password user for n8n.
 * @returns {Promise<{ port: number, env: Record<string, string>, stop(): Promise<void> }>}
 */
async function startPostgres() {
	let bin = postgresBin();
	if (!bin) {
		await ensureDebianPackages('The queue-mode test', ['postgresql']);
		bin = postgresBin();
		if (!bin)
			throw new Error('PostgreSQL installed, yet no /usr/lib/postgresql/<version>/bin/postgres');
	}
	const account = await postgresAccount();
	const user = 'n8n';
	const database = 'n8n';
	const password = crypto.randomBytes(16).toString('hex');

	// Run as the postgres account, the server needs a folder that account can reach: the system's
	// temporary folder, not the scratch folder in the cache (the clone may sit in a private
	// folder). Removed when it stops, or when this process exits.
	const parent = account ? (process.env.BRAZE_CDI_SYSTEM_TMPDIR ?? os.tmpdir()) : os.tmpdir();
	const folder = fs.mkdtempSync(path.join(parent, 'braze-cdi-postgres-'));
	const removeFolder = () => fs.rmSync(folder, { recursive: true, force: true });
	process.once('exit', removeFolder);
	try {
		const data = path.join(folder, 'data');
		const passwordFile = path.join(folder, 'password');
		fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
		if (account) {
			fs.chownSync(folder, account.uid, account.gid);
			fs.chownSync(passwordFile, account.uid, account.gid);
		}
		// Its own environment: no PG* variables of ours, a HOME the postgres account may read.
		const asPostgres = {
			...(account ?? {}),
			cwd: folder,
			env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: folder, LANG: 'C', LC_ALL: 'C' },
		};

		const init = await run(
			path.join(bin, 'initdb'),
			[
				'-D',
				data,
				'-U',
				user,
				`--pwfile=${passwordFile}`,
				'-A',
				'scram-sha-256',
				'-E',
				'UTF8',
				'--locale=C',
				'--no-sync',
			],
			asPostgres,
		);
		if (init.code !== 0)
			throw new Error(`initdb failed (${init.code}):\n${init.output.slice(-3000)}`);

		const pgEnv = { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '5' };
		const { port, stop } = await onFreePort((port) =>
			startServer({
				what: `PostgreSQL on port ${port}`,
				command: path.join(bin, 'postgres'),
				args: [
					'-D',
					data,
					'-p',
					String(port),
					'-c',
					'listen_addresses=127.0.0.1',
					'-c',
					`unix_socket_directories=${folder}`,
					// A test database: speed over durability.
					'-c',
					'fsync=off',
					'-c',
					'synchronous_commit=off',
					'-c',
					'full_page_writes=off',
					'-c',
					'max_connections=100',
				],
				options: asPostgres,
				ready: async () =>
					(
						await run(path.join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)], {
							env: pgEnv,
						})
					).code === 0,
				// Fast shutdown: SIGTERM (smart) would wait for every client to leave.
				stopSignal: 'SIGINT',
			}),
		);
		try {
			const created = await run(
				path.join(bin, 'createdb'),
				['-h', '127.0.0.1', '-p', String(port), '-U', user, database],
				{ env: pgEnv },
			);
			if (created.code !== 0)
				throw new Error(`createdb ${database} failed:\n${created.output.slice(-3000)}`);
		} catch (error) {
			await stop();
			throw error;
		}
		return {
			port,
			env: {
				DB_TYPE: 'postgresdb',
				DB_POSTGRESDB_HOST: '127.0.0.1',
				DB_POSTGRESDB_PORT: String(port),
				DB_POSTGRESDB_DATABASE: database,
				DB_POSTGRESDB_USER: user,
				DB_POSTGRESDB_PASSWORD: password,
			},
			async stop() {
				try {
					await stop();
				} finally {
					removeFolder();
				}
			},
		};
	} catch (error) {
		removeFolder();
		throw error;
	}
}

/** Whether a Redis server answers PING on 127.0.0.1:port (a raw RESP exchange, 2 s at most). */
function redisAnswers(port) {
	return new Promise((resolve) => {
		const socket = net.connect({ host: '127.0.0.1', port });
		let reply = '';
		const done = (answer) => {
			socket.destroy();
			resolve(answer);
		};
		socket.setTimeout(2_000, () => done(false));
		socket.on('error', () => done(false));
		socket.on('connect', () => socket.write('PING\r\n'));
		socket.on('data', (chunk) => {
			reply += chunk;
			if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
		});
	});
}

/**
 * A Redis server on 127.0.0.1:port, persisting nothing, with the environment of n8n's queue mode.
 * @returns {Promise<{ port: number, env: Record<string, string>, stop(): Promise<void> }>}
 */
async function startRedis() {
	let server = findProgram('redis-server');
	if (!server) {
		await ensureDebianPackages('The queue-mode test', ['redis-server']);
		server = findProgram('redis-server');
		if (!server) throw new Error('redis-server installed, yet not found on PATH');
	}
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'braze-cdi-redis-'));
	const removeFolder = () => fs.rmSync(folder, { recursive: true, force: true });
	try {
		const { port, stop } = await onFreePort((port) =>
			startServer({
				what: `Redis on port ${port}`,
				command: server,
				args: [
					'--port',
					String(port),
					'--bind',
					'127.0.0.1',
					'--dir',
					folder,
					'--save',
					'',
					'--appendonly',
					'no',
					'--daemonize',
					'no',
					'--protected-mode',
					'yes',
				],
				options: { cwd: folder },
				ready: () => redisAnswers(port),
				stopSignal: 'SIGTERM',
			}),
		);
		return {
			port,
			env: {
				EXECUTIONS_MODE: 'queue',
				QUEUE_BULL_REDIS_HOST: '127.0.0.1',
				QUEUE_BULL_REDIS_PORT: String(port),
			},
			async stop() {
				try {
					await stop();
				} finally {
					removeFolder();
				}
			},
		};
	} catch (error) {
		removeFolder();
		throw error;
	}
}

module.exports = { startPostgres, startRedis };
