import nock from 'nock';

import type { Simulator } from '../simulator';
import { makeSyncs, startSimulator } from '../simulator';
import { BASE, HOUR, newer, running } from './triggerHistory';
import { API_KEY, createTrigger } from './harness';

let sim: Simulator;

const jobStatusRequests = (id = 'int-a') =>
	sim.requestsFor(`/cdi/integrations/${id}/job_sync_status`).length;

beforeAll(() => nock.enableNetConnect('127.0.0.1'));

beforeEach(async () => {
	sim = await startSimulator({
		apiKeys: {
			[API_KEY]: ['cdi.integration_job_status', 'cdi.integration_list', 'cdi.integration_sync'],
		},
		integrations: [
			{ integration_id: 'int-a', integration_name: 'A', syncs: makeSyncs(25) },
			{ integration_id: 'int-b', integration_name: 'B', syncs: makeSyncs(3) },
		],
	});
});
afterEach(async () => await sim.close());

const credentials = () => ({ restEndpoint: 'custom', customUrl: sim.url, apiKey: API_KEY });
const one = (extra = {}) => ({
	watch: 'integration',
	integrationId: { __rl: true, mode: 'id', value: 'int-a' },
	event: 'syncFinished',
	...extra,
});

describe('Braze CDI Trigger, one integration', () => {
	test('the first poll records where history stands and emits nothing old; 1 request', async () => {
		const trigger = await createTrigger(one(), credentials());

		expect(await trigger.poll()).toEqual([]);
		expect(jobStatusRequests()).toBe(1);
		expect(trigger.staticData()).toMatchObject({
			integrations: { 'int-a': { newest: BASE, running: [] } },
		});
	});

	test('when nothing happened, a poll costs exactly 1 request and emits nothing', async () => {
		const trigger = await createTrigger(one(), credentials());
		await trigger.poll();
		sim.clearLog();

		expect(await trigger.poll()).toEqual([]);
		expect(await trigger.poll()).toEqual([]);
		expect(jobStatusRequests()).toBe(2);
	});

	test('syncs finished between polls are emitted once each, oldest first, as action-node items', async () => {
		const trigger = await createTrigger(one(), credentials());
		await trigger.poll();
		const added = newer(3, 3);
		sim.addSyncs('int-a', added);

		const items = await trigger.poll();

		expect(items.map((item) => item.sync_start_time)).toEqual(
			[...added].reverse().map((sync) => sync.sync_start_time),
		);
		expect(items[0]).toEqual({
			...added[2],
			integration_id: 'int-a',
			duration_seconds: expect.any(Number),
		});
		expect(await trigger.poll()).toEqual([]);
	});

	test('more than 10 syncs between polls: all of them, none twice, reading only the pages back to the last seen', async () => {
		const trigger = await createTrigger(one(), credentials());
		await trigger.poll();
		sim.addSyncs('int-a', newer(23, 23));
		sim.clearLog();

		const items = await trigger.poll();

		expect(items).toHaveLength(23);
		expect(new Set(items.map((item) => item.sync_start_time)).size).toBe(23);
		expect(jobStatusRequests()).toBe(3); // 23 new + the last seen: pages of 10
		expect(await trigger.poll()).toEqual([]);
	});

	test('a sync seen running is emitted when a later poll sees it finished, even polls later', async () => {
		const trigger = await createTrigger(one(), credentials());
		await trigger.poll();
		sim.addSyncs('int-a', running(1));

		expect(await trigger.poll()).toEqual([]); // running
		expect(await trigger.poll()).toEqual([]); // still running
		sim.addSyncs('int-a', newer(1, 2)); // another sync starts and finishes meanwhile… (not how Braze runs, but it must cope)
		const first = await trigger.poll();
		expect(first.map((item) => item.job_status)).toEqual(['success']);

		sim.integration('int-a').syncs[1] = {
			...sim.integration('int-a').syncs[1],
			job_status: 'error',
			sync_finish_time: new Date(BASE + 1.5 * HOUR).toISOString(),
		};
		const later = await trigger.poll();
		expect(later.map((item) => [item.job_status, item.sync_start_time])).toEqual([
			['error', new Date(BASE + HOUR).toISOString()],
		]);
		expect(await trigger.poll()).toEqual([]);
	});

	test('a sync running at activation is emitted when it finishes', async () => {
		sim.addSyncs('int-a', running(1));
		const trigger = await createTrigger(one(), credentials());
		expect(await trigger.poll()).toEqual([]);

		sim.completeSync('int-a', 'partial');

		expect((await trigger.poll()).map((item) => item.job_status)).toEqual(['partial']);
		expect(await trigger.poll()).toEqual([]);
	});

	test('Sync Failed emits only the chosen statuses, and still moves past the others', async () => {
		const trigger = await createTrigger(
			one({ event: 'syncFailed', statuses: ['error', 'config_error'] }),
			credentials(),
		);
		await trigger.poll();
		const added = newer(8, 8); // success, partial, error, config_error, …
		sim.addSyncs('int-a', added);

		const items = await trigger.poll();

		expect(items.map((item) => item.job_status).sort()).toEqual([
			'config_error',
			'config_error',
			'error',
			'error',
		]);
		expect(await trigger.poll()).toEqual([]);
	});

	test('the state is plain JSON: polls go on from a copy, as another worker in queue mode would', async () => {
		const first = await createTrigger(one(), credentials());
		await first.poll();
		sim.addSyncs('int-a', newer(2, 2));
		const second = await createTrigger(
			one(),
			credentials(),
			JSON.parse(JSON.stringify(first.workflow.staticData)),
		);

		expect(await second.poll()).toHaveLength(2);
	});

	test('"Fetch Test Event" returns the most recent matching sync and leaves the state alone', async () => {
		const trigger = await createTrigger(
			one({ event: 'syncFailed', statuses: ['error'] }),
			credentials(),
		);

		const items = await trigger.poll('manual');

		const newestError = sim.integration('int-a').syncs.find((sync) => sync.job_status === 'error');
		expect(items).toEqual([
			{ ...newestError, integration_id: 'int-a', duration_seconds: expect.any(Number) },
		]);
		expect(trigger.staticData()).toEqual({});
	});
});

test('an integration ID that cannot be one fails the poll before any request, as in the action node', async () => {
	const trigger = await createTrigger(
		one({ integrationId: { __rl: true, mode: 'id', value: 'https://x/int-a' } }),
		credentials(),
	);

	await expect(trigger.poll()).rejects.toThrow(
		'The Integration ID "https://x/int-a" contains "/": enter the ID alone, not a URL or a list',
	);
	expect(sim.requests).toEqual([]);
});

describe('Braze CDI Trigger, all integrations', () => {
	const all = (extra = {}) => ({ watch: 'allIntegrations', event: 'syncFinished', ...extra });

	test('reads only the integrations whose last sync is new to it', async () => {
		const trigger = await createTrigger(all(), credentials());
		expect(await trigger.poll()).toEqual([]);
		sim.addSyncs('int-b', newer(2, 2));
		sim.clearLog();

		const items = await trigger.poll();

		expect(items.map((item) => item.integration_id)).toEqual(['int-b', 'int-b']);
		expect(jobStatusRequests('int-a')).toBe(0);
		expect(jobStatusRequests('int-b')).toBe(1);
		expect(
			sim
				.requestsFor('/cdi/integrations')
				.filter((request) => request.path === '/cdi/integrations'),
		).toHaveLength(1);
	});

	test('an integration that appears later is watched from the activation on', async () => {
		const trigger = await createTrigger(all(), credentials());
		await trigger.poll();
		// Its history: two syncs from before the watch began, one since.
		const since = makeSyncs(1, { newest: Date.now() + 60_000 });
		sim.addIntegration({ integration_id: 'int-c', syncs: [...since, ...makeSyncs(2)] });

		const items = await trigger.poll();

		expect(items.map((item) => [item.integration_id, item.sync_start_time])).toEqual([
			['int-c', since[0].sync_start_time],
		]);
	});
});
