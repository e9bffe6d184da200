#!/usr/bin/env node
/**
 * Soak measurement of the Braze CDI trigger in a real n8n: does it emit each finished sync exactly
 * once over many polls and restarts of n8n? (The bug it repeats the measurement for: duplicates
 * after a restart.) A longer, randomised version of test/e2e/restart.e2e.ts and queue.e2e.ts that
 * prints a table instead of asserting.
 *
 *   node scripts/trigger-soak.js [--minutes 10] [--restarts 2] [--queue] [--version 2.41.1]
 *                                [--seed N] [--logs DIR]
 *
 * Builds and packs the package, starts the Braze simulator, an n8n (SQLite; with --queue,
 * PostgreSQL + Redis, a main and a worker) with three trigger workflows polling every minute.
 * For --minutes, every 15–25 s, syncs start and finish on the simulator as they would on Braze
 * (sometimes 12 at once, more than a page); the n8n main restarts --restarts times, with syncs
 * finishing while it is down. Then every sync finishes, each trigger polls twice more, and the
 * items n8n recorded are compared with the simulator's histories. Exit code 1 on any missed or
 * duplicated sync (or anything else wrong), 2 on a usage error or when the run itself failed.
 * --seed repeats a run's random choices (timing still varies); --logs DIR keeps n8n's output and
 * the events, with times.
 */
const fs = require('node:fs');
const path = require('node:path');

const { STATUSES, makeSyncs, startSimulator } = require('../simulator');
const { N8N_VERSIONS, createN8n, freePort, packPackage } = require('./n8n');
const { startPostgres, startRedis } = require('./services');

const SECOND = 1_000;
const MINUTE = 60_000;
const TRIGGER = 'Braze CDI Trigger';
const FAILED = ['error', 'partial', 'config_error'];
const INTEGRATIONS = ['int-a', 'int-b', 'int-c'];
/** More syncs than a page (10): a poll must follow the Link header. */
const BURST = 12;
const BURST_CHANCE = 0.12;
const EVENT_SPACING_MS = [15 * SECOND, 25 * SECOND];
/** Up to 2.5 polls long: many syncs are seen running by one poll and finished by a later one. */
const RUNNING_MS = [20 * SECOND, 150 * SECOND];
/** Execution statuses that will not change any more. */
const UNFINISHED = ['new', 'running', 'waiting'];

/**
 * The workflows. Each has its own API key (same permissions, same workspace) only so that the
 * simulator's log tells whose poll a request was: "two more polls" is then counted exactly.
 * IDs of at most 16 characters: n8n 1.x silently never saves the static data (the trigger's
 * state) of a workflow with a longer ID, so it would forget it at each restart.
 */
const WORKFLOWS = [
	{
		id: 'soak-failed-a',
		name: 'Sync Failed, one integration',
		parameters: {
			watch: 'integration',
			integrationId: byId('int-a'),
			event: 'syncFailed',
			statuses: FAILED,
		},
		watches: ['int-a'],
		matches: (sync) => FAILED.includes(sync.job_status),
	},
	{
		id: 'soak-finish-b',
		name: 'Sync Finished, one integration',
		parameters: { watch: 'integration', integrationId: byId('int-b'), event: 'syncFinished' },
		watches: ['int-b'],
		matches: (sync) => sync.job_status !== 'running',
	},
	{
		id: 'soak-finish-all',
		name: 'Sync Finished, all integrations',
		parameters: { watch: 'allIntegrations', event: 'syncFinished' },
		watches: INTEGRATIONS,
		matches: (sync) => sync.job_status !== 'running',
	},
].map((workflow) => ({
	...workflow,
	key: `${workflow.id}-key`,
	credential: { id: `${workflow.id}-braze`, name: `Braze CDI (${workflow.name})` },
	// The request that opens each of its polls: the first page of what it reads first.
	pollPath:
		workflow.parameters.watch === 'integration'
			? `/cdi/integrations/${workflow.watches[0]}/job_sync_status`
			: '/cdi/integrations',
}));

const USAGE =
	'Usage: node scripts/trigger-soak.js [--minutes 10] [--restarts 2] [--queue] [--version 2.41.1] [--seed N] [--logs DIR]';

function byId(value) {
	return { __rl: true, mode: 'id', value };
}

const began = Date.now();
const clock = (time = Date.now()) => {
	const seconds = Math.round((time - began) / SECOND);
	return `+${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
};
const iso = (ms) => new Date(ms).toISOString();

/** Progress and events, kept for --logs and for the lines printed around a problem. */
const events = [];
/** The output of each n8n process started (main-1, main-2 after a restart, …, worker). */
const transcripts = [];
function log(message) {
	events.push({ time: Date.now(), line: message });
	process.stderr.write(`${clock()} ${message}\n`);
}

function parseArgs(argv) {
	const options = {
		minutes: 10,
		restarts: 2,
		queue: false,
		version: N8N_VERSIONS.latest,
		seed: undefined,
		logs: undefined,
	};
	const fail = (message) => new Error(`${message}\n${USAGE}`);
	for (let index = 0; index < argv.length; index++) {
		const [name, inline] = argv[index].split(/=(.*)/s);
		const value = () => {
			const given = inline ?? argv[++index];
			if (given === undefined || given === '') throw fail(`${name} needs a value`);
			return given;
		};
		if (name === '--minutes') options.minutes = Number(value());
		else if (name === '--restarts') options.restarts = Number(value());
		else if (name === '--version') options.version = value();
		else if (name === '--seed') options.seed = Number(value());
		else if (name === '--logs') options.logs = path.resolve(value());
		else if (name === '--queue' && inline === undefined) options.queue = true;
		else if (name === '--help' || name === '-h') {
			process.stdout.write(`${USAGE}\n`);
			process.exit(0);
		} else throw fail(`Unknown argument ${argv[index]}`);
	}
	if (!(options.minutes > 0)) throw fail('--minutes must be a number > 0');
	if (!Number.isInteger(options.restarts) || options.restarts < 0)
		throw fail('--restarts must be a whole number >= 0');
	if (options.seed === undefined) options.seed = Math.floor(Math.random() * 2 ** 31);
	if (!Number.isInteger(options.seed)) throw fail('--seed must be a whole number');
	return options;
}

/** mulberry32: small and seedable, so that --seed repeats a run's random choices. */
function seededRandom(seed) {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for `condition` (checked every 500 ms) up to `ms`, else fails saying what was awaited. */
async function until(what, ms, condition) {
	const deadline = Date.now() + ms;
	for (;;) {
		const value = await condition();
		if (value) return value;
		if (Date.now() > deadline)
			throw new Error(`Timed out after ${Math.round(ms / SECOND)} s waiting for ${what}`);
		await sleep(500);
	}
}

/**
 * What Braze does, on the simulator: syncs start, run a while and finish, one at a time per
 * integration (Braze refuses a second job while one runs), each starting after every sync so far.
 */
function simulatedBraze(sim, random) {
	const between = ([low, high]) => low + Math.floor(random() * (high - low));
	const pick = (list) => list[Math.floor(random() * list.length)];
	/** Integration → when its running sync is to finish. */
	const running = new Map();
	let newestStart = Date.now();

	/**
	 * `count` start times `step` apart, oldest first, after every start so far; the newest is a
	 * step before now, so that a sync finished within its step has finished by now.
	 */
	function nextStarts(count) {
		const now = Math.max(Date.now(), newestStart + count + 1);
		const step = Math.max(1, Math.min(SECOND, Math.floor((now - newestStart) / (count + 1))));
		const starts = Array.from({ length: count }, (_, index) => now - (count - index) * step);
		newestStart = starts.at(-1);
		return { starts, step };
	}

	function finishedSync(start, finish, status) {
		const rows =
			status === 'success' || status === 'partial' ? 500 + Math.floor(random() * 1000) : 0;
		return {
			job_status: status,
			sync_start_time: iso(start),
			sync_finish_time: iso(finish),
			last_timestamp_synced: iso(Math.floor((start - 5 * MINUTE) / (5 * MINUTE)) * 5 * MINUTE),
			rows_synced: rows,
			rows_failed_with_errors: status === 'partial' ? 1 + Math.floor(random() * 50) : 0,
		};
	}

	const braze = {
		idle: () => INTEGRATIONS.filter((id) => !running.has(id)),
		running: () => [...running.keys()],
		start(id) {
			const { starts } = nextStarts(1);
			sim.addSyncs(id, makeSyncs(1, { newest: starts[0], running: true }));
			running.set(id, Date.now() + between(RUNNING_MS));
			log(`${id}: sync ${iso(starts[0])} started`);
		},
		finish(id) {
			const sync = sim.completeSync(id, pick(STATUSES));
			running.delete(id);
			if (sync) log(`${id}: sync ${sync.sync_start_time} finished: ${sync.job_status}`);
		},
		/** Finished syncs that all started and ended since the last look (newest first in history). */
		burst(id, count) {
			const { starts, step } = nextStarts(count);
			const syncs = starts.map((start) =>
				finishedSync(start, start + Math.max(1, Math.floor(step * 0.8)), pick(STATUSES)),
			);
			sim.addSyncs(id, [...syncs].reverse());
			log(
				`${id}: ${count} finished syncs ${iso(starts[0])} … ${iso(starts.at(-1))}: ${syncs.map((sync) => sync.job_status).join(' ')}`,
			);
		},
		/** One Braze event: due syncs finish, then a sync starts (or, sometimes, a burst lands). */
		tick() {
			for (const [id, due] of running) if (Date.now() >= due) braze.finish(id);
			const idle = braze.idle();
			if (idle.length === 0) return;
			if (random() < BURST_CHANCE) braze.burst(pick(idle), BURST);
			else braze.start(pick(idle));
		},
		/** While n8n is down: half of the running syncs finish (at least one), more finish and start. */
		whileDown() {
			const ids = braze.running();
			for (const id of ids.slice(0, Math.max(1, Math.ceil(ids.length / 2)))) braze.finish(id);
			if (braze.idle().length) braze.burst(pick(braze.idle()), 3);
			if (braze.idle().length) braze.start(pick(braze.idle()));
		},
		finishAll() {
			for (const id of braze.running()) braze.finish(id);
		},
		eventSpacing: () => between(EVENT_SPACING_MS),
	};
	return braze;
}

/** The output of an n8n process, line by line with the time we received it (n8n's info lines have none). */
function transcript(label, started) {
	const clean = (line) => line.replace(/\x1b\[[0-9;]*m/g, '');
	const at = Date.now();
	const lines = started
		.output()
		.split('\n')
		.filter(Boolean)
		.map((line) => ({ time: at, line: clean(line) }));
	let rest = '';
	const add = (chunk) => {
		const parts = (rest + chunk).split('\n');
		rest = parts.pop();
		for (const line of parts) if (line) lines.push({ time: Date.now(), line: clean(line) });
	};
	started.child.stdout.on('data', add);
	started.child.stderr.on('data', add);
	return { label, lines };
}

/** Stops whatever was started, last first, whatever fails; once, however often it is asked. */
function cleanupStack() {
	const steps = [];
	let running;
	return {
		add: (what, step) => steps.push([what, step]),
		run() {
			running ??= (async () => {
				while (steps.length) {
					const [what, step] = steps.pop();
					try {
						await step();
					} catch (error) {
						log(`Could not stop ${what}: ${error.message}`);
					}
				}
			})();
			return running;
		},
	};
}

/**
 * Our child processes still running (Linux /proc): e.g. an n8n CLI command that Ctrl-C cut short,
 * which nothing else would end.
 */
function ownChildren() {
	try {
		return fs
			.readdirSync('/proc')
			.filter((name) => /^\d+$/.test(name))
			.filter((pid) => {
				try {
					const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
					return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid;
				} catch {
					return false; // gone meanwhile
				}
			})
			.map(Number);
	} catch {
		return [];
	}
}

async function endOwnChildren() {
	const pids = ownChildren();
	if (!pids.length) return;
	log(`Ending leftover child processes ${pids.join(', ')}`);
	for (const pid of pids) process.kill(pid, 'SIGTERM');
	const deadline = Date.now() + 15 * SECOND;
	while (ownChildren().length && Date.now() < deadline) await sleep(250);
	for (const pid of ownChildren()) process.kill(pid, 'SIGKILL');
}

const itemsOf = (execution) =>
	(execution.runData[TRIGGER]?.[0]?.data?.main?.[0] ?? []).map((item) => item.json);
const keyOf = (integrationId, start) => `${integrationId} ${iso(Date.parse(start))}`;

/** Compares what a workflow emitted with what it should have: the simulator's final histories. */
function measure(workflow, sim, executions, activatedAt) {
	const expected = new Map();
	for (const id of workflow.watches) {
		for (const sync of sim.integration(id).syncs) {
			if (Date.parse(sync.sync_start_time) > activatedAt && workflow.matches(sync))
				expected.set(keyOf(id, sync.sync_start_time), sync);
		}
	}
	const seen = new Map(); // key → [{ execution, item }]
	for (const execution of executions) {
		for (const item of itemsOf(execution)) {
			const key = keyOf(item.integration_id, item.sync_start_time);
			seen.set(key, [...(seen.get(key) ?? []), { execution, item }]);
		}
	}
	const emitted = [...seen.values()].reduce((sum, list) => sum + list.length, 0);
	const missed = [...expected.keys()].filter((key) => !seen.has(key));
	const duplicated = [...seen].filter(([, list]) => list.length > 1);
	const unexpected = [...seen.keys()].filter((key) => !expected.has(key));
	const wrongStatus = [...seen].flatMap(([key, list]) =>
		list
			.filter(({ item }) => expected.has(key) && item.job_status !== expected.get(key).job_status)
			.map(({ item }) => [key, item.job_status]),
	);
	const failedExecutions = executions.filter((execution) => execution.status !== 'success');
	return {
		workflow,
		expected,
		seen,
		emitted,
		missed,
		duplicates: duplicated.reduce((sum, [, list]) => sum + list.length - 1, 0),
		duplicated,
		unexpected,
		wrongStatus,
		failedExecutions,
		executions: executions.length,
	};
}

/** Syncs since activation, and how many of them a poll saw running (the harder case to get right). */
function seenRunning(sim, activatedAt) {
	let total = 0;
	let seen = 0;
	for (const id of INTEGRATIONS) {
		for (const sync of sim.integration(id).syncs) {
			const [start, finish] = [Date.parse(sync.sync_start_time), Date.parse(sync.sync_finish_time)];
			if (!(start > activatedAt)) continue;
			total += 1;
			const paths = ['/cdi/integrations', `/cdi/integrations/${id}/job_sync_status`];
			if (
				sim.requests.some(
					(request) =>
						request.status !== null &&
						paths.includes(request.path) &&
						request.time >= start &&
						request.time < finish,
				)
			)
				seen += 1;
		}
	}
	return { total, seen };
}

function table(results) {
	const rows = results.map((result) => [
		result.workflow.name,
		result.expected.size,
		result.emitted,
		result.missed.length,
		result.duplicates,
	]);
	const header = ['workflow', 'finished syncs that match', 'emitted', 'missed', 'duplicates'];
	const widths = header.map((title, column) =>
		Math.max(title.length, ...rows.map((row) => String(row[column]).length)),
	);
	const line = (cells) =>
		`| ${cells.map((cell, column) => (column === 0 ? String(cell).padEnd(widths[column]) : String(cell).padStart(widths[column]))).join(' | ')} |`;
	const rule = `|${widths.map((width, column) => (column === 0 ? '-'.repeat(width + 2) : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
	return [line(header), rule, ...rows.map(line)].join('\n');
}

/** The times a problem is about: its sync's start and finish, and when n8n emitted it. */
function problemTimes(sync, emissions = []) {
	return [
		Date.parse(sync?.sync_start_time),
		Date.parse(sync?.sync_finish_time),
		...emissions.map(({ execution }) => execution.runData[TRIGGER]?.[0]?.startTime),
	].filter(Number.isFinite);
}

/** The lines of the events and of every n8n process within 45 s of the given times. */
function linesAround(times) {
	const near = ({ time }) => times.some((at) => Math.abs(time - at) <= 45 * SECOND);
	const out = [];
	for (const { label, lines } of [{ label: 'events', lines: events }, ...transcripts]) {
		const hits = lines.filter(near);
		if (!hits.length) continue;
		out.push(`    --- ${label}`);
		for (const { time, line } of hits.slice(-40)) out.push(`    ${clock(time)} ${line}`);
	}
	return out;
}

function report(results) {
	const out = [];
	for (const result of results) {
		const { workflow } = result;
		const explain = (title, entries) => {
			if (!entries.length) return;
			out.push(``, `${workflow.name}: ${title}`);
			for (const [text, times] of entries) {
				out.push(`  ${text}`);
				out.push(...linesAround(times));
			}
		};
		explain(
			'missed',
			result.missed.map((key) => [
				`${key} (${result.expected.get(key).job_status}, finished ${result.expected.get(key).sync_finish_time})`,
				problemTimes(result.expected.get(key)),
			]),
		);
		explain(
			'duplicates',
			result.duplicated.map(([key, list]) => [
				`${key} emitted ${list.length}× by executions ${list.map(({ execution }) => `${execution.id} (${clock(execution.runData[TRIGGER]?.[0]?.startTime)})`).join(', ')}`,
				problemTimes(result.expected.get(key), list),
			]),
		);
		explain(
			'emitted, yet not a matching sync since activation',
			result.unexpected.map((key) => [key, problemTimes(undefined, result.seen.get(key))]),
		);
		explain(
			'emitted with another status than it finished with',
			result.wrongStatus.map(([key, status]) => [`${key} emitted as ${status}`, []]),
		);
		explain(
			'executions that did not succeed',
			result.failedExecutions.map((execution) => [
				`execution ${execution.id}: ${execution.status}`,
				[],
			]),
		);
	}
	return out.join('\n');
}

function shellQuote(word) {
	return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

async function main(options, cleanup) {
	const commandLine = [
		'node',
		path.relative(process.cwd(), process.argv[1]) || process.argv[1],
		...process.argv.slice(2),
	]
		.map(shellQuote)
		.join(' ');
	const mode = options.queue ? 'queue mode (PostgreSQL, Redis, main + worker)' : 'SQLite';
	log(
		`Soak of the Braze CDI trigger on n8n ${options.version}, ${mode}: ${options.minutes} min, ${options.restarts} restart(s), seed ${options.seed}`,
	);
	let sim;
	cleanup.add('leftover child processes', endOwnChildren);
	if (options.logs) {
		cleanup.add('logs', () => {
			fs.mkdirSync(options.logs, { recursive: true });
			// Which trigger asked what, and when: its key tells (see WORKFLOWS).
			const requests = (sim?.requests ?? []).map((request) => ({
				time: request.time,
				line: `${request.method} ${request.path}${request.query.cursor ? ` cursor=${request.query.cursor}` : ''} → ${request.status} (${String(request.headers.authorization).replace(/^Bearer (.*)-key$/, '$1')})`,
			}));
			for (const { label, lines } of [
				{ label: 'events', lines: events },
				{ label: 'requests', lines: requests },
				...transcripts,
			]) {
				fs.writeFileSync(
					path.join(options.logs, `${label}.log`),
					lines.map(({ time, line }) => `${iso(time)} ${clock(time)} ${line}\n`).join(''),
				);
			}
		});
	}

	log('Building and packing the package…');
	const tarball = packPackage();
	cleanup.add('the packed package', () =>
		fs.rmSync(path.dirname(tarball), { recursive: true, force: true }),
	);

	const now = Date.now();
	sim = await startSimulator({
		apiKeys: Object.fromEntries(
			WORKFLOWS.map((workflow) => [
				workflow.key,
				['cdi.integration_job_status', 'cdi.integration_list', 'cdi.integration_sync'],
			]),
		),
		integrations: [
			{
				integration_id: 'int-a',
				integration_name: 'Users',
				syncs: makeSyncs(5, { newest: now - 2 * 3_600_000 }),
			},
			{
				integration_id: 'int-b',
				integration_name: 'Orders',
				syncs: makeSyncs(5, { newest: now - 2 * 3_600_000 }),
			},
			// Never ran before the watch began: its first syncs are news too.
			{ integration_id: 'int-c', integration_name: 'Events', syncs: [] },
		],
	});
	cleanup.add('the simulator', () => sim.close());

	let serviceEnv = {};
	if (options.queue) {
		log('Starting PostgreSQL and Redis…');
		const started = await Promise.allSettled([startPostgres(), startRedis()]);
		for (const [what, outcome] of [
			['PostgreSQL', started[0]],
			['Redis', started[1]],
		]) {
			if (outcome.status === 'fulfilled') cleanup.add(what, () => outcome.value.stop());
		}
		const failed = started.find((outcome) => outcome.status === 'rejected');
		if (failed) throw failed.reason;
		serviceEnv = { ...started[0].value.env, ...started[1].value.env };
	}

	log(`Preparing n8n ${options.version}…`);
	const n8n = await createN8n({ version: options.version, tarball, env: serviceEnv });
	cleanup.add('the n8n user folder', () => fs.rmSync(n8n.home, { recursive: true, force: true }));
	await n8n.importCredentials(
		WORKFLOWS.map(({ credential, key }) => ({
			...credential,
			type: 'brazeCdiApi',
			data: { restEndpoint: 'custom', customUrl: sim.url, apiKey: key },
		})),
	);
	await n8n.importWorkflows(
		WORKFLOWS.map((workflow) => ({
			id: workflow.id,
			name: workflow.name,
			active: false,
			settings: { executionOrder: 'v1' },
			connections: {},
			nodes: [
				{
					id: `${workflow.id}-trigger`,
					name: TRIGGER,
					type: 'n8n-nodes-braze-cdi.brazeCdiTrigger',
					typeVersion: 1,
					position: [0, 0],
					parameters: { pollTimes: { item: [{ mode: 'everyMinute' }] }, ...workflow.parameters },
					credentials: { brazeCdiApi: workflow.credential },
				},
			],
		})),
	);
	for (const workflow of WORKFLOWS) await n8n.activate(workflow.id);

	let worker;
	let main;
	cleanup.add('the n8n worker', () => worker?.stop());
	cleanup.add('the n8n main', () => main?.stop());
	const startMain = async () => {
		main = await n8n.startEditor({ port: await freePort() });
		transcripts.push(
			transcript(
				`main-${transcripts.filter(({ label }) => label.startsWith('main')).length + 1}`,
				main,
			),
		);
		log(`n8n main started (pid ${main.child.pid})`);
	};
	if (options.queue) {
		worker = await n8n.startWorker({ healthPort: await freePort() });
		transcripts.push(transcript('worker', worker));
		log(`n8n worker started (pid ${worker.child.pid})`);
	}
	await startMain();

	/** Polls each trigger began that the simulator answered. */
	const polls = (workflow) =>
		sim.requests.filter(
			(request) =>
				request.path === workflow.pollPath &&
				request.query.cursor === undefined &&
				request.status !== null &&
				request.headers.authorization === `Bearer ${workflow.key}`,
		).length;
	const pollCounts = () => WORKFLOWS.map(polls).join('/');
	await until('the activation polls', 2 * MINUTE, () =>
		WORKFLOWS.every((workflow) => polls(workflow) >= 1),
	);
	// Everything that starts from now on is news to every trigger.
	const activatedAt = Date.now();
	log(`Activation polls done; simulating Braze for ${options.minutes} min`);

	const random = seededRandom(options.seed);
	const braze = simulatedBraze(sim, random);
	const soakEnd = activatedAt + options.minutes * MINUTE;
	const restartedAt = [];
	const restarts = Array.from(
		{ length: options.restarts },
		(_, index) => activatedAt + ((index + 1) * options.minutes * MINUTE) / (options.restarts + 1),
	);
	while (Date.now() < soakEnd) {
		await sleep(Math.min(braze.eventSpacing(), Math.max(0, soakEnd - Date.now())));
		while (restarts.length && Date.now() >= restarts[0]) {
			restarts.shift();
			restartedAt.push(clock());
			log(`Restarting the n8n main: stopping (polls so far ${pollCounts()})`);
			await main.stop();
			log('n8n main stopped');
			braze.whileDown();
			await startMain();
		}
		if (Date.now() < soakEnd) braze.tick();
	}

	log('Soak over: every running sync finishes; waiting for two more polls of each trigger');
	braze.finishAll();
	const before = WORKFLOWS.map(polls);
	await until('two more polls of each trigger', 4 * MINUTE, () =>
		WORKFLOWS.every((workflow, index) => polls(workflow) >= before[index] + 2),
	);
	log(`Polls done (${pollCounts()}); waiting for every execution to finish`);
	await until('every execution to finish', 2 * MINUTE, async () => {
		for (const workflow of WORKFLOWS) {
			if (
				(await n8n.executions(workflow.id)).some((execution) =>
					UNFINISHED.includes(execution.status),
				)
			)
				return false;
		}
		return true;
	});
	await main.stop();
	await worker?.stop();
	log('n8n stopped; reading its executions');

	const results = [];
	for (const workflow of WORKFLOWS)
		results.push(measure(workflow, sim, await n8n.executions(workflow.id), activatedAt));
	const problems = results.some(
		(result) =>
			result.missed.length ||
			result.duplicates ||
			result.unexpected.length ||
			result.wrongStatus.length ||
			result.failedExecutions.length,
	);

	const syncs = seenRunning(sim, activatedAt);
	const seconds = Math.round((Date.now() - began) / SECOND);
	const out = [
		'',
		`n8n ${options.version}, ${mode}; ${options.minutes} min of syncs, ${options.restarts} restart(s) of the main; seed ${options.seed}`,
		'',
		table(results),
		'',
		`Syncs since activation: ${syncs.total}, of which a poll saw ${syncs.seen} running.`,
		`Executions: ${results.map((result) => `${result.workflow.name} ${result.executions}`).join(', ')}. Polls: ${pollCounts()}. Simulator requests: ${sim.requests.length}.`,
		`Restarts of the main at: ${restartedAt.join(', ') || 'none'} (run time).`,
		`Duration: ${Math.floor(seconds / 60)} min ${seconds % 60} s`,
		`Command: ${commandLine}`,
	];
	if (problems) out.push('', 'PROBLEMS', report(results));
	process.stdout.write(`${out.join('\n')}\n`);
	return problems ? 1 : 0;
}

let options;
try {
	options = parseArgs(process.argv.slice(2));
} catch (error) {
	process.stderr.write(`${error.message}\n`);
	process.exit(2);
}
const cleanup = cleanupStack();
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
	process.on(signal, () => {
		if (interrupted) return log(`${signal} again: still stopping everything…`);
		interrupted = true;
		log(`${signal}: stopping everything…`);
		cleanup.run().finally(() => process.exit(130));
	});
}
main(options, cleanup)
	.catch((error) => {
		if (interrupted) return 130;
		process.stderr.write(`${error.stack ?? error}\n`);
		for (const { label, lines } of transcripts) {
			process.stderr.write(
				`--- ${label}, last lines:\n${lines
					.slice(-40)
					.map(({ time, line }) => `${clock(time)} ${line}`)
					.join('\n')}\n`,
			);
		}
		return 2;
	})
	.then(async (code) => {
		await cleanup.run();
		if (!interrupted) process.exit(code);
	});
