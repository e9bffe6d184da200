import nock from 'nock';

import type { Simulator, SimulatorOptions } from '../simulator';
import { makeSyncs, startSimulator } from '../simulator';
import type { RunOptions } from './harness';
import { API_KEY, runBrazeNode } from './harness';
import { expectNoKeyIn } from './fixtures';

const ALL = ['cdi.integration_job_status', 'cdi.integration_list', 'cdi.integration_sync'];
const PATH = '/cdi/integrations/int-a/job_sync_status';
let sim: Simulator;

beforeAll(() => nock.enableNetConnect('127.0.0.1'));
afterEach(async () => await sim?.close());

async function simulate(options: SimulatorOptions = {}, syncs = 37) {
	sim = await startSimulator({
		apiKeys: { [API_KEY]: ALL },
		integrations: [{ integration_id: 'int-a', syncs: makeSyncs(syncs) }],
		...options,
	});
	return sim;
}
const listAll = (options = {}, run: Partial<RunOptions> = {}) =>
	runBrazeNode({
		parameters: {
			resource: 'jobSync',
			operation: 'list',
			integrationId: { __rl: true, mode: 'id', value: 'int-a' },
			returnAll: true,
			options,
		},
		credentials: { restEndpoint: 'custom', customUrl: sim.url, apiKey: API_KEY },
		...run,
	});
const expectAllSyncs = (result: Awaited<ReturnType<typeof listAll>>) => {
	expect(result.error).toBeUndefined();
	expect(result.items.map((item) => item.json.sync_start_time)).toEqual(
		sim.integration('int-a').syncs.map((sync) => sync.sync_start_time),
	);
};
const pagesRequested = () =>
	sim.requestsFor(PATH).map((request) => request.query.cursor ?? 'first');

describe('faults: retried from the failed page, nothing lost or twice', () => {
	test.each([500, 502, 503, 504] as const)('a %i on the third page', async (kind) => {
		await simulate({ faults: [{ request: 3, kind }] });

		const result = await listAll();

		expectAllSyncs(result);
		const pages = pagesRequested();
		expect(pages).toHaveLength(5); // 4 pages, the third twice
		expect(pages[2]).toBe(pages[3]);
	});

	test('a reset connection on the second request: the call is repeated from its first cursor', async () => {
		await simulate({ faults: [{ request: 2, kind: 'reset' }] });

		const result = await listAll();

		expectAllSyncs(result);
		expectNoKeyIn(result.run);
	});

	test('a 5xx on every 7th request and a reset on every 11th: the same items', async () => {
		const faults = [
			...Array.from({ length: 12 }, (_, index) => ({
				request: 7 * (index + 1),
				kind: 503 as const,
			})),
			...Array.from({ length: 7 }, (_, index) => ({
				request: 11 * (index + 1),
				kind: 'reset' as const,
			})),
		].filter(
			(fault, index, all) => all.findIndex((other) => other.request === fault.request) === index,
		);
		await simulate({ faults }, 250);

		const result = await listAll();

		expectAllSyncs(result);
	}, 60_000);

	test.each<[number, string, { integrationId?: string; apiKey?: string; path?: string }]>([
		[400, 'a malformed integration ID', { integrationId: 'bad!id' }],
		[401, 'a wrong key', { apiKey: 'wrong-key' }],
		[403, 'a key without the permission', { apiKey: 'list-only' }],
		[404, 'an endpoint with a wrong path', { path: '/not-braze' }],
	])(
		'a %i (%s) is never retried',
		async (status, _name, { integrationId = 'int-a', apiKey = API_KEY, path = '' }) => {
			await simulate({ apiKeys: { [API_KEY]: ALL, 'list-only': ['cdi.integration_list'] } });

			const result = await runBrazeNode({
				parameters: {
					resource: 'jobSync',
					operation: 'list',
					integrationId: { __rl: true, mode: 'id', value: integrationId },
					returnAll: true,
				},
				credentials: { restEndpoint: 'custom', customUrl: `${sim.url}${path}`, apiKey },
			});

			expect(result.error?.httpCode).toBe(String(status));
			expect(sim.requests.map((request) => request.status)).toEqual([status]);
		},
	);
});

describe('rate limits', () => {
	test('a listing longer than the budget paces itself: no 429, every sync once', async () => {
		await simulate({ rateLimits: { jobSyncStatus: { limit: 2, windowMs: 1000 } } });

		const result = await listAll();

		expectAllSyncs(result);
		expect(sim.requests.filter((request) => request.status === 429)).toEqual([]);
		expect(sim.requests).toHaveLength(4); // more than one window allows: it waited for the next
	}, 30_000);

	test('when another client spent the budget, a 429 is waited out and the listing goes on from that page', async () => {
		await simulate({ rateLimits: { jobSyncStatus: { limit: 3, windowMs: 1000 } } });
		for (let index = 0; index < 3; index++) {
			await fetch(`${sim.url}${PATH}`, { headers: { authorization: `Bearer ${API_KEY}` } }); // the other client
		}
		sim.clearLog();

		const result = await listAll();

		expectAllSyncs(result);
		expect(sim.requests.filter((request) => request.status === 429).length).toBeGreaterThanOrEqual(
			1,
		);
		const served = sim.requests
			.filter((request) => request.status === 200)
			.map((request) => request.query.cursor ?? 'first');
		expect(new Set(served).size).toBe(served.length);
	}, 30_000);

	test('past Max Rate-Limit Wait, it fails saying how far it got, instead of waiting', async () => {
		await simulate({ rateLimits: { jobSyncStatus: { limit: 1, windowMs: 60_000 } } });

		const result = await listAll({ maxWait: 2 });

		expect(sim.requests).toHaveLength(1);
		expect(result.error?.message).toBe(
			"Braze's rate limit would make this wait longer than Max Rate-Limit Wait (2 s)",
		);
		expect(result.error?.description).toMatch(
			/^Stopped after 1 page \(10 results\) of \/cdi\/integrations\/[^ ]+\/job_sync_status;/,
		);
	});

	test('a stopped or timed-out execution stops waiting for the limit at once', async () => {
		let answered!: () => void;
		const firstAnswer = new Promise<void>((resolve) => (answered = resolve));
		// An hour until the window resets, and Max Rate-Limit Wait allows it: only the stop ends the wait
		// (past the test's timeout, the test fails).
		await simulate({
			rateLimits: { jobSyncStatus: { limit: 1, windowMs: 3_600_000 } },
			onRequest: () => answered(),
		});

		const result = await listAll({ maxWait: 7200 }, { cancelWhen: firstAnswer });

		expect(result.error?.message).toBe('The execution was stopped while waiting for Braze');
		expect(sim.requests).toHaveLength(1);
	});

	test('retry-after is honoured when Braze sends it', async () => {
		await simulate();
		let calls = 0;
		const scope = nock(sim.url)
			.get(PATH)
			.reply(() => {
				calls++;
				return [429, { message: 'Rate Limited' }, { 'retry-after': '1' }];
			})
			.get(PATH)
			.reply(200, { results: [], message: 'success' });

		const started = Date.now();
		const result = await listAll();

		expect(result.error).toBeUndefined();
		expect(calls).toBe(1);
		expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
		expect(scope.isDone()).toBe(true);
	});
});
