import nock from 'nock';

import type { RequestLogEntry, Simulator } from '../simulator';
import { makeSyncs, startSimulator } from '../simulator';
import { API_KEY, runBrazeNode, searchIntegrationsList } from './harness';
import { expectNoKeyIn } from './fixtures';
import { LIST_LIFETIME_MS, MAX_LISTED } from '../nodes/BrazeCdi/methods/listSearch';

let sim: Simulator;
const ALL = ['cdi.integration_job_status', 'cdi.integration_list', 'cdi.integration_sync'];
const credentials = (apiKey = API_KEY) => ({ restEndpoint: 'custom', customUrl: sim.url, apiKey });
const byId = (value: string) => ({ __rl: true, mode: 'id', value });
const listRequests = () => sim.requests.filter((request) => request.path === '/cdi/integrations');
const SYNC_STATUS = (id: string) => `/cdi/integrations/${id}/job_sync_status`;
/** Called with each request the simulator has answered; a test sets it. */
let answered: (request: RequestLogEntry) => void;
/** Finishes the running sync of `id` once the simulator has answered `count` requests to `path`. */
function finishAfter(id: string, path: string, count = 1) {
	let seen = 0;
	answered = (request) => {
		if (request.path === path && ++seen === count) sim.completeSync(id);
	};
}

beforeAll(() => nock.enableNetConnect('127.0.0.1'));
beforeEach(async () => {
	answered = () => {};
	sim = await startSimulator({
		apiKeys: {
			[API_KEY]: ALL,
			'read-only-key': ['cdi.integration_job_status', 'cdi.integration_list'],
		},
		integrations: Array.from({ length: 23 }, (_, index) => ({
			integration_id: `int-${index}`,
			integration_name: index === 7 ? 'Orders from Snowflake' : `Integration ${index}`,
			syncs: makeSyncs(3),
		})),
		// A triggered sync runs until a test finishes it (finishAfter), whatever the clock says.
		syncDurationMs: 3_600_000,
		onRequest: (request) => answered(request),
	});
});
afterEach(async () => await sim.close());

describe('List Integrations', () => {
	test('return all: every integration, Braze fields unchanged, following the Link header', async () => {
		const result = await runBrazeNode({
			parameters: { resource: 'integration', operation: 'list', returnAll: true },
			credentials: credentials(),
		});

		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.json.integration_id)).toEqual(
			Array.from({ length: 23 }, (_, index) => `int-${index}`),
		);
		expect(Object.keys(result.items[0].json)).toEqual([
			'integration_id',
			'app_group_id',
			'integration_name',
			'integration_type',
			'integration_status',
			'contact_emails',
			'last_updated_at',
			'warehouse_type',
			'last_job_start_time',
			'last_job_status',
			'next_scheduled_run',
		]);
		expect(listRequests()).toHaveLength(3);
	});

	test('limit 12: 12 integrations in 2 requests', async () => {
		const result = await runBrazeNode({
			parameters: { resource: 'integration', operation: 'list', limit: 12 },
			credentials: credentials(),
		});

		expect(result.items).toHaveLength(12);
		expect(listRequests()).toHaveLength(2);
	});
});

describe('The integration picker (resource locator "From List")', () => {
	const search = async (filter?: string, apiKey?: string) =>
		await searchIntegrationsList(filter, undefined, credentials(apiKey));

	test('a name on page 2 is found in one answer, with nothing more to load', async () => {
		expect(await search('integration 13')).toEqual({
			results: [{ name: 'Integration 13', value: 'int-13' }],
		});
		expect(listRequests()).toHaveLength(3); // the whole list: 23 integrations, 3 pages
	});

	test('an ID matches too, case-insensitively', async () => {
		const found = await search(' INT-22 ');

		expect(found.results).toEqual([{ name: 'Integration 22', value: 'int-22' }]);
		expect((await search('snowflake')).results).toEqual([
			{ name: 'Orders from Snowflake', value: 'int-7' },
		]);
	});

	test('no filter: every integration in one answer, in Braze order', async () => {
		const found = await search();

		expect(found.results.map((result) => result.value)).toEqual(
			Array.from({ length: 23 }, (_, index) => `int-${index}`),
		);
		expect(found.paginationToken).toBeUndefined();
	});

	test('inside the lifetime a search sends no request; another credential reads its own list', async () => {
		await search('snowflake');
		sim.clearLog();

		expect((await search('integration 2')).results).toHaveLength(4); // 2, 20, 21, 22
		expect(await search()).toEqual(expect.objectContaining({ results: expect.any(Array) }));
		expect(sim.requests).toHaveLength(0);

		expect((await search('integration 2', 'read-only-key')).results).toHaveLength(4);
		expect(listRequests()).toHaveLength(3);
		expect(listRequests().map((request) => request.headers.authorization)).toEqual(
			Array(3).fill('Bearer read-only-key'),
		);
	});

	test('searches typed while the list is read share one reading', async () => {
		const [first, second] = await Promise.all([search('integration 1'), search('int-7')]);

		expect(first.results).toHaveLength(11); // 1, 10–19
		expect(second.results).toEqual([{ name: 'Orders from Snowflake', value: 'int-7' }]);
		expect(listRequests()).toHaveLength(3);
	});

	test('once the lifetime is over, the list is read again and shows a new integration', async () => {
		await search('snowflake');
		sim.clearLog();
		await sim.close();
		const port = sim.port;
		sim = await startSimulator({
			port,
			integrations: [{ integration_id: 'int-new', integration_name: 'New feed', syncs: 0 }],
			apiKeys: { [API_KEY]: ALL },
		});
		const now = Date.now();
		const clock = jest.spyOn(Date, 'now').mockReturnValue(now + LIST_LIFETIME_MS - 1000);
		try {
			expect((await search('new feed')).results).toEqual([]); // still the kept list
			expect(sim.requests).toHaveLength(0);
			clock.mockReturnValue(now + LIST_LIFETIME_MS + 1);
			expect((await search('new feed')).results).toEqual([{ name: 'New feed', value: 'int-new' }]);
			expect(listRequests()).toHaveLength(1);
		} finally {
			clock.mockRestore();
		}
	});

	test('a spent rate limit is said at once, and the failed reading is not kept', async () => {
		await sim.close();
		sim = await startSimulator({
			apiKeys: { [API_KEY]: ALL },
			integrations: Array.from({ length: 23 }, (_, index) => ({
				integration_id: `int-${index}`,
				syncs: 0,
			})),
			rateLimits: { integrations: { limit: 2, windowMs: 10 * 60_000 } },
		});

		await expect(search('int-13')).rejects.toThrow(
			/rate limit is used up for now: try again in \d+ s/,
		);
		expect(listRequests()).toHaveLength(2);
		await expect(search('int-13')).rejects.toThrow(/rate limit is used up/);
		expect(listRequests()).toHaveLength(3); // tried again, not answered from a failure
	});

	test(`many integrations: search covers the first ${MAX_LISTED}, the unfiltered list scrolls on`, async () => {
		await sim.close();
		sim = await startSimulator({
			apiKeys: { [API_KEY]: ALL },
			integrations: Array.from({ length: MAX_LISTED + 5 }, (_, index) => ({
				integration_id: `int-${index}`,
				syncs: 0,
			})),
		});

		const first = await search();
		expect(first.results).toHaveLength(MAX_LISTED);
		expect(listRequests()).toHaveLength(MAX_LISTED / 10);
		expect((await search(`int-${MAX_LISTED - 1}`)).results).toHaveLength(1);
		expect(await search(`int-${MAX_LISTED + 2}`)).toEqual({ results: [] });
		expect(listRequests()).toHaveLength(MAX_LISTED / 10);

		const rest = await searchIntegrationsList(
			undefined,
			first.paginationToken as string,
			credentials(),
		);
		expect(rest.results.map((result) => result.value)).toEqual(
			[0, 1, 2, 3, 4].map((index) => `int-${MAX_LISTED + index}`),
		);
		expect(rest.paginationToken).toBeUndefined();
		expect(listRequests()).toHaveLength(MAX_LISTED / 10 + 1);
	});
});

describe('The Integration parameter by URL', () => {
	test('the ID is taken from the dashboard URL', async () => {
		const result = await runBrazeNode({
			parameters: {
				resource: 'jobSync',
				operation: 'getLatest',
				integrationId: {
					__rl: true,
					mode: 'url',
					value: 'https://dashboard-01.braze.com/integrations/cloud_data_ingestion/int-3?tab=log',
				},
			},
			credentials: credentials(),
		});

		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.json.integration_id)).toEqual(['int-3']);
	});
});

describe('Trigger Sync', () => {
	const trigger = (extra = {}) => ({
		resource: 'integration',
		operation: 'triggerSync',
		integrationId: byId('int-4'),
		...extra,
	});

	test("without waiting: one item with the integration, Braze's message and when it was triggered", async () => {
		const before = Date.now();
		const result = await runBrazeNode({ parameters: trigger(), credentials: credentials() });

		expect(result.items.map((item) => item.json)).toEqual([
			{ integration_id: 'int-4', message: 'success', triggered_at: expect.any(String) },
		]);
		expect(Date.parse(String(result.items[0].json.triggered_at))).toBeGreaterThanOrEqual(before);
		const posts = sim.requests.filter((request) => request.method === 'POST');
		expect(posts.map((request) => [request.path, request.headers.authorization])).toEqual([
			['/cdi/integrations/int-4/sync', `Bearer ${API_KEY}`],
		]);
		expect(sim.integration('int-4').syncs[0].job_status).toBe('running');
	});

	test('waiting: polls the newest page until the sync it started has finished, and outputs that sync', async () => {
		finishAfter('int-4', SYNC_STATUS('int-4')); // running at the first poll, finished at the next

		const result = await runBrazeNode({
			parameters: trigger({ waitForCompletion: true, options: { pollInterval: 1 } }),
			credentials: credentials(),
		});

		expect(result.error).toBeUndefined();
		const finished = sim.integration('int-4').syncs[0];
		expect(finished.job_status).toBe('success');
		expect(result.items.map((item) => item.json)).toEqual([
			{ ...finished, integration_id: 'int-4', duration_seconds: expect.any(Number) },
		]);
		const polls = sim.requestsFor(SYNC_STATUS('int-4'));
		expect(polls).toHaveLength(2);
		expect(polls.every((request) => request.query.cursor === undefined)).toBe(true);
	});

	test.each([
		['error', /ended with status "error": 0 rows synced, 0 rows failed/],
		['config_error', /ended with status "config_error"/],
	])(
		'waiting, a sync ending %s fails the node by default, naming status and rows',
		async (status, message) => {
			sim.options.syncStatus = status;
			finishAfter('int-4', '/cdi/integrations/int-4/sync');

			const result = await runBrazeNode({
				parameters: trigger({ waitForCompletion: true }),
				credentials: credentials(),
			});

			expect(result.error?.message).toMatch(message);
		},
	);

	test('Fail on Status decides: partial can fail, error can pass', async () => {
		sim.options.syncStatus = 'partial';
		finishAfter('int-4', '/cdi/integrations/int-4/sync');
		const failing = await runBrazeNode({
			parameters: trigger({
				waitForCompletion: true,
				options: { failOnStatus: ['partial'] },
			}),
			credentials: credentials(),
		});
		expect(failing.error?.message).toMatch(
			/ended with status "partial": \d+ rows synced, \d+ rows failed/,
		);

		sim.options.syncStatus = 'error';
		finishAfter('int-5', '/cdi/integrations/int-5/sync');
		const passing = await runBrazeNode({
			parameters: trigger({
				integrationId: byId('int-5'),
				waitForCompletion: true,
				options: { failOnStatus: [] },
			}),
			credentials: credentials(),
		});
		expect(passing.items.map((item) => item.json.job_status)).toEqual(['error']);
	});

	test('with Continue On Fail, a failed sync becomes an error item', async () => {
		sim.options.syncStatus = 'error';
		finishAfter('int-4', '/cdi/integrations/int-4/sync');

		const result = await runBrazeNode({
			parameters: trigger({ waitForCompletion: true }),
			credentials: credentials(),
			continueOnFail: true,
		});

		expect(result.items).toEqual([
			{
				json: {
					error: expect.stringMatching(/ended with status "error"/),
					description: expect.any(String),
				},
				pairedItem: { item: 0 },
			},
		]);
	});

	test('"Another job is in progress" is reported as a running sync, not as a rate limit', async () => {
		sim.addSyncs('int-4', makeSyncs(1, { newest: Date.now(), running: true }));

		const result = await runBrazeNode({ parameters: trigger(), credentials: credentials() });

		expect(result.error?.message).toBe('A sync of integration int-4 is already running');
		expect(result.error?.description).toMatch(/Another job is in progress.*If Already Running/);
		expect(result.error?.message).not.toMatch(/rate limit/i);
	});

	test('If Already Running → Wait for the Running Sync: waits for it and outputs it', async () => {
		const runningSync = makeSyncs(1, { newest: Date.now() - 1000, running: true })[0];
		sim.addSyncs('int-4', [runningSync]);
		finishAfter('int-4', SYNC_STATUS('int-4')); // running at the first poll, finished at the next

		const result = await runBrazeNode({
			parameters: trigger({
				waitForCompletion: true,
				options: { ifAlreadyRunning: 'waitForRunning', pollInterval: 1 },
			}),
			credentials: credentials(),
		});

		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => [item.json.sync_start_time, item.json.job_status])).toEqual([
			[runningSync.sync_start_time, 'success'],
		]);
		expect(sim.requestsFor(SYNC_STATUS('int-4'))).toHaveLength(2);
	});

	test('a sync that outlasts the timeout fails with how long it waited', async () => {
		const result = await runBrazeNode({
			parameters: trigger({ waitForCompletion: true, options: { pollInterval: 1, timeout: 1 } }),
			credentials: credentials(),
		});

		expect(result.error?.message).toBe(
			'The sync of integration int-4 was still running after 1 seconds',
		);
	});

	test('a stopped or timed-out execution stops waiting for the sync at once', async () => {
		let firstPoll!: () => void;
		const polled = new Promise<void>((resolve) => (firstPoll = resolve));
		answered = (request) => {
			if (request.path === SYNC_STATUS('int-4')) firstPoll();
		};

		// An hour between polls: only the stop ends the wait (past the test's timeout, it fails).
		const result = await runBrazeNode({
			parameters: trigger({
				waitForCompletion: true,
				options: { pollInterval: 3600, timeout: 7200 },
			}),
			credentials: credentials(),
			cancelWhen: polled,
		});

		expect(result.error?.message).toBe('The execution was stopped while waiting for the sync');
		expect(sim.requestsFor(SYNC_STATUS('int-4'))).toHaveLength(1);
	});

	test.each([
		[
			'pollInterval',
			0.5,
			'Options → Poll Interval (Seconds) must be a number of 1 or more, not 0.5',
		],
		['timeout', 0, 'Options → Timeout (Seconds) must be a number of 1 or more, not 0'],
	])(
		'%s %p, below what the editor allows, is refused before any request',
		async (name, value, message) => {
			const result = await runBrazeNode({
				parameters: trigger({ waitForCompletion: true, options: { [name]: value } }),
				credentials: credentials(),
			});

			expect(result.error?.message).toBe(message);
			expect(sim.requests).toEqual([]);
		},
	);

	test('a rate-limited trigger is a rate limit, naming the 20 a minute of this endpoint', async () => {
		await sim.close();
		sim = await startSimulator({
			apiKeys: { [API_KEY]: ALL },
			integrations: [{ integration_id: 'int-4', syncs: makeSyncs(2) }],
			rateLimits: { sync: { limit: 0, windowMs: 60_000 } },
		});

		const result = await runBrazeNode({ parameters: trigger(), credentials: credentials() });

		expect(result.error?.message).toBe('Braze rate limit reached (Too Many Requests)');
		expect(result.error?.description).toMatch(/20 requests a minute/);
	});

	test('a key without cdi.integration_sync gets the permission named', async () => {
		const result = await runBrazeNode({
			parameters: trigger(),
			credentials: credentials('read-only-key'),
		});

		expect(result.error?.message).toBe(
			'The API key lacks the cdi.integration_sync permission (Access Denied)',
		);
		expectNoKeyIn(result.run);
	});
});
