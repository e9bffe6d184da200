/**
 * End-to-end: the trigger node in a running n8n (`n8n start`, workflows activated through the
 * CLI, polling every minute) emits each finished sync exactly once, across an n8n restart and
 * a deactivation and re-activation, as n8n really persists its static data; syncs that finish
 * seconds after the activation poll (before the first scheduled one) are not taken for history;
 * and a workflow switched from one integration to all in the editor (saved and published through
 * its REST API by the logged-in owner) starts its watch afresh at the edit. Checked on the
 * executions n8n recorded, on each n8n major and on 2.41.1 with its durable poll cursors, side by
 * side (testOnEveryServer).
 */
import nock from 'nock';

import type { Sync } from '../../simulator';
import { makeSyncs, startSimulator } from '../../simulator';
import { waitUntil } from './waitUntil';
import { createN8n, freePort, packPackage, removePack } from '../../scripts/n8n';
import { editorSession } from './editor';
import { testOnEveryServer } from './versions';

/**
 * One key per workflow, so that the simulator's log tells each workflow's polls apart. `edited`
 * watches failed syncs of one integration, and is switched to all integrations while active.
 */
const WORKFLOWS = ['finished-one', 'failed-one', 'finished-all', 'edited'] as const;
const keyOf = (workflowId: string) => `e2e-restart-key-${workflowId}-8c1f4a2d`;
const TRIGGER = 'Braze CDI Trigger';
const FAILED = ['error', 'partial', 'config_error'];
const MINUTE = 60_000;

let tarball: string;
beforeAll(() => {
	nock.enableNetConnect(/127\.0\.0\.1|localhost/);
	tarball = packPackage();
});
afterAll(() => removePack(tarball));

function trigger(id: string, parameters: Record<string, unknown>) {
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
				type: 'n8n-nodes-braze-cdi.brazeCdiTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: { pollTimes: { item: [{ mode: 'everyMinute' }] }, ...parameters },
				credentials: { brazeCdiApi: { id, name: id } },
			},
		],
	};
}
const byId = (value: string) => ({ __rl: true, mode: 'id', value });

testOnEveryServer(
	'every finished sync is emitted exactly once across polls and a restart',
	restartScenario,
	25 * MINUTE,
);

/** One server's run: its own simulator and n8n folder, removed whatever happens. */
async function restartScenario(version: string, extraEnv: Record<string, string>) {
	/** The running (or last) n8n's output, for failures. */
	let n8nOutput = () => '(n8n not started)';
	const until = waitUntil(() => n8nOutput());
	let server: { stop: () => Promise<void>; output: () => string } | undefined;
	/** Set first thing in the try below; the helpers here run only after. */
	let n8n!: Awaited<ReturnType<typeof createN8n>>;
	/** Newest start handed out so far: each batch of syncs is newer than everything before. */
	let clock = Date.now();

	/** `count` syncs newer than any so far, newest first (statuses rotate success, partial, error, config_error). */
	const newer = (count: number, running = false): Sync[] => {
		clock += (count + 1) * MINUTE;
		return makeSyncs(count, { newest: clock, spacingMs: MINUTE, running });
	};
	let base = '';
	const start = async () => {
		const port = await freePort();
		server = await n8n.startEditor({ port, env: extraEnv });
		base = `http://127.0.0.1:${port}`;
		n8nOutput = server!.output;
	};
	const stop = async () => {
		await server?.stop();
		server = undefined;
	};
	/** Every item each workflow's trigger emitted, over all its recorded executions. */
	const emitted = async (workflowId: string) => {
		const executions = await n8n.executions(workflowId);
		return executions.flatMap((execution) =>
			(execution.runData[TRIGGER]?.[0]?.data?.main?.[0] ?? []).map(
				(item: { json: Record<string, unknown> }) => item.json,
			),
		);
	};
	const keys = (items: Array<Record<string, unknown>>) =>
		items
			.map(
				(item) =>
					`${String(item.integration_id)} ${String(item.sync_start_time)} ${String(item.job_status)}`,
			)
			.sort();
	/** How many polls a workflow made: its requests that start a poll (its key, its first path). */
	const pollsOf = (workflowId: string) =>
		sim.requests.filter(
			(request) =>
				request.headers.authorization === `Bearer ${keyOf(workflowId)}` &&
				request.query.cursor === undefined &&
				(workflowId === 'finished-all'
					? request.path === '/cdi/integrations'
					: workflowId === 'edited'
						? request.path === '/cdi/integrations' || request.path.endsWith('/job_sync_status')
						: request.path.endsWith('/job_sync_status')),
		).length;
	const everyWorkflowPolled = (times: Record<string, number>) =>
		WORKFLOWS.every((id) => pollsOf(id) >= times[id]);
	const pollsSoFar = () => Object.fromEntries(WORKFLOWS.map((id) => [id, pollsOf(id)]));
	const plusOne = (times: Record<string, number>) =>
		Object.fromEntries(Object.entries(times).map(([id, count]) => [id, count + 1]));

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
	/** Removed at the end: the n8n folder, once made. */
	let made: { remove: () => void } | undefined;
	try {
		n8n = await createN8n({ version, tarball, env: extraEnv });
		made = n8n;
		await n8n.importCredentials(
			WORKFLOWS.map((id) => ({
				id,
				name: id,
				type: 'brazeCdiApi',
				data: { restEndpoint: 'custom', customUrl: sim.url, apiKey: keyOf(id) },
			})),
		);
		await n8n.importWorkflows([
			trigger('finished-one', {
				watch: 'integration',
				integrationId: byId('int-one'),
				event: 'syncFinished',
			}),
			trigger('failed-one', {
				watch: 'integration',
				integrationId: byId('int-fail'),
				event: 'syncFailed',
				statuses: FAILED,
			}),
			trigger('finished-all', { watch: 'allIntegrations', event: 'syncFinished' }),
			trigger('edited', {
				watch: 'integration',
				integrationId: byId('int-one'),
				event: 'syncFailed',
				statuses: FAILED,
			}),
		]);
		for (const id of WORKFLOWS) await n8n.activate(id);

		const activatedAt = clock;
		// Activation: each trigger polls once at start and records where history stands. Syncs
		// finish seconds later, before the first scheduled poll: with durable cursors n8n does not
		// commit the activation poll's state, and they must not be taken for history.
		await start();
		await until('the activation polls of every workflow', 2 * MINUTE, () =>
			everyWorkflowPolled(Object.fromEntries(WORKFLOWS.map((id) => [id, 1]))),
		);
		sim.addSyncs('int-one', newer(3));
		sim.addSyncs('int-fail', newer(3));

		// More than 10 finish between two polls, and one is still running.
		const first = newer(12);
		sim.addSyncs('int-one', [...newer(1, true), ...first]);
		sim.addSyncs('int-fail', newer(8));
		await until(
			'the first emitting polls',
			3 * MINUTE,
			async () =>
				(await emitted('finished-one')).length >= 15 &&
				(await emitted('failed-one')).length >= 8 &&
				(await emitted('finished-all')).length >= 26,
		);

		// `edited` is switched to all integrations in the editor, saved and published: the syncs of
		// other integrations that finished before (int-fail's) are history to it, and whatever
		// finishes from now on is news, the sync of int-one still running included.
		const beforeEdit = new Set(
			['int-fail', 'int-never'].flatMap((id) =>
				sim.integration(id).syncs.map((sync) => `${id} ${sync.sync_start_time}`),
			),
		);
		const editor = await editorSession(base, version);
		await editor.editParameters('edited', TRIGGER, { watch: 'allIntegrations' });

		// n8n restarts (as at an upgrade); meanwhile the running sync finishes and more fail, and the
		// failed-sync workflow is deactivated and activated again: it catches up on what it missed.
		await stop();
		sim.completeSync('int-one', 'error');
		sim.addSyncs('int-fail', newer(4));
		await n8n.deactivate('failed-one');
		await n8n.activate('failed-one');
		await start();

		// After the restart: more syncs, and the first of an integration that never ran.
		sim.addSyncs('int-one', newer(3));
		sim.addSyncs('int-never', newer(2));

		// What should have been emitted: every sync added since activation, as it is now.
		const since = (id: string) =>
			sim
				.integration(id)
				.syncs.filter((sync) => Date.parse(sync.sync_start_time) > activatedAt)
				.map((sync) => ({ ...sync, integration_id: id }));
		const finishedOne = since('int-one');
		const failedOne = since('int-fail').filter((sync) => FAILED.includes(sync.job_status));
		const finishedAll = [...since('int-one'), ...since('int-fail'), ...since('int-never')];
		const failed = (sync: Sync) => FAILED.includes(sync.job_status);
		const edited = [
			...since('int-one').filter(failed),
			...[...since('int-fail'), ...since('int-never')].filter(
				(sync) => failed(sync) && !beforeEdit.has(`${sync.integration_id} ${sync.sync_start_time}`),
			),
		];
		expect(finishedOne).toHaveLength(19);
		expect(failedOne).toHaveLength(11);
		expect(finishedAll).toHaveLength(36);
		// int-fail's failed syncs before the edit are not in it; its 4 since are (3 failed).
		expect(edited.filter((sync) => sync.integration_id === 'int-fail')).toHaveLength(3);
		// Up to six polls: once, n8n 1.x beside two other servers and a benchmark on a 2-core
		// machine had not emitted everything after three (the same scenario alone then passed).
		await until(
			'every sync emitted after the restart',
			6 * MINUTE,
			async () =>
				((await emitted('finished-one')).length >= finishedOne.length &&
					(await emitted('failed-one')).length >= failedOne.length &&
					(await emitted('finished-all')).length >= finishedAll.length &&
					(await emitted('edited')).length >= edited.length) ||
				undefined,
		);
		// One more poll of every trigger after that: a duplicate would show by now.
		const oneMore = plusOne(pollsSoFar());
		await until('one more poll of each trigger', 2 * MINUTE, () => everyWorkflowPolled(oneMore));
		await stop();

		// Each workflow: every matching sync once, none missed, nothing else.
		const tally = async (workflowId: string, expected: Array<Record<string, unknown>>) => {
			const got = keys(await emitted(workflowId));
			const want = keys(expected);
			return {
				emitted: got.length,
				missed: want.filter((key) => !got.includes(key)),
				duplicates: got.length - new Set(got).size,
				unexpected: got.filter((key) => !want.includes(key)),
			};
		};
		const exact = (count: number) => ({
			emitted: count,
			missed: [],
			duplicates: 0,
			unexpected: [],
		});
		expect({
			'finished-one': await tally('finished-one', finishedOne),
			'failed-one': await tally('failed-one', failedOne),
			'finished-all': await tally('finished-all', finishedAll),
			edited: await tally('edited', edited),
		}).toEqual({
			'finished-one': exact(19),
			'failed-one': exact(11),
			'finished-all': exact(36),
			edited: exact(edited.length),
		});
		const all: Array<Record<string, unknown>> = await emitted('finished-all');
		expect(
			all
				.filter((item) => item.integration_id === 'int-fail')
				.every((item) => item.integration_name === 'Orders'),
		).toBe(true);
	} finally {
		await server?.stop();
		await sim.close();
		made?.remove();
	}
}
