/**
 * End-to-end: the packed package installed as a community package in real n8n (the pinned 2.x
 * and the newest 1.x), workflows run as `n8n execute` runs them (all in one `n8n execute-batch`
 * per version) against the Braze CDI simulator, each workflow's run checked by its own test.
 */
import nock from 'nock';

import type { Simulator, SimulatorOptions } from '../../simulator';
import { makeSyncs, startSimulator } from '../../simulator';
import { summarizeSyncs } from '../../nodes/BrazeCdi/helpers/summary';
import { createN8n, executionError, nodeItems } from '../../scripts/n8n';
import { brazeWorkflow, BRAZE_NODE, byId, exampleWorkflow } from './workflows';
import { E2E_VERSIONS } from './versions';
import { packedPackage } from './tarball';

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

/** The simulators' kinds: Braze's relative Link URLs, or one of the variants it may send. */
type SimulatorKind = 'main' | 'absolute' | 'missingSlash' | 'foreign';

const ordersIntegration = () => ({
	integration_id: 'int-37',
	integration_name: 'Orders',
	syncs: makeSyncs(37),
});
const apiKeys = { [KEY]: ALL_PERMISSIONS, [LIST_ONLY_KEY]: ['cdi.integration_list'] };

/** What a simulator of each kind serves; `otherOrigin` is where a foreign next link points. */
const simulatorOptions = (kind: SimulatorKind, otherOrigin: string): SimulatorOptions =>
	kind === 'main'
		? {
				apiKeys,
				integrations: [
					ordersIntegration(),
					{ integration_id: 'int-failed', integration_name: 'Failing', syncs: failedSyncs },
					{ integration_id: 'int-recent', integration_name: 'Recent', syncs: recentSyncs },
					{ integration_id: 'int-trigger', integration_name: 'Triggered', syncs: makeSyncs(3) },
					{
						integration_id: 'int-example-run',
						integration_name: 'Example run',
						syncs: makeSyncs(3),
					},
				],
				syncDurationMs: 1500,
				syncStatus: 'partial',
			}
		: {
				apiKeys,
				integrations: [ordersIntegration()],
				linkStyle: kind,
				...(kind === 'foreign' ? { foreignOrigin: otherOrigin } : {}),
			};

let tarball: string;

beforeAll(() => {
	nock.enableNetConnect(/127\.0\.0\.1|localhost/);
	tarball = packedPackage();
}, 120_000);

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

/**
 * Every workflow the tests below run, by ID: its Braze node's parameters (or an example file,
 * with the integration it reads), the kind of simulator it talks to and the key its credential
 * holds. Each workflow has a credential and a simulator of its own, so that the requests a
 * simulator received are that workflow's alone, whatever runs beside it.
 */
const WORKFLOWS: Record<
	string,
	{
		simulator: SimulatorKind;
		apiKey?: string;
		parameters?: Record<string, unknown>;
		example?: [file: string, integrationId: string];
	}
> = {
	'list-all': { simulator: 'main', parameters: list({ returnAll: true }) },
	'list-all-absolute': { simulator: 'absolute', parameters: list({ returnAll: true }) },
	'list-all-missing-slash': { simulator: 'missingSlash', parameters: list({ returnAll: true }) },
	'list-limit-15': { simulator: 'main', parameters: list({ limit: 15 }) },
	'list-error-status': {
		simulator: 'main',
		parameters: list({ returnAll: true, filters: { status: ['error', 'config_error'] } }),
	},
	'list-window': {
		simulator: 'main',
		parameters: list({
			returnAll: true,
			filters: { startedAfter: '2026-03-25T03:00:00Z', startedBefore: '2026-03-25T10:00:00Z' },
		}),
	},
	'get-latest': { simulator: 'main', parameters: getLatest() },
	'get-latest-partial': {
		simulator: 'main',
		parameters: getLatest({ filters: { status: ['partial'] } }),
	},
	'get-latest-expression-date': {
		simulator: 'main',
		parameters: getLatest({
			filters: { startedBefore: "={{ DateTime.fromISO('2026-03-25T09:30:00Z') }}" },
		}),
	},
	'invalid-id': {
		simulator: 'main',
		parameters: list({ returnAll: true, integrationId: byId('no-such-integration') }),
	},
	'wrong-key': { simulator: 'main', apiKey: WRONG_KEY, parameters: list({ returnAll: true }) },
	'list-only-key': {
		simulator: 'main',
		apiKey: LIST_ONLY_KEY,
		parameters: list({ returnAll: true }),
	},
	'foreign-next': { simulator: 'foreign', parameters: list({ returnAll: true }) },
	'list-integrations': {
		simulator: 'main',
		parameters: { resource: 'integration', operation: 'list', returnAll: true },
	},
	'trigger-and-wait': {
		simulator: 'main',
		parameters: {
			resource: 'integration',
			operation: 'triggerSync',
			integrationId: byId('int-trigger'),
			waitForCompletion: true,
			options: { pollInterval: 1, failOnStatus: ['error', 'config_error'] },
		},
	},
	'summarize-all': {
		simulator: 'main',
		parameters: {
			resource: 'jobSync',
			operation: 'summarize',
			allIntegrations: true,
			startedAfter: '2026-03-25T00:00:00Z',
			startedBefore: '2026-03-25T12:30:00Z',
		},
	},
	'example-report': { simulator: 'main', example: ['daily-sync-report.json', 'int-recent'] },
	'example-run': { simulator: 'main', example: ['run-sync-and-continue.json', 'int-example-run'] },
};

describe.each(E2E_VERSIONS)('n8n %s with the packed package', (version) => {
	let n8n: Awaited<ReturnType<typeof createN8n>>;
	let batch: Awaited<ReturnType<typeof n8n.executeBatch>>;
	let batchStarted: number;
	/** Each workflow's simulator, by workflow ID; and the origin a foreign next link points to. */
	const sims: Record<string, Simulator> = {};
	let otherOrigin: Simulator;

	afterAll(async () => {
		await Promise.all([otherOrigin, ...Object.values(sims)].map((sim) => sim?.close()));
		n8n?.remove();
	});
	/**
	 * Every workflow above, run once in one `n8n execute-batch`, all side by side (each has its
	 * own simulator): one start of n8n for them all. Each test then reads its workflow's run.
	 */
	beforeAll(async () => {
		otherOrigin = await startSimulator({ apiKeys, integrations: [ordersIntegration()] });
		for (const [id, { simulator }] of Object.entries(WORKFLOWS))
			sims[id] = await startSimulator(simulatorOptions(simulator, otherOrigin.url));
		n8n = await createN8n({ version, tarball });
		await n8n.importCredentials(
			Object.entries(WORKFLOWS).map(([id, { apiKey = KEY }]) => ({
				id,
				name: id,
				type: 'brazeCdiApi',
				data: { restEndpoint: 'custom', customUrl: sims[id].url, apiKey },
			})),
		);
		await n8n.importWorkflows(
			Object.entries(WORKFLOWS).map(([id, { parameters, example }]) =>
				example
					? exampleWorkflow(example[0], id, example[1], id)
					: brazeWorkflow(id, parameters!, id),
			),
		);
		batchStarted = Date.now();
		batch = await n8n.executeBatch({ concurrency: Object.keys(WORKFLOWS).length });
	}, 30 * 60_000);

	/**
	 * Workflow `id`'s run, as n8n recorded it: its status, the Braze node's items, the error, and
	 * the requests its simulator received. No key in n8n's output or in what n8n recorded.
	 */
	async function ran(id: keyof typeof WORKFLOWS) {
		const runs = await n8n.executions(id);
		expect(runs.map((run) => run.mode)).toEqual(['cli']); // run once
		const [run] = runs;
		for (const key of [KEY, WRONG_KEY, LIST_ONLY_KEY]) {
			expect(batch.output).not.toContain(key);
			expect(JSON.stringify(run)).not.toContain(key);
		}
		// What n8n's batch reported agrees with what it recorded (a failed run may be a warning
		// there, for some error texts).
		expect(batch.statuses[id] === 'success').toBe(run.status === 'success');
		const execution = { data: { resultData: { runData: run.runData, error: run.error } } };
		return {
			status: run.status,
			execution,
			items: nodeItems(execution, BRAZE_NODE),
			error: executionError(execution),
			requests: sims[id].requests.filter((request) => request.path.startsWith('/cdi/')),
		};
	}

	test.each(['list-all', 'list-all-absolute', 'list-all-missing-slash'])(
		'%s: all 37 syncs, equal to the simulator data, in 4 requests',
		async (id) => {
			const sim = sims[id];
			const { items, requests, error } = await ran(id);

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
		const { items, requests } = await ran('list-limit-15');

		expect(items.map((item) => item.json)).toEqual(
			asItems(sims['list-limit-15'].integration('int-37').syncs.slice(0, 15)),
		);
		expect(requests).toHaveLength(2);
	});

	test('status filter: only error and config_error syncs', async () => {
		const { items } = await ran('list-error-status');

		const expected = sims['list-error-status']
			.integration('int-37')
			.syncs.filter((sync) => ['error', 'config_error'].includes(String(sync.job_status)));
		expect(items.map((item) => item.json)).toEqual(asItems(expected));
	});

	test('date window: syncs from 03:00 (inclusive) to 10:00 (exclusive), stopping after 2 pages', async () => {
		const { items, requests } = await ran('list-window');

		expect(items.map((item) => item.json.sync_start_time)).toEqual(
			Array.from({ length: 7 }, (_, index) =>
				new Date(Date.parse('2026-03-25T09:00:00Z') - index * HOUR).toISOString(),
			),
		);
		expect(requests).toHaveLength(2);
	});

	test('get latest: the newest sync in 1 request', async () => {
		const { items, requests } = await ran('get-latest');

		expect(items.map((item) => item.json)).toEqual(
			asItems(sims['get-latest'].integration('int-37').syncs.slice(0, 1)),
		);
		expect(requests).toHaveLength(1);
	});

	test('get latest with a status filter: the newest partial sync', async () => {
		const { items } = await ran('get-latest-partial');

		const newestPartial = sims['get-latest-partial']
			.integration('int-37')
			.syncs.find((sync) => sync.job_status === 'partial');
		expect(items.map((item) => item.json)).toEqual(asItems([newestPartial!]));
	});

	test('get latest before a Luxon DateTime from an expression', async () => {
		const { items } = await ran('get-latest-expression-date');

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
			const { items, error, status } = await ran(id);

			expect(error?.message).toBe(message);
			expect(items).toEqual([]);
			expect(status).toBe('error');
		},
	);

	test('a next link to another origin gives only its cursor: every sync, and that origin gets no request', async () => {
		const { items, requests } = await ran('foreign-next');

		expect(items.map((item) => item.json)).toEqual(
			asItems(sims['foreign-next'].integration('int-37').syncs),
		);
		expect(requests).toHaveLength(4);
		expect(otherOrigin.requests).toEqual([]);
	});

	test('list integrations: every integration, Braze fields unchanged, in 1 request', async () => {
		const { items, requests } = await ran('list-integrations');

		const names = items.map((item) => [item.json.integration_id, item.json.integration_name]);
		expect(names).toEqual(
			sims['list-integrations']
				.integrations()
				.map((integration) => [integration.integration_id, integration.integration_name]),
		);
		expect(Object.keys(items[0].json)).toContain('last_job_status');
		expect(requests.map((request) => request.path)).toEqual(['/cdi/integrations']);
	});

	test('trigger sync and wait: the sync it started, once finished, with its status', async () => {
		const { items, requests, error } = await ran('trigger-and-wait');

		expect(error).toBeUndefined();
		const started = sims['trigger-and-wait'].integration('int-trigger').syncs[0];
		expect(Date.parse(started.sync_start_time)).toBeGreaterThanOrEqual(batchStarted - 1000);
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
		const { items } = await ran('summarize-all');

		const windowStart = Date.parse('2026-03-25T00:00:00Z');
		const windowEnd = Date.parse('2026-03-25T12:30:00Z');
		const expected = sims['summarize-all'].integrations().map((integration) => {
			const inWindow = integration.syncs.filter((sync) => {
				const start = Date.parse(sync.sync_start_time);
				return start >= windowStart && start < windowEnd;
			});
			return {
				integration_id: integration.integration_id,
				integration_name: integration.integration_name,
				contact_emails: integration.contact_emails,
				// Data age up to the window's end, as the node measures it.
				...summarizeSyncs(inWindow, { at: windowEnd }),
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

	test('example "Daily sync report": counts and rows per status over the last 24 hours', async () => {
		const { execution } = await ran('example-report');

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
		const { execution } = await ran('example-run');

		const finished = sims['example-run'].integration('int-example-run').syncs[0];
		expect(finished.job_status).toBe('partial');
		expect(
			nodeItems(execution, 'Next step (replace with yours)').map((item) => item.json.message),
		).toEqual([
			`Braze CDI sync finished (partial): ${finished.rows_synced} rows synced, ${finished.rows_failed_with_errors} rows failed, in ${(Date.parse(finished.sync_finish_time!) - Date.parse(finished.sync_start_time)) / 1000} s.`,
		]);
	});
});
