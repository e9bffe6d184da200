/**
 * The watch belongs to its settings, and starts where it was activated, as n8n keeps its state:
 * an edit of what it watches starts it afresh; a change of poll times does not; with n8n 2.41's
 * durable poll cursors, the first scheduled poll goes on from the activation poll whose state
 * n8n discarded. And on n8n without the poll scheduler, Braze's faults are reported once per
 * episode, transient ones only when they last.
 */
import nock from 'nock';
import type { IDataObject } from 'n8n-workflow';

import type { Simulator } from '../simulator';
import { makeSyncs, startSimulator } from '../simulator';
import { BASE, HOUR } from './triggerHistory';
import { API_KEY, createTrigger, ENDPOINT } from './harness';

let sim: Simulator;
beforeAll(() => nock.enableNetConnect('127.0.0.1'));
beforeEach(async () => {
	sim = await startSimulator({
		apiKeys: { [API_KEY]: ['cdi.integration_job_status', 'cdi.integration_list'] },
		integrations: [
			{ integration_id: 'int-a', integration_name: 'Users', syncs: makeSyncs(5) },
			{ integration_id: 'int-b', integration_name: 'Orders', syncs: makeSyncs(5) },
		],
	});
});
afterEach(async () => await sim.close());

/** A poll n8n 2.41's scheduler runs: its budget is its own (36 s by default). */
const SCHEDULED = { budgetMs: 36_000 };
const NODE = 'node:Braze CDI Trigger';

const credentials = () => ({ restEndpoint: 'custom', customUrl: sim.url, apiKey: API_KEY });
const failedOnA = {
	watch: 'integration',
	integrationId: { __rl: true, mode: 'id', value: 'int-a' },
	event: 'syncFailed',
	statuses: ['error'],
};
/** One finished sync with this status, started `hoursLater` after BASE. */
const finished = (status: string, hoursLater: number) => ({
	...makeSyncs(2, { newest: BASE + hoursLater * HOUR })[1],
	sync_start_time: new Date(BASE + hoursLater * HOUR).toISOString(),
	job_status: status,
});
const starts = (items: IDataObject[]) =>
	items.map((item) => `${String(item.integration_id)} ${String(item.sync_start_time)}`);
const at = (hoursLater: number) => new Date(BASE + hoursLater * HOUR).toISOString();

describe('the watch belongs to its settings', () => {
	test('switched from one integration to all: what the others did before is history, what follows is news', async () => {
		const trigger = await createTrigger(failedOnA, credentials());
		await trigger.poll();
		sim.addSyncs('int-b', [finished('error', 1)]); // before the edit, on an integration not watched

		const edited = await trigger.restarted({ watch: 'allIntegrations' });
		expect(await edited.poll()).toEqual([]); // n8n's activation poll at the save

		sim.addSyncs('int-b', [finished('error', 2)]);
		sim.addSyncs('int-a', [finished('error', 3)]);
		expect(starts(await edited.poll())).toEqual([`int-b ${at(2)}`, `int-a ${at(3)}`]);
	});

	test('the event or its statuses changed: the watch starts afresh', async () => {
		const trigger = await createTrigger(failedOnA, credentials());
		await trigger.poll();
		sim.addSyncs('int-a', [finished('partial', 1)]); // not news to Sync Failed (error)

		const edited = await trigger.restarted({ statuses: ['error', 'partial'] });
		expect(await edited.poll()).toEqual([]);
		const finishedEvent = await edited.restarted({ event: 'syncFinished' });
		expect(await finishedEvent.poll()).toEqual([]);
		sim.addSyncs('int-a', [finished('success', 2)]);
		expect(starts(await finishedEvent.poll())).toEqual([`int-a ${at(2)}`]);
	});

	test('only the poll times changed: the watch goes on, nothing missed', async () => {
		const trigger = await createTrigger(failedOnA, credentials());
		await trigger.poll();
		sim.addSyncs('int-a', [finished('error', 1)]);

		const edited = await trigger.restarted({ pollTimes: { item: [{ mode: 'everyHour' }] } });
		expect(starts(await edited.poll())).toEqual([`int-a ${at(1)}`]);
	});

	test('the same statuses in another order are the same settings: the watch goes on', async () => {
		const trigger = await createTrigger(
			{ ...failedOnA, statuses: ['error', 'partial'] },
			credentials(),
		);
		await trigger.poll();
		sim.addSyncs('int-a', [finished('partial', 1)]);

		const edited = await trigger.restarted({ statuses: ['partial', 'error'] });
		expect(starts(await edited.poll())).toEqual([`int-a ${at(1)}`]);
	});

	test('another credential (maybe another workspace): the watch starts afresh', async () => {
		const parameters = { ...failedOnA, watch: 'allIntegrations' };
		const trigger = await createTrigger(parameters, credentials());
		await trigger.poll();
		// The activation was an hour ago (moved back: no waiting in a unit test); an integration
		// the other credential lists ran a sync half an hour ago, before the switch.
		const state = trigger.staticData();
		Object.assign(state, { activatedAt: Number(state.activatedAt) - HOUR });
		await trigger.poll(); // saved as n8n would after a poll
		const halfAnHourAgo = new Date(Date.now() - HOUR / 2).toISOString();
		sim.addIntegration({
			integration_id: 'int-c',
			integration_name: 'Events',
			syncs: [{ ...finished('error', 0), sync_start_time: halfAnHourAgo }],
		});

		const switched = await createTrigger(
			parameters,
			credentials(),
			JSON.parse(JSON.stringify(trigger.workflow.staticData)) as IDataObject,
			'UTC',
			'2',
		);
		expect(await switched.poll()).toEqual([]);
		expect(await switched.poll()).toEqual([]);
	});

	test('a state saved before the watch knew its settings goes on (an upgrade loses nothing)', async () => {
		const trigger = await createTrigger(failedOnA, credentials());
		await trigger.poll();
		const saved = trigger.saved()[NODE] as IDataObject;
		const { settings, ...older } = saved;
		expect(typeof settings).toBe('string');
		sim.addSyncs('int-a', [finished('error', 1)]);

		const upgraded = await createTrigger(failedOnA, credentials(), { [NODE]: older });
		expect(starts(await upgraded.poll())).toEqual([`int-a ${at(1)}`]);
		expect((upgraded.saved()[NODE] as IDataObject).settings).toBe(settings);
	});

	test('an upgraded state learns its settings even from a poll with nothing new', async () => {
		const trigger = await createTrigger(failedOnA, credentials());
		await trigger.poll();
		const { settings, ...older } = trigger.saved()[NODE] as IDataObject;

		const upgraded = await createTrigger(failedOnA, credentials(), { [NODE]: older });
		expect(await upgraded.poll()).toEqual([]);
		// From then on a later edit starts the watch afresh.
		expect((upgraded.saved()[NODE] as IDataObject).settings).toBe(settings);
	});

	test('an unknown event fails, naming it', async () => {
		const trigger = await createTrigger({ ...failedOnA, event: 'syncVanished' }, credentials());
		await expect(trigger.poll()).rejects.toThrow('Unknown Event "syncVanished"');
		expect(sim.requests).toHaveLength(0);
	});
});

describe('with durable poll cursors, n8n discards the activation poll state', () => {
	/** What n8n 2.41 hands the first scheduled poll: the saved workflow, the node's state empty. */
	const withoutNodeState = (saved: IDataObject) => ({ ...saved, [NODE]: {} });

	test.each([
		['one integration', failedOnA],
		['all integrations', { ...failedOnA, watch: 'allIntegrations' }],
	])(
		'%s: a sync that finished between activation and the first scheduled poll is emitted, once',
		async (_case, parameters) => {
			const activation = await createTrigger(parameters, credentials());
			await activation.poll();
			sim.addSyncs('int-a', [finished('error', 1)]);

			const scheduled = await createTrigger(
				parameters,
				credentials(),
				withoutNodeState(activation.saved()),
			);
			expect(starts(await scheduled.poll('trigger', SCHEDULED))).toEqual([`int-a ${at(1)}`]);
			expect(await scheduled.poll('trigger', SCHEDULED)).toEqual([]);
		},
	);

	test('all integrations: one created since activation is read from the activation on', async () => {
		const parameters = { ...failedOnA, watch: 'allIntegrations' };
		const activation = await createTrigger(parameters, credentials());
		await activation.poll();
		// The activation was an hour ago (its recorded time moved back: no waiting in a unit test);
		// an integration created since then ran a sync half an hour ago.
		const saved = withoutNodeState(activation.saved()) as unknown as { global: IDataObject };
		const watchStarts = saved.global.brazeCdiWatchStarts as Record<string, IDataObject>;
		const started = watchStarts.trigger;
		watchStarts.trigger = { ...started, activatedAt: Number(started.activatedAt) - HOUR };
		const halfAnHourAgo = new Date(Date.now() - HOUR / 2).toISOString();
		sim.addIntegration({
			integration_id: 'int-c',
			integration_name: 'Events',
			syncs: [{ ...finished('error', 0), sync_start_time: halfAnHourAgo }],
		});

		const scheduled = await createTrigger(parameters, credentials(), saved);
		expect(starts(await scheduled.poll('trigger', SCHEDULED))).toEqual([`int-c ${halfAnHourAgo}`]);
	});

	test('an activation poll does not go on from a watch started before with the same settings', async () => {
		const earlier = await createTrigger(failedOnA, credentials());
		await earlier.poll();
		sim.addSyncs('int-a', [finished('error', 1)]); // while the workflow was inactive

		const reactivated = await createTrigger(
			failedOnA,
			credentials(),
			withoutNodeState(earlier.saved()),
		);
		expect(await reactivated.poll()).toEqual([]);
	});

	test('an activation poll that fails leaves no earlier start to go on from', async () => {
		const earlier = await createTrigger(failedOnA, credentials());
		await earlier.poll();
		sim.addSyncs('int-a', [finished('error', 1)]); // while the workflow was inactive

		// Re-activated (with the node's state for other settings, as after an edit and back):
		// Braze is down during the activation poll, which n8n without the scheduler survives.
		const reactivated = await createTrigger(
			failedOnA,
			credentials(),
			withoutNodeState(earlier.saved()),
		);
		for (let attempt = 0; attempt < 4; attempt++) sim.injectFault({ next: true, kind: 503 });
		expect(await reactivated.poll()).toEqual([]);

		const scheduled = await createTrigger(
			failedOnA,
			credentials(),
			withoutNodeState(reactivated.saved()),
		);
		expect(await scheduled.poll('trigger', SCHEDULED)).toEqual([]);
	}, 60_000);

	describe('n8n runs the first scheduled poll while it still activates the workflow', () => {
		/**
		 * The activation poll reads, a sync finishes, and the scheduled poll reads the workflow as
		 * it was before n8n saved the activation: it starts the watch itself. Answers the saved
		 * workflow that n8n hands the poll after: the activation's, the node's state the scheduled
		 * poll's (its cursor).
		 */
		async function raced(parameters: IDataObject): Promise<IDataObject> {
			const activation = await createTrigger(parameters, credentials());
			const scheduled = await createTrigger(parameters, credentials());
			await activation.poll();
			sim.addSyncs('int-a', [finished('error', 1)]);
			expect(await scheduled.poll('trigger', SCHEDULED)).toEqual([]);
			return { ...activation.saved(), [NODE]: scheduled.saved()[NODE] };
		}

		test.each([
			['one integration', failedOnA],
			['all integrations', { ...failedOnA, watch: 'allIntegrations' }],
		])(
			'%s: the poll after goes on from the activation, which began first: the sync is emitted, once',
			async (_case, parameters) => {
				const after = await createTrigger(parameters, credentials(), await raced(parameters));
				expect(starts(await after.poll('trigger', SCHEDULED))).toEqual([`int-a ${at(1)}`]);
				sim.addSyncs('int-a', [finished('partial', 2), finished('error', 3)]);
				expect(starts(await after.poll('trigger', SCHEDULED))).toEqual([`int-a ${at(3)}`]);
				expect(await after.poll('trigger', SCHEDULED)).toEqual([]);
			},
		);

		test('once a poll went on from the scheduled start, an activation start saved later is not taken', async () => {
			const saved = await raced(failedOnA);
			const { brazeCdiWatchStarts, ...global } = saved.global as IDataObject;
			// n8n saved the activation only after the poll after the scheduled start, which emitted.
			const after = await createTrigger(failedOnA, credentials(), { ...saved, global });
			sim.addSyncs('int-a', [finished('error', 2)]);
			expect(starts(await after.poll('trigger', SCHEDULED))).toEqual([`int-a ${at(2)}`]);
			const later = await createTrigger(failedOnA, credentials(), {
				...after.saved(),
				global: { ...global, brazeCdiWatchStarts },
			});
			expect(await later.poll('trigger', SCHEDULED)).toEqual([]);
		});

		test("the scheduled start records no start of its own: were n8n to save it, the activation's would still be taken", async () => {
			const activation = await createTrigger(failedOnA, credentials());
			const scheduled = await createTrigger(failedOnA, credentials());
			await activation.poll();
			sim.addSyncs('int-a', [finished('error', 1)]);
			expect(await scheduled.poll('trigger', SCHEDULED)).toEqual([]);
			const first = activation.saved() as { global: IDataObject };
			const second = scheduled.saved() as { global: IDataObject };
			// n8n saves the activation, then (it does not today) the scheduled poll's global data.
			const after = await createTrigger(failedOnA, credentials(), {
				...second,
				global: { ...first.global, ...second.global },
			});
			expect(starts(await after.poll('trigger', SCHEDULED))).toEqual([`int-a ${at(1)}`]);
		});

		test('a scheduled start that began before the activation is kept', async () => {
			const scheduled = await createTrigger(failedOnA, credentials());
			const activation = await createTrigger(failedOnA, credentials());
			expect(await scheduled.poll('trigger', SCHEDULED)).toEqual([]);
			sim.addSyncs('int-a', [finished('error', 1)]);
			await activation.poll();
			// The activation began after the scheduled start (its recorded time set so: no waiting).
			const node = scheduled.saved()[NODE] as IDataObject;
			const saved = activation.saved() as { global: IDataObject };
			const record = (saved.global.brazeCdiWatchStarts as Record<string, IDataObject>).trigger;
			record.activatedAt = Number(node.activatedAt) + 1;
			const after = await createTrigger(failedOnA, credentials(), { ...saved, [NODE]: node });
			expect(starts(await after.poll('trigger', SCHEDULED))).toEqual([`int-a ${at(1)}`]);
		});

		test('Integration Health Changed: the incident the sync began is opened by the poll after', async () => {
			const parameters = { ...failedOnA, event: 'healthChanged', checks: ['failing'] };
			const after = await createTrigger(parameters, credentials(), await raced(parameters));
			expect(await after.poll('trigger', SCHEDULED)).toEqual([
				expect.objectContaining({ integration_id: 'int-a', health: 'unhealthy' }),
			]);
			expect(await after.poll('trigger', SCHEDULED)).toEqual([]);
		});
	});

	test('the watch started for other settings is not taken', async () => {
		const activation = await createTrigger(failedOnA, credentials());
		await activation.poll();
		sim.addSyncs('int-a', [finished('error', 1)]);

		const other = { ...failedOnA, statuses: ['error', 'partial'] };
		const scheduled = await createTrigger(
			other,
			credentials(),
			withoutNodeState(activation.saved()),
		);
		expect(await scheduled.poll('trigger', SCHEDULED)).toEqual([]);
	});
});

describe('faults on n8n without the poll scheduler', () => {
	test('a rejected key is reported once, in words, until a poll succeeds; then again', async () => {
		const key = credentials();
		const trigger = await createTrigger(failedOnA, key);
		await trigger.poll();
		key.apiKey = 'wrong-key-0000';
		await expect(trigger.poll()).rejects.toThrow('Braze rejected the API key');
		expect(await trigger.poll()).toEqual([]);
		expect(await trigger.poll()).toEqual([]);

		key.apiKey = API_KEY;
		sim.addSyncs('int-a', [finished('error', 1)]);
		expect(starts(await trigger.poll())).toEqual([`int-a ${at(1)}`]); // nothing was missed
		key.apiKey = 'wrong-key-0000';
		await expect(trigger.poll()).rejects.toThrow('Braze rejected the API key');
	});

	test("n8n's expression sandbox taken by another trigger's poll: said once, clearly, and a lasting fault after it too; nothing lost", async () => {
		// Braze here is nock: only nock can fail a request with the error n8n's sandbox
		// throws at the next expression (the credential's header) once another poll freed it.
		const history = makeSyncs(3, { newest: BASE });
		const news = finished('error', 1);
		const braze = nock(ENDPOINT).get('/cdi/integrations/int-a/job_sync_status');
		braze.reply(200, { results: history, message: 'success' });
		const sandboxTaken = () =>
			nock(ENDPOINT)
				.get('/cdi/integrations/int-a/job_sync_status')
				.replyWithError(
					Object.assign(new Error('No bridge acquired for this context. Call acquire() first.'), {
						name: 'IsolateError',
					}),
				);
		const trigger = await createTrigger(failedOnA);
		await trigger.poll();

		sandboxTaken();
		const error = await trigger.poll().then(
			() => undefined,
			(thrown: unknown) => thrown as { message: string; description?: string },
		);
		expect(error?.message).toBe(
			"n8n's expression sandbox was taken from this poll by another trigger of the workflow",
		);
		expect(error?.description).toMatch(/poll times that do not coincide/);
		sandboxTaken();
		expect(await trigger.poll()).toEqual([]); // the same episode: not told again
		// Another lasting fault (n8n gives it the same cause): told, then not again either.
		const accessDenied = () =>
			nock(ENDPOINT)
				.get('/cdi/integrations/int-a/job_sync_status')
				.reply(403, { message: 'Access Denied' });
		accessDenied();
		await expect(trigger.poll()).rejects.toThrow('lacks the cdi.integration_job_status permission');
		accessDenied();
		expect(await trigger.poll()).toEqual([]);

		nock(ENDPOINT)
			.get('/cdi/integrations/int-a/job_sync_status')
			.reply(200, { results: [news, ...history], message: 'success' });
		expect(starts(await trigger.poll())).toEqual([`int-a ${at(1)}`]);
		expect(trigger.staticData().fault).toBeUndefined();
		expect(nock.pendingMocks()).toEqual([]);
	});

	test('Braze down: nothing until it lasts 15 minutes, then one report; the next poll catches up', async () => {
		const trigger = await createTrigger(failedOnA, credentials());
		await trigger.poll();
		sim.addSyncs('int-a', [finished('error', 1)]);
		for (let attempt = 0; attempt < 4; attempt++) sim.injectFault({ next: true, kind: 503 });
		expect(await trigger.poll()).toEqual([]);
		const fault = trigger.staticData().fault as { since: number };
		expect(fault).toEqual({ kind: 'transient', since: expect.any(Number), reported: false });

		// 16 minutes later (the episode's start moved back: no waiting in a unit test)
		Object.assign(trigger.staticData(), { fault: { ...fault, since: fault.since - 16 * 60_000 } });
		for (let attempt = 0; attempt < 4; attempt++) sim.injectFault({ next: true, kind: 503 });
		await expect(trigger.poll()).rejects.toThrow(
			/^This trigger's polls have failed for 16 min \(since .* UTC\): Braze server error/,
		);
		for (let attempt = 0; attempt < 4; attempt++) sim.injectFault({ next: true, kind: 503 });
		expect(await trigger.poll()).toEqual([]);

		expect(starts(await trigger.poll())).toEqual([`int-a ${at(1)}`]);
		expect(trigger.staticData().fault).toBeUndefined();
	}, 60_000);

	test('with the scheduler, every failed poll fails with its cause (the scheduler waits)', async () => {
		const trigger = await createTrigger(failedOnA, credentials());
		await trigger.poll('trigger', SCHEDULED);
		for (let round = 0; round < 2; round++) {
			for (let attempt = 0; attempt < 4; attempt++) sim.injectFault({ next: true, kind: 503 });
			await expect(trigger.poll('trigger', SCHEDULED)).rejects.toMatchObject({
				failure: { cause: 'temporarily-unavailable' },
			});
		}
	}, 60_000);
});
