/**
 * End-to-end: n8n 2.x in queue mode (PostgreSQL + Redis, one `n8n start` main and one
 * `n8n worker`, the packed package installed for both) against the Braze CDI simulator.
 * The main polls the trigger and enqueues; the worker runs the executions. Each failed sync is
 * emitted exactly once, across a restart of the main, and so is the alert for a sync running too
 * long; the Braze node lists 37 syncs on the worker.
 */

import nock from 'nock';

import type { Simulator, Sync } from '../../simulator';
import { makeSyncs, startSimulator } from '../../simulator';
import { createN8n, fetchN8n, freePort, N8N_VERSIONS } from '../../scripts/n8n';
import { startPostgres, startRedis } from '../../scripts/services';
import { packedPackage } from './tarball';

const version = N8N_VERSIONS.latest;
const KEY = 'e2e-queue-key-6e2d8a4c1b9f';
const ALL_PERMISSIONS = [
	'cdi.integration_job_status',
	'cdi.integration_list',
	'cdi.integration_sync',
];
const FAILED = ['error', 'partial', 'config_error'];
const TRIGGER = 'Braze CDI Trigger';
const BRAZE = 'Braze';
const CREDENTIAL = { id: 'braze-queue', name: 'Braze CDI (queue)' };
const WATCH = 'queue-watch-failures'; // workflow A
const LIST = 'queue-list-37'; // workflow B
const STUCK = 'queue-stuck'; // workflow C: Sync Running Too Long
const HOOK_PATH = 'braze-cdi-queue-list-37';
const POLL_PATH = '/cdi/integrations/int-q/job_sync_status';
const STUCK_PATH = '/cdi/integrations/int-stuck/job_sync_status';
/** Polls run every minute (at a random second): a poll's executions land within this. */
const NEXT_POLL_MS = 150_000;

type Started = { output(): string; stop(): Promise<void> };
type Execution = { id: string; status: string; mode: string; runData: Record<string, any> };

let tarball: string;
let sim: Simulator | undefined;
let pg: Awaited<ReturnType<typeof startPostgres>> | undefined;
let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
let n8n: Awaited<ReturnType<typeof createN8n>>;
let mainPort: number;
let main: Started | undefined;
let worker: Started | undefined;
/** The output of every main started, the current one last (a restart keeps the old ones). */
const mainOutputs: Array<() => string> = [];

/** Waits for `condition` (checked every 400 ms) up to `ms`, else fails saying what was awaited. */
async function until<T>(
	what: string,
	ms: number,
	condition: () => Promise<T | undefined | false> | T | undefined | false,
): Promise<T> {
	const deadline = Date.now() + ms;
	for (;;) {
		const value = await condition();
		if (value !== undefined && value !== false) return value;
		if (Date.now() > deadline)
			throw new Error(`Timed out after ${Math.round(ms / 1000)} s waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 400));
	}
}

/** Fails as `promise` does, with the end of the main's and the worker's output appended. */
async function withLogs<T>(promise: Promise<T>): Promise<T> {
	try {
		return await promise;
	} catch (error) {
		const tail = (output: string | undefined) => (output ?? '(not started)').slice(-4000);
		throw new Error(
			`${(error as Error).message}\n--- main:\n${tail(mainOutputs.at(-1)?.())}\n--- worker:\n${tail(worker?.output())}`,
		);
	}
}

/** The items a node produced in a recorded execution (its first run). */
const itemsOf = (execution: Execution, node: string): Array<Record<string, any>> =>
	(execution.runData?.[node]?.[0]?.data?.main?.[0] ?? []).map(
		(item: { json: Record<string, any> }) => item.json,
	);

const FINISHED = ['success', 'error', 'crashed', 'canceled'];

/** The executions of a workflow once every one has finished; undefined while one still runs. */
async function finishedExecutions(workflowId: string): Promise<Execution[] | undefined> {
	const executions = (await n8n.executions(workflowId)) as Execution[];
	return executions.every((execution) => FINISHED.includes(execution.status))
		? executions
		: undefined;
}

/** The start times of the syncs workflow A's executions emitted, in execution order. */
const emittedStarts = (executions: Execution[]) =>
	executions.flatMap((execution) =>
		itemsOf(execution, TRIGGER).map((item) => String(item.sync_start_time)),
	);

const matching = (syncs: Sync[]) =>
	syncs.filter((sync) => FAILED.includes(String(sync.job_status)));
const starts = (syncs: Sync[]) => syncs.map((sync) => sync.sync_start_time);

/**
 * Syncs newer than every sync the simulator holds (and than any added before), a second apart,
 * newest first: success, partial, error, config_error, … (three of each four match).
 */
const freshSyncs = (count: number) => makeSyncs(count, { newest: Date.now(), spacingMs: 1_000 });

/** Workflow A's executions, all finished, once they have emitted each of `syncs` (bounded). */
const executionsEmitting = (syncs: Sync[]) =>
	withLogs(
		until(
			`workflow A's executions to emit the syncs that started ${starts(syncs).join(', ')}`,
			NEXT_POLL_MS,
			async () => {
				const done = await finishedExecutions(WATCH);
				return done && starts(syncs).every((start) => emittedStarts(done).includes(start))
					? done
					: undefined;
			},
		),
	);

/** How many of the requests for `path` were answered. */
const answeredFor = (path: string) =>
	sim!.requestsFor(path).filter((request) => request.status !== null).length;

/** Waits until the main answers requests for the watched integration beyond `count`. */
const pollAnswered = (count: number, what: string, path = POLL_PATH, ms = 90_000) =>
	until(what, ms, () => answeredFor(path) > count);

/** The alerts workflow C's finished executions emitted. */
const stuckAlerts = async () =>
	((await finishedExecutions(STUCK)) ?? []).flatMap((execution) =>
		itemsOf(execution, TRIGGER).map((item) => String(item.alert)),
	);

/** Proof that an execution ran in queue mode on the worker: the main enqueued it, the worker ran it. */
function expectRanOnWorker(executionIds: string[]) {
	const mainOutput = mainOutputs.map((output) => output()).join('\n');
	const workerOutput = worker!.output();
	for (const id of executionIds) {
		expect({ id, enqueuedByMain: mainOutput.includes(`Enqueued execution ${id} (job `) }).toEqual({
			id,
			enqueuedByMain: true,
		});
		expect({
			id,
			startedByWorker: workerOutput.includes(`Worker started execution ${id} (job `),
		}).toEqual({ id, startedByWorker: true });
	}
}

async function startMain() {
	main = await n8n.startEditor({ port: mainPort });
	mainOutputs.push(main.output);
	return main;
}

/** The simulator's syncs as the Braze node emits them. */
const asItems = (syncs: Sync[], integrationId: string) =>
	syncs.map((sync) => ({
		...sync,
		integration_id: integrationId,
		duration_seconds: sync.sync_finish_time
			? (Date.parse(sync.sync_finish_time) - Date.parse(sync.sync_start_time)) / 1000
			: null,
	}));

beforeAll(async () => {
	nock.enableNetConnect(/127\.0\.0\.1|localhost/);
	tarball = packedPackage();
	// Each kept as soon as it runs, so that afterAll stops it even when another failed to start.
	const started = await Promise.allSettled([
		startSimulator({
			apiKeys: { [KEY]: ALL_PERMISSIONS },
			integrations: [
				{ integration_id: 'int-q', integration_name: 'Queue', syncs: makeSyncs(5) },
				{ integration_id: 'int-37', integration_name: 'Orders', syncs: makeSyncs(37) },
				{
					// Running since the suite began: past workflow C's one-minute limit by activation.
					integration_id: 'int-stuck',
					integration_name: 'Stuck',
					syncs: makeSyncs(3, { newest: Date.now(), running: true }),
				},
			],
		}).then((started) => (sim = started)),
		startPostgres().then((started) => (pg = started)),
		startRedis().then((started) => (redis = started)),
	]);
	for (const result of started) if (result.status === 'rejected') throw result.reason;

	n8n = await createN8n({
		version,
		tarball,
		env: { ...pg!.env, ...redis!.env, N8N_LOG_LEVEL: 'info' },
	});
	await n8n.importCredentials([
		{
			...CREDENTIAL,
			type: 'brazeCdiApi',
			data: { restEndpoint: 'custom', customUrl: sim!.url, apiKey: KEY },
		},
	]);
	await n8n.importWorkflows([
		{
			id: WATCH,
			name: 'Watch failures (queue)',
			active: false,
			settings: { executionOrder: 'v1' },
			connections: {},
			nodes: [
				{
					id: `${WATCH}-trigger`,
					name: TRIGGER,
					type: 'n8n-nodes-braze-cdi.brazeCdiTrigger',
					typeVersion: 1,
					position: [0, 0],
					parameters: {
						pollTimes: { item: [{ mode: 'everyMinute' }] },
						watch: 'integration',
						integrationId: { __rl: true, mode: 'id', value: 'int-q' },
						event: 'syncFailed',
						statuses: FAILED,
					},
					credentials: { brazeCdiApi: CREDENTIAL },
				},
			],
		},
		{
			// Started by the main (a production webhook), so that it runs on the worker.
			id: LIST,
			name: 'List 37 syncs (queue)',
			active: false,
			settings: { executionOrder: 'v1' },
			nodes: [
				{
					id: `${LIST}-hook`,
					name: 'Webhook',
					type: 'n8n-nodes-base.webhook',
					typeVersion: 2,
					position: [0, 0],
					webhookId: '3c8e0f52-7d1a-4b6e-9f2c-5a4d8e1b7c60',
					parameters: {
						httpMethod: 'POST',
						path: HOOK_PATH,
						responseMode: 'onReceived',
						options: {},
					},
				},
				{
					id: `${LIST}-braze`,
					name: BRAZE,
					type: 'n8n-nodes-braze-cdi.brazeCdi',
					typeVersion: 1,
					position: [220, 0],
					parameters: {
						resource: 'jobSync',
						operation: 'list',
						integrationId: { __rl: true, mode: 'id', value: 'int-37' },
						returnAll: true,
					},
					credentials: { brazeCdiApi: CREDENTIAL },
				},
			],
			connections: { Webhook: { main: [[{ node: BRAZE, type: 'main', index: 0 }]] } },
		},
	]);
	await n8n.importWorkflows([
		{
			id: STUCK,
			name: 'Alert on a stuck sync (queue)',
			active: false,
			settings: { executionOrder: 'v1' },
			connections: {},
			nodes: [
				{
					id: `${STUCK}-trigger`,
					name: TRIGGER,
					type: 'n8n-nodes-braze-cdi.brazeCdiTrigger',
					typeVersion: 1,
					position: [0, 0],
					parameters: {
						pollTimes: { item: [{ mode: 'everyMinute' }] },
						watch: 'integration',
						integrationId: { __rl: true, mode: 'id', value: 'int-stuck' },
						event: 'syncRunningTooLong',
						runningMinutes: 1,
					},
					credentials: { brazeCdiApi: CREDENTIAL },
				},
			],
		},
	]);
	await n8n.activate(WATCH);
	await n8n.activate(LIST);
	await n8n.activate(STUCK);

	mainPort = await freePort();
	const workerPort = await freePort();
	const [startedWorker, startedMain] = await Promise.allSettled([
		n8n.startWorker({ healthPort: workerPort }),
		startMain(),
	]);
	if (startedWorker.status === 'fulfilled') worker = startedWorker.value;
	if (startedWorker.status === 'rejected') throw startedWorker.reason;
	if (startedMain.status === 'rejected') throw startedMain.reason;
}, 10 * 60_000);

afterAll(async () => {
	// Each one stopped whatever happened to the others: n8n first, then what it uses.
	const stops: Array<[string, (() => Promise<unknown>) | undefined]> = [
		['main', main?.stop],
		['worker', worker?.stop],
		['postgres', pg?.stop],
		['redis', redis?.stop],
		['simulator', sim && (() => sim!.close())],
	];
	const problems: string[] = [];
	for (const [what, stop] of stops) {
		try {
			await stop?.();
		} catch (error) {
			problems.push(`${what}: ${String(error)}`);
		}
	}
	// The user folder holds the imported credential's file; the pack folder, the tarball.
	n8n?.remove();
	if (problems.length) throw new Error(`Could not stop everything:\n${problems.join('\n')}`);
}, 120_000);

describe(`n8n ${version} in queue mode (PostgreSQL, Redis, main + worker)`, () => {
	const expected: Sync[] = [];

	test(
		'the trigger emits each failed sync once, in executions the worker runs',
		async () => {
			// On activation the main polls once: it records where history stands and emits nothing.
			await withLogs(pollAnswered(0, 'the main to poll int-q at activation'));
			const added = freshSyncs(4);
			sim!.addSyncs('int-q', added);
			expected.push(...matching(added));
			expect(expected).toHaveLength(3);

			const executions = await executionsEmitting(expected);

			expect(executions.map((execution) => execution.status)).toEqual(
				executions.map(() => 'success'),
			);
			expect(executions.every((execution) => execution.mode === 'trigger')).toBe(true);
			expect(emittedStarts(executions).sort()).toEqual(starts(expected).sort());
			const items = executions.flatMap((execution) => itemsOf(execution, TRIGGER));
			expect(items.map((item) => [item.integration_id, item.job_status])).toEqual(
				[...expected].reverse().map((sync) => ['int-q', sync.job_status]), // oldest first
			);
			expectRanOnWorker(executions.map((execution) => execution.id));
		},
		4 * 60_000,
	);

	test(
		'a sync running too long is alerted by the poll after activation, in an execution the worker runs',
		async () => {
			const [alert] = await withLogs(
				until('workflow C to alert on the stuck sync', NEXT_POLL_MS, async () => {
					const alerts = await stuckAlerts();
					return alerts.length ? alerts : undefined;
				}),
			);
			expect(alert).toMatch(/^Sync of int-stuck has been running for \d+ min \(since /);
			const executions = (await finishedExecutions(STUCK))!;
			expect(executions.map((execution) => execution.status)).toEqual(['success']);
			expectRanOnWorker(executions.map((execution) => execution.id));
		},
		4 * 60_000,
	);

	test(
		'after a restart of the main: nothing old again, the new failed syncs once',
		async () => {
			const before = (await n8n.executions(WATCH)) as Execution[];
			await main!.stop();
			main = undefined;
			// Counted once the old main is gone: the next request is the restarted main's.
			const answered = sim!
				.requestsFor(POLL_PATH)
				.filter((request) => request.status !== null).length;
			await startMain();
			await withLogs(pollAnswered(answered, 'the restarted main to poll int-q at activation'));

			const added = freshSyncs(4);
			sim!.addSyncs('int-q', added);
			const news = matching(added);
			expected.push(...news);

			const executions = await executionsEmitting(news);

			const since = executions.filter(
				(execution) => !before.some((old) => old.id === execution.id),
			);
			expect(emittedStarts(since).sort()).toEqual(starts(news).sort()); // nothing old after the restart
			expect(emittedStarts(executions).sort()).toEqual(starts(expected).sort()); // 0 duplicates, 0 missed
			expect(executions.map((execution) => execution.status)).toEqual(
				executions.map(() => 'success'),
			);
			expectRanOnWorker(since.map((execution) => execution.id));

			// Two polls of the stuck sync by the restarted main: its alert is not sent again.
			const stuckPolls = answeredFor(STUCK_PATH);
			await withLogs(
				pollAnswered(
					stuckPolls + 1,
					'the restarted main to poll int-stuck twice',
					STUCK_PATH,
					2 * NEXT_POLL_MS,
				),
			);
			expect(await stuckAlerts()).toHaveLength(1);
		},
		7 * 60_000,
	);

	test(
		'the Braze node lists all 37 syncs in an execution the worker runs',
		async () => {
			const response = await fetchN8n(`http://127.0.0.1:${mainPort}/webhook/${HOOK_PATH}`, {
				method: 'POST',
			});
			expect(response.status).toBe(200);

			const [execution] = await withLogs(
				until('workflow B to run once and finish', 60_000, async () => {
					const done = await finishedExecutions(LIST);
					return done?.length ? done : undefined;
				}),
			);

			expect(execution.status).toBe('success');
			expect(execution.mode).toBe('webhook');
			expect(itemsOf(execution, BRAZE)).toEqual(
				asItems(sim!.integration('int-37').syncs, 'int-37'),
			);
			expect(itemsOf(execution, BRAZE)).toHaveLength(37);
			expectRanOnWorker([execution.id]);
		},
		2 * 60_000,
	);
});
