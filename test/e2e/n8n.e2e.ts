/**
 * End-to-end: the packed package installed as a community package in real n8n (the pinned 2.x
 * and the newest 1.x), workflows run with `n8n execute` against the Braze CDI simulator.
 */
import nock from 'nock';

import type { Simulator } from '../../simulator';
import { makeSyncs, startSimulator } from '../../simulator';
import { summarizeSyncs } from '../../nodes/BrazeCdi/helpers/summary';
import { createN8n, executionError, nodeItems, packPackage, removePack } from '../../scripts/n8n';
import { brazeWorkflow, BRAZE_NODE, byId, exampleWorkflow } from './workflows';
import { E2E_VERSIONS } from './versions';

const KEY = 'e2e-key-3f9a7c1d-0b2e-4a6f-8c5d-9e1f2a3b4c5d';
const LIST_ONLY_KEY = 'e2e-key-list-only-7b2c9d4e';
const WRONG_KEY = 'e2e-wrong-key-0c8d1e2f3a4b';
const ALL_PERMISSIONS = [
	'cdi.integration_job_status',
	'cdi.integration_list',
	'cdi.integration_sync',
];

const HOUR = 3_600_000;
const failedSyncs = makeSyncs(4).slice(2); // newest first: error, config_error
const recentSyncs = makeSyncs(30, { newest: Date.now() - 10 * 60_000 }); // hourly, up to 10 minutes ago

let tarball: string;
let sims: Record<'main' | 'absolute' | 'missingSlash' | 'foreign' | 'otherOrigin', Simulator>;

beforeAll(async () => {
	nock.enableNetConnect(/127\.0\.0\.1|localhost/);
	tarball = packPackage();
	const integrations = () => [
		{ integration_id: 'int-37', integration_name: 'Orders', syncs: makeSyncs(37) },
	];
	const apiKeys = { [KEY]: ALL_PERMISSIONS, [LIST_ONLY_KEY]: ['cdi.integration_list'] };
	const otherOrigin = await startSimulator({ apiKeys, integrations: integrations() });
	sims = {
		otherOrigin,
		main: await startSimulator({
			apiKeys,
			integrations: [
				...integrations(),
				{ integration_id: 'int-failed', integration_name: 'Failing', syncs: failedSyncs },
				{ integration_id: 'int-recent', integration_name: 'Recent', syncs: recentSyncs },
				{ integration_id: 'int-trigger', integration_name: 'Triggered', syncs: makeSyncs(3) },
				{ integration_id: 'int-example-run', integration_name: 'Example run', syncs: makeSyncs(3) },
			],
			syncDurationMs: 1500,
			syncStatus: 'partial',
		}),
		absolute: await startSimulator({
			apiKeys,
			integrations: integrations(),
			linkStyle: 'absolute',
		}),
		missingSlash: await startSimulator({
			apiKeys,
			integrations: integrations(),
			linkStyle: 'missingSlash',
		}),
		foreign: await startSimulator({
			apiKeys,
			integrations: integrations(),
			linkStyle: 'foreign',
			foreignOrigin: otherOrigin.url,
		}),
	};
}, 120_000);

afterAll(async () => {
	await Promise.all(Object.values(sims ?? {}).map((sim) => sim.close()));
	removePack(tarball);
});

const credential = (id: string, sim: Simulator, apiKey = KEY) => ({
	id,
	name: id,
	type: 'brazeCdiApi',
	data: { restEndpoint: 'custom', customUrl: sim.url, apiKey },
});

/** The simulator's syncs as the node emits them. */
const asItems = (syncs: Array<Record<string, unknown>>, integrationId = 'int-37') =>
	syncs.map((sync) => ({
		...sync,
		integration_id: integrationId,
		duration_seconds: sync.sync_finish_time
			? (Date.parse(String(sync.sync_finish_time)) - Date.parse(String(sync.sync_start_time))) /
				1000
			: null,
	}));

describe.each(E2E_VERSIONS)('n8n %s with the packed package', (version) => {
	let n8n: Awaited<ReturnType<typeof createN8n>>;
	const list = (extra = {}) => ({
		resource: 'jobSync',
		operation: 'list',
		integrationId: byId('int-37'),
		...extra,
	});
	const getLatest = (extra = {}) => ({
		resource: 'jobSync',
		operation: 'getLatest',
		integrationId: byId('int-37'),
		...extra,
	});

	afterAll(() => n8n?.remove());
	beforeAll(async () => {
		n8n = await createN8n({ version, tarball });
		await n8n.importCredentials([
			credential('main', sims.main),
			credential('absolute', sims.absolute),
			credential('missing-slash', sims.missingSlash),
			credential('foreign', sims.foreign),
			credential('wrong-key', sims.main, WRONG_KEY),
			credential('list-only', sims.main, LIST_ONLY_KEY),
		]);
		await n8n.importWorkflows([
			brazeWorkflow('list-all', list({ returnAll: true }), 'main'),
			brazeWorkflow('list-all-absolute', list({ returnAll: true }), 'absolute'),
			brazeWorkflow('list-all-missing-slash', list({ returnAll: true }), 'missing-slash'),
			brazeWorkflow('list-limit-15', list({ limit: 15 }), 'main'),
			brazeWorkflow(
				'list-error-status',
				list({ returnAll: true, filters: { status: ['error', 'config_error'] } }),
				'main',
			),
			brazeWorkflow(
				'list-window',
				list({
					returnAll: true,
					filters: { startedAfter: '2026-03-25T03:00:00Z', startedBefore: '2026-03-25T10:00:00Z' },
				}),
				'main',
			),
			brazeWorkflow('get-latest', getLatest(), 'main'),
			brazeWorkflow('get-latest-partial', getLatest({ filters: { status: ['partial'] } }), 'main'),
			brazeWorkflow(
				'get-latest-expression-date',
				getLatest({
					filters: { startedBefore: "={{ DateTime.fromISO('2026-03-25T09:30:00Z') }}" },
				}),
				'main',
			),
			brazeWorkflow(
				'invalid-id',
				list({ returnAll: true, integrationId: byId('no-such-integration') }),
				'main',
			),
			brazeWorkflow('wrong-key', list({ returnAll: true }), 'wrong-key'),
			brazeWorkflow('list-only-key', list({ returnAll: true }), 'list-only'),
			brazeWorkflow('foreign-next', list({ returnAll: true }), 'foreign'),
			brazeWorkflow(
				'list-integrations',
				{ resource: 'integration', operation: 'list', returnAll: true },
				'main',
			),
			brazeWorkflow(
				'trigger-and-wait',
				{
					resource: 'integration',
					operation: 'triggerSync',
					integrationId: byId('int-trigger'),
					waitForCompletion: true,
					options: { pollInterval: 1, failOnStatus: ['error', 'config_error'] },
				},
				'main',
			),
			brazeWorkflow(
				'summarize-all',
				{
					resource: 'jobSync',
					operation: 'summarize',
					allIntegrations: true,
					startedAfter: '2026-03-25T00:00:00Z',
					startedBefore: '2026-03-25T12:30:00Z',
				},
				'main',
			),
			exampleWorkflow('alert-on-failed-syncs.json', 'example-alert', 'int-failed', 'main'),
			exampleWorkflow('daily-sync-report.json', 'example-report', 'int-recent', 'main'),
			exampleWorkflow('run-sync-and-continue.json', 'example-run', 'int-example-run', 'main'),
		]);
	}, 30 * 60_000);

	/** Runs a workflow; returns the Braze node's items, the error, n8n's output, and the requests. */
	async function execute(id: string, sim = sims.main) {
		for (const each of Object.values(sims)) each.clearLog();
		const result = await n8n.execute(id);
		const requests = sim.requests.filter((request) => request.path.startsWith('/cdi/'));
		expect(result.output).not.toContain(KEY);
		expect(result.output).not.toContain(WRONG_KEY);
		expect(result.output).not.toContain(LIST_ONLY_KEY);
		return {
			...result,
			requests,
			items: nodeItems(result.execution, BRAZE_NODE),
			error: executionError(result.execution),
		};
	}

	test.each([
		['list-all', 'main'],
		['list-all-absolute', 'absolute'],
		['list-all-missing-slash', 'missingSlash'],
	] as const)(
		'%s: all 37 syncs, equal to the simulator data, in 4 requests',
		async (id, simName) => {
			const sim = sims[simName];
			const { items, requests, error } = await execute(id, sim);

			expect(error).toBeUndefined();
			expect(items.map((item) => item.json)).toEqual(asItems(sim.integration('int-37').syncs));
			expect(requests.map((request) => request.query.cursor ?? null)).toEqual([
				null,
				...[10, 20, 30].map((skip) => Buffer.from(`skip:${skip}`).toString('base64')),
			]);
			expect(
				requests.every((request) => request.path === '/cdi/integrations/int-37/job_sync_status'),
			).toBe(true);
			expect(requests.every((request) => request.headers.authorization === `Bearer ${KEY}`)).toBe(
				true,
			);
		},
	);

	test('list limit 15: 15 items in 2 requests', async () => {
		const { items, requests } = await execute('list-limit-15');

		expect(items.map((item) => item.json)).toEqual(
			asItems(sims.main.integration('int-37').syncs.slice(0, 15)),
		);
		expect(requests).toHaveLength(2);
	});

	test('status filter: only error and config_error syncs', async () => {
		const { items } = await execute('list-error-status');

		const expected = sims.main
			.integration('int-37')
			.syncs.filter((sync) => ['error', 'config_error'].includes(String(sync.job_status)));
		expect(items.map((item) => item.json)).toEqual(asItems(expected));
	});

	test('date window: syncs from 03:00 (inclusive) to 10:00 (exclusive), stopping after 2 pages', async () => {
		const { items, requests } = await execute('list-window');

		expect(items.map((item) => item.json.sync_start_time)).toEqual(
			Array.from({ length: 7 }, (_, index) =>
				new Date(Date.parse('2026-03-25T09:00:00Z') - index * HOUR).toISOString(),
			),
		);
		expect(requests).toHaveLength(2);
	});

	test('get latest: the newest sync in 1 request', async () => {
		const { items, requests } = await execute('get-latest');

		expect(items.map((item) => item.json)).toEqual(
			asItems(sims.main.integration('int-37').syncs.slice(0, 1)),
		);
		expect(requests).toHaveLength(1);
	});

	test('get latest with a status filter: the newest partial sync', async () => {
		const { items } = await execute('get-latest-partial');

		const newestPartial = sims.main
			.integration('int-37')
			.syncs.find((sync) => sync.job_status === 'partial');
		expect(items.map((item) => item.json)).toEqual(asItems([newestPartial!]));
	});

	test('get latest before a Luxon DateTime from an expression', async () => {
		const { items } = await execute('get-latest-expression-date');

		expect(items.map((item) => item.json.sync_start_time)).toEqual(['2026-03-25T09:00:00.000Z']);
	});

	test.each([
		['invalid-id', 'Braze does not accept this integration ID (Invalid integration ID)'],
		['wrong-key', 'Braze rejected the API key'],
		[
			'list-only-key',
			'The API key lacks the cdi.integration_job_status permission (Access Denied)',
		],
	])(
		"%s: the execution fails with the node's message, and no key anywhere",
		async (id, message) => {
			const { items, output, code } = await execute(id);

			expect(output).toContain(message);
			expect(items).toEqual([]);
			expect(code).not.toBe(0);
		},
	);

	test('a next link to another origin gives only its cursor: every sync, and that origin gets no request', async () => {
		const { items, requests } = await execute('foreign-next', sims.foreign);

		expect(items.map((item) => item.json)).toEqual(
			asItems(sims.foreign.integration('int-37').syncs),
		);
		expect(requests).toHaveLength(4);
		expect(sims.otherOrigin.requests).toEqual([]);
	});

	test('list integrations: every integration, Braze fields unchanged, in 1 request', async () => {
		const { items, requests } = await execute('list-integrations');

		const names = items.map((item) => [item.json.integration_id, item.json.integration_name]);
		expect(names).toEqual(
			sims.main
				.integrations()
				.map((integration) => [integration.integration_id, integration.integration_name]),
		);
		expect(Object.keys(items[0].json)).toContain('last_job_status');
		expect(requests.map((request) => request.path)).toEqual(['/cdi/integrations']);
	});

	test('trigger sync and wait: the sync it started, once finished, with its status', async () => {
		const before = Date.now();
		const { items, requests, error } = await execute('trigger-and-wait');

		expect(error).toBeUndefined();
		const started = sims.main.integration('int-trigger').syncs[0];
		expect(Date.parse(started.sync_start_time)).toBeGreaterThanOrEqual(before - 1000);
		expect(items.map((item) => item.json)).toEqual(asItems([started], 'int-trigger'));
		expect(started.job_status).toBe('partial');
		expect(requests[0]).toMatchObject({
			method: 'POST',
			path: '/cdi/integrations/int-trigger/sync',
		});
		expect(
			requests
				.slice(1)
				.every((request) => request.path === '/cdi/integrations/int-trigger/job_sync_status'),
		).toBe(true);
	});

	test('summarize all integrations: one report each over the window', async () => {
		const { items } = await execute('summarize-all');

		const windowStart = Date.parse('2026-03-25T00:00:00Z');
		const windowEnd = Date.parse('2026-03-25T12:30:00Z');
		const expected = sims.main.integrations().map((integration) => {
			const inWindow = integration.syncs.filter((sync) => {
				const start = Date.parse(sync.sync_start_time);
				return start >= windowStart && start < windowEnd;
			});
			return {
				integration_id: integration.integration_id,
				integration_name: integration.integration_name,
				...summarizeSyncs(inWindow),
			};
		});
		expect(items.map((item) => item.json)).toEqual(
			expected.map((report) => ({
				...report,
				window_start: '2026-03-25T00:00:00.000Z',
				window_end: '2026-03-25T12:30:00.000Z',
			})),
		);
		expect(items.find((item) => item.json.integration_id === 'int-failed')?.json.healthy).toBe(
			false,
		);
	});

	test('example "Alert on failed syncs": the latest sync failed, so a notification is built', async () => {
		const { execution } = await execute('example-alert');

		const notifications = nodeItems(execution, 'Notify (replace with Slack or Email)');
		expect(notifications.map((item) => item.json.message)).toEqual([
			`Braze CDI sync error for integration int-failed: started ${failedSyncs[0].sync_start_time}, 0 rows synced, 0 rows failed.`,
		]);
	});

	test('example "Daily sync report": counts and rows per status over the last 24 hours', async () => {
		const { execution } = await execute('example-report');

		const since = Date.now() - 24 * HOUR;
		const window = recentSyncs.filter(
			(sync) => Date.parse(String(sync.sync_start_time)) >= since - 5 * 60_000,
		);
		const report = nodeItems(execution, 'Per status').map((item) => item.json);
		const statuses = [...new Set(window.map((sync) => String(sync.job_status)))];
		expect(report.map((row) => row.job_status).sort()).toEqual(statuses.sort());
		for (const row of report) {
			const ofStatus = window.filter((sync) => sync.job_status === row.job_status);
			expect(row.count_job_status).toBe(ofStatus.length);
			expect(row.sum_rows_synced).toBe(
				ofStatus.reduce((sum, sync) => sum + Number(sync.rows_synced), 0),
			);
			expect(row.sum_rows_failed_with_errors).toBe(
				ofStatus.reduce((sum, sync) => sum + Number(sync.rows_failed_with_errors), 0),
			);
		}
	});

	test('example "Run a sync and continue when it finishes": the next step gets the finished sync', async () => {
		// The example polls every 30 s; the simulator's sync takes 1.5 s, so one wait suffices.
		const { execution } = await execute('example-run');

		const finished = sims.main.integration('int-example-run').syncs[0];
		expect(finished.job_status).toBe('partial');
		expect(
			nodeItems(execution, 'Next step (replace with yours)').map((item) => item.json.message),
		).toEqual([
			`Braze CDI sync finished (partial): ${finished.rows_synced} rows synced, ${finished.rows_failed_with_errors} rows failed, in ${(Date.parse(finished.sync_finish_time!) - Date.parse(finished.sync_start_time)) / 1000} s.`,
		]);
	}, 180_000);
});
