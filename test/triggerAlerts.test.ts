/**
 * The trigger's alerts beyond Braze's (Row Error Rate Above, Sync Running Too Long, Scheduled
 * Sync Missed) in n8n's engine, as n8n persists their state (see test/harness.ts): each emitted
 * once across polls and restarts. Only Date is faked, so that time passes between polls; timers
 * and sockets are real.
 */
import nock from 'nock';
import type { IDataObject } from 'n8n-workflow';

import type { Simulator } from '../simulator';
import { makeSyncs, startSimulator } from '../simulator';
import { API_KEY, createTrigger } from './harness';

const MINUTE = 60_000;
const T0 = Date.parse('2026-12-02T15:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
/** Moves the clock to `minutes` after T0. */
const at = (minutes: number) => jest.setSystemTime(T0 + minutes * MINUTE);

let sim: Simulator;

const jobRequests = (id: string) =>
	sim.requestsFor(`/cdi/integrations/${id}/job_sync_status`).length;
const listRequests = () =>
	sim.requests.filter((request) => request.path === '/cdi/integrations').length;

beforeAll(() => nock.enableNetConnect('127.0.0.1'));

beforeEach(async () => {
	jest.useFakeTimers({
		now: T0,
		doNotFake: [
			'hrtime',
			'nextTick',
			'performance',
			'queueMicrotask',
			'setImmediate',
			'clearImmediate',
			'setInterval',
			'clearInterval',
			'setTimeout',
			'clearTimeout',
		],
	});
	sim = await startSimulator({
		apiKeys: { [API_KEY]: ['cdi.integration_job_status', 'cdi.integration_list'] },
		integrations: [
			{
				integration_id: 'int-a',
				integration_name: 'Users',
				syncs: makeSyncs(3, { newest: T0 - 3 * 60 * MINUTE }),
			},
			{
				integration_id: 'int-b',
				integration_name: 'Orders',
				syncs: makeSyncs(3, { newest: T0 - 3 * 60 * MINUTE }),
			},
		],
	});
});
afterEach(async () => {
	await sim.close();
	jest.useRealTimers();
});

const credentials = () => ({ restEndpoint: 'custom', customUrl: sim.url, apiKey: API_KEY });
const one = (extra = {}) => ({
	watch: 'integration',
	integrationId: { __rl: true, mode: 'list', value: 'int-a', cachedResultName: 'Users' },
	...extra,
});
const all = (extra = {}) => ({ watch: 'allIntegrations', ...extra });

/** A finished sync that started `minutes` after T0, with these rows. */
const finished = (minutes: number, synced: number, failed: number, status = 'partial') => ({
	...makeSyncs(1, { newest: T0 + minutes * MINUTE })[0],
	job_status: status,
	rows_synced: synced,
	rows_failed_with_errors: failed,
});
const runningSince = (minutes: number) =>
	makeSyncs(1, { newest: T0 + minutes * MINUTE, running: true });

describe('Row Error Rate Above', () => {
	const rate = (threshold?: number) =>
		one({
			event: 'rowErrorRate',
			...(threshold === undefined ? {} : { rowErrorRateThreshold: threshold }),
		});

	test('exactly at the threshold emits, just below does not, 0 rows never; once each', async () => {
		const trigger = await createTrigger(rate(5), credentials());
		expect(await trigger.poll()).toEqual([]);
		const atThreshold = finished(1, 95, 5);
		sim.addSyncs('int-a', [
			finished(4, 0, 0, 'error'), // no rows: no rate
			finished(3, 9501, 499), // 4.99 %
			finished(2, 100, 0, 'success'),
			atThreshold,
		]);
		at(10);

		expect(await trigger.poll()).toEqual([
			{
				...atThreshold,
				integration_id: 'int-a',
				integration_name: 'Users',
				duration_seconds: expect.any(Number),
				alert: `Row error rate 5 % (at or above 5 %) in the sync of Users started 2026-12-02 15:01 UTC: 5 of 100 rows failed`,
			},
		]);
		expect(await trigger.poll()).toEqual([]);
		expect(await (await trigger.restarted()).poll()).toEqual([]);
	});

	test('5 % by default; a rate the floating point puts just below (29 of 100 at 29 %) still counts', async () => {
		const byDefault = await createTrigger(rate(), credentials());
		const at29 = await createTrigger(
			one({ event: 'rowErrorRate', rowErrorRateThreshold: 29 }),
			credentials(),
		);
		await byDefault.poll();
		await at29.poll();
		sim.addSyncs('int-a', [finished(2, 71, 29), finished(1, 96, 4)]);

		expect((await byDefault.poll()).map((item) => item.rows_failed_with_errors)).toEqual([29]);
		expect((await at29.poll()).map((item) => item.rows_failed_with_errors)).toEqual([29]);
	});

	test('a sync seen running emits when it finishes above the threshold; all integrations, named', async () => {
		const trigger = await createTrigger(all({ event: 'rowErrorRate' }), credentials());
		await trigger.poll();
		sim.addSyncs('int-b', runningSince(1));
		at(2);
		expect(await trigger.poll()).toEqual([]);
		const sync = sim.completeSync('int-b', 'partial')!;
		Object.assign(sync, { rows_synced: 900, rows_failed_with_errors: 100 });
		at(20);

		const items = await trigger.poll();
		expect(items.map((item) => [item.integration_id, item.integration_name, item.alert])).toEqual([
			[
				'int-b',
				'Orders',
				'Row error rate 10 % (at or above 5 %) in the sync of Orders started 2026-12-02 15:01 UTC: 100 of 1000 rows failed',
			],
		]);
		expect(await trigger.poll()).toEqual([]);
	});
});

describe('Sync Running Too Long', () => {
	const tooLong = (extra = {}) => ({ event: 'syncRunningTooLong', runningMinutes: 120, ...extra });

	test('a sync crossing the limit across polls: not before, once at it, not again nor after a restart, not after it finishes', async () => {
		sim.addSyncs('int-a', runningSince(-100)); // running for 100 min at activation
		let trigger = await createTrigger(one(tooLong()), credentials());
		expect(await trigger.poll()).toEqual([]);
		at(19); // 119 min
		expect(await trigger.poll()).toEqual([]);

		at(20); // 120 min
		const items = await trigger.poll();
		expect(items).toEqual([
			{
				...sim.integration('int-a').syncs[0],
				integration_id: 'int-a',
				integration_name: 'Users',
				duration_seconds: null,
				alert: 'Sync of Users has been running for 2 h (since 2026-12-02 13:20 UTC)',
			},
		]);
		at(21);
		expect(await trigger.poll()).toEqual([]);
		trigger = await trigger.restarted();
		at(50);
		expect(await trigger.poll()).toEqual([]);

		sim.completeSync('int-a', 'success');
		at(51);
		expect(await trigger.poll()).toEqual([]);
		expect(trigger.staticData().integrations).toEqual({
			'int-a': { newest: T0 - 100 * MINUTE, running: [] }, // the alerted start is dropped with it
		});

		// The next sync that runs too long alerts in its turn.
		sim.addSyncs('int-a', runningSince(60));
		at(61);
		expect(await trigger.poll()).toEqual([]);
		at(60 + 134);
		expect((await trigger.poll()).map((item) => item.alert)).toEqual([
			'Sync of Users has been running for 2 h 14 min (since 2026-12-02 16:00 UTC)',
		]);
		expect(await (await trigger.restarted()).poll()).toEqual([]);
	});

	test('finished syncs are not emitted, nor a running one already past the limit at activation until the next poll', async () => {
		sim.addSyncs('int-a', [finished(-170, 1, 1)]);
		const trigger = await createTrigger(one(tooLong()), credentials());
		expect(await trigger.poll()).toEqual([]);
		sim.addSyncs('int-a', [finished(-160, 0, 5, 'error')]);
		at(1);
		expect(await trigger.poll()).toEqual([]); // finished: not this event's
		sim.addSyncs('int-a', runningSince(-150));
		const activated = await createTrigger(one(tooLong()), credentials());
		expect(await activated.poll()).toEqual([]); // the poll that starts a watch emits nothing
		at(2);
		expect((await activated.poll()).map((item) => item.alert)).toEqual([
			'Sync of Users has been running for 2 h 32 min (since 2026-12-02 12:30 UTC)',
		]);
		expect(await trigger.poll()).toHaveLength(1); // the watch from before sees it too, once
		expect(await trigger.poll()).toEqual([]);
	});

	test('all integrations: the list says it still runs, one read when it reaches the limit, none after', async () => {
		const trigger = await createTrigger(all(tooLong({ runningMinutes: 30 })), credentials());
		await trigger.poll();
		sim.addSyncs('int-b', runningSince(1));
		at(2);
		expect(await trigger.poll()).toEqual([]);
		at(30);
		sim.clearLog();
		expect(await trigger.poll()).toEqual([]); // 29 min: not read
		expect(jobRequests('int-b')).toBe(0);

		at(31);
		expect((await trigger.poll()).map((item) => [item.integration_name, item.alert])).toEqual([
			['Orders', 'Sync of Orders has been running for 30 min (since 2026-12-02 15:01 UTC)'],
		]);
		expect(jobRequests('int-b')).toBe(1);
		at(40);
		sim.clearLog();
		expect(await trigger.poll()).toEqual([]);
		expect(await (await trigger.restarted()).poll()).toEqual([]);
		expect(jobRequests('int-b')).toBe(0);
		expect(listRequests()).toBe(2);
	});
});

test("alerts word times in the workflow's time zone, and name it", async () => {
	sim.addSyncs('int-a', runningSince(-120));
	const trigger = await createTrigger(
		one({ event: 'syncRunningTooLong', runningMinutes: 120 }),
		credentials(),
		{},
		'Asia/Kolkata',
	);
	await trigger.poll();
	at(1);
	expect((await trigger.poll()).map((item) => item.alert)).toEqual([
		'Sync of Users has been running for 2 h 1 min (since 2026-12-02 18:30 Asia/Kolkata)',
	]);
});

describe('Scheduled Sync Missed', () => {
	const missed = (extra = {}) => ({ event: 'scheduledSyncMissed', graceMinutes: 30, ...extra });
	/** int-a's next run is due `minutes` after T0, and its last sync started an hour before. */
	const schedule = (id: string, minutes: number) => {
		sim.integration(id).next_scheduled_run = iso(T0 + minutes * MINUTE);
	};

	test('a missed run is emitted once: not within the grace period, not again, cleared when a sync starts; a later missed run again', async () => {
		schedule('int-a', 10);
		let trigger = await createTrigger(all(missed()), credentials());
		expect(await trigger.poll()).toEqual([]);
		at(40); // exactly the grace period after
		expect(await trigger.poll()).toEqual([]);

		at(41);
		const items = await trigger.poll();
		expect(items).toEqual([
			expect.objectContaining({
				integration_id: 'int-a',
				integration_name: 'Users',
				next_scheduled_run: iso(T0 + 10 * MINUTE),
				last_job_start_time: iso(T0 - 180 * MINUTE),
				alert: 'Scheduled sync of Users due at 2026-12-02 15:10 UTC has not started (30 min grace)',
			}),
		]);
		at(42);
		expect(await trigger.poll()).toEqual([]);
		trigger = await trigger.restarted();
		at(43);
		expect(await trigger.poll()).toEqual([]);

		// A sync starts late; the list still shows the run it missed: no alert, and it is forgotten.
		sim.addSyncs('int-a', runningSince(44));
		at(45);
		expect(await trigger.poll()).toEqual([]);
		expect(trigger.staticData().missedRuns).toEqual({});

		// The next run is missed too: alerted in its turn, once.
		sim.completeSync('int-a', 'success');
		schedule('int-a', 100);
		at(131);
		expect((await trigger.poll()).map((item) => item.next_scheduled_run)).toEqual([
			iso(T0 + 100 * MINUTE),
		]);
		expect(await (await trigger.restarted()).poll()).toEqual([]);
		expect(jobRequests('int-a') + jobRequests('int-b')).toBe(0);
	});

	test('watching one integration: the list is read, only that integration alerts', async () => {
		schedule('int-a', -60);
		schedule('int-b', -60);
		const trigger = await createTrigger(one(missed()), credentials());
		expect(await trigger.poll()).toEqual([]); // the poll that starts the watch emits nothing…
		at(1);
		expect((await trigger.poll()).map((item) => item.integration_id)).toEqual(['int-a']); // …the next does
		expect(await trigger.poll()).toEqual([]);
		expect(listRequests()).toBe(3);
		expect(jobRequests('int-a')).toBe(0);
	});

	test('an integration whose next run is ahead, or that has no schedule, is never missed', async () => {
		sim.integration('int-b').next_scheduled_run = null;
		const trigger = await createTrigger(all(missed({ graceMinutes: 1 })), credentials());
		await trigger.poll();
		at(1);
		expect(await trigger.poll()).toEqual([]); // int-a: the simulator's hourly run still ahead
	});
});

describe('parameters are checked before any request', () => {
	test.each([
		[
			'rowErrorRate',
			{ rowErrorRateThreshold: -1 },
			'Row Error Rate Threshold (%) must be a number from 0 to 100, not -1',
		],
		[
			'rowErrorRate',
			{ rowErrorRateThreshold: 101 },
			'Row Error Rate Threshold (%) must be a number from 0 to 100, not 101',
		],
		[
			'syncRunningTooLong',
			{ runningMinutes: 0 },
			'Running For (Minutes) must be a whole number of 1 or more, not 0',
		],
		[
			'syncRunningTooLong',
			{ runningMinutes: 1.5 },
			'Running For (Minutes) must be a whole number of 1 or more, not 1.5',
		],
		[
			'scheduledSyncMissed',
			{ graceMinutes: 0 },
			'Grace Period (Minutes) must be a whole number of 1 or more, not 0',
		],
	])('%s %p', async (event, parameters, message) => {
		for (const mode of ['trigger', 'manual'] as const) {
			const trigger = await createTrigger(all({ event, ...parameters }), credentials());
			await expect(trigger.poll(mode)).rejects.toThrow(message);
		}
		expect(sim.requests).toEqual([]);
	});
});

describe('"Fetch Test Event"', () => {
	test('a sample for each event, with its alert, and the state left alone', async () => {
		sim.integration('int-a').next_scheduled_run = iso(T0 - 60 * MINUTE);
		sim.addSyncs('int-a', [finished(-200, 50, 50)]);
		sim.addSyncs('int-b', runningSince(-150));
		const sample = async (parameters: IDataObject) => {
			const trigger = await createTrigger(all(parameters), credentials());
			const items = await trigger.poll('manual');
			expect(trigger.staticData()).toEqual({});
			return items.map((item) => item.alert);
		};

		expect(await sample({ event: 'rowErrorRate', rowErrorRateThreshold: 50 })).toEqual([
			'Row error rate 50 % (at or above 50 %) in the sync of Users started 2026-12-02 11:40 UTC: 50 of 100 rows failed',
		]);
		expect(await sample({ event: 'syncRunningTooLong', runningMinutes: 120 })).toEqual([
			'Sync of Orders has been running for 2 h 30 min (since 2026-12-02 12:30 UTC)',
		]);
		expect(await sample({ event: 'syncRunningTooLong', runningMinutes: 151 })).toEqual([]);
		expect(await sample({ event: 'scheduledSyncMissed', graceMinutes: 30 })).toEqual([
			'Scheduled sync of Users due at 2026-12-02 14:00 UTC has not started (30 min grace)',
		]);
	});
});
