/**
 * The trigger's events that judge an integration as a whole (Data Stale, Rows Synced Unusual,
 * Integration Health Changed) in n8n's engine, as n8n persists their state (see test/harness.ts):
 * each change emitted once across polls and restarts, nothing at the watch's start, what they
 * learn seeded from the history already there and kept bounded. Only Date is faked.
 */
import nock from 'nock';
import type { IDataObject } from 'n8n-workflow';

import type { Simulator } from '../simulator';
import { startSimulator } from '../simulator';
import { API_KEY, createTrigger } from './harness';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.parse('2026-12-02T15:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
/** Moves the clock to `minutes` after T0. */
const at = (minutes: number) => jest.setSystemTime(T0 + minutes * MINUTE);

/** A finished sync that started `minutes` after T0, its data up to `dataAt` minutes after T0. */
const sync = (
	minutes: number,
	{
		status = 'success',
		rows = 1000,
		failed = 0,
		dataAt = minutes as number | null,
	}: { status?: string; rows?: number; failed?: number; dataAt?: number | null } = {},
) => ({
	job_status: status,
	sync_start_time: iso(T0 + minutes * MINUTE),
	sync_finish_time: iso(T0 + (minutes + 2) * MINUTE),
	last_timestamp_synced: dataAt === null ? null : iso(T0 + dataAt * MINUTE),
	rows_synced: rows,
	rows_failed_with_errors: failed,
});
const running = (minutes: number) => ({
	job_status: 'running',
	sync_start_time: iso(T0 + minutes * MINUTE),
	sync_finish_time: null,
	last_timestamp_synced: null,
	rows_synced: 0,
	rows_failed_with_errors: 0,
});
/** `count` hourly syncs, newest first, the newest an hour before T0; rows by index (0 newest). */
const hourly = (count: number, rows: (index: number) => number = () => 1000) =>
	Array.from({ length: count }, (_, index) => sync(-60 * (index + 1), { rows: rows(index) }));

let sim: Simulator;
const jobRequests = (id: string) =>
	sim.requestsFor(`/cdi/integrations/${id}/job_sync_status`).length;
const listRequests = () =>
	sim.requests.filter((request) => request.path === '/cdi/integrations').length;

async function simulate(options: Parameters<typeof startSimulator>[0] = {}) {
	return await startSimulator({
		...options,
		apiKeys: { [API_KEY]: ['cdi.integration_job_status', 'cdi.integration_list'] },
		integrations: [
			{
				integration_id: 'int-a',
				integration_name: 'Users',
				contact_emails: 'users-team@example.com',
				syncs: hourly(25, (index) => 1000 + (index % 5) * 10),
			},
			{
				integration_id: 'int-b',
				integration_name: 'Orders',
				contact_emails: 'orders-team@example.com',
				syncs: hourly(3),
			},
		],
	});
}

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
	sim = await simulate();
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
const brief = (items: IDataObject[]) =>
	items.map((item) => [item.integration_id, item.health ?? item.direction ?? 'stale', item.alert]);

describe('Data Stale', () => {
	const stale = (extra = {}) => ({ event: 'dataStale', staleHours: 24, ...extra });

	test('stale once when the data stops moving (not at exactly the threshold), fresh again, stale again', async () => {
		let trigger = await createTrigger(one(stale()), credentials());
		expect(await trigger.poll()).toEqual([]);
		// Syncs go on succeeding, but the data stays at T0 - 60 min.
		const frozen = sync(60, { dataAt: -60 });
		sim.addSyncs('int-a', [frozen]);
		at(23 * 60 - 1);
		expect(await trigger.poll()).toEqual([]);
		at(23 * 60); // exactly 24 h old: not yet
		sim.clearLog();
		expect(await trigger.poll()).toEqual([]);
		at(23 * 60 + 1);
		const items = await trigger.poll();
		expect(jobRequests('int-a')).toBe(2); // an idle poll: one request, as for every event
		expect(items).toEqual([
			{
				...frozen,
				integration_id: 'int-a',
				integration_name: 'Users',
				contact_emails: null,
				duration_seconds: 120,
				data_age_hours: 24.02,
				alert:
					'Data of Users is 24 h 1 min old (stale after 24 h): the newest sync with data (started 2026-12-02 16:00 UTC) synced up to 2026-12-02 14:00 UTC',
			},
		]);
		at(30 * 60);
		expect(await trigger.poll()).toEqual([]);
		trigger = await trigger.restarted();
		expect(await trigger.poll()).toEqual([]);

		sim.addSyncs('int-a', [sync(31 * 60)]); // fresh data
		at(31 * 60 + 5);
		expect(await trigger.poll()).toEqual([]);
		at(55 * 60); // exactly 24 h old
		expect(await trigger.poll()).toEqual([]);
		at(55 * 60 + 6); // stale again
		expect((await trigger.poll()).map((item) => item.data_age_hours)).toEqual([24.1]);
		expect(await trigger.poll()).toEqual([]);
	});

	test('a failed sync without data does not freshen it; all integrations judge from the list and state alone when idle', async () => {
		const trigger = await createTrigger(all(stale({ staleHours: 2 })), credentials());
		expect(await trigger.poll()).toEqual([]);
		sim.addSyncs('int-b', [sync(30, { status: 'error', dataAt: null })]);
		at(40);
		expect(await trigger.poll()).toEqual([]);
		at(61); // int-a's and int-b's data are 2 h 1 min old
		sim.clearLog();
		const items = await trigger.poll();
		expect(
			items.map((item) => [item.integration_id, item.contact_emails, item.sync_start_time]),
		).toEqual([
			['int-a', 'users-team@example.com', iso(T0 - HOUR)],
			['int-b', 'orders-team@example.com', iso(T0 - HOUR)],
		]);
		expect(jobRequests('int-a') + jobRequests('int-b')).toBe(0);
		expect(listRequests()).toBe(1);
		expect(await trigger.poll()).toEqual([]);
	});

	test('data already stale when the watch starts is history: not emitted', async () => {
		at(48 * 60);
		const trigger = await createTrigger(one(stale()), credentials());
		expect(await trigger.poll()).toEqual([]);
		at(49 * 60);
		expect(await trigger.poll()).toEqual([]);
		sim.addSyncs('int-a', [sync(49 * 60 + 1)]);
		at(49 * 60 + 5);
		expect(await trigger.poll()).toEqual([]);
		at(73 * 60 + 5);
		expect(await trigger.poll()).toHaveLength(1);
	});
});

describe('Rows Synced Unusual', () => {
	const volume = (extra = {}) => ({ event: 'volumeAnomaly', ...extra });

	test('seeded from history at the start (at most ceil(historySize/10)+1 pages), each unusual sync once', async () => {
		sim.addSyncs('int-a', [sync(-30, { rows: 5 })]); // unusual, but history
		const trigger = await createTrigger(one(volume()), credentials());
		sim.clearLog();
		expect(await trigger.poll()).toEqual([]);
		expect(jobRequests('int-a')).toBe(3);

		const drop = sync(10, { rows: 100 });
		sim.addSyncs('int-a', [sync(20, { rows: 1010 }), drop]);
		at(30);
		expect(await trigger.poll()).toEqual([
			{
				...drop,
				integration_id: 'int-a',
				integration_name: 'Users',
				contact_emails: null,
				duration_seconds: 120,
				expected_rows: 1020,
				change_percent: -90.2,
				direction: 'drop',
				alert:
					'Sync of Users brought 100 rows, 90.2 % below normal (1020 expected, the median of its recent syncs)',
			},
		]);
		expect(await trigger.poll()).toEqual([]);
		expect(await (await trigger.restarted()).poll()).toEqual([]);
		sim.addSyncs('int-a', [sync(40, { rows: 0 }), sync(35, { rows: 5000 })]);
		at(45);
		expect(brief(await trigger.poll())).toEqual([
			[
				'int-a',
				'spike',
				'Sync of Users brought 5000 rows, 5× normal (1010 expected, the median of its recent syncs)',
			],
			[
				'int-a',
				'drop',
				'Sync of Users brought 0 rows, 100 % below normal (1015 expected, the median of its recent syncs)',
			],
		]);
	});

	test('direction, fewer than Minimum History, and the normal kept to History Size numbers', async () => {
		const spikes = await createTrigger(
			one(volume({ direction: 'spike', historySize: 5, minHistory: 3 })),
			credentials(),
		);
		const fresh = await createTrigger(
			all(volume({ historySize: 5, minHistory: 4 })),
			credentials(),
		);
		await spikes.poll();
		await fresh.poll(); // int-b has 3 syncs: fewer than Minimum History
		sim.addSyncs('int-a', [sync(20, { rows: 3000 }), sync(10, { rows: 10 })]);
		sim.addSyncs('int-b', [sync(10, { rows: 10 })]);
		at(30);
		expect(brief(await spikes.poll()).map(([, direction]) => direction)).toEqual(['spike']);
		expect((await fresh.poll()).map((item) => [item.integration_id, item.direction])).toEqual([
			['int-a', 'drop'],
			['int-a', 'spike'],
		]);
		const kept = spikes.staticData().integrations as Record<string, { judged: { rows: number[] } }>;
		expect(kept['int-a'].judged.rows).toEqual([3000, 10, 1000, 1010, 1020]);
		// With Minimum History reached, int-b's syncs are judged too (MAD 0: the change alone decides).
		sim.addSyncs('int-b', [sync(40, { rows: 10 })]);
		at(50);
		expect((await fresh.poll()).map((item) => [item.integration_id, item.direction])).toEqual([
			['int-b', 'drop'],
		]);
	});
});

test('Rows Synced Unusual: a seed the rate limit cut short goes on next poll, from where the watch started (what finished since is news); an integration listed later learns from its first syncs', async () => {
	await sim.close();
	sim = await simulate({ rateLimits: { jobSyncStatus: { limit: 3, windowMs: 10 * 60_000 } } });
	const trigger = await createTrigger(
		all({ event: 'volumeAnomaly', minHistory: 2 }),
		credentials(),
	);
	sim.clearLog();
	expect(await trigger.poll('trigger', { budgetMs: 20_000 })).toEqual([]);
	expect(jobRequests('int-a')).toBe(3); // int-a's seed took the limit: int-b's waits
	const seeded = () =>
		Object.entries(trigger.staticData().integrations as Record<string, IDataObject>).map(
			([id, state]) => [id, state.judged !== undefined],
		);
	expect(seeded()).toEqual([
		['int-a', true],
		['int-b', false],
	]);
	sim.addSyncs('int-b', [sync(10, { rows: 5 })]); // after the watch started: judged, though int-b's seed comes later
	sim.resetRateLimits();
	at(20);
	expect(
		(await trigger.poll('trigger', { budgetMs: 20_000 })).map((item) => [
			item.integration_id,
			item.rows_synced,
			item.direction,
		]),
	).toEqual([['int-b', 5, 'drop']]);
	expect(seeded()).toEqual([
		['int-a', true],
		['int-b', true],
	]);

	sim.addIntegration({
		integration_id: 'int-c',
		integration_name: 'Events',
		syncs: [sync(39, { rows: 10 }), ...Array.from({ length: 7 }, (_, i) => sync(38 - i))],
	});
	sim.addSyncs('int-a', [sync(35, { rows: 20 })]);
	sim.resetRateLimits();
	at(40);
	expect(
		(await trigger.poll('trigger', { budgetMs: 20_000 })).map((item) => [
			item.integration_id,
			item.rows_synced,
		]),
	).toEqual([
		['int-a', 20],
		['int-c', 10],
	]);
});

describe('Integration Health Changed', () => {
	const health = (extra = {}) => ({ event: 'healthChanged', ...extra });
	const key = 'braze-cdi:trigger-test:trigger:int-a';

	test('failing: unhealthy once, nothing while it holds nor after a restart, healthy once; the same incident key', async () => {
		let trigger = await createTrigger(one(health({ checks: ['failing'] })), credentials());
		expect(await trigger.poll()).toEqual([]);
		sim.addSyncs('int-a', [sync(10, { status: 'error', dataAt: null })]);
		at(15);
		const opened = await trigger.poll();
		expect(opened).toEqual([
			{
				integration_id: 'int-a',
				integration_name: 'Users',
				contact_emails: null,
				health: 'unhealthy',
				reasons: ['failing'],
				since: iso(T0 + 15 * MINUTE),
				incident_key: key,
				reminder: false,
				alert: 'Users is unhealthy: its newest sync ended error',
			},
		]);
		sim.addSyncs('int-a', [sync(70, { status: 'config_error', dataAt: null })]);
		at(75);
		expect(await trigger.poll()).toEqual([]);
		trigger = await trigger.restarted();
		expect(await trigger.poll()).toEqual([]);
		sim.addSyncs('int-a', [sync(130)]);
		at(135);
		expect(await trigger.poll()).toEqual([
			expect.objectContaining({
				health: 'healthy',
				reasons: [],
				since: iso(T0 + 135 * MINUTE),
				incident_key: key,
				alert: 'Users is healthy again, after 2 h unhealthy (since 2026-12-02 15:15 UTC)',
			}),
		]);
		expect(await trigger.poll()).toEqual([]);
	});

	test('stuck by time alone, reasons combined in a stable order, changing while unhealthy, then recovery', async () => {
		const trigger = await createTrigger(one(health({ runningMinutes: 60 })), credentials());
		await trigger.poll();
		sim.addSyncs('int-a', [running(10), sync(5, { status: 'error', dataAt: null })]);
		at(12);
		expect(brief(await trigger.poll())).toEqual([
			['int-a', 'unhealthy', 'Users is unhealthy: its newest sync ended error'],
		]);
		at(70);
		const stuck = await trigger.poll();
		expect(stuck.map((item) => [item.reasons, item.since])).toEqual([
			[['failing', 'stuck'], iso(T0 + 12 * MINUTE)],
		]);
		expect(stuck[0].alert).toBe(
			'Users is still unhealthy, for 58 min (since 2026-12-02 15:12 UTC), now: its newest sync ended error; a sync has been running over 60 min',
		);
		expect(await trigger.poll()).toEqual([]);
		sim.completeSync('int-a', 'success');
		at(80);
		expect(brief(await trigger.poll()).map(([, h]) => h)).toEqual(['healthy']);
	});

	test('missed schedule and stale, watching one integration (the list read for the schedule)', async () => {
		const trigger = await createTrigger(
			one(health({ checks: ['stale', 'missedSchedule'], graceMinutes: 30, staleHours: 2 })),
			credentials(),
		);
		sim.integration('int-a').next_scheduled_run = iso(T0);
		await trigger.poll();
		at(31);
		const items = await trigger.poll();
		expect(items.map((item) => [item.reasons, item.contact_emails])).toEqual([
			[['missedSchedule'], 'users-team@example.com'],
		]);
		at(61);
		sim.clearLog();
		expect((await trigger.poll()).map((item) => item.reasons)).toEqual([
			['missedSchedule', 'stale'],
		]);
		expect(jobRequests('int-a')).toBe(0); // the list says its last job is unchanged
		expect(listRequests()).toBe(1);
	});

	test('missed schedule, watching one integration: idle polls read the list only once the next run has come', async () => {
		sim.integration('int-a').next_scheduled_run = iso(T0 + 60 * MINUTE);
		const trigger = await createTrigger(
			one(health({ checks: ['missedSchedule'], graceMinutes: 30 })),
			credentials(),
		);
		const requests = () => [listRequests(), jobRequests('int-a')];
		await trigger.poll();
		sim.clearLog();
		for (const minutes of [5, 10, 59]) {
			at(minutes);
			expect(await trigger.poll()).toEqual([]);
		}
		expect(requests()).toEqual([0, 3]); // the newest page alone, as Sync Failed would
		at(60); // the run is due: the list tells whether it started
		expect(await trigger.poll()).toEqual([]);
		at(91);
		const missed = await trigger.poll();
		expect(missed.map((item) => [item.reasons, item.contact_emails])).toEqual([
			[['missedSchedule'], 'users-team@example.com'],
		]);
		// The sync starts late; the schedule moves on.
		sim.addSyncs('int-a', [running(92)]);
		sim.integration('int-a').next_scheduled_run = iso(T0 + 180 * MINUTE);
		at(95);
		expect((await trigger.poll()).map((item) => item.health)).toEqual(['healthy']);
		sim.clearLog();
		at(100);
		expect(await trigger.poll()).toEqual([]);
		expect(requests()).toEqual([0, 1]);
	});

	test('row error rate and unusual rows checks', async () => {
		const trigger = await createTrigger(
			all(health({ checks: ['rowErrorRate', 'volumeAnomaly'], rowErrorRateThreshold: 10 })),
			credentials(),
		);
		await trigger.poll();
		sim.addSyncs('int-a', [sync(10, { rows: 90, failed: 10, status: 'partial' })]);
		at(20);
		expect((await trigger.poll()).map((item) => item.reasons)).toEqual([
			['rowErrorRate', 'volumeAnomaly'],
		]);
		sim.addSyncs('int-a', [sync(30, { rows: 1000, failed: 0 })]);
		at(40);
		expect((await trigger.poll()).map((item) => item.health)).toEqual(['healthy']);
	});

	test('already unhealthy at the start: nothing; a reminder every Remind Every hours, also after a restart', async () => {
		sim.addSyncs('int-a', [sync(-5, { status: 'error', dataAt: null })]);
		let trigger = await createTrigger(one(health({ remindHours: 2 })), credentials());
		expect(await trigger.poll()).toEqual([]);
		at(119);
		expect(await trigger.poll()).toEqual([]);
		at(120);
		const reminded = await trigger.poll();
		expect(reminded.map((item) => [item.reminder, item.health, item.alert])).toEqual([
			[
				true,
				'unhealthy',
				'Reminder: Users is still unhealthy, for 2 h (since 2026-12-02 15:00 UTC): its newest sync ended error',
			],
		]);
		at(239);
		trigger = await trigger.restarted();
		expect(await trigger.poll()).toEqual([]);
		at(240);
		expect((await trigger.poll()).map((item) => item.reminder)).toEqual([true]);
	});
});

test("the editor's defaults are the statistics' defaults", async () => {
	const { loadPackage } = await import('./harness');
	const { DEFAULT_VOLUME_OPTIONS, DEFAULT_STALE_HOURS } =
		await import('../nodes/BrazeCdi/helpers/health');
	const { description } = (await loadPackage()).getNode('brazeCdiTrigger').type as {
		description: { properties: Array<{ name: string; default: unknown }> };
	};
	const defaults = Object.fromEntries(
		description.properties.map((property) => [property.name, property.default]),
	);
	expect(defaults).toMatchObject({ ...DEFAULT_VOLUME_OPTIONS, staleHours: DEFAULT_STALE_HOURS });
});

test('Fetch Test Event of a judged event: the first integration with something to emit, its newest sync judged against the ones before; it reads no further, and changes nothing', async () => {
	const dropping = (id: string, name: string) => ({
		integration_id: id,
		integration_name: name,
		syncs: [sync(-30, { rows: 10 }), ...hourly(10)],
	});
	sim.addIntegration(dropping('int-c', 'Events'));
	sim.addIntegration(dropping('int-d', 'Carts'));
	const trigger = await createTrigger(all({ event: 'volumeAnomaly' }), credentials());
	sim.clearLog();
	expect(
		(await trigger.poll('manual')).map((item) => [
			item.integration_id,
			item.rows_synced,
			item.direction,
		]),
	).toEqual([['int-c', 10, 'drop']]);
	// int-a's newest is normal and int-b has too little history: read, and passed over.
	expect([jobRequests('int-a'), jobRequests('int-b'), jobRequests('int-c')]).toEqual([3, 1, 2]);
	expect(jobRequests('int-d')).toBe(0);
	expect(trigger.staticData()).toEqual({});
});

test('Integration Health Changed, one integration: a seed cut short at the start goes on next poll, and a sync running at the start that failed since is news', async () => {
	await sim.close();
	sim = await simulate({ rateLimits: { jobSyncStatus: { limit: 10, windowMs: 10 * 60_000 } } });
	sim.addSyncs('int-a', [running(-5)]);
	const trigger = await createTrigger(
		one({ event: 'healthChanged', checks: ['failing'] }),
		credentials(),
	);
	// Another client spent the limit: the activation poll's seed reads nothing.
	const read = () =>
		fetch(`${sim.url}/cdi/integrations/int-a/job_sync_status`, {
			headers: { authorization: `Bearer ${API_KEY}` },
		});
	while ((await read()).status !== 429);
	expect(await trigger.poll('trigger', { budgetMs: 20_000 })).toEqual([]);
	const state = () => (trigger.staticData().integrations as Record<string, IDataObject>)['int-a'];
	expect(state().judged).toBeUndefined();

	// The sync running at the start fails; the limit is back.
	sim.integration('int-a').syncs[0] = {
		...sync(-5, { status: 'error', dataAt: null }),
		sync_finish_time: iso(T0 + 5 * MINUTE),
	};
	sim.resetRateLimits();
	at(10);
	expect(
		(await trigger.poll('trigger', { budgetMs: 20_000 })).map((item) => [
			item.integration_id,
			item.health,
			item.reasons,
		]),
	).toEqual([['int-a', 'unhealthy', ['failing']]]);
	expect(state().judged).toBeDefined();
});

describe('Integration Health Changed: an open incident outlives an edit of the settings', () => {
	const key = 'braze-cdi:trigger-test:trigger:int-a';
	const brief2 = (items: IDataObject[]) =>
		items.map((item) => [item.integration_id, item.health, item.reasons, item.incident_key]);
	/** A trigger whose incident for int-a opened with a failed sync. */
	async function withOpenIncident(parameters: IDataObject) {
		const trigger = await createTrigger(parameters, credentials());
		expect(await trigger.poll()).toEqual([]);
		sim.addSyncs('int-a', [sync(10, { status: 'error', dataAt: null })]);
		at(15);
		expect(brief2(await trigger.poll())).toEqual([['int-a', 'unhealthy', ['failing'], key]]);
		return trigger;
	}

	test('an edit that leaves the failing check out resolves it at the first poll after the edit; one that keeps it emits nothing', async () => {
		let trigger = await withOpenIncident(
			one({ event: 'healthChanged', checks: ['failing', 'stuck'] }),
		);
		// Running For changed: a new watch, the same incident, nothing to say.
		trigger = await trigger.restarted({ runningMinutes: 60 });
		at(20);
		expect(await trigger.poll()).toEqual([]); // a poll that starts a watch emits nothing
		expect(trigger.staticData().carried).toEqual({
			'int-a': expect.objectContaining({ reasons: ['failing'] }),
		});
		at(22);
		expect(await trigger.poll()).toEqual([]);
		// Taken up: the incident opened at 15 is what the watch holds now.
		expect(trigger.staticData().carried).toBeUndefined();
		expect((trigger.staticData().integrations as any)['int-a'].judged.since).toBe(T0 + 15 * MINUTE);
		// The failing check left out: what holds now is healthy, and the incident is resolved.
		trigger = await trigger.restarted({ checks: ['stuck'] });
		at(25);
		expect(await trigger.poll()).toEqual([]);
		at(27);
		const resolved = await trigger.poll();
		expect(brief2(resolved)).toEqual([['int-a', 'healthy', [], key]]);
		expect(resolved[0].alert).toBe(
			'Users is healthy again, after 12 min unhealthy (since 2026-12-02 15:15 UTC)',
		);
		at(30);
		expect(await trigger.poll()).toEqual([]);
		expect(trigger.staticData().carried).toBeUndefined();
	});

	test('carried across a seed cut short by the rate limit; and closed when the event is no longer Health Changed', async () => {
		await sim.close();
		sim = await simulate({ rateLimits: { jobSyncStatus: { limit: 10, windowMs: 10 * 60_000 } } });
		let trigger = await withOpenIncident(one({ event: 'healthChanged', checks: ['failing'] }));
		sim.addSyncs('int-a', [sync(16)]); // it recovers before the edit
		trigger = await trigger.restarted({ checks: ['failing', 'stale'] });
		const read = () =>
			fetch(`${sim.url}/cdi/integrations/int-a/job_sync_status`, {
				headers: { authorization: `Bearer ${API_KEY}` },
			});
		sim.resetRateLimits();
		while ((await read()).status !== 429);
		at(20);
		expect(await trigger.poll('trigger', { budgetMs: 20_000 })).toEqual([]); // cut short
		sim.resetRateLimits();
		at(25);
		expect(brief2(await trigger.poll('trigger', { budgetMs: 20_000 }))).toEqual([
			['int-a', 'healthy', [], key],
		]);

		// Unhealthy again, then the event becomes Sync Failed: the incident is closed once.
		sim.addSyncs('int-a', [sync(30, { status: 'error', dataAt: null })]);
		at(35);
		expect(brief2(await trigger.poll())).toEqual([['int-a', 'unhealthy', ['failing'], key]]);
		trigger = await trigger.restarted({ event: 'dataStale' });
		at(40);
		expect(await trigger.poll()).toEqual([]);
		at(45);
		const closed = await trigger.poll();
		expect(brief2(closed)).toEqual([['int-a', 'healthy', [], key]]);
		expect(closed[0].alert).toBe(
			"Users is no longer watched (deleted, or left out of the trigger's settings): its incident (unhealthy since 2026-12-02 15:35 UTC) is closed",
		);
		at(50);
		expect(await trigger.poll()).toEqual([]);
	});

	test('Remind Every is not part of the watch: changing it keeps the watch and its incident', async () => {
		let trigger = await withOpenIncident(one({ event: 'healthChanged', checks: ['failing'] }));
		const before = trigger.staticData().activatedAt;
		trigger = await trigger.restarted({ remindHours: 1 });
		at(80);
		expect(
			(await trigger.poll()).map((item) => [item.health, item.reminder, item.incident_key]),
		).toEqual([['unhealthy', true, key]]);
		expect(trigger.staticData().activatedAt).toBe(before);
	});

	test('watching all integrations: an unhealthy integration that leaves the list has its incident closed, once', async () => {
		const trigger = await createTrigger(
			all({ event: 'healthChanged', checks: ['failing'] }),
			credentials(),
		);
		expect(await trigger.poll()).toEqual([]);
		sim.addSyncs('int-b', [sync(10, { status: 'error', dataAt: null })]);
		at(15);
		expect(brief2(await trigger.poll())).toEqual([
			['int-b', 'unhealthy', ['failing'], 'braze-cdi:trigger-test:trigger:int-b'],
		]);
		sim.removeIntegration('int-b');
		at(20);
		const closed = await trigger.poll();
		expect(brief2(closed)).toEqual([
			['int-b', 'healthy', [], 'braze-cdi:trigger-test:trigger:int-b'],
		]);
		expect(closed[0]).toMatchObject({
			integration_name: 'Orders',
			contact_emails: 'orders-team@example.com',
			alert:
				"Orders is no longer watched (deleted, or left out of the trigger's settings): its incident (unhealthy since 2026-12-02 15:15 UTC) is closed",
		});
		at(25);
		expect(await trigger.poll()).toEqual([]);
	});
});

test.each([
	[{ event: 'healthChanged', checks: [] }, 'Checks must not be empty'],
	[{ event: 'healthChanged', checks: ['failing', 'nope'] }, 'Unknown Checks: nope'],
	[
		{ event: 'healthChanged', checks: ['failing'], remindHours: -1 },
		'Remind Every (Hours) must be a number of 0 or more, not -1',
	],
	[
		{ event: 'volumeAnomaly', historySize: 20, minHistory: 30 },
		'Minimum History (Syncs) (30) must not exceed History Size (Syncs) (20)',
	],
	[
		{ event: 'volumeAnomaly', historySize: 101 },
		'History Size (Syncs) must be a whole number from 1 to 100, not 101',
	],
	[{ event: 'volumeAnomaly', direction: 'up' }, 'Unknown Direction "up"'],
	[
		{ event: 'volumeAnomaly', sensitivity: -1 },
		'Sensitivity must be a number of 0 or more, not -1',
	],
	[
		{ event: 'dataStale', staleHours: -2 },
		'Stale After (Hours) must be a number of 0 or more, not -2',
	],
])('bad input %j fails naming the field, before any request: %s', async (parameters, message) => {
	const trigger = await createTrigger(one(parameters), credentials());
	sim.clearLog();
	await expect(trigger.poll()).rejects.toThrow(message);
	expect(sim.requests).toHaveLength(0);
});

test('Fetch Test Event of a judged event stopped by the rate limit says so', async () => {
	await sim.close();
	sim = await simulate({ rateLimits: { jobSyncStatus: { limit: 2, windowMs: 10 * 60_000 } } });
	const trigger = await createTrigger(all({ event: 'volumeAnomaly' }), credentials());
	await expect(trigger.poll('manual')).rejects.toThrow(/rate limit/i);
});
