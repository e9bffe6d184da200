import nock from 'nock';

import type { Simulator } from '../simulator';
import { makeSyncs, startSimulator } from '../simulator';
import { reportHtml, reportText } from '../nodes/BrazeCdi/helpers/report';
import { summarizeSyncs } from '../nodes/BrazeCdi/helpers/summary';
import { API_KEY, runBrazeNode } from './harness';

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
			healthy: true,
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
				{ integration_id: 'int-long', integration_name: 'Orders', syncs: makeSyncs(100) },
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
		const expected = summarizeSyncs(sim.integration('int-long').syncs.slice(0, 13)); // 12:00 back to 00:00
		expect(result.items.map((item) => item.json)).toEqual([
			{
				integration_id: 'int-long',
				integration_name: null,
				window_start: '2026-03-25T00:00:00.000Z',
				window_end: '2026-03-25T12:30:00.000Z',
				...expected,
			},
		]);
		expect(result.items[0].json.syncs).toBe(13);
		expect(sim.requestsFor('/cdi/integrations/int-long/job_sync_status')).toHaveLength(2);
	});

	test('all integrations: one item each, with its name', async () => {
		const result = await runBrazeNode({
			parameters: summarize({ allIntegrations: true }),
			credentials: credentials(),
		});

		expect(
			result.items.map((item) => [
				item.json.integration_id,
				item.json.integration_name,
				item.json.syncs,
				item.json.healthy,
			]),
		).toEqual([
			['int-long', 'Orders', 13, true],
			['int-quiet', 'Quiet', 0, false],
		]);
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
			// Quiet had no sync in the window, so it is unhealthy and comes first.
			expect(String(json.report_text).split('\n').slice(1)).toEqual([
				expect.stringMatching(/^❌ Quiet \(int-quiet\): no syncs in the window$/),
				expect.stringMatching(/^✅ Orders \(int-long\): 13 syncs/),
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
