/**
 * End-to-end: the trigger node in a running n8n (`n8n start`, workflows activated through the
 * CLI, polling every minute), on each n8n major and on 2.41.1 with its durable poll cursors, side
 * by side (testOnEveryServer). Polls come once a minute, so the scenarios share one n8n per
 * server: all their workflows are activated in it, and one timeline runs their steps together,
 * with one n8n restart for all of them. Each scenario has its own simulator (its own Braze
 * workspace), so that none sees another's integrations. Waits are on the simulator's request log
 * and the executions n8n recorded, never on fixed sleeps; their limits are generous (a wait ends
 * as soon as what it waits for is there): one n8n polls nine triggers, on a shared 2-core machine.
 *
 * - restart: each finished sync is emitted exactly once, across an n8n restart and a
 *   deactivation and re-activation, as n8n really persists its static data; syncs that finish
 *   seconds after the activation poll are not taken for history; a workflow switched from one
 *   integration to all in the editor (saved and published through its REST API) starts its
 *   watch afresh at the edit.
 * - alerts: the example "Alert on stuck or missed syncs": a sync that runs past the limit and a
 *   missed scheduled run are each alerted exactly once, across polls, the restart, and the sync
 *   finishing.
 * - rejected key: without n8n's poll scheduler, a key Braze rejects is one failed execution for
 *   the episode, nothing more while it stays rejected, and once it is accepted again the next
 *   poll emits what finished meanwhile; with the scheduler (durable cursors), the failed poll
 *   declares its cause, and n8n backs off instead of polling into the rejected key.
 * - incident: the examples "Page on-call when an integration breaks, resolve when it recovers"
 *   (Integration Health Changed, to a stand-in for PagerDuty) and "Alert on failed syncs": one
 *   incident opened and one resolved with the same key, open across the restart, and resolved
 *   after an edit of the pager's settings restarts its watch (the integration recovered just
 *   before it); one notification per failed sync.
 * - silent failures: a sync far below its integration's normal (Rows Synced Unusual), and data
 *   whose watermark stopped (Data Stale), each emitted once.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import nock from 'nock';

import type { Simulator, Sync } from '../../simulator';
import { makeSyncs, startSimulator } from '../../simulator';
import { createN8n, freePort } from '../../scripts/n8n';
import { alertsWorkflow, alertsWorkspace, MISSED, RUNNING } from './alertsExample';
import { editorSession } from './editor';
import { waitUntil } from './waitUntil';
import { testOnEveryServer } from './versions';
import { packedPackage } from './tarball';

const MINUTE = 60_000;
const TRIGGER = 'Braze CDI Trigger';
const TRIGGER_TYPE = 'n8n-nodes-braze-cdi.brazeCdiTrigger';
const FAILED = ['error', 'partial', 'config_error'];

let tarball: string;
beforeAll(() => {
	nock.enableNetConnect(/127\.0\.0\.1|localhost/);
	tarball = packedPackage();
});

testOnEveryServer(
	'restarts, alerts, a rejected key, an incident and silent failures, on one n8n per server: each sync, alert and incident once, each fault once',
	watchTimeline,
	40 * MINUTE,
);

type N8n = Awaited<ReturnType<typeof createN8n>>;
type Item = Record<string, unknown>;

/** The n8n all scenarios of one server run in, started, restarted once and stopped. */
interface Server {
	version: string;
	/** n8n 2.41's poll scheduler runs the polls (durable cursors): it reads a failed poll's cause. */
	scheduled: boolean;
	n8n: N8n;
	until: ReturnType<typeof waitUntil>;
	/** The running n8n's URL. */
	base: () => string;
	/** Everything every n8n start of this server printed so far. */
	output: () => string;
}

/** One scenario: its simulator, credentials and workflows, and its part of the timeline. */
interface Scenario {
	sim: Simulator;
	credentials: Array<Record<string, unknown>>;
	workflows: Array<Record<string, unknown>>;
	/** n8n started, every workflow activated: up to the restart. */
	beforeRestart: () => Promise<void>;
	/** n8n stopped for the restart. */
	whileDown?: () => Promise<void>;
	/** n8n started again: up to the end. */
	afterRestart: () => Promise<void>;
	/** n8n stopped for good: what it recorded. */
	check: () => Promise<void>;
	/** Anything else the scenario serves (beside its simulator), closed at the end. */
	close?: () => Promise<void>;
}

/**
 * One server's run: every scenario's workflows in one n8n folder, activated together; their steps
 * before the restart side by side, one restart, their steps after it side by side; then the
 * checks. The simulators and the n8n folder are removed whatever happens.
 */
async function watchTimeline(version: string, extraEnv: Record<string, string>) {
	let running: { stop: () => Promise<void>; output: () => string } | undefined;
	const outputs: Array<() => string> = [];
	let base = '';
	const server = {
		version,
		scheduled: extraEnv.N8N_SCHEDULER_POLL_TRIGGERS_ENABLED === 'true',
		until: waitUntil(() =>
			forTimeout(running?.output() ?? outputs.at(-1)?.() ?? '(n8n not started)'),
		),
		base: () => base,
		output: () => outputs.map((output) => output()).join('\n'),
	} as Server;
	const start = async () => {
		const port = await freePort();
		// JSON lines: n8n's log then carries each message's details (a failed poll's cause).
		running = await server.n8n.startEditor({ port, env: { ...extraEnv, N8N_LOG_FORMAT: 'json' } });
		outputs.push(running.output);
		base = `http://127.0.0.1:${port}`;
	};
	const stop = async () => {
		await running?.stop();
		running = undefined;
	};

	const scenarios: Scenario[] = [];
	let made: { remove: () => void } | undefined;
	try {
		scenarios.push(await restartScenario(server));
		scenarios.push(await alertScenario(server));
		scenarios.push(await rejectedKeyScenario(server));
		scenarios.push(await incidentScenario(server));
		scenarios.push(await silentScenario(server));
		server.n8n = await createN8n({ version, tarball, env: extraEnv });
		made = server.n8n;
		await server.n8n.importCredentials(scenarios.flatMap((scenario) => scenario.credentials));
		const workflows = scenarios.flatMap((scenario) => scenario.workflows);
		await server.n8n.importWorkflows(workflows);
		for (const workflow of workflows) await server.n8n.activate(String(workflow.id));

		await start();
		await together(scenarios.map((scenario) => withRequests(scenario, scenario.beforeRestart())));
		await stop();
		for (const scenario of scenarios) await scenario.whileDown?.();
		await start();
		await together(scenarios.map((scenario) => withRequests(scenario, scenario.afterRestart())));
		await stop();
		for (const scenario of scenarios) await scenario.check();
		await noKeyAnywhere(server, scenarios);
	} finally {
		await running?.stop();
		await Promise.all(scenarios.map((scenario) => scenario.sim.close()));
		await Promise.all(scenarios.map((scenario) => scenario.close?.()));
		made?.remove();
	}
}

/**
 * No credential's key in anything n8n printed, across both starts, or in what it recorded of any
 * workflow's executions (a failed poll's stored error included).
 */
async function noKeyAnywhere(server: Server, scenarios: Scenario[]) {
	const keys = scenarios.flatMap((scenario) =>
		scenario.credentials.map((credential) => String((credential.data as Item).apiKey)),
	);
	const recorded = await Promise.all(
		scenarios
			.flatMap((scenario) => scenario.workflows)
			.map(async (workflow) => JSON.stringify(await server.n8n.executions(String(workflow.id)))),
	);
	for (const key of keys) {
		expect(server.output()).not.toContain(key);
		for (const executions of recorded) expect(executions).not.toContain(key);
	}
}

/**
 * What a wait that timed out shows of n8n (waitUntil keeps the last 4000 characters): the end of
 * its log, then its warnings and errors since it started, each cut short (a workflow that failed
 * to activate is told long before the wait ends).
 */
function forTimeout(output: string) {
	const troubles = output
		.split('\n')
		.filter((line) => /"level":"(warn|error)"/.test(line))
		.map((line) => line.slice(0, 240))
		.join('\n')
		.slice(-1600);
	return `${output.slice(-2300)}\n--- its warnings and errors:\n${troubles}`;
}

/**
 * A scenario's step that fails says what its simulator received, each request's time, key and
 * answer: whether the polls came, and what they read (the key shown by its name only).
 */
async function withRequests(scenario: Scenario, step: Promise<void>) {
	try {
		await step;
	} catch (error) {
		const names = new Map(
			scenario.credentials.map((credential) => [
				`Bearer ${String((credential.data as Item).apiKey)}`,
				String(credential.name),
			]),
		);
		const log = scenario.sim.requests
			.map(
				(request) =>
					`${new Date(request.time).toISOString()} ${names.get(String(request.headers.authorization)) ?? '(another key)'} ${request.method} ${request.path}${request.query.cursor === undefined ? '' : ' (next page)'} → ${request.status}`,
			)
			.slice(-60)
			.join('\n');
		if (error instanceof Error) error.message += `\n--- its simulator's last requests:\n${log}`;
		throw error;
	}
}

/**
 * Waits for every scenario's steps, even when one fails (none is left waiting on an n8n that is
 * gone), then fails with each failure.
 */
async function together(steps: Array<Promise<void>>) {
	const failures = (await Promise.allSettled(steps)).flatMap((result) =>
		result.status === 'rejected' ? [result.reason] : [],
	);
	if (failures.length === 1) throw failures[0];
	if (failures.length)
		throw new Error(
			failures.map((error) => (error instanceof Error ? error.stack : String(error))).join('\n\n'),
		);
}

/** A workflow of one trigger node polling every minute, with the credential of its own ID. */
function triggerWorkflow(id: string, parameters: Record<string, unknown>) {
	return {
		id,
		name: id,
		active: false,
		settings: { executionOrder: 'v1' },
		connections: {},
		nodes: [
			{
				id: `${id}-trigger`,
				name: TRIGGER,
				type: TRIGGER_TYPE,
				typeVersion: 1,
				position: [0, 0],
				parameters: { pollTimes: { item: [{ mode: 'everyMinute' }] }, ...parameters },
				credentials: { brazeCdiApi: { id, name: id } },
			},
		],
	};
}
const byId = (value: string) => ({ __rl: true, mode: 'id', value });

/** A credential for the simulator, with its own key (so that its log tells the polls apart). */
const credential = (id: string, sim: Simulator, apiKey: string, name = id) => ({
	id,
	name,
	type: 'brazeCdiApi',
	data: { restEndpoint: 'custom', customUrl: sim.url, apiKey },
});

/** Every item a node emitted, over all of a workflow's recorded executions. */
async function emitted(server: Server, workflowId: string, node = TRIGGER): Promise<Item[]> {
	const executions = await server.n8n.executions(workflowId);
	return executions.flatMap((execution) =>
		(execution.runData[node]?.[0]?.data?.main?.[0] ?? []).map((item: { json: Item }) => item.json),
	);
}

/** How many polls a key started: its requests to `path` that read a first page. */
const pollsWith = (sim: Simulator, apiKey: string, path: (requestPath: string) => boolean) =>
	sim.requests.filter(
		(request) =>
			request.headers.authorization === `Bearer ${apiKey}` &&
			request.query.cursor === undefined &&
			path(request.path),
	).length;
const syncStatusPath = (requestPath: string) => requestPath.endsWith('/job_sync_status');
const listPath = (requestPath: string) => requestPath === '/cdi/integrations';

/**
 * Each finished sync emitted exactly once across polls, the restart, and a deactivation and
 * re-activation; syncs seconds after activation delivered; an edit in the editor starts afresh.
 * One key per workflow; `edited` watches failed syncs of one integration, and is switched to all
 * integrations while active.
 */
async function restartScenario(server: Server): Promise<Scenario> {
	const WORKFLOWS = ['finished-one', 'failed-one', 'finished-all', 'edited'] as const;
	const keyOf = (workflowId: string) => `e2e-restart-key-${workflowId}-8c1f4a2d`;
	/** Newest start handed out so far: each batch of syncs is newer than everything before. */
	let clock = Date.now();
	/** `count` syncs newer than any so far, newest first (statuses rotate success, partial, error, config_error). */
	const newer = (count: number, running = false): Sync[] => {
		clock += (count + 1) * MINUTE;
		return makeSyncs(count, { newest: clock, spacingMs: MINUTE, running });
	};
	const sim = await startSimulator({
		apiKeys: Object.fromEntries(
			WORKFLOWS.map((id) => [
				keyOf(id),
				['cdi.integration_job_status', 'cdi.integration_list', 'cdi.integration_sync'],
			]),
		),
		integrations: [
			{ integration_id: 'int-one', integration_name: 'Users', syncs: makeSyncs(5) },
			{ integration_id: 'int-fail', integration_name: 'Orders', syncs: makeSyncs(6) },
			{ integration_id: 'int-never', integration_name: 'Events', syncs: [] },
		],
	});
	const { until } = server;
	const keys = (items: Item[]) =>
		items
			.map(
				(item) =>
					`${String(item.integration_id)} ${String(item.sync_start_time)} ${String(item.job_status)}`,
			)
			.sort();
	/** How many polls a workflow made: its requests that start a poll (its key, its first path). */
	const pollsOf = (workflowId: string) =>
		pollsWith(sim, keyOf(workflowId), (requestPath) =>
			workflowId === 'finished-all'
				? listPath(requestPath)
				: workflowId === 'edited'
					? listPath(requestPath) || syncStatusPath(requestPath)
					: syncStatusPath(requestPath),
		);
	const everyWorkflowPolled = (times: Record<string, number>) =>
		WORKFLOWS.every((id) => pollsOf(id) >= times[id]);
	const pollsSoFar = () => Object.fromEntries(WORKFLOWS.map((id) => [id, pollsOf(id)]));
	const plusOne = (times: Record<string, number>) =>
		Object.fromEntries(Object.entries(times).map(([id, count]) => [id, count + 1]));

	const activatedAt = clock;
	/** The failed syncs of other integrations than int-one before the edit: history to `edited`. */
	let beforeEdit = new Set<string>();
	/** What should have been emitted: every sync added since activation, as it is now. */
	const since = (id: string) =>
		sim
			.integration(id)
			.syncs.filter((sync) => Date.parse(sync.sync_start_time) > activatedAt)
			.map((sync) => ({ ...sync, integration_id: id }));
	const failed = (sync: Sync) => FAILED.includes(sync.job_status);
	const expected = () => ({
		'finished-one': since('int-one'),
		'failed-one': since('int-fail').filter(failed),
		'finished-all': [...since('int-one'), ...since('int-fail'), ...since('int-never')],
		edited: [
			...since('int-one').filter(failed),
			...[...since('int-fail'), ...since('int-never')].filter(
				(sync) => failed(sync) && !beforeEdit.has(`${sync.integration_id} ${sync.sync_start_time}`),
			),
		],
	});

	return {
		sim,
		credentials: WORKFLOWS.map((id) => credential(id, sim, keyOf(id))),
		workflows: [
			triggerWorkflow('finished-one', {
				watch: 'integration',
				integrationId: byId('int-one'),
				event: 'syncFinished',
			}),
			triggerWorkflow('failed-one', {
				watch: 'integration',
				integrationId: byId('int-fail'),
				event: 'syncFailed',
				statuses: FAILED,
			}),
			triggerWorkflow('finished-all', { watch: 'allIntegrations', event: 'syncFinished' }),
			triggerWorkflow('edited', {
				watch: 'integration',
				integrationId: byId('int-one'),
				event: 'syncFailed',
				statuses: FAILED,
			}),
		],
		async beforeRestart() {
			// Activation: each trigger polls once at start and records where history stands. Syncs
			// finish seconds later, before the first scheduled poll: with durable cursors n8n does not
			// commit the activation poll's state, and they must not be taken for history.
			await until('the activation polls of every restart workflow', 5 * MINUTE, () =>
				everyWorkflowPolled(Object.fromEntries(WORKFLOWS.map((id) => [id, 1]))),
			);
			sim.addSyncs('int-one', newer(3));
			sim.addSyncs('int-fail', newer(3));

			// More than 10 finish between two polls, and one is still running.
			const first = newer(12);
			sim.addSyncs('int-one', [...newer(1, true), ...first]);
			sim.addSyncs('int-fail', newer(8));
			// Before the edit, `edited` emits int-one's failed syncs: those it has not emitted when it
			// is switched to all integrations are history to the new watch. (On a busy machine its
			// poll could come after the others', and the edit before it.)
			const firstEmits: Record<(typeof WORKFLOWS)[number], number> = {
				'finished-one': 15,
				'failed-one': 8,
				'finished-all': 26,
				edited: since('int-one').filter(failed).length,
			};
			/** Each workflow's items at the last check that read it. */
			const soFar: Partial<Record<(typeof WORKFLOWS)[number], number>> = {};
			await until(
				() =>
					`the first emitting polls (items so far ${JSON.stringify(soFar)}, needed ${JSON.stringify(firstEmits)})`,
				5 * MINUTE,
				async () => {
					// One workflow's executions at a time (each read starts a process), until one falls short.
					for (const id of WORKFLOWS) {
						const items = (await emitted(server, id)).length;
						soFar[id] = items;
						if (items < firstEmits[id]) return false;
					}
					return true;
				},
			);

			// `edited` is switched to all integrations in the editor, saved and published: the syncs
			// of other integrations that finished before (int-fail's) are history to it, and whatever
			// finishes from now on is news, the sync of int-one still running included.
			beforeEdit = new Set(
				['int-fail', 'int-never'].flatMap((id) =>
					sim.integration(id).syncs.map((sync) => `${id} ${sync.sync_start_time}`),
				),
			);
			const editor = await editorSession(server.base(), server.version);
			await editor.editParameters('edited', TRIGGER, { watch: 'allIntegrations' });
		},
		async whileDown() {
			// n8n restarts (as at an upgrade); meanwhile the running sync finishes and more fail, and
			// the failed-sync workflow is deactivated and activated again: it catches up on what it
			// missed.
			sim.completeSync('int-one', 'error');
			sim.addSyncs('int-fail', newer(4));
			await server.n8n.deactivate('failed-one');
			await server.n8n.activate('failed-one');
		},
		async afterRestart() {
			// After the restart: more syncs, and the first of an integration that never ran.
			sim.addSyncs('int-one', newer(3));
			sim.addSyncs('int-never', newer(2));
			const want = expected();
			expect(want['finished-one']).toHaveLength(19);
			expect(want['failed-one']).toHaveLength(11);
			expect(want['finished-all']).toHaveLength(36);
			// int-fail's failed syncs before the edit are not in it; its 4 since are (3 failed).
			expect(want.edited.filter((sync) => sync.integration_id === 'int-fail')).toHaveLength(3);
			// Up to eight polls: once, n8n 1.x beside two other servers and a benchmark on a 2-core
			// machine had not emitted everything after three (the same scenario alone then passed).
			// On a time-out, say which workflow fell short, of what, and how often each polled.
			const progress = async () =>
				JSON.stringify(
					Object.fromEntries(
						await Promise.all(
							WORKFLOWS.map(async (id) => {
								const got = keys(await emitted(server, id));
								const missed = keys(want[id]).filter((key) => !got.includes(key));
								return [id, { emitted: got.length, polls: pollsOf(id), missed }];
							}),
						),
					),
				);
			await until(
				'every sync emitted after the restart',
				8 * MINUTE,
				async () =>
					(
						await Promise.all(
							WORKFLOWS.map(async (id) => (await emitted(server, id)).length >= want[id].length),
						)
					).every(Boolean) || undefined,
			).catch(async (error: Error) => {
				throw new Error(`${error.message}\n--- progress: ${await progress()}`);
			});
			// One more poll of every trigger after that: a duplicate would show by now.
			const oneMore = plusOne(pollsSoFar());
			await until('one more poll of each restart workflow', 4 * MINUTE, () =>
				everyWorkflowPolled(oneMore),
			);
		},
		async check() {
			// Each workflow: every matching sync once, none missed, nothing else.
			const want = expected();
			const tally = async (workflowId: (typeof WORKFLOWS)[number]) => {
				const got = keys(await emitted(server, workflowId));
				const wanted = keys(want[workflowId]);
				return {
					emitted: got.length,
					missed: wanted.filter((key) => !got.includes(key)),
					duplicates: got.length - new Set(got).size,
					unexpected: got.filter((key) => !wanted.includes(key)),
				};
			};
			const exact = (count: number) => ({
				emitted: count,
				missed: [],
				duplicates: 0,
				unexpected: [],
			});
			expect({
				'finished-one': await tally('finished-one'),
				'failed-one': await tally('failed-one'),
				'finished-all': await tally('finished-all'),
				edited: await tally('edited'),
			}).toEqual({
				'finished-one': exact(19),
				'failed-one': exact(11),
				'finished-all': exact(36),
				edited: exact(want.edited.length),
			});
			const all = await emitted(server, 'finished-all');
			expect(
				all
					.filter((item) => item.integration_id === 'int-fail')
					.every((item) => item.integration_name === 'Orders'),
			).toBe(true);
		},
	};
}

/**
 * The example "Alert on stuck or missed syncs": a sync running past the limit and a missed run,
 * each alerted once, across polls, the restart, and the sync finishing.
 */
async function alertScenario(server: Server): Promise<Scenario> {
	const WORKFLOW = 'alerts-e2e'; // n8n 1.x keeps static data only for IDs of 16 characters or fewer
	const NOTIFY = 'Notify (replace with Slack or Email)';
	/** One key per trigger, so that the simulator's log tells their polls apart. */
	const KEYS: Record<string, string> = {
		[RUNNING]: 'e2e-alerts-running-3f9a1c',
		[MISSED]: 'e2e-alerts-missed-7b2d4e',
	};
	const sim = await alertsWorkspace(KEYS);
	const { until } = server;
	const longStart = Date.parse(sim.integration('int-long').syncs[0].sync_start_time);
	/** A trigger's polls so far: each starts with the integration list, first page. */
	const pollsOf = (trigger: string) => pollsWith(sim, KEYS[trigger], listPath);
	const morePolls = async (what: string, count: number) => {
		const wanted: Record<string, number> = {
			[RUNNING]: pollsOf(RUNNING) + count,
			[MISSED]: pollsOf(MISSED) + count,
		};
		await until(what, (count + 4) * MINUTE, () =>
			[RUNNING, MISSED].every((trigger) => pollsOf(trigger) >= wanted[trigger]),
		);
	};
	/** Every alert each trigger emitted, over all recorded executions; and what was notified. */
	const recorded = async () => ({
		running: await emitted(server, WORKFLOW, RUNNING),
		missed: await emitted(server, WORKFLOW, MISSED),
		notified: (await emitted(server, WORKFLOW, NOTIFY)).map((item) => item.message),
	});

	return {
		sim,
		credentials: [RUNNING, MISSED].map((trigger) =>
			credential(KEYS[trigger], sim, KEYS[trigger], trigger),
		),
		workflows: [
			alertsWorkflow(WORKFLOW, {
				keys: KEYS,
				// Every minute, 30 s apart, as the example's are minutes apart: n8n can fail one of two
				// triggers of a workflow that poll at once (one expression sandbox, freed by the first).
				crons: { [RUNNING]: '0 * * * * *', [MISSED]: '30 * * * * *' },
				runningMinutes: 2,
			}),
		],
		async beforeRestart() {
			await until('both alerts', 8 * MINUTE, async () => {
				const { running, missed } = await recorded();
				return running.length >= 1 && missed.length >= 1;
			});
			const first = await recorded();
			// Not before the limit: the alert came from a poll at least 2 minutes after the start.
			expect(first.running).toEqual([
				expect.objectContaining({
					integration_id: 'int-long',
					integration_name: 'Users from Snowflake',
					job_status: 'running',
					alert: expect.stringMatching(
						/^Sync of Users from Snowflake has been running for \d+ min \(since /,
					),
				}),
			]);
			expect(
				Number(/for (\d+) min/.exec(String(first.running[0].alert))![1]),
			).toBeGreaterThanOrEqual(2);
			expect(first.missed).toEqual([
				expect.objectContaining({
					integration_id: 'int-missed',
					integration_name: 'Orders',
					alert: expect.stringMatching(
						/^Scheduled sync of Orders due at .* has not started \(1 min grace\)$/,
					),
				}),
			]);
			expect(first.notified).toEqual(
				expect.arrayContaining([
					`Braze CDI: ${String(first.missed[0].alert)} (integration int-missed).`,
				]),
			);
			// One more poll of each: nothing again. Then n8n restarts between polls.
			await morePolls('one more poll of each alert trigger', 1);
		},
		async afterRestart() {
			await morePolls('two polls of each alert trigger after the restart', 2);
			// The long sync finishes: no alert for it either.
			sim.completeSync('int-long', 'success');
			await morePolls('a poll of each alert trigger after the sync finished', 1);
		},
		async check() {
			const last = await recorded();
			expect(last.running.map((item) => item.sync_start_time)).toEqual([
				new Date(longStart).toISOString(),
			]);
			expect(last.missed.map((item) => item.integration_id)).toEqual(['int-missed']);
			expect(last.notified).toHaveLength(2);
			expect(server.output()).not.toContain(KEYS[RUNNING]);
		},
	};
}

/**
 * A key Braze rejects. `keyed` watches an integration with a key that is revoked right after its
 * activation poll; `keyed-twin` watches the same one with a key that stays good: its polls are the
 * clock, and it sees the syncs that finish meanwhile as they finish.
 *
 * Without n8n's poll scheduler (1.x, and 2.x unless it runs poll triggers) each failed poll would
 * be a failed execution running the Error Workflow: the trigger reports the rejected key once, in
 * the first failed poll, returns nothing while the key stays rejected, and the poll after the key
 * is accepted again emits what finished meanwhile. With the scheduler, the failed poll declares
 * its cause (`credential-invalid`), which n8n reads: it records one failed execution and backs off
 * (30 minutes for a cause the user must act on) instead of polling into the rejected key.
 */
async function rejectedKeyScenario(server: Server): Promise<Scenario> {
	const KEY = 'e2e-keyed-rejected-5e1b7c';
	const TWIN_KEY = 'e2e-keyed-twin-9d3a6f';
	const PERMISSIONS = ['cdi.integration_job_status', 'cdi.integration_list'];
	const sim = await startSimulator({
		apiKeys: { [KEY]: PERMISSIONS, [TWIN_KEY]: PERMISSIONS },
		integrations: [
			{ integration_id: 'int-keyed', integration_name: 'Accounts', syncs: makeSyncs(5) },
		],
	});
	const { until } = server;
	const watchKeyed = {
		watch: 'integration',
		integrationId: byId('int-keyed'),
		event: 'syncFinished',
	};
	const polls = (apiKey: string) => pollsWith(sim, apiKey, syncStatusPath);
	/** The keyed workflow's polls since its key was revoked. */
	let pollsBeforeRevoke = 0;
	const rejectedPolls = () => polls(KEY) - pollsBeforeRevoke;
	/** The syncs that finish while the key is rejected. */
	let meanwhile: Sync[] = [];
	const starts = (items: Array<{ sync_start_time?: unknown }>) =>
		items.map((item) => String(item.sync_start_time)).sort();
	/** The keyed workflow's failed executions, with the trigger's error message. */
	const failures = async () =>
		(await server.n8n.executions('keyed'))
			.filter((execution) => execution.status === 'error')
			.map((execution) => String(execution.runData[TRIGGER]?.[0]?.error?.message));
	/** n8n's log lines (JSON) saying it backs off a failed poll of the keyed workflow. */
	const backoffs = () =>
		server
			.output()
			.split('\n')
			.flatMap((line) => {
				try {
					return [JSON.parse(line) as { message?: string; metadata?: Record<string, unknown> }];
				} catch {
					return [];
				}
			})
			.filter(
				(entry) =>
					entry.message === 'Poll failed; backing off' && entry.metadata?.workflowId === 'keyed',
			)
			.map(({ metadata }) => ({ type: metadata?.type, cause: metadata?.cause }));

	return {
		sim,
		credentials: [credential('keyed', sim, KEY), credential('keyed-twin', sim, TWIN_KEY)],
		workflows: [triggerWorkflow('keyed', watchKeyed), triggerWorkflow('keyed-twin', watchKeyed)],
		async beforeRestart() {
			await until('the activation polls of keyed and its twin', 5 * MINUTE, () =>
				polls(KEY) >= 1 && polls(TWIN_KEY) >= 1 ? true : undefined,
			);
			// The key is revoked (the simulator has answered the activation poll already), and two
			// syncs finish while it stays rejected.
			pollsBeforeRevoke = polls(KEY);
			delete sim.apiKeys[KEY];
			meanwhile = makeSyncs(2, { newest: Date.now(), spacingMs: 10_000 });
			sim.addSyncs('int-keyed', meanwhile);

			await until('the first poll with the key rejected, failed', 5 * MINUTE, async () =>
				(await failures()).length >= 1 ? true : undefined,
			);
			if (!server.scheduled) {
				const failedAfter = rejectedPolls();
				await until('two more polls with the key still rejected', 6 * MINUTE, () =>
					rejectedPolls() >= failedAfter + 2 ? true : undefined,
				);
				expect(await failures()).toEqual([expect.stringContaining('Braze rejected the API key')]);
				expect(await emitted(server, 'keyed')).toEqual([]);
				// Accepted again: the next poll emits what finished meanwhile.
				sim.apiKeys[KEY] = PERMISSIONS;
				await until('the poll after the key is accepted again', 5 * MINUTE, async () =>
					(await emitted(server, 'keyed')).length >= meanwhile.length ? true : undefined,
				);
			} else {
				// n8n backs off for the failure's cause, `credential-invalid` (which the trigger declares,
				// and n8n would also infer from the 401): two polls of the twin, none of keyed. That the
				// declared cause survives on the error is unit-tested (test/errors.test.ts).
				const twinPolls = polls(TWIN_KEY);
				await until('two more polls of the twin', 6 * MINUTE, () =>
					polls(TWIN_KEY) >= twinPolls + 2 ? true : undefined,
				);
				expect(rejectedPolls()).toBe(1);
				expect(await failures()).toEqual([expect.stringContaining('Braze rejected the API key')]);
				expect(backoffs()).toEqual([{ type: 'permanent', cause: 'credential-invalid' }]);
				sim.apiKeys[KEY] = PERMISSIONS;
			}
		},
		async afterRestart() {
			// One more poll of each after the restart: a second report or a duplicate would show.
			const wanted = { keyed: polls(KEY) + 1, twin: polls(TWIN_KEY) + 1 };
			await until('one more poll of keyed and its twin after the restart', 5 * MINUTE, () =>
				polls(TWIN_KEY) >= wanted.twin && (server.scheduled || polls(KEY) >= wanted.keyed)
					? true
					: undefined,
			);
		},
		async check() {
			expect(await failures()).toEqual([expect.stringContaining('Braze rejected the API key')]);
			// Without the scheduler, what finished meanwhile is emitted once, after the key is back.
			// With it, n8n backs off for 30 minutes: on a slow run that may have ended before this
			// check, and then the poll after it emits what finished meanwhile, once.
			const keyed = starts(await emitted(server, 'keyed'));
			if (server.scheduled) expect([[], starts(meanwhile)]).toContainEqual(keyed);
			else expect(keyed).toEqual(starts(meanwhile));
			expect(starts(await emitted(server, 'keyed-twin'))).toEqual(starts(meanwhile));
			expect(server.output()).not.toContain(KEY);
		},
	};
}

/** A sync that started 2 minutes ago and finished a minute later with `status`: the newest. */
const justFinished = (status: string, options: Parameters<typeof makeSyncs>[1] = {}) =>
	makeSyncs(1, { newest: Date.now() - 2 * MINUTE, statuses: [status], ...options });

/**
 * Whether a key has read an integration's syncs: a trigger watching all integrations reads each
 * one's history at activation, before the first sync it may emit is added.
 */
const hasRead = (sim: Simulator, apiKey: string, integrationId: string) =>
	pollsWith(
		sim,
		apiKey,
		(requestPath) => requestPath === `/cdi/integrations/${integrationId}/job_sync_status`,
	) >= 1;

/** Reads an example workflow (examples/<file>) as an object to adapt. */
const example = (file: string) =>
	JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'examples', file), 'utf8'));

/** A local stand-in for PagerDuty's Events API: records each JSON body POSTed to it. */
async function httpSink() {
	const received: Item[] = [];
	const server = createServer((request, response) => {
		let body = '';
		request.on('data', (chunk: Buffer) => (body += chunk.toString()));
		request.on('end', () => {
			received.push({ method: request.method, path: request.url, ...JSON.parse(body || '{}') });
			response.writeHead(202, { 'content-type': 'application/json' });
			response.end('{"status":"success","message":"Event processed"}');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/v2/enqueue`,
		received,
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

/**
 * An incident: the example "Page on-call when an integration breaks, resolve when it recovers"
 * (Integration Health Changed, all integrations, to PagerDuty's Events API, here a local sink)
 * and the example "Alert on failed syncs" (Sync Failed) watch the same integration. It breaks
 * after the activation (a sync fails), stays broken over more polls, a second failed sync and the
 * restart, and recovers (a sync succeeds) just before the pager's settings are edited in the
 * editor: the new watch's first poll finds it healthy, and resolves the incident the watch before
 * the edit opened. One incident opened and one resolved, with one key; one notification per
 * failed sync.
 */
async function incidentScenario(server: Server): Promise<Scenario> {
	const PAGER = 'pager-e2e';
	const ALERT = 'failed-alert-e2e';
	const HEALTH = "When an integration's health changes";
	const FAILS = 'When a sync fails';
	const NOTIFY = 'Notify (replace with Slack or Email)';
	const KEYS = { [PAGER]: 'e2e-pager-health-4c8e2a', [ALERT]: 'e2e-failed-alert-6a1d9b' };
	const PERMISSIONS = ['cdi.integration_job_status', 'cdi.integration_list'];
	const now = Date.now();
	const sim = await startSimulator({
		apiKeys: { [KEYS[PAGER]]: PERMISSIONS, [KEYS[ALERT]]: PERMISSIONS },
		integrations: [
			{
				integration_id: 'int-breaks',
				integration_name: 'Orders',
				syncs: makeSyncs(4, {
					newest: now - 20 * MINUTE,
					spacingMs: 5 * MINUTE,
					statuses: ['success'],
				}),
			},
			{
				integration_id: 'int-calm',
				integration_name: 'Events',
				syncs: makeSyncs(4, {
					newest: now - 10 * MINUTE,
					spacingMs: 5 * MINUTE,
					statuses: ['success'],
				}),
			},
		],
	});
	const sink = await httpSink();
	const { until } = server;
	/** The pager's polls (each reads the integration list first) and the alert's (job status). */
	const pagerPolls = () => pollsWith(sim, KEYS[PAGER], listPath);
	const alertPolls = () => pollsWith(sim, KEYS[ALERT], syncStatusPath);
	const morePolls = async (what: string, count: number) => {
		const wanted = { pager: pagerPolls() + count, alert: alertPolls() + count };
		await until(what, (count + 4) * MINUTE, () =>
			pagerPolls() >= wanted.pager && alertPolls() >= wanted.alert ? true : undefined,
		);
	};
	/** Waits for the pager's next poll to have its answers: reading the list is all it does. */
	const pagerPollDone = async (what: string) => {
		const wanted = pagerPolls() + 1;
		await until(what, 3 * MINUTE, () =>
			pagerPolls() >= wanted &&
			sim.requests.every(
				(request) =>
					request.headers.authorization !== `Bearer ${KEYS[PAGER]}` || request.status !== null,
			)
				? true
				: undefined,
		);
	};
	const incidents = () => emitted(server, PAGER, HEALTH);
	const notified = async () =>
		(await emitted(server, ALERT, NOTIFY)).map((item) => String(item.message));
	/** The failed syncs, as they were added. */
	const failures: Sync[] = [];
	const failOnce = () => {
		const [sync] = justFinished('error');
		failures.push(sync);
		sim.addSyncs('int-breaks', [sync]);
	};

	const pager = example('page-on-call-when-an-integration-breaks.json');
	for (const node of pager.nodes) {
		if (node.type === TRIGGER_TYPE) {
			node.parameters.pollTimes = { item: [{ mode: 'everyMinute' }] };
			node.credentials = { brazeCdiApi: { id: PAGER, name: PAGER } };
		}
		if (node.type === 'n8n-nodes-base.httpRequest') {
			expect(node.parameters.url).toBe('https://events.pagerduty.com/v2/enqueue');
			node.parameters.url = sink.url;
		}
	}
	const alert = example('alert-on-failed-syncs.json');
	for (const node of alert.nodes)
		if (node.name === FAILS) {
			node.parameters.pollTimes = { item: [{ mode: 'everyMinute' }] };
			node.parameters.integrationId = byId('int-breaks');
			node.credentials = { brazeCdiApi: { id: ALERT, name: ALERT } };
		}

	return {
		sim,
		close: sink.close,
		credentials: [credential(PAGER, sim, KEYS[PAGER]), credential(ALERT, sim, KEYS[ALERT])],
		workflows: [
			{ ...pager, id: PAGER, active: false },
			{ ...alert, id: ALERT, active: false },
		],
		async beforeRestart() {
			await until('the activation polls of the pager and the failed-sync alert', 5 * MINUTE, () =>
				hasRead(sim, KEYS[PAGER], 'int-breaks') && hasRead(sim, KEYS[ALERT], 'int-breaks')
					? true
					: undefined,
			);
			// The integration breaks after the activation: its next sync fails.
			failOnce();
			await until('the incident opened, and the failed sync notified', 5 * MINUTE, async () =>
				(await incidents()).length >= 1 && (await notified()).length >= 1 ? true : undefined,
			);
			// It stays broken: another failed sync (notified), and more polls (no incident again).
			failOnce();
			await until('the second failed sync notified', 5 * MINUTE, async () =>
				(await notified()).length >= 2 ? true : undefined,
			);
			await morePolls('one more poll of the pager and the alert', 1);
		},
		async afterRestart() {
			await morePolls('a poll of the pager and the alert after the restart', 1);
			// It recovers just before the pager's settings are edited in the editor (Stale left out
			// of its checks), saved and published: the new watch's first poll finds it healthy. The
			// incident open before the edit goes with the watch, to be resolved (same key), not lost.
			// Right after a pager poll, so that the watch before the edit does not see the recovery.
			await pagerPollDone('a pager poll, the recovery and the edit to follow');
			const polledBefore = pagerPolls();
			sim.addSyncs('int-breaks', justFinished('success'));
			const editor = await editorSession(server.base(), server.version);
			let polledAtSave = NaN;
			await editor.editParameters(
				PAGER,
				HEALTH,
				{ checks: ['failing', 'stuck', 'missedSchedule'] },
				() => (polledAtSave = pagerPolls()),
			);
			// The watch before the edit did not poll between the recovery and the save.
			expect(polledAtSave).toBe(polledBefore);
			await until('the incident resolved', 5 * MINUTE, async () =>
				(await incidents()).length >= 2 ? true : undefined,
			);
			await morePolls('one more poll of the pager and the alert after the recovery', 1);
		},
		async check() {
			const items = await incidents();
			expect(items).toEqual([
				expect.objectContaining({
					integration_id: 'int-breaks',
					integration_name: 'Orders',
					health: 'unhealthy',
					reasons: ['failing'],
					incident_key: expect.any(String),
					alert: expect.any(String),
				}),
				expect.objectContaining({
					integration_id: 'int-breaks',
					health: 'healthy',
					reasons: [],
					incident_key: items[0]?.incident_key,
				}),
			]);
			// PagerDuty got one trigger and one resolve, with the incident's key as dedup key.
			expect(sink.received).toEqual([
				expect.objectContaining({
					method: 'POST',
					event_action: 'trigger',
					dedup_key: items[0].incident_key,
					routing_key: 'YOUR_PAGERDUTY_ROUTING_KEY',
					payload: expect.objectContaining({ summary: items[0].alert }),
				}),
				expect.objectContaining({
					method: 'POST',
					event_action: 'resolve',
					dedup_key: items[0].incident_key,
				}),
			]);
			// One notification per failed sync, each once.
			expect((await notified()).sort()).toEqual(
				failures
					.map(
						(sync) =>
							`Braze CDI sync error for integration int-breaks: started ${sync.sync_start_time}, 0 rows synced, 0 rows failed.`,
					)
					.sort(),
			);
			expect(server.output()).not.toContain(KEYS[PAGER]);
		},
	};
}

/**
 * The silent failures, each emitted once across polls and the restart: a sync far below its
 * integration's steady normal (Rows Synced Unusual), and an integration whose watermark stops
 * while its syncs go on succeeding (Data Stale, past a stale limit of a few minutes). Each
 * trigger watches all integrations of its own simulator.
 */
async function silentScenario(server: Server): Promise<Scenario> {
	const NORMAL = 40_000;
	/**
	 * 3.6 minutes: data synced just now is fresh at the next three polls or so (one a minute),
	 * then stale by time alone, whenever the polls come.
	 */
	const STALE_HOURS = 0.06;
	const KEYS = { volume: 'e2e-volume-anomaly-2b7e5f', stale: 'e2e-data-stale-8f3c1d' };
	const PERMISSIONS = ['cdi.integration_job_status', 'cdi.integration_list'];
	const now = Date.now();
	const steady = (options: Parameters<typeof makeSyncs>[1] = {}) => ({
		statuses: ['success'],
		normalRows: NORMAL,
		...options,
	});
	const volumeSim = await startSimulator({
		apiKeys: { [KEYS.volume]: PERMISSIONS },
		integrations: [
			{
				integration_id: 'int-steady',
				integration_name: 'Purchases',
				syncs: makeSyncs(12, steady({ newest: now - 20 * MINUTE, spacingMs: 10 * MINUTE })),
			},
		],
	});
	const staleSim = await startSimulator({
		apiKeys: { [KEYS.stale]: PERMISSIONS },
		integrations: [
			{
				integration_id: 'int-stops',
				integration_name: 'Accounts',
				syncs: makeSyncs(4, steady({ newest: now - 20 * MINUTE, spacingMs: 10 * MINUTE })),
			},
		],
	});
	const { until } = server;
	const volumePolls = () => pollsWith(volumeSim, KEYS.volume, listPath);
	const stalePolls = () => pollsWith(staleSim, KEYS.stale, listPath);
	const morePolls = async (what: string, count: number) => {
		const wanted = { volume: volumePolls() + count, stale: stalePolls() + count };
		await until(what, (count + 4) * MINUTE, () =>
			volumePolls() >= wanted.volume && stalePolls() >= wanted.stale ? true : undefined,
		);
	};
	let drop: Sync | undefined;
	/** When the watermark stopped (epoch ms). */
	let stoppedAt = 0;

	/** The drop: a sync of 1 % of the normal, after the activation (the normal seeded by then). */
	const dropVolume = () => {
		[drop] = justFinished('success', steady({ volumeChange: { newest: 1, rows: NORMAL / 100 } }));
		volumeSim.addSyncs('int-steady', [drop]);
	};
	/**
	 * After the activation, a fresh sync (its data up to now), and the watermark stops there: from
	 * then on the syncs succeed with the watermark where it stopped.
	 */
	const stopWatermark = () => {
		const [fresh] = justFinished('success', steady());
		stoppedAt = Date.now();
		staleSim.addSyncs('int-stops', [
			{ ...fresh, last_timestamp_synced: new Date(stoppedAt).toISOString() },
		]);
	};
	const succeedStale = () =>
		staleSim.addSyncs(
			'int-stops',
			justFinished('success', steady({ watermarkStopsAt: stoppedAt })),
		);

	return {
		sim: volumeSim,
		close: () => staleSim.close(),
		credentials: [
			credential('volume-e2e', volumeSim, KEYS.volume),
			credential('stale-e2e', staleSim, KEYS.stale),
		],
		workflows: [
			triggerWorkflow('volume-e2e', { watch: 'allIntegrations', event: 'volumeAnomaly' }),
			triggerWorkflow('stale-e2e', {
				watch: 'allIntegrations',
				event: 'dataStale',
				staleHours: STALE_HOURS,
			}),
		],
		async beforeRestart() {
			await until('the activation polls of the volume and stale triggers', 5 * MINUTE, () =>
				hasRead(volumeSim, KEYS.volume, 'int-steady') && hasRead(staleSim, KEYS.stale, 'int-stops')
					? true
					: undefined,
			);
			dropVolume();
			stopWatermark();
			await until('the drop and the stale data emitted', 8 * MINUTE, async () =>
				(await emitted(server, 'volume-e2e')).length >= 1 &&
				(await emitted(server, 'stale-e2e')).length >= 1
					? true
					: undefined,
			);
			// While stale, its syncs go on succeeding; and one more poll of each: nothing again.
			succeedStale();
			await morePolls('one more poll of the volume and stale triggers', 1);
		},
		async afterRestart() {
			// After the restart: a normal sync, and another stale one; then one more poll.
			volumeSim.addSyncs('int-steady', justFinished('success', steady()));
			succeedStale();
			await morePolls('two polls of the volume and stale triggers after the restart', 2);
		},
		async check() {
			const unusual = await emitted(server, 'volume-e2e');
			expect(unusual).toEqual([
				expect.objectContaining({
					integration_id: 'int-steady',
					integration_name: 'Purchases',
					sync_start_time: drop!.sync_start_time,
					rows_synced: NORMAL / 100,
					direction: 'drop',
				}),
			]);
			// The normal: the median of syncs within 2 % of it; the change about -99 %.
			expect(Math.abs(Number(unusual[0].expected_rows) - NORMAL)).toBeLessThanOrEqual(
				NORMAL * 0.02,
			);
			expect(Number(unusual[0].change_percent)).toBeLessThan(-95);

			const stale = await emitted(server, 'stale-e2e');
			expect(stale).toEqual([
				expect.objectContaining({
					integration_id: 'int-stops',
					integration_name: 'Accounts',
					last_timestamp_synced: new Date(stoppedAt).toISOString(),
					alert: expect.any(String),
				}),
			]);
			expect(Number(stale[0].data_age_hours)).toBeGreaterThanOrEqual(STALE_HOURS);
		},
	};
}
