/**
 * The local Braze CDI simulator (simulator/): that it answers as the API digest describes, so that
 * the demo and the end-to-end tests exercise the node against something faithful.
 */
import nock from 'nock';

import type { MakeSyncsOptions, Simulator, SimulatorOptions, Sync } from '../simulator';
import {
	ALL_PERMISSIONS,
	makeSyncs,
	seedIntegrations,
	startSimulator,
	startSimulatorProcess,
} from '../simulator';

const KEY = 'sim-api-key';
const b64 = (text: string) => Buffer.from(text).toString('base64');
const cursor = (skip: number) => b64(`skip:${skip}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const jobsPath = (id: string) => `/cdi/integrations/${id}/job_sync_status`;

const started: Simulator[] = [];
async function simulator(options: SimulatorOptions = {}) {
	const sim = await startSimulator(options);
	started.push(sim);
	return sim;
}

function call(sim: Simulator, path: string, { key = KEY as string | null, method = 'GET' } = {}) {
	return fetch(`${sim.url}${path}`, {
		method,
		headers: key === null ? {} : { authorization: `Bearer ${key}` },
	});
}

/** A Braze body: a message, and results or errors. */
type Body = { message: string; errors?: string[]; results: Array<Record<string, any>> };

async function callJson(sim: Simulator, path: string, options: Parameters<typeof call>[2] = {}) {
	const response = await call(sim, path, options);
	return {
		response,
		status: response.status,
		link: response.headers.get('link'),
		body: (await response.json()) as Body,
	};
}

beforeAll(() => {
	nock.enableNetConnect('127.0.0.1');
});

afterAll(async () => {
	await Promise.all(started.map((sim) => sim.close()));
});

describe('data', () => {
	test('makeSyncs: newest first, hourly from a fixed time, cycling every status, exactly the API fields', () => {
		const syncs = makeSyncs(5);
		expect(syncs.map((sync) => sync.job_status)).toEqual([
			'success',
			'partial',
			'error',
			'config_error',
			'success',
		]);
		expect(syncs.map((sync) => sync.sync_start_time)).toEqual([
			'2026-03-25T12:00:00.000Z',
			'2026-03-25T11:00:00.000Z',
			'2026-03-25T10:00:00.000Z',
			'2026-03-25T09:00:00.000Z',
			'2026-03-25T08:00:00.000Z',
		]);
		for (const sync of syncs) {
			expect(Object.keys(sync)).toEqual([
				'job_status',
				'sync_start_time',
				'sync_finish_time',
				'last_timestamp_synced',
				'rows_synced',
				'rows_failed_with_errors',
			]);
			expect(sync.sync_finish_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
			expect(Date.parse(sync.sync_finish_time!)).toBeGreaterThan(Date.parse(sync.sync_start_time));
		}
		const [success, partial, error, configError] = syncs;
		expect(success.rows_synced).toBeGreaterThan(0);
		expect(success.rows_failed_with_errors).toBe(0);
		expect(partial.rows_synced).toBeGreaterThan(0);
		expect(partial.rows_failed_with_errors).toBeGreaterThan(0);
		expect([error.rows_synced, error.rows_failed_with_errors, configError.rows_synced]).toEqual([
			0, 0, 0,
		]);
		expect(makeSyncs(5)).toEqual(syncs);
	});

	test('makeSyncs: newest, spacing and a running newest sync', () => {
		const syncs = makeSyncs(3, {
			newest: new Date('2026-01-01T00:00:00Z'),
			spacingMs: 60_000,
			running: true,
		});
		expect(syncs.map((sync) => sync.sync_start_time)).toEqual([
			'2026-01-01T00:00:00.000Z',
			'2025-12-31T23:59:00.000Z',
			'2025-12-31T23:58:00.000Z',
		]);
		expect(syncs[0]).toEqual({
			job_status: 'running',
			sync_start_time: '2026-01-01T00:00:00.000Z',
			sync_finish_time: null,
			last_timestamp_synced: null,
			rows_synced: 0,
			rows_failed_with_errors: 0,
		});
		expect(syncs.slice(1).map((sync) => sync.job_status)).toEqual(['partial', 'error']);
		expect(makeSyncs(0)).toEqual([]);
	});

	test('seedIntegrations: 0, 1, 10, 11 (newest running), 37 and 3000 syncs', () => {
		const seeds = seedIntegrations();
		expect(seeds.map((seed) => [seed.integration_id, seed.syncs.length])).toEqual([
			['cdi-empty', 0],
			['cdi-one', 1],
			['cdi-ten', 10],
			['cdi-eleven', 11],
			['cdi-thirty-seven', 37],
			['cdi-three-thousand', 3000],
		]);
		expect(seeds.find((seed) => seed.integration_id === 'cdi-thirty-seven')!.integration_name).toBe(
			'Orders (37 syncs)',
		);
		const eleven = seeds.find((seed) => seed.integration_id === 'cdi-eleven')!.syncs;
		expect(eleven[0]).toMatchObject({ job_status: 'running', sync_finish_time: null });
		expect(new Set(eleven.map((sync) => sync.job_status))).toEqual(
			new Set(['running', 'success', 'partial', 'error', 'config_error']),
		);
	});
});

describe('GET job_sync_status: pages of 10, newest first, Link header', () => {
	let sim: Simulator;
	beforeAll(async () => {
		sim = await simulator(); // the seeded workspace
	});

	test('0 and 10 syncs: one page, no Link header', async () => {
		const empty = await callJson(sim, jobsPath('cdi-empty'));
		expect(empty).toMatchObject({
			status: 200,
			link: null,
			body: { results: [], message: 'success' },
		});
		expect(empty.response.headers.get('content-type')).toBe('application/json');

		const ten = await callJson(sim, jobsPath('cdi-ten'));
		expect(ten).toMatchObject({ status: 200, link: null });
		expect(ten.body.results).toEqual(sim.integration('cdi-ten').syncs);
	});

	test('11 syncs: next only on the first page, prev only on the last; the running one first', async () => {
		const first = await callJson(sim, jobsPath('cdi-eleven'));
		expect(first.link).toBe(
			`</cdi/integrations/cdi-eleven/job_sync_status?cursor=${cursor(10)}>; rel="next"`,
		);
		expect(first.body.results).toHaveLength(10);
		expect(first.body.results[0]).toMatchObject({ job_status: 'running', sync_finish_time: null });

		const last = await callJson(sim, `${jobsPath('cdi-eleven')}?cursor=${cursor(10)}`);
		expect(last.link).toBe(
			'</cdi/integrations/cdi-eleven/job_sync_status?cursor=c2tpcDow>; rel="prev"',
		);
		expect(last.body.results).toEqual(sim.integration('cdi-eleven').syncs.slice(10));
	});

	test('37 syncs: following next reads every sync once, with prev and next in between', async () => {
		const links: Array<string | null> = [];
		const results: unknown[] = [];
		let path: string | null = jobsPath('cdi-thirty-seven');
		while (path) {
			const page = await callJson(sim, path);
			expect(page.status).toBe(200);
			links.push(page.link);
			results.push(...page.body.results);
			path = /<([^>]*)>; rel="next"/.exec(page.link ?? '')?.[1] ?? null;
		}
		const link = (skip: number) =>
			`</cdi/integrations/cdi-thirty-seven/job_sync_status?cursor=${cursor(skip)}>`;
		expect(links).toEqual([
			`${link(10)}; rel="next"`,
			`${link(0)}; rel="prev",${link(20)}; rel="next"`,
			`${link(10)}; rel="prev",${link(30)}; rel="next"`,
			`${link(20)}; rel="prev"`,
		]);
		expect(results).toEqual(sim.integration('cdi-thirty-seven').syncs);
	});

	test('cursors are opaque base64 of skip:N; skip:0 is the first page', async () => {
		const first = await callJson(sim, jobsPath('cdi-three-thousand'));
		const next = /cursor=([^>]*)>; rel="next"/.exec(first.link!)![1];
		expect(next).toMatch(/^[A-Za-z0-9+/]+=*$/);
		expect(Buffer.from(next, 'base64').toString()).toBe('skip:10');

		const again = await callJson(sim, `${jobsPath('cdi-three-thousand')}?cursor=${cursor(0)}`);
		expect(again.body.results).toEqual(first.body.results);
		expect(again.link).toBe(first.link);
	});

	test.each([
		['not base64', 'not-a-cursor!'],
		['base64 of something else', b64('page:2')],
		['a skip past the end', cursor(40)],
		['empty', ''],
	])('invalid cursor (%s): 400 Invalid cursor', async (_, value) => {
		const page = await callJson(
			sim,
			`${jobsPath('cdi-thirty-seven')}?cursor=${encodeURIComponent(value)}`,
		);
		expect(page.status).toBe(400);
		expect(page.body).toEqual({ message: 'Invalid cursor', errors: [] });
	});
});

describe('link styles', () => {
	const integrations = [{ integration_id: 'int-37', syncs: 37 }];
	const secondPage = `${jobsPath('int-37')}?cursor=${cursor(10)}`;

	test('absolute: full URLs of the simulator', async () => {
		const sim = await simulator({ integrations, linkStyle: 'absolute' });
		const { link } = await callJson(sim, secondPage);
		expect(link).toBe(
			`<${sim.url}/cdi/integrations/int-37/job_sync_status?cursor=${cursor(0)}>; rel="prev",` +
				`<${sim.url}/cdi/integrations/int-37/job_sync_status?cursor=${cursor(20)}>; rel="next"`,
		);
	});

	test("missingSlash: the docs' next link, which the simulator does not serve", async () => {
		const sim = await simulator({ integrations, linkStyle: 'missingSlash' });
		const { link } = await callJson(sim, secondPage);
		expect(link).toBe(
			`</cdi/integrations/int-37/job_sync_status?cursor=${cursor(0)}>; rel="prev",` +
				`</cdi/integrationsint-37/job_sync_status?cursor=${cursor(20)}>; rel="next"`,
		);
		const broken = await callJson(
			sim,
			`/cdi/integrationsint-37/job_sync_status?cursor=${cursor(20)}`,
		);
		expect(broken).toMatchObject({ status: 404, body: { message: 'Not Found', errors: [] } });
	});

	test('foreign: next on another origin, prev relative', async () => {
		const byDefault = await simulator({ integrations, linkStyle: 'foreign' });
		expect((await callJson(byDefault, secondPage)).link).toBe(
			`</cdi/integrations/int-37/job_sync_status?cursor=${cursor(0)}>; rel="prev",` +
				`<http://127.0.0.2:9/cdi/integrations/int-37/job_sync_status?cursor=${cursor(20)}>; rel="next"`,
		);
		const chosen = await simulator({
			integrations,
			linkStyle: 'foreign',
			foreignOrigin: 'https://elsewhere.example',
		});
		expect((await callJson(chosen, jobsPath('int-37'))).link).toBe(
			`<https://elsewhere.example/cdi/integrations/int-37/job_sync_status?cursor=${cursor(10)}>; rel="next"`,
		);
	});

	test('nextFirst: next before prev', async () => {
		const sim = await simulator({ integrations, nextFirst: true });
		expect((await callJson(sim, secondPage)).link).toBe(
			`</cdi/integrations/int-37/job_sync_status?cursor=${cursor(20)}>; rel="next",` +
				`</cdi/integrations/int-37/job_sync_status?cursor=${cursor(0)}>; rel="prev"`,
		);
	});
});

describe('GET /cdi/integrations', () => {
	test("the seeded workspace: one page of the digest's fields, derived from each history", async () => {
		const sim = await simulator();
		const { status, link, body } = await callJson(sim, '/cdi/integrations');
		expect(status).toBe(200);
		expect(link).toBeNull();
		expect(body.message).toBe('success');
		expect(body.results.map((item) => item.integration_id)).toEqual(
			seedIntegrations().map((seed) => seed.integration_id),
		);
		for (const item of body.results) {
			expect(Object.keys(item)).toEqual([
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
		}
		const byId = Object.fromEntries(body.results.map((item) => [item.integration_id, item]));
		expect(byId['cdi-eleven']).toMatchObject({
			last_job_status: 'running',
			last_job_start_time: '2026-03-25T12:00:00.000Z',
		});
		expect(byId['cdi-empty']).toMatchObject({
			last_job_status: null,
			last_job_start_time: null,
			integration_name: 'New import (no syncs)',
		});
	});

	test('23 integrations: three pages with the same Link rules', async () => {
		const integrations = Array.from({ length: 23 }, (_, index) => ({
			integration_id: `int-${index}`,
			syncs: 1,
		}));
		const sim = await simulator({ integrations });
		const pages = await Promise.all(
			[null, 10, 20].map((skip) =>
				callJson(sim, `/cdi/integrations${skip === null ? '' : `?cursor=${cursor(skip)}`}`),
			),
		);
		expect(pages.map((page) => page.body.results.length)).toEqual([10, 10, 3]);
		expect(pages.map((page) => page.link)).toEqual([
			`</cdi/integrations?cursor=${cursor(10)}>; rel="next"`,
			`</cdi/integrations?cursor=${cursor(0)}>; rel="prev",</cdi/integrations?cursor=${cursor(20)}>; rel="next"`,
			`</cdi/integrations?cursor=${cursor(10)}>; rel="prev"`,
		]);
		expect((await callJson(sim, '/cdi/integrations?cursor=bm9wZQ==')).status).toBe(400);
	});
});

describe('auth, unknown paths and integration IDs', () => {
	let sim: Simulator;
	beforeAll(async () => {
		sim = await simulator({
			apiKeys: { [KEY]: [...ALL_PERMISSIONS], 'list-only': ['cdi.integration_list'] },
			integrations: [{ integration_id: 'int-3', syncs: 3 }],
		});
	});

	test.each([
		['no Authorization header', null],
		['an unknown key', 'wrong-key'],
		['the key in quotes', `"${KEY}"`],
	])('%s: 401 Unauthorized', async (_, key) => {
		const { status, body } = await callJson(sim, jobsPath('int-3'), { key });
		expect(status).toBe(401);
		expect(body).toEqual({ message: 'Unauthorized', errors: [] });
	});

	test("a key without the endpoint's permission: 403 Access Denied", async () => {
		expect(await callJson(sim, jobsPath('int-3'), { key: 'list-only' })).toMatchObject({
			status: 403,
			body: { message: 'Access Denied', errors: [] },
		});
		expect(
			(await callJson(sim, '/cdi/integrations/int-3/sync', { key: 'list-only', method: 'POST' }))
				.status,
		).toBe(403);
		expect((await callJson(sim, '/cdi/integrations', { key: 'list-only' })).status).toBe(200);
	});

	test('keys revoked and accepted again at runtime (sim.apiKeys): from the next request on', async () => {
		const revoked = await simulator({ apiKeys: { [KEY]: [...ALL_PERMISSIONS] } });
		expect((await callJson(revoked, '/cdi/integrations')).status).toBe(200);
		delete revoked.apiKeys[KEY];
		expect(await callJson(revoked, '/cdi/integrations')).toMatchObject({
			status: 401,
			body: { message: 'Unauthorized' },
		});
		revoked.apiKeys[KEY] = ['cdi.integration_list'];
		expect((await callJson(revoked, '/cdi/integrations')).status).toBe(200);
		expect((await callJson(revoked, jobsPath('cdi-one'))).status).toBe(403);
	});

	test.each([
		['GET', '/cdi/nothing'],
		['GET', '/cdi/integrations/int-3/job_sync_status/'],
		['POST', '/cdi/integrations/int-3/job_sync_status'],
		['GET', '/cdi/integrations/int-3/sync'],
		['DELETE', '/cdi/integrations'],
	])('%s %s: 404 Not Found', async (method, path) => {
		const { status, body, response } = await callJson(sim, path, { method });
		expect(status).toBe(404);
		expect(body).toEqual({ message: 'Not Found', errors: [] });
		expect(response.headers.get('x-ratelimit-limit')).toBeNull();
	});

	test.each(['no-such-integration', 'bad%20id', 'bad.id'])(
		'job_sync_status of %s: 400 Invalid integration ID',
		async (id) => {
			const { status, body } = await callJson(sim, jobsPath(id));
			expect(status).toBe(400);
			expect(body).toEqual({ message: 'Invalid integration ID', errors: [] });
		},
	);

	test('sync: 400 for a malformed ID, 404 Integration not found for an unknown one', async () => {
		expect(
			await callJson(sim, '/cdi/integrations/bad%20id/sync', { method: 'POST' }),
		).toMatchObject({
			status: 400,
			body: { message: 'Invalid integration ID', errors: [] },
		});
		expect(
			await callJson(sim, '/cdi/integrations/no-such-integration/sync', { method: 'POST' }),
		).toMatchObject({
			status: 404,
			body: { message: 'Integration not found', errors: [] },
		});
	});
});

describe('rate limits', () => {
	test('per endpoint and workspace: headers on every answer, 429 over the limit', async () => {
		// A window long enough that the answers below all fall in it, however busy the machine.
		const sim = await simulator({
			apiKeys: { [KEY]: [...ALL_PERMISSIONS], other: [...ALL_PERMISSIONS] },
			integrations: [{ integration_id: 'int-3', syncs: 3 }],
			rateLimits: { jobSyncStatus: { limit: 3, windowMs: 20_000 } },
		});
		const headers = (response: Response) => ({
			limit: response.headers.get('x-ratelimit-limit'),
			remaining: response.headers.get('x-ratelimit-remaining'),
			reset: response.headers.get('x-ratelimit-reset'),
		});
		const before = Date.now();
		const answers = [];
		for (const key of [KEY, 'other', 'wrong', KEY, KEY])
			answers.push(await callJson(sim, jobsPath('int-3'), { key }));

		// Both keys share the workspace's budget; the rejected key is not counted.
		expect(answers.map((answer) => answer.status)).toEqual([200, 200, 401, 200, 429]);
		expect(answers.map((answer) => headers(answer.response).remaining)).toEqual([
			'2',
			'1',
			'1',
			'0',
			'0',
		]);
		expect(answers.every((answer) => headers(answer.response).limit === '3')).toBe(true);
		const reset = headers(answers[0].response).reset!;
		expect(reset).toMatch(/^\d+$/);
		expect(Number(reset)).toBeGreaterThanOrEqual(Math.floor((before + 20_000) / 1000));
		expect(Number(reset)).toBeLessThanOrEqual(Math.ceil((Date.now() + 20_000) / 1000));
		expect(answers[4].body).toEqual({ message: 'Rate Limited', errors: [] });
		// Whole seconds until the window ends: at most its length, at least one.
		const retryAfter = Number(answers[4].response.headers.get('retry-after'));
		expect(retryAfter).toBeGreaterThanOrEqual(1);
		expect(retryAfter).toBeLessThanOrEqual(20);

		// Other endpoints have their own budget, with Braze's defaults.
		const list = await callJson(sim, '/cdi/integrations');
		expect(headers(list.response)).toMatchObject({ limit: '50', remaining: '49' });
	});

	test('a new window opens with the first request after the last one ended', async () => {
		const sim = await simulator({
			integrations: [{ integration_id: 'int-3', syncs: 3 }],
			rateLimits: { jobSyncStatus: { limit: 1, windowMs: 300 } },
		});
		expect((await callJson(sim, jobsPath('int-3'))).status).toBe(200);
		// Waiting longer than the window is always past it: a window opens only with a request.
		await sleep(400);
		const later = await callJson(sim, jobsPath('int-3'));
		expect(later.status).toBe(200);
		expect(later.response.headers.get('x-ratelimit-remaining')).toBe('0');
	});
});

describe('POST sync', () => {
	test('202; a running sync at the head; 429 while it runs; it ends with the configured status', async () => {
		const sim = await simulator({
			integrations: [{ integration_id: 'int-3', syncs: 3 }],
			syncDurationMs: 300,
			syncStatus: 'partial',
		});
		const before = Date.now();
		const trigger = await callJson(sim, '/cdi/integrations/int-3/sync', { method: 'POST' });
		expect(trigger.status).toBe(202);
		expect(trigger.body).toEqual({ message: 'success' });
		expect(trigger.response.headers.get('x-ratelimit-limit')).toBe('20');

		const running = await callJson(sim, jobsPath('int-3'));
		expect(running.body.results).toHaveLength(4);
		expect(running.body.results[0]).toMatchObject({
			job_status: 'running',
			sync_finish_time: null,
			last_timestamp_synced: null,
			rows_synced: 0,
			rows_failed_with_errors: 0,
		});
		const start = Date.parse(running.body.results[0].sync_start_time);
		expect(start).toBeGreaterThanOrEqual(before);
		expect(start).toBeLessThanOrEqual(Date.now());
		expect((await callJson(sim, '/cdi/integrations')).body.results[0].last_job_status).toBe(
			'running',
		);

		const busy = await callJson(sim, '/cdi/integrations/int-3/sync', { method: 'POST' });
		expect(busy).toMatchObject({
			status: 429,
			body: { message: 'Another job is in progress', errors: [] },
		});

		// Polled, as a client would: it ends about 300 ms after the trigger.
		let finished = running.body.results[0];
		while (finished.job_status === 'running' && Date.now() - before < 2000) {
			await sleep(25);
			finished = (await callJson(sim, jobsPath('int-3'))).body.results[0];
		}
		expect(Date.now() - before).toBeGreaterThanOrEqual(250);
		expect(finished.job_status).toBe('partial');
		expect(finished.sync_start_time).toBe(running.body.results[0].sync_start_time);
		expect(Date.parse(finished.sync_finish_time)).toBeGreaterThanOrEqual(start);
		expect(finished.rows_synced).toBeGreaterThan(0);
		expect(finished.rows_failed_with_errors).toBeGreaterThan(0);

		// The settings can change between syncs; completeSync ends one at once.
		sim.options.syncStatus = 'error';
		sim.options.syncDurationMs = 60_000;
		expect((await call(sim, '/cdi/integrations/int-3/sync', { method: 'POST' })).status).toBe(202);
		expect(sim.completeSync('int-3')).toMatchObject({
			job_status: 'error',
			rows_synced: 0,
			rows_failed_with_errors: 0,
		});
		expect(sim.integration('int-3').syncs.map((sync) => sync.job_status)).toEqual([
			'error',
			'partial',
			'success',
			'partial',
			'error',
		]);
	});

	test('a simulator works on its own copy of the integrations it was given', async () => {
		const integrations = [{ integration_id: 'int-1', syncs: makeSyncs(1) }];
		const sim = await simulator({ integrations, syncDurationMs: 5 });
		await call(sim, '/cdi/integrations/int-1/sync', { method: 'POST' });
		expect(sim.integration('int-1').syncs).toHaveLength(2);
		expect(integrations[0].syncs).toHaveLength(1);
		expect(() => sim.integration('nope')).toThrow();
	});
});

describe('faults, the request log and close()', () => {
	test('faults by request number: 500, reset, delay; logged with their status', async () => {
		const sim = await simulator({
			integrations: [{ integration_id: 'int-3', syncs: 3 }],
			faults: [
				{ request: 2, kind: 500 },
				{ request: 3, kind: 'reset' },
				{ request: 4, kind: 'delay', delayMs: 120 },
			],
		});
		expect((await call(sim, jobsPath('int-3'))).status).toBe(200);
		expect(await callJson(sim, jobsPath('int-3'))).toMatchObject({
			status: 500,
			body: { message: 'Internal Server Error', errors: [] },
		});
		await expect(call(sim, jobsPath('int-3'))).rejects.toThrow();
		const before = Date.now();
		const delayed = await callJson(sim, jobsPath('int-3'));
		expect(delayed.status).toBe(200);
		expect(delayed.body.results).toHaveLength(3);
		expect(Date.now() - before).toBeGreaterThanOrEqual(100);
		expect((await call(sim, jobsPath('int-3'))).status).toBe(200);
		expect(sim.requests.map((entry) => [entry.index, entry.status])).toEqual([
			[1, 200],
			[2, 500],
			[3, null],
			[4, 200],
			[5, 200],
		]);
	});

	test('injectFault: the next request whose path matches', async () => {
		const sim = await simulator({ integrations: [{ integration_id: 'int-3', syncs: 3 }] });
		sim.injectFault({ next: true, kind: 503, path: '/cdi/integrations/int-3/sync' });
		sim.injectFault({ next: true, kind: 502, path: /job_sync_status$/ });
		expect((await call(sim, '/cdi/integrations')).status).toBe(200);
		expect((await callJson(sim, jobsPath('int-3'))).body).toEqual({
			message: 'Bad Gateway',
			errors: [],
		});
		expect((await call(sim, jobsPath('int-3'))).status).toBe(200);
		expect((await call(sim, '/cdi/integrations/int-3/sync', { method: 'POST' })).status).toBe(503);
		expect(sim.integration('int-3').syncs).toHaveLength(3); // the faulted trigger started nothing
		sim.injectFault({ next: true, kind: 504 });
		expect((await call(sim, '/cdi/integrations')).status).toBe(504);
	});

	test('the request log: method, path, query, lower-case headers, status, time; clearLog; requestsFor', async () => {
		const sim = await simulator({ integrations: [{ integration_id: 'int-37', syncs: 37 }] });
		const before = Date.now();
		await call(sim, `${jobsPath('int-37')}?cursor=${cursor(10)}`);
		await call(sim, '/cdi/integrations', { key: 'wrong' });
		expect(sim.requests).toEqual([
			{
				index: 1,
				method: 'GET',
				path: '/cdi/integrations/int-37/job_sync_status',
				query: { cursor: cursor(10) },
				headers: expect.objectContaining({
					authorization: `Bearer ${KEY}`,
					host: `127.0.0.1:${sim.port}`,
				}),
				status: 200,
				time: expect.any(Number),
			},
			expect.objectContaining({ index: 2, path: '/cdi/integrations', query: {}, status: 401 }),
		]);
		expect(sim.requests[0].time).toBeGreaterThanOrEqual(before);
		expect(sim.requestsFor('/cdi/integrations/')).toEqual([sim.requests[0]]);
		expect(sim.requestsFor(/^\/cdi\/integrations$/)).toEqual([sim.requests[1]]);

		sim.clearLog();
		expect(sim.requests).toEqual([]);
		await call(sim, '/cdi/integrations');
		expect(sim.requests.map((entry) => entry.index)).toEqual([3]);
		expect(sim.requestCount).toBe(3);
	});

	test('close(): resolves with a sync and a delayed answer pending, twice; then nothing answers', async () => {
		const sim = await startSimulator({ syncDurationMs: 60_000 });
		expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`);
		expect((await call(sim, '/cdi/integrations/cdi-ten/sync', { method: 'POST' })).status).toBe(
			202,
		);
		sim.injectFault({ next: true, kind: 'delay', delayMs: 60_000 });
		const pending = call(sim, '/cdi/integrations');
		await sleep(20);

		const before = Date.now();
		await sim.close();
		await sim.close();
		expect(Date.now() - before).toBeLessThan(1000);
		await expect(pending).rejects.toThrow();
		await expect(call(sim, '/cdi/integrations')).rejects.toThrow();
		expect(sim.integration('cdi-ten').syncs[0].job_status).toBe('running'); // its timer was cleared
	});
});

describe('a sync that runs long, a schedule that is missed', () => {
	const MINUTE = 60_000;
	const listed = async (sim: Simulator) =>
		Object.fromEntries(
			(await callJson(sim, '/cdi/integrations')).body.results.map((item) => [
				item.integration_id,
				item,
			]),
		);

	test('next_scheduled_run is the next hourly run still ahead, so a past history misses nothing', async () => {
		const sim = await simulator();
		const before = Date.now();
		const byId = await listed(sim);

		for (const id of ['cdi-one', 'cdi-ten', 'cdi-eleven']) {
			const next = Date.parse(byId[id].next_scheduled_run);
			expect(next).toBeGreaterThan(before);
			expect(next - before).toBeLessThanOrEqual(60 * MINUTE);
			expect((next - Date.parse(byId[id].last_job_start_time)) % (60 * MINUTE)).toBe(0);
		}
		expect(byId['cdi-empty'].next_scheduled_run).toBeNull();
		sim.addSyncs('cdi-one', makeSyncs(1, { newest: Date.now() + 10 * MINUTE }));
		// A sync that started recently: its schedule's next run is an hour after it.
		expect((await listed(sim))['cdi-one'].next_scheduled_run).toBe(
			new Date(
				Date.parse(sim.integration('cdi-one').syncs[0].sync_start_time) + 60 * MINUTE,
			).toISOString(),
		);
	});

	test('longSyncMinutes: cdi-long-sync, its newest sync running since that long ago', async () => {
		const before = Date.now();
		const sim = await simulator({ longSyncMinutes: 134 });
		const after = Date.now();

		const head = sim.integration('cdi-long-sync').syncs[0];
		expect(head.job_status).toBe('running');
		const start = Date.parse(head.sync_start_time);
		expect(start).toBeGreaterThanOrEqual(before - 134 * MINUTE);
		expect(start).toBeLessThanOrEqual(after - 134 * MINUTE);
		expect((await listed(sim))['cdi-long-sync']).toMatchObject({
			last_job_status: 'running',
			integration_name: 'Long sync (running 134 min)',
		});
		expect(sim.completeSync('cdi-long-sync', 'success')?.job_status).toBe('success');
	});

	test('missedScheduleMinutes: cdi-missed-schedule, due that long ago, no sync since; a sync clears it', async () => {
		const before = Date.now();
		const sim = await simulator({ integrations: [], missedScheduleMinutes: 45 });
		const after = Date.now();

		const item = (await listed(sim))['cdi-missed-schedule'];
		const due = Date.parse(item.next_scheduled_run);
		expect(due).toBeGreaterThanOrEqual(before - 45 * MINUTE);
		expect(due).toBeLessThanOrEqual(after - 45 * MINUTE);
		expect(Date.parse(item.last_job_start_time)).toBe(due - 60 * MINUTE);
		expect(item.last_job_status).not.toBe('running');
		// A sync that starts now is after the missed run: the list says so.
		const response = await call(sim, '/cdi/integrations/cdi-missed-schedule/sync', {
			method: 'POST',
		});
		expect(response.status).toBe(202);
		expect(
			Date.parse((await listed(sim))['cdi-missed-schedule'].last_job_start_time),
		).toBeGreaterThan(due);
	});

	test('the options want whole minutes', () => {
		expect(() => startSimulator({ longSyncMinutes: 1.5 })).toThrow(
			'longSyncMinutes must be a whole number of minutes >= 0',
		);
		expect(() => startSimulator({ missedScheduleMinutes: -1 })).toThrow(
			'missedScheduleMinutes must be a whole number of minutes >= 0',
		);
	});
});

describe('silent failures: a stopped watermark, a drop or spike of rows', () => {
	const HOUR = 3_600_000;
	const MINUTE = 60_000;
	const withRows = (syncs: Sync[]) =>
		syncs.filter((sync) => sync.job_status === 'success' || sync.job_status === 'partial');
	const rowsOf = (syncs: Sync[]) => syncs.map((sync) => sync.rows_synced);
	const median = (values: number[]) => {
		const sorted = [...values].sort((a, b) => a - b);
		const middle = sorted.length >> 1;
		return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
	};
	const mad = (values: number[]) => {
		const center = median(values);
		return median(values.map((value) => Math.abs(value - center)));
	};
	/** Issue 18's robust z of a count against its history: |x − median| / (1.4826 × MAD). */
	const robustZ = (value: number, history: number[]) =>
		Math.abs(value - median(history)) / (1.4826 * mad(history));
	const relativeChange = (value: number, history: number[]) =>
		Math.abs(value - median(history)) / median(history);
	const withinTwoPercent = (value: number, normal: number) =>
		Math.abs(value - normal) <= normal * 0.02;

	test('without the new options, every sync is as before (the e2e tests rely on it)', () => {
		expect(
			makeSyncs(5).map((sync) => [
				sync.rows_synced,
				sync.rows_failed_with_errors,
				sync.last_timestamp_synced,
			]),
		).toEqual([
			[800, 0, '2026-03-25T11:55:00.000Z'],
			[853, 8, '2026-03-25T10:55:00.000Z'],
			[0, 0, '2026-03-25T09:55:00.000Z'],
			[0, 0, '2026-03-25T08:55:00.000Z'],
			[1012, 0, '2026-03-25T07:55:00.000Z'],
		]);
		expect(
			makeSyncs(37, {
				normalRows: undefined,
				volumeChange: null,
				watermarkStopsAt: null,
				statuses: ['success', 'partial', 'error', 'config_error'],
			}),
		).toEqual(makeSyncs(37));
	});

	test('statuses: the cycle, newest first', () => {
		expect(makeSyncs(3, { statuses: ['success'] }).map((sync) => sync.job_status)).toEqual([
			'success',
			'success',
			'success',
		]);
		const cycled = makeSyncs(5, { statuses: ['error', 'success'] });
		expect(cycled.map((sync) => sync.job_status)).toEqual([
			'error',
			'success',
			'error',
			'success',
			'error',
		]);
		expect(rowsOf(cycled).map((rows) => rows > 0)).toEqual([false, true, false, true, false]);
		expect(() => makeSyncs(2, { statuses: [] })).toThrow(
			'makeSyncs: statuses must be a non-empty list of job statuses',
		);
	});

	test('normalRows: every sync with rows within 2 % of the normal, a clear median and MAD, none unusual', () => {
		const syncs = makeSyncs(80, { normalRows: 40_000 });
		const counted = rowsOf(withRows(syncs));
		expect(counted).toHaveLength(40);
		for (const rows of counted) expect(withinTwoPercent(rows, 40_000)).toBe(true);
		expect(new Set(counted).size).toBeGreaterThan(20); // it varies, so the MAD is not 0
		expect(Math.abs(median(counted) - 40_000)).toBeLessThanOrEqual(400);
		expect(mad(counted)).toBeGreaterThanOrEqual(200);
		expect(mad(counted)).toBeLessThanOrEqual(600);
		// Each sync against the 7 to 20 before it, as the trigger will judge it: never unusual.
		let worst = 0;
		for (const normal of [40_000, 1_000]) {
			const values = rowsOf(withRows(makeSyncs(80, { normalRows: normal, statuses: ['success'] })));
			for (let size = 7; size <= 20; size += 1) {
				for (let index = 0; index + size < values.length; index += 1) {
					const history = values.slice(index + 1, index + 1 + size);
					worst = Math.max(worst, robustZ(values[index], history));
				}
			}
		}
		expect(worst).toBeGreaterThan(1); // the variation is seen...
		expect(worst).toBeLessThan(3); // ...and never taken for a change
		// Only rows_synced of success and partial syncs changes; the same on every run.
		const plain = makeSyncs(80);
		expect(syncs.map(({ rows_synced: _, ...rest }) => rest)).toEqual(
			plain.map(({ rows_synced: _, ...rest }) => rest),
		);
		expect(rowsOf(syncs).filter((_, index) => index % 4 >= 2)).toEqual(Array(40).fill(0));
		expect(makeSyncs(80, { normalRows: 40_000 })).toEqual(syncs);
	});

	test('volumeChange newest: the newest N syncs with rows, multiplied or set; a running one does not count', () => {
		const options = { normalRows: 40_000, running: true } as const;
		const normal = makeSyncs(12, options);
		const dropped = makeSyncs(12, { ...options, volumeChange: { newest: 2, factor: 0.001 } });
		// 0 running, 1 partial, 2 error, 3 config_error, 4 success: 1 and 4 are the newest with rows.
		expect(rowsOf(dropped)).toEqual(
			rowsOf(normal).map((rows, index) =>
				index === 1 || index === 4 ? Math.round(rows * 0.001) : rows,
			),
		);
		const history = rowsOf(withRows(normal)).slice(2);
		expect(robustZ(dropped[1].rows_synced, history)).toBeGreaterThanOrEqual(3);
		expect(relativeChange(dropped[1].rows_synced, history)).toBeGreaterThanOrEqual(0.5);

		const none = makeSyncs(8, { volumeChange: { newest: 1, rows: 0 } });
		expect(none[0]).toEqual({ ...makeSyncs(8)[0], rows_synced: 0 });
		expect(none.slice(1)).toEqual(makeSyncs(8).slice(1));
		const spike = makeSyncs(4, { volumeChange: { newest: 1, factor: 100 } });
		expect(spike[0].rows_synced).toBe(makeSyncs(4)[0].rows_synced * 100);
	});

	test('volumeChange after: the syncs with rows that started after the time', () => {
		// 08:00 is a sync's start: not after itself.
		const spiked = makeSyncs(12, {
			statuses: ['success'],
			normalRows: 1_000,
			volumeChange: { after: '2026-03-25T08:00:00.000Z', factor: 100 },
		});
		expect(
			spiked.map((sync) => [sync.sync_start_time.slice(11, 16), sync.rows_synced > 10_000]),
		).toEqual(
			[12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map((hour) => [
				`${String(hour).padStart(2, '0')}:00`,
				hour > 8,
			]),
		);
		const set = makeSyncs(8, {
			volumeChange: { after: Date.parse('2026-03-25T07:30:00Z'), rows: 5 },
		});
		expect(rowsOf(set)).toEqual(
			rowsOf(makeSyncs(8)).map((rows, index) => (index <= 4 && rows > 0 ? 5 : rows)),
		);
	});

	test('watermarkStopsAt: no last_timestamp_synced past the time; the syncs otherwise as before', () => {
		const stop = '2026-03-25T06:30:00.000Z';
		const moving = makeSyncs(10, { statuses: ['success'], running: true });
		const stale = makeSyncs(10, {
			statuses: ['success'],
			running: true,
			watermarkStopsAt: new Date(stop),
		});
		expect(stale.map((sync) => sync.last_timestamp_synced)).toEqual([
			null, // the running sync has none
			stop, // 11:00 ... 07:00 would be 10:55 ... 06:55
			stop,
			stop,
			stop,
			stop,
			'2026-03-25T05:55:00.000Z',
			'2026-03-25T04:55:00.000Z',
			'2026-03-25T03:55:00.000Z',
			'2026-03-25T02:55:00.000Z',
		]);
		expect(stale.map(({ last_timestamp_synced: _, ...rest }) => rest)).toEqual(
			moving.map(({ last_timestamp_synced: _, ...rest }) => rest),
		);
		expect(makeSyncs(10, { watermarkStopsAt: Date.parse(stop) })).toEqual(
			makeSyncs(10, { watermarkStopsAt: stop }),
		);
	});

	test('bad options: errors that name the option and what it needs', () => {
		const cases: Array<[MakeSyncsOptions, string]> = [
			[{ normalRows: 1.5 }, 'makeSyncs: normalRows must be a whole number >= 0'],
			[
				{ watermarkStopsAt: 'soon' },
				'makeSyncs: watermarkStopsAt must be a Date, a time in ms or an ISO string',
			],
			[
				{ volumeChange: { factor: 2 } as never },
				'makeSyncs: volumeChange needs either newest: N or after: a time',
			],
			[
				{ volumeChange: { newest: 1, after: 0, factor: 2 } as never },
				'makeSyncs: volumeChange needs either newest: N or after: a time',
			],
			[
				{ volumeChange: { newest: 1 } as never },
				'makeSyncs: volumeChange needs either factor: F or rows: N',
			],
			[
				{ volumeChange: { newest: 0, factor: 2 } },
				'makeSyncs: volumeChange.newest must be a whole number >= 1',
			],
			[
				{ volumeChange: { newest: 1, factor: -1 } },
				'makeSyncs: volumeChange.factor must be a number >= 0',
			],
			[
				{ volumeChange: { newest: 1, rows: 2.5 } },
				'makeSyncs: volumeChange.rows must be a whole number >= 0',
			],
			[
				{ volumeChange: { after: 'later', rows: 1 } },
				'makeSyncs: volumeChange.after must be a Date, a time in ms or an ISO string',
			],
		];
		for (const [options, message] of cases) expect(() => makeSyncs(3, options)).toThrow(message);
		expect(() =>
			startSimulator({
				integrations: [{ integration_id: 'a' }, { integration_id: 'b', normalRows: -1 }],
			}),
		).toThrow('integrations[1]: normalRows must be a whole number >= 0');
	});

	test("an integration's normalRows, volumeChange and watermarkStopsAt shape the history it serves, unlisted", async () => {
		const stop = '2026-03-24T12:00:00.000Z';
		const shape = {
			normalRows: 40_000,
			volumeChange: { newest: 1, rows: 40 },
			watermarkStopsAt: stop,
		};
		const given = makeSyncs(6, { statuses: ['success'] });
		const sim = await simulator({
			integrations: [
				{ integration_id: 'int-count', syncs: 30, ...shape },
				{
					integration_id: 'int-given',
					syncs: given,
					normalRows: 500,
					watermarkStopsAt: Date.parse(stop),
				},
			],
		});
		const served = (await callJson(sim, jobsPath('int-count'))).body.results;
		expect(served).toEqual(makeSyncs(30, shape).slice(0, 10));
		expect(served[0].rows_synced).toBe(40);
		expect(served[0].last_timestamp_synced).toBe(stop);
		expect(sim.integration('int-given').syncs).toEqual(
			makeSyncs(6, { statuses: ['success'], normalRows: 500, watermarkStopsAt: stop }),
		);
		expect(given).toEqual(makeSyncs(6, { statuses: ['success'] })); // the input is untouched

		const listed = (await callJson(sim, '/cdi/integrations')).body.results;
		for (const item of listed) {
			expect(Object.keys(item)).toHaveLength(11); // the digest's fields, nothing of the simulator's
			for (const field of ['normalRows', 'volumeChange', 'watermarkStopsAt'])
				expect(item).not.toHaveProperty(field);
		}
		// Braze's last_updated_at follows the watermark: it stopped too.
		expect(listed.map((item) => item.last_updated_at)).toEqual([stop, stop]);
	});

	test('syncs an integration runs: the stopped watermark and the normal hold, volumeChange with after; a change applies to the next', async () => {
		const now = Date.now();
		const stop = now - 30 * HOUR;
		const sim = await simulator({
			syncDurationMs: 60_000,
			integrations: [
				{
					integration_id: 'int-stale',
					syncs: makeSyncs(3, { newest: now - HOUR, statuses: ['success'] }),
					normalRows: 40_000,
					watermarkStopsAt: stop,
				},
				{
					integration_id: 'int-spike',
					syncs: 3,
					volumeChange: { after: now - MINUTE, factor: 100 },
				},
				{
					integration_id: 'int-newest',
					syncs: 3,
					normalRows: 40_000,
					volumeChange: { newest: 1, factor: 0 },
				},
			],
		});
		const start = async (id: string) =>
			expect((await call(sim, `/cdi/integrations/${id}/sync`, { method: 'POST' })).status).toBe(
				202,
			);
		const run = async (id: string) => {
			await start(id);
			return sim.completeSync(id, 'success')!;
		};

		// Ended by its timer, as a sync runs by itself.
		sim.options.syncDurationMs = 20;
		await start('int-stale');
		const head = sim.integration('int-stale').syncs[0];
		while (head.job_status === 'running') await sleep(10);
		expect(head.last_timestamp_synced).toBe(new Date(stop).toISOString());
		expect(withinTwoPercent(head.rows_synced, 40_000)).toBe(true);
		sim.options.syncDurationMs = 60_000;

		sim.integration('int-stale').watermarkStopsAt = null;
		const moving = await run('int-stale');
		expect(Date.parse(moving.last_timestamp_synced!)).toBeGreaterThan(Date.now() - 10 * MINUTE);

		const spiked = await run('int-spike');
		expect(spiked.rows_synced).toBeGreaterThanOrEqual(80_000);
		expect(spiked.rows_synced % 100).toBe(0);
		const normalAgain = await run('int-newest');
		expect(withinTwoPercent(normalAgain.rows_synced, 40_000)).toBe(true);
		expect(sim.integration('int-newest').syncs[1].rows_synced).toBe(0);
	});

	test('staleHours, volumeDropPercent, volumeSpikeFactor: cdi-stale, cdi-volume-drop, cdi-volume-spike', async () => {
		const before = Date.now();
		const sim = await simulator({
			integrations: [],
			staleHours: 30,
			volumeDropPercent: 97,
			volumeSpikeFactor: 100,
		});
		const after = Date.now();
		expect(sim.integrations().map((it) => [it.integration_id, it.integration_name])).toEqual([
			['cdi-stale', 'Stale data (watermark stopped 30 h ago)'],
			['cdi-volume-drop', 'Volume drop (newest sync 97 % below normal)'],
			['cdi-volume-spike', 'Volume spike (newest sync 100× normal)'],
		]);
		expect(sim.integrations().map((it) => it.syncs.length)).toEqual([30 + 24, 30, 30]);
		for (const integration of sim.integrations()) {
			const { syncs } = integration;
			expect(new Set(syncs.map((sync) => sync.job_status))).toEqual(new Set(['success']));
			const newest = Date.parse(syncs[0].sync_start_time);
			expect(newest).toBeGreaterThanOrEqual(before - 10 * MINUTE);
			expect(newest).toBeLessThanOrEqual(after - 10 * MINUTE);
			expect(Date.parse(syncs[1].sync_start_time)).toBe(newest - HOUR);
			for (const sync of syncs.slice(1))
				expect(withinTwoPercent(sync.rows_synced, 40_000)).toBe(true);
		}
		const stale = sim.integration('cdi-stale').syncs;
		const stopped = Date.parse(stale[0].last_timestamp_synced!);
		expect(stopped).toBeGreaterThanOrEqual(before - 30 * HOUR);
		expect(stopped).toBeLessThanOrEqual(after - 30 * HOUR);
		expect(withinTwoPercent(stale[0].rows_synced, 40_000)).toBe(true);
		// The 30 syncs since carry it; the 24 before moved as usual, 5 minutes before each start.
		expect(new Set(stale.slice(0, 30).map((sync) => sync.last_timestamp_synced)).size).toBe(1);
		for (const sync of stale.slice(30)) {
			const lag = Date.parse(sync.sync_start_time) - Date.parse(sync.last_timestamp_synced!);
			expect(lag).toBeGreaterThanOrEqual(5 * MINUTE);
			expect(lag).toBeLessThan(10 * MINUTE);
		}
		const listed = (await callJson(sim, '/cdi/integrations')).body.results;
		expect(listed[0].last_updated_at).toBe(stale[0].last_timestamp_synced);

		const previous = (syncs: Sync[]) => rowsOf(syncs.slice(1, 21));
		const drop = sim.integration('cdi-volume-drop').syncs;
		expect(drop[0].rows_synced).toBeGreaterThanOrEqual(Math.round(40_000 * 0.98 * 0.03));
		expect(drop[0].rows_synced).toBeLessThanOrEqual(Math.round(40_000 * 1.02 * 0.03));
		expect(robustZ(drop[0].rows_synced, previous(drop))).toBeGreaterThanOrEqual(3);
		expect(relativeChange(drop[0].rows_synced, previous(drop))).toBeGreaterThanOrEqual(0.5);
		expect(Date.parse(drop[0].last_timestamp_synced!)).toBeGreaterThan(
			Date.parse(drop[0].sync_start_time) - 15 * MINUTE,
		);
		const spike = sim.integration('cdi-volume-spike').syncs;
		expect(spike[0].rows_synced).toBeGreaterThanOrEqual(40_000 * 0.98 * 100);
		expect(spike[0].rows_synced).toBeLessThanOrEqual(40_000 * 1.02 * 100);
		expect(relativeChange(spike[0].rows_synced, previous(spike))).toBeGreaterThanOrEqual(0.5);
	});

	test('the options are checked', () => {
		expect(() => startSimulator({ staleHours: 0 })).toThrow(
			'staleHours must be a whole number of hours >= 1',
		);
		expect(() => startSimulator({ staleHours: 2.5 })).toThrow(
			'staleHours must be a whole number of hours >= 1',
		);
		for (const percent of [0, 101])
			expect(() => startSimulator({ volumeDropPercent: percent })).toThrow(
				'volumeDropPercent must be a number above 0 and at most 100',
			);
		expect(() => startSimulator({ volumeSpikeFactor: 1 })).toThrow(
			'volumeSpikeFactor must be a number above 1',
		);
	});
});

describe('the command line (simulator/cli.js)', () => {
	test('--long-sync and --missed-schedule add their integrations to the seeded workspace', async () => {
		const cli = await startSimulatorProcess([
			'--api-key',
			KEY,
			'--long-sync',
			'150',
			'--missed-schedule',
			'40',
		]);
		try {
			const response = await fetch(`${cli.url}/cdi/integrations`, {
				headers: { authorization: `Bearer ${KEY}` },
			});
			const results = ((await response.json()) as Body).results;
			const byId = Object.fromEntries(results.map((item) => [item.integration_id, item]));
			const minutesAgo = (iso: string) => Math.round((Date.now() - Date.parse(iso)) / 60_000);

			expect(results.map((item) => item.integration_id).slice(-2)).toEqual([
				'cdi-long-sync',
				'cdi-missed-schedule',
			]);
			expect(byId['cdi-long-sync'].last_job_status).toBe('running');
			expect(minutesAgo(byId['cdi-long-sync'].last_job_start_time)).toBe(150);
			expect(minutesAgo(byId['cdi-missed-schedule'].next_scheduled_run)).toBe(40);
		} finally {
			await cli.close();
		}
	});

	test('--history N adds cdi-history with N syncs to the seeded workspace', async () => {
		const cli = await startSimulatorProcess(['--api-key', KEY, '--history', '25']);
		try {
			const get = (route: string) =>
				fetch(`${cli.url}${route}`, { headers: { authorization: `Bearer ${KEY}` } });

			const last = await get(`${jobsPath('cdi-history')}?cursor=${cursor(20)}`);
			expect(((await last.json()) as Body).results.map((sync) => sync.sync_start_time)).toEqual(
				makeSyncs(25)
					.slice(20)
					.map((sync) => sync.sync_start_time),
			);
			const listed = (await (await get('/cdi/integrations')).json()) as Body;
			expect(listed.results.map((integration) => integration.integration_id)).toEqual([
				...seedIntegrations().map((integration) => integration.integration_id),
				'cdi-history',
			]);
		} finally {
			await cli.close();
		}
	});

	test('--stale, --volume-drop and --volume-spike add their integrations to the seeded workspace', async () => {
		const cli = await startSimulatorProcess([
			'--api-key',
			KEY,
			'--stale',
			'26',
			'--volume-drop',
			'90',
			'--volume-spike',
			'50',
		]);
		try {
			const get = async (route: string) =>
				(
					(await (
						await fetch(`${cli.url}${route}`, { headers: { authorization: `Bearer ${KEY}` } })
					).json()) as Body
				).results;
			const listed = await get('/cdi/integrations');
			expect(listed.map((item) => item.integration_id).slice(-3)).toEqual([
				'cdi-stale',
				'cdi-volume-drop',
				'cdi-volume-spike',
			]);
			const stale = await get(jobsPath('cdi-stale'));
			const hoursAgo = (iso: string) => Math.round((Date.now() - Date.parse(iso)) / 3_600_000);
			expect(hoursAgo(stale[0].last_timestamp_synced)).toBe(26);
			expect(stale[0].job_status).toBe('success');
			const [drop] = await get(jobsPath('cdi-volume-drop'));
			expect(drop.rows_synced).toBeGreaterThanOrEqual(40_000 * 0.98 * 0.1);
			expect(drop.rows_synced).toBeLessThanOrEqual(40_000 * 1.02 * 0.1);
			const [spike] = await get(jobsPath('cdi-volume-spike'));
			expect(spike.rows_synced).toBeGreaterThanOrEqual(40_000 * 0.98 * 50);
			expect(spike.rows_synced).toBeLessThanOrEqual(40_000 * 1.02 * 50);
		} finally {
			await cli.close();
		}
	});

	test('a bad --stale, --volume-drop or --volume-spike: the process exits, saying what it needs', async () => {
		await Promise.all([
			expect(startSimulatorProcess(['--volume-drop', '0'])).rejects.toThrow(
				'--volume-drop needs a number above 0 and at most 100, not "0"',
			),
			expect(startSimulatorProcess(['--volume-spike', '1'])).rejects.toThrow(
				'--volume-spike needs a number above 1, not "1"',
			),
			expect(startSimulatorProcess(['--stale', '1.5'])).rejects.toThrow(
				'--stale needs a whole number >= 1, not "1.5"',
			),
		]);
	});

	test('a bad option: the process exits, and the start says so', async () => {
		await expect(startSimulatorProcess(['--history', 'many'])).rejects.toThrow(
			'the simulator exited (2) before listening: --history needs a whole number >= 0, not "many"',
		);
	});
});
