import nock from 'nock';
import type { IDataObject } from 'n8n-workflow';

import type { Simulator } from '../simulator';
import { makeSyncs, startSimulator } from '../simulator';
import { reportHtml, reportText } from '../nodes/BrazeCdi/helpers/report';
import { summarizeSyncs } from '../nodes/BrazeCdi/helpers/summary';
import { API_KEY, ENDPOINT, runBrazeNode } from './harness';

const HOUR = 3_600_000;
const NEWEST = Date.parse('2026-03-25T12:00:00.000Z');
let sim: Simulator;
const credentials = () => ({ restEndpoint: 'custom', customUrl: sim.url, apiKey: API_KEY });
const summarize = (extra = {}) => ({
	resource: 'jobSync',
	operation: 'summarize',
	integrationId: { __rl: true, mode: 'id', value: 'int-long' },
	startedAfter: '2026-03-25T00:00:00Z',
	startedBefore: '2026-03-25T12:30:00Z',
	...extra,
});

describe('summarizeSyncs', () => {
	const sync = (
		job_status: string,
		hour: number,
		minutes: number,
		rows_synced: number,
		rows_failed_with_errors = 0,
	) => ({
		job_status,
		sync_start_time: new Date(NEWEST - hour * HOUR).toISOString(),
		sync_finish_time:
			job_status === 'running'
				? null
				: new Date(NEWEST - hour * HOUR + minutes * 60_000).toISOString(),
		rows_synced,
		rows_failed_with_errors,
	});

	test('counts, rows, failure rate, last success and failure, durations, healthy', () => {
		const report = summarizeSyncs([
			sync('running', 0, 0, 0),
			sync('success', 1, 2, 900),
			sync('partial', 2, 4, 50, 50),
			sync('success', 3, 6, 0),
		]);

		expect(report).toEqual({
			syncs: 4,
			status_counts: { running: 1, success: 2, partial: 1, error: 0, config_error: 0 },
			rows_synced: 950,
			rows_failed_with_errors: 50,
			row_failure_rate: 0.05,
			last_success: {
				job_status: 'success',
				sync_start_time: '2026-03-25T11:00:00.000Z',
				sync_finish_time: '2026-03-25T11:02:00.000Z',
			},
			last_failure: {
				job_status: 'partial',
				sync_start_time: '2026-03-25T10:00:00.000Z',
				sync_finish_time: '2026-03-25T10:04:00.000Z',
			},
			mean_duration_seconds: 240,
			max_duration_seconds: 360,
			data_age_hours: null,
			rows_unusual: null,
			rows_change_percent: null,
			expected_rows: null,
			healthy: true,
			// 1 failed (partial) of 3 finished: past the default 25 %.
			health: 'degraded',
		});
	});

	test('unhealthy when the newest finished sync failed, or when none succeeded', () => {
		expect(summarizeSyncs([sync('error', 1, 1, 0), sync('success', 2, 1, 10)]).healthy).toBe(false);
		expect(
			summarizeSyncs([
				sync('running', 0, 0, 0),
				sync('config_error', 1, 1, 0),
				sync('success', 2, 1, 10),
			]).healthy,
		).toBe(false);
		expect(summarizeSyncs([sync('running', 0, 0, 0), sync('success', 2, 1, 10)]).healthy).toBe(
			true,
		);
		expect(summarizeSyncs([]).healthy).toBe(false);
		expect(summarizeSyncs([]).row_failure_rate).toBeNull();
	});

	/** A sync whose data reaches `dataHoursAgo` hours before NEWEST. */
	const withData = (each: IDataObject, dataHoursAgo: number): IDataObject => ({
		...each,
		last_timestamp_synced: new Date(NEWEST - dataHoursAgo * HOUR).toISOString(),
	});

	describe('data_age_hours', () => {
		test("hours from the newest finished sync's data to `at`, to two decimals", () => {
			const figures = summarizeSyncs(
				[withData(sync('success', 1, 1, 10), 1.5), withData(sync('success', 2, 1, 10), 2.5)],
				{ at: NEWEST + HOUR / 3 },
			);
			expect(figures.data_age_hours).toBe(1.83);
		});

		test('a running sync, or a finished one without a timestamp (a failure), is skipped', () => {
			const figures = summarizeSyncs(
				[
					withData(sync('running', 0, 0, 0), 0),
					sync('error', 1, 1, 0),
					withData(sync('success', 2, 1, 10), 30),
				],
				{ at: NEWEST },
			);
			expect(figures.data_age_hours).toBe(30);
		});

		test('null without a sync that has one; 0 for data newer than `at`', () => {
			expect(summarizeSyncs([sync('success', 1, 1, 10)], { at: NEWEST }).data_age_hours).toBeNull();
			expect(summarizeSyncs([], { at: NEWEST }).data_age_hours).toBeNull();
			expect(
				summarizeSyncs([withData(sync('success', 1, 1, 10), -2)], { at: NEWEST }).data_age_hours,
			).toBe(0);
		});

		test('stale past staleHours (24 by default), not at it; judged on the figure shown', () => {
			const at = (ageHours: number, staleHours?: number) =>
				summarizeSyncs([withData(sync('success', 1, 1, 10), 0)], {
					at: NEWEST + ageHours * HOUR,
					staleHours,
				});
			expect(at(24)).toMatchObject({ data_age_hours: 24, healthy: true, health: 'healthy' });
			expect(at(24.01)).toMatchObject({
				data_age_hours: 24.01,
				healthy: false,
				health: 'unhealthy',
			});
			// 24 h and 14 s shows as 24 h, and is judged so.
			expect(at(24 + 14 / 3600)).toMatchObject({ data_age_hours: 24, healthy: true });
			expect(at(2, 1.99)).toMatchObject({ healthy: false });
			expect(at(2, 2)).toMatchObject({ healthy: true });
			expect(at(0, 0)).toMatchObject({ healthy: true });
		});
	});

	describe('rows_unusual and expected_rows', () => {
		/** The newest sync with `rows`, after `previous` (rows of older syncs, newest first). */
		const volume = (rows: number, previous: number[], newest: IDataObject[] = []) =>
			summarizeSyncs(
				[
					...newest,
					sync('success', 1, 1, rows),
					...previous.map((each, index) =>
						sync(index % 2 ? 'partial' : 'success', index + 2, 1, each),
					),
				],
				{ at: NEWEST },
			);

		test('fewer than 7 earlier syncs: not judged, no normal', () => {
			expect(volume(0, [1000, 1000, 1000, 1000, 1000, 1000])).toMatchObject({
				rows_unusual: null,
				rows_change_percent: null,
				expected_rows: null,
				healthy: true,
			});
		});

		test('7 earlier syncs: the normal is their median; a usual sync is healthy', () => {
			expect(volume(1200, [1000, 1000, 1000, 1000, 1000, 1000, 1000])).toMatchObject({
				rows_unusual: null,
				rows_change_percent: null,
				expected_rows: 1000,
				healthy: true,
			});
		});

		test('at the 50 % thresholds (MAD 0: the change alone decides), and just inside them', () => {
			const steady = [1000, 1000, 1000, 1000, 1000, 1000, 1000];
			expect(volume(500, steady)).toMatchObject({
				rows_unusual: 'drop',
				rows_change_percent: -50,
				expected_rows: 1000,
				healthy: false,
				health: 'unhealthy',
			});
			expect(volume(501, steady)).toMatchObject({ rows_unusual: null, healthy: true });
			expect(volume(1500, steady)).toMatchObject({
				rows_unusual: 'spike',
				rows_change_percent: 50,
				healthy: false,
			});
			expect(volume(1499, steady)).toMatchObject({ rows_unusual: null, healthy: true });
			expect(volume(0, steady)).toMatchObject({ rows_unusual: 'drop', rows_change_percent: -100 });
		});

		test('a wide normal: a 50 % change within 3 robust deviations is not unusual', () => {
			const wide = [30_000, 35_000, 35_000, 40_000, 45_000, 45_000, 50_000];
			expect(volume(20_000, wide)).toMatchObject({ rows_unusual: null, expected_rows: 40_000 });
			expect(volume(17_761, wide)).toMatchObject({ rows_unusual: 'drop' });
		});

		test('the newest success or partial is judged, past newer failed or running syncs', () => {
			const steady = [1000, 1000, 1000, 1000, 1000, 1000, 1000];
			expect(volume(40, steady, [sync('running', -1, 0, 0), sync('error', 0, 1, 0)])).toMatchObject(
				{ rows_unusual: 'drop', expected_rows: 1000 },
			);
			// Failed syncs in between are no measurement: still 7 earlier ones.
			const figures = summarizeSyncs(
				[
					sync('success', 0, 1, 40),
					sync('error', 1, 1, 0),
					sync('config_error', 2, 1, 0),
					...steady.map((each, index) => sync('success', index + 3, 1, each)),
				],
				{ at: NEWEST },
			);
			expect(figures).toMatchObject({ rows_unusual: 'drop', expected_rows: 1000 });
		});

		test('no success or partial sync: nothing to judge', () => {
			expect(
				summarizeSyncs([sync('error', 0, 1, 0), sync('error', 1, 1, 0)], { at: NEWEST }),
			).toMatchObject({ rows_unusual: null, expected_rows: null });
		});
	});

	describe('health: healthy, degraded, unhealthy', () => {
		/** `failed` error syncs among `count`, the newest a success. */
		const share = (failed: number, count: number, degradedPercent?: number) =>
			summarizeSyncs(
				Array.from({ length: count }, (_, index) =>
					sync(index >= 1 && index <= failed ? 'error' : 'success', index, 1, 1000),
				),
				{ at: NEWEST, degradedPercent },
			);

		test('degraded from 25 % of the finished syncs failing (6 of 24 exactly), not below', () => {
			expect(share(6, 24)).toMatchObject({ healthy: true, health: 'degraded' });
			expect(share(5, 24)).toMatchObject({ healthy: true, health: 'healthy' });
			expect(share(0, 3)).toMatchObject({ healthy: true, health: 'healthy' });
		});

		test('degradedPercent moves the line; 100 never marks a healthy one degraded', () => {
			expect(share(18, 24, 75)).toMatchObject({ health: 'degraded' });
			expect(share(17, 24, 75)).toMatchObject({ health: 'healthy' });
			expect(share(23, 24, 100)).toMatchObject({ health: 'healthy' });
		});

		test('running syncs are not finished: they neither fail nor dilute the share', () => {
			const figures = summarizeSyncs(
				[
					sync('running', 0, 0, 0),
					sync('running', 0.5, 0, 0),
					sync('success', 1, 1, 10),
					sync('partial', 2, 1, 10, 1),
					sync('success', 3, 1, 10),
					sync('success', 4, 1, 10),
				],
				{ at: NEWEST },
			);
			expect(figures).toMatchObject({ healthy: true, health: 'degraded' });
		});

		test('unhealthy wins over degraded; healthy keeps its meaning', () => {
			expect(share(23, 24)).toMatchObject({ healthy: true, health: 'degraded' });
			const failing = summarizeSyncs([sync('error', 0, 1, 0), sync('success', 1, 1, 10)], {
				at: NEWEST,
			});
			expect(failing).toMatchObject({ healthy: false, health: 'unhealthy' });
			expect(summarizeSyncs([], { at: NEWEST })).toMatchObject({
				healthy: false,
				health: 'unhealthy',
			});
		});
	});

	test('unknown statuses are counted under their own name', () => {
		expect(
			summarizeSyncs([{ job_status: 'limit_exceeded', sync_start_time: '2026-03-25T00:00:00Z' }])
				.status_counts,
		).toMatchObject({
			limit_exceeded: 1,
		});
	});
});

describe('Summarize (in the engine)', () => {
	beforeAll(() => nock.enableNetConnect('127.0.0.1'));
	beforeEach(async () => {
		sim = await startSimulator({
			apiKeys: { [API_KEY]: ['cdi.integration_job_status', 'cdi.integration_list'] },
			integrations: [
				{
					integration_id: 'int-long',
					integration_name: 'Orders',
					contact_emails: 'orders@example.com, ops@example.com',
					syncs: makeSyncs(100),
				},
				{
					integration_id: 'int-quiet',
					integration_name: 'Quiet',
					syncs: makeSyncs(2, { newest: NEWEST - 48 * HOUR }),
				},
			],
		});
	});
	afterEach(async () => await sim.close());

	test("one integration: the window's syncs only, reading only the pages it needs", async () => {
		const result = await runBrazeNode({ parameters: summarize(), credentials: credentials() });

		expect(result.error).toBeUndefined();
		const expected = summarizeSyncs(sim.integration('int-long').syncs.slice(0, 13), {
			at: Date.parse('2026-03-25T12:30:00Z'),
		}); // 12:00 back to 00:00
		expect(result.items.map((item) => item.json)).toEqual([
			{
				integration_id: 'int-long',
				integration_name: null,
				window_start: '2026-03-25T00:00:00.000Z',
				window_end: '2026-03-25T12:30:00.000Z',
				...expected,
			},
		]);
		expect(result.items[0].json).toMatchObject({
			syncs: 13,
			// The 12:00 sync read up to 11:55: 35 minutes before the window's end.
			data_age_hours: 0.58,
			healthy: true,
			// 9 of its 13 finished syncs failed (partial, error or config error).
			health: 'degraded',
		});
		// Without All Integrations the list is not read, so there are no contact emails.
		expect(result.items[0].json).not.toHaveProperty('contact_emails');
		expect(sim.requestsFor('/cdi/integrations/int-long/job_sync_status')).toHaveLength(2);
		expect(sim.requestsFor(/^\/cdi\/integrations$/)).toHaveLength(0);
	});

	test('without Started Before, data age is measured to now', async () => {
		await sim.close();
		sim = await startSimulator({
			apiKeys: { [API_KEY]: ['cdi.integration_job_status', 'cdi.integration_list'] },
			integrations: [
				{
					integration_id: 'int-long',
					syncs: makeSyncs(5, { newest: Date.now() - 30 * HOUR }),
				},
			],
		});

		const result = await runBrazeNode({
			parameters: summarize({ startedAfter: '2020-01-01T00:00:00Z', startedBefore: '' }),
			credentials: credentials(),
		});

		expect(result.error).toBeUndefined();
		const age = result.items[0].json.data_age_hours as number;
		// Read up to 30 h 5 min ago at most, 30 h 10 min at least; the run takes seconds.
		expect(age).toBeGreaterThanOrEqual(30.08);
		expect(age).toBeLessThan(30.25);
		expect(result.items[0].json).toMatchObject({ healthy: false, health: 'unhealthy' });
	});

	test('Options: Stale After and Degraded at Failed Syncs change the judgement and the report', async () => {
		const run = async (options: object) =>
			(
				await runBrazeNode({
					parameters: summarize({ options: { report: true, ...options } }),
					credentials: credentials(),
				})
			).items[0].json;

		expect(await run({ degradedPercent: 69 })).toMatchObject({ health: 'degraded' });
		const tolerant = await run({ degradedPercent: 70 });
		expect(tolerant).toMatchObject({ healthy: true, health: 'healthy' });
		expect(tolerant.report_text).toContain('✅ int-long: 13 syncs');

		const strict = await run({ staleHours: 0.5 });
		expect(strict).toMatchObject({ data_age_hours: 0.58, healthy: false, health: 'unhealthy' });
		expect(String(strict.report_text).split('\n')[1]).toMatch(
			/^❌ int-long: data 34 min old, fails 9 of 13 syncs \(69\.23 %\); 13 syncs/,
		);
		expect(strict.report_html).toContain('data 34 min old, fails 9 of 13 syncs (69.23 %)');
		expect((await run({ staleHours: 0.58 })).healthy).toBe(true);
	});

	test.each([
		[{ staleHours: -1 }, 'Options → Stale After (Hours) must be a number of 0 or more, not -1'],
		[{ staleHours: '24' }, 'Options → Stale After (Hours) must be a number of 0 or more, not "24"'],
		[
			{ degradedPercent: 0 },
			'Options → Degraded at Failed Syncs (%) must be a number from 1 to 100, not 0',
		],
		[
			{ degradedPercent: 101 },
			'Options → Degraded at Failed Syncs (%) must be a number from 1 to 100, not 101',
		],
		[
			{ degradedPercent: NaN },
			'Options → Degraded at Failed Syncs (%) must be a number from 1 to 100, not NaN',
		],
	])('option %j is refused before any request', async (options, message) => {
		const result = await runBrazeNode({
			parameters: summarize({ allIntegrations: true, options }),
			credentials: credentials(),
		});

		expect(result.error?.message).toBe(message);
		expect(sim.requests).toEqual([]);
	});

	test('all integrations: one item each, with its name and contact emails as Braze gives them', async () => {
		const result = await runBrazeNode({
			parameters: summarize({ allIntegrations: true }),
			credentials: credentials(),
		});

		expect(
			result.items.map((item) => [
				item.json.integration_id,
				item.json.integration_name,
				item.json.contact_emails,
				item.json.syncs,
				item.json.healthy,
				item.json.health,
			]),
		).toEqual([
			['int-long', 'Orders', 'orders@example.com, ops@example.com', 13, true, 'degraded'],
			['int-quiet', 'Quiet', 'data-team@example.com', 0, false, 'unhealthy'],
		]);
		// The list was read once, for the names and emails alike.
		expect(sim.requestsFor(/^\/cdi\/integrations$/)).toHaveLength(1);
		expect(
			result.items.every(
				(item) => item.pairedItem && (item.pairedItem as { item: number }).item === 0,
			),
		).toBe(true);
		expect(sim.requestsFor('/cdi/integrations/int-quiet/job_sync_status')).toHaveLength(1);
	});

	test('the default window is the last 24 hours', async () => {
		await sim.close();
		sim = await startSimulator({
			apiKeys: { [API_KEY]: ['cdi.integration_job_status', 'cdi.integration_list'] },
			integrations: [
				{ integration_id: 'int-long', syncs: makeSyncs(40, { newest: Date.now() - 30 * 60_000 }) },
			],
		});

		const result = await runBrazeNode({
			parameters: {
				resource: 'jobSync',
				operation: 'summarize',
				integrationId: { __rl: true, mode: 'id', value: 'int-long' },
				startedAfter: '={{ $now.minus({ hours: 24 }).toISO() }}',
			},
			credentials: credentials(),
		});

		expect(result.items[0].json.syncs).toBe(24);
	});

	test('a window that ends before it starts is refused before any request', async () => {
		const result = await runBrazeNode({
			parameters: summarize({
				startedAfter: '2026-03-25T12:00:00Z',
				startedBefore: '2026-03-25T00:00:00Z',
			}),
			credentials: credentials(),
		});

		expect(result.error?.message).toBe('Started After must be earlier than Started Before');
		expect(sim.requests).toEqual([]);
	});

	describe('report and combine options', () => {
		const all = (options: object) => summarize({ allIntegrations: true, options: { ...options } });
		/** The figures and syncs Summarize reports on, per integration, as the simulator holds them. */
		async function expectedEntries() {
			const plain = await runBrazeNode({
				parameters: summarize({ allIntegrations: true }),
				credentials: credentials(),
			});
			const windowStart = Date.parse('2026-03-25T00:00:00Z');
			const windowEnd = Date.parse('2026-03-25T12:30:00Z');
			return plain.items.map((item) => ({
				figures: item.json,
				syncs: sim.integration(String(item.json.integration_id)).syncs.filter((sync) => {
					const start = Date.parse(sync.sync_start_time);
					return start >= windowStart && start < windowEnd;
				}),
			}));
		}

		test('Add Report: each item gets its own report_text and report_html beside the figures', async () => {
			const entries = await expectedEntries();
			const result = await runBrazeNode({
				parameters: all({ report: true }),
				credentials: credentials(),
				timezone: 'America/New_York',
			});

			expect(result.error).toBeUndefined();
			expect(result.items.map((item) => item.json)).toEqual(
				entries.map((entry) => ({
					...entry.figures,
					report_text: reportText([entry], 'America/New_York'),
					report_html: reportHtml([entry], 'America/New_York'),
				})),
			);
			const orders = result.items[0].json;
			expect(String(orders.report_html).match(/<td data-status=/g)).toHaveLength(13);
			expect(orders.report_text).toContain('(America/New_York)');
			expect(orders.report_text).toContain('from 2026-03-24 20:00 to 2026-03-25 08:30');
		});

		test('Add Report and One Item for All Integrations: one item, one report of all, the figures in integrations', async () => {
			const entries = await expectedEntries();
			const result = await runBrazeNode({
				parameters: all({ report: true, combine: true }),
				credentials: credentials(),
			});

			expect(result.error).toBeUndefined();
			expect(result.items).toHaveLength(1);
			const [{ json }] = result.items;
			expect(json).toEqual({
				integrations: entries.map((entry) => entry.figures),
				report_text: reportText(entries, 'UTC'),
				report_html: reportHtml(entries, 'UTC'),
			});
			// Quiet had no sync in the window, so it is unhealthy and comes first; Orders, whose
			// newest sync succeeded but which failed 9 of 13, is degraded.
			expect(String(json.report_text).split('\n').slice(1)).toEqual([
				expect.stringMatching(/^❌ Quiet \(int-quiet\): no syncs in the window$/),
				'⚠️ Orders (int-long): fails 9 of 13 syncs (69.23 %); 13 syncs (4 success, 3 partial, 3 error, 3 config error); 7,667 rows synced, 58 failed (0.75 %); last failure: partial, started 2026-03-25 11:00',
			]);
			expect((result.items[0].pairedItem as { item: number }).item).toBe(0);
		});

		test('One Item for All Integrations alone: one item with integrations, no report', async () => {
			const entries = await expectedEntries();
			const result = await runBrazeNode({
				parameters: all({ combine: true }),
				credentials: credentials(),
			});

			expect(result.items.map((item) => item.json)).toEqual([
				{ integrations: entries.map((entry) => entry.figures) },
			]);
		});

		test('neither option: the figures alone, one item per integration', async () => {
			const result = await runBrazeNode({
				parameters: all({ report: false, combine: false }),
				credentials: credentials(),
			});

			expect(result.items).toHaveLength(2);
			for (const item of result.items) {
				expect(item.json).not.toHaveProperty('report_text');
				expect(item.json).not.toHaveProperty('report_html');
				expect(item.json).not.toHaveProperty('integrations');
			}
		});
	});
});

describe('Summarize: Max Rate-Limit Wait bounds all its reads together', () => {
	/** Each integration's first request is refused for 0.6 s, then answered. */
	function refusedOnce(ids: string[]) {
		const api = nock(ENDPOINT)
			.get('/cdi/integrations')
			.reply(200, {
				results: ids.map((id) => ({ integration_id: id, integration_name: id })),
				message: 'success',
			});
		for (const id of ids) {
			api
				.get(`/cdi/integrations/${id}/job_sync_status`)
				.reply(429, { message: 'Too Many Requests' }, { 'retry-after': '0.6' })
				.get(`/cdi/integrations/${id}/job_sync_status`)
				.reply(200, { results: [], message: 'success' });
		}
		return api;
	}
	const summarizeAll = (maxWait: number) =>
		runBrazeNode({
			parameters: {
				resource: 'jobSync',
				operation: 'summarize',
				allIntegrations: true,
				startedAfter: '2026-03-24T00:00:00Z',
				startedBefore: '2026-03-25T00:00:00Z',
				options: { maxWait },
			},
		});

	test('each wait fits in 1 s, but not the two together: it fails before the second', async () => {
		const api = refusedOnce(['a', 'b']);

		const result = await summarizeAll(1);

		expect(result.error?.message).toBe(
			"Braze's rate limit would make this wait longer than Max Rate-Limit Wait (1 s)",
		);
		// b was refused, and not asked again.
		expect(api.pendingMocks()).toEqual([`GET ${ENDPOINT}:443/cdi/integrations/b/job_sync_status`]);
	});

	test('with room for both waits, every integration is reported', async () => {
		const api = refusedOnce(['a', 'b']);

		const result = await summarizeAll(2);

		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.json.integration_id)).toEqual(['a', 'b']);
		expect(api.isDone()).toBe(true);
	});
});
