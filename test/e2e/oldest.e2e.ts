/**
 * End-to-end: the oldest n8n the package supports (N8N_VERSIONS.oldest, the first 1.x whose
 * n8n-workflow exports NodeConnectionTypes). Not the whole suite, but everything the package
 * asks of n8n at run time: n8n loads both nodes and the credential (themed icons), each operation
 * runs through n8n's authenticated, paginated request helper, an error from Braze becomes the
 * node's message, and in the editor the trigger's Fetch Test Event, the integration picker
 * (resource-locator list search) and the credential test work.
 */
import nock from 'nock';

import type { Simulator } from '../../simulator';
import { makeSyncs, startSimulator } from '../../simulator';
import { summarizeSyncs } from '../../nodes/BrazeCdi/helpers/summary';
import { openEditor, openNode } from '../../scripts/editor';
import { createN8n, executionError, freePort, nodeItems, requestN8n } from '../../scripts/n8n';
import { brazeNodesWorkflow, byId } from './workflows';
import { OLDEST_VERSIONS } from './versions';
import { packedPackage } from './tarball';

const KEY = 'e2e-oldest-key-8e7d6c5b4a39';
const WRONG_KEY = 'e2e-oldest-wrong-key-1a2b3c';
const TRIGGER = 'Braze CDI Trigger';
const WINDOW = { startedAfter: '2026-03-25T00:00:00Z', startedBefore: '2026-03-25T12:30:00Z' };

/** One Braze node per operation, each fed by the manual trigger: one run runs them all. */
const OPERATIONS: Record<string, Record<string, unknown>> = {
	'List integrations': { resource: 'integration', operation: 'list', returnAll: true },
	'Trigger sync': {
		resource: 'integration',
		operation: 'triggerSync',
		integrationId: byId('int-trigger'),
		waitForCompletion: true,
		options: { pollInterval: 1 },
	},
	'List syncs': {
		resource: 'jobSync',
		operation: 'list',
		integrationId: byId('int-37'),
		returnAll: true,
	},
	'Get latest sync': { resource: 'jobSync', operation: 'getLatest', integrationId: byId('int-37') },
	Summarize: {
		resource: 'jobSync',
		operation: 'summarize',
		allIntegrations: false,
		integrationId: byId('int-37'),
		...WINDOW,
	},
};

const credential = (id: string, sim: Simulator, apiKey: string) => ({
	id,
	name: id,
	type: 'brazeCdiApi',
	data: { restEndpoint: 'custom', customUrl: sim.url, apiKey },
});

/** The simulator's syncs as the node emits them. */
const asItems = (syncs: Array<Record<string, unknown>>, integrationId: string) =>
	syncs.map((sync) => ({
		...sync,
		integration_id: integrationId,
		duration_seconds: sync.sync_finish_time
			? (Date.parse(String(sync.sync_finish_time)) - Date.parse(String(sync.sync_start_time))) /
				1000
			: null,
	}));

let tarball: string;
let sim: Simulator;

beforeAll(async () => {
	nock.enableNetConnect(/127\.0\.0\.1|localhost/);
	tarball = packedPackage();
	sim = await startSimulator({
		apiKeys: {
			[KEY]: ['cdi.integration_job_status', 'cdi.integration_list', 'cdi.integration_sync'],
		},
		integrations: [
			{ integration_id: 'int-37', integration_name: 'Orders', syncs: makeSyncs(37) },
			{ integration_id: 'int-trigger', integration_name: 'Triggered', syncs: makeSyncs(3) },
			{ integration_id: 'int-a', integration_name: 'Watched', syncs: makeSyncs(5) }, // success, partial, …
		],
		syncDurationMs: 1500,
		syncStatus: 'partial',
	});
}, 120_000);

afterAll(async () => {
	await sim?.close();
});

describe.each(OLDEST_VERSIONS)('n8n %s, the oldest supported', (version) => {
	let n8n: Awaited<ReturnType<typeof createN8n>>;
	let batch: Awaited<ReturnType<typeof n8n.executeBatch>>;
	let batchStarted: number;

	beforeAll(async () => {
		n8n = await createN8n({ version, tarball });
		await n8n.importCredentials([
			credential('braze', sim, KEY),
			credential('wrong-key', sim, WRONG_KEY),
		]);
		await n8n.importWorkflows([
			brazeNodesWorkflow('every-operation', OPERATIONS, 'braze'),
			brazeNodesWorkflow('wrong-key', { 'List syncs': OPERATIONS['List syncs'] }, 'wrong-key'),
			{
				id: 'watch-failures',
				name: 'Watch failures',
				active: false,
				settings: { executionOrder: 'v1' },
				connections: {},
				nodes: [
					{
						id: 'trigger',
						name: TRIGGER,
						type: 'n8n-nodes-braze-cdi.brazeCdiTrigger',
						typeVersion: 1,
						position: [0, 0],
						parameters: {
							pollTimes: { item: [{ mode: 'everyMinute' }] },
							watch: 'integration',
							integrationId: byId('int-a'),
							event: 'syncFailed',
						},
						credentials: { brazeCdiApi: { id: 'braze', name: 'braze' } },
					},
				],
			},
		]);
		// Both workflows run (as `n8n execute` runs them) in one n8n start; the trigger's workflow
		// has no manual trigger, so it is not run.
		sim.clearLog();
		batchStarted = Date.now();
		batch = await n8n.executeBatch({ concurrency: 2 });
	}, 30 * 60_000);
	afterAll(() => n8n?.remove());

	/** Workflow `id`'s one run, as n8n recorded it; no key in n8n's output or in that record. */
	async function ran(id: string, key: string) {
		const runs = await n8n.executions(id);
		expect(runs.map((run) => run.mode)).toEqual(['cli']);
		expect(batch.output).not.toContain(key);
		expect(JSON.stringify(runs)).not.toContain(key);
		return {
			status: runs[0].status,
			execution: { data: { resultData: { runData: runs[0].runData, error: runs[0].error } } },
		};
	}

	test('every operation runs, with the items Braze gave', async () => {
		const { execution } = await ran('every-operation', KEY);

		expect(executionError(execution)).toBeUndefined();
		const items = (node: string) => nodeItems(execution, node).map((item) => item.json);
		expect(items('List integrations').map((item) => item.integration_id)).toEqual([
			'int-37',
			'int-trigger',
			'int-a',
		]);
		const started = sim.integration('int-trigger').syncs[0];
		expect(Date.parse(started.sync_start_time)).toBeGreaterThanOrEqual(batchStarted - 1000);
		expect(items('Trigger sync')).toEqual(asItems([started], 'int-trigger'));
		const syncs = sim.integration('int-37').syncs;
		expect(items('List syncs')).toEqual(asItems(syncs, 'int-37'));
		expect(items('Get latest sync')).toEqual(asItems(syncs.slice(0, 1), 'int-37'));
		const inWindow = syncs.filter(
			(sync) =>
				Date.parse(sync.sync_start_time) >= Date.parse(WINDOW.startedAfter) &&
				Date.parse(sync.sync_start_time) < Date.parse(WINDOW.startedBefore),
		);
		expect(items('Summarize')).toEqual([
			{
				integration_id: 'int-37',
				integration_name: null, // read only with All Integrations
				// Data age is measured to the window's end.
				...summarizeSyncs(inWindow, { at: Date.parse(WINDOW.startedBefore) }),
				window_start: '2026-03-25T00:00:00.000Z',
				window_end: '2026-03-25T12:30:00.000Z',
			},
		]);
		// Link paging through n8n's helper: 37 syncs in 4 pages.
		const listed = sim.requests.filter(
			(request) => request.path === '/cdi/integrations/int-37/job_sync_status',
		);
		expect(listed.filter((request) => request.query.cursor !== undefined).length).toBeGreaterThan(
			2,
		);
	});

	test("a rejected key fails the execution with the node's message, and no key anywhere", async () => {
		const { status, execution } = await ran('wrong-key', WRONG_KEY);

		expect(executionError(execution)?.message).toBe('Braze rejected the API key');
		expect(nodeItems(execution, 'List syncs')).toEqual([]);
		expect(status).toBe('error');
	});

	test(
		'in the editor: Fetch Test Event, the integration picker and the credential test',
		async () => {
			const port = await freePort();
			const editor = await n8n.startEditor({ port });
			const base = `http://127.0.0.1:${port}`;
			let browser: Awaited<ReturnType<typeof openEditor>>['browser'] | undefined;
			try {
				const opened = await openEditor(base);
				browser = opened.browser;
				const { page } = opened;

				// The picker, through the endpoint the editor calls for resource-locator results.
				const trigger = {
					name: TRIGGER,
					type: 'n8n-nodes-braze-cdi.brazeCdiTrigger',
					typeVersion: 1,
					credentials: { brazeCdiApi: { id: 'braze', name: 'braze' } },
				};
				const search = await requestN8n(() =>
					page.request.post(`${base}/rest/dynamic-node-parameters/resource-locator-results`, {
						data: {
							nodeTypeAndVersion: { name: trigger.type, version: 1 },
							path: 'parameters.integrationId',
							methodName: 'searchIntegrations',
							filter: 'watch',
							currentNodeParameters: {},
							credentials: trigger.credentials,
						},
					}),
				);
				expect(search.status()).toBe(200);
				expect((await search.json()).data.results).toEqual([{ name: 'Watched', value: 'int-a' }]);

				// The credential test, as the credential dialog runs it: passes with the key, not without.
				const testCredential = async (id: string, apiKey: string) => {
					const tested = await requestN8n(() =>
						page.request.post(`${base}/rest/credentials/test`, {
							data: {
								credentials: {
									id,
									name: id,
									type: 'brazeCdiApi',
									data: { restEndpoint: 'custom', customUrl: sim.url, apiKey },
								},
							},
						}),
					);
					expect(tested.status()).toBe(200);
					return (await tested.json()).data.status;
				};
				expect(await testCredential('braze', KEY)).toBe('OK');
				expect(await testCredential('wrong-key', WRONG_KEY)).toBe('Error');

				await openNode(page, base, 'watch-failures', TRIGGER);
				sim.clearLog();
				await page
					.getByRole('button', { name: /fetch test event/i })
					.first()
					.click();
				const newestFailed = sim
					.integration('int-a')
					.syncs.find((sync) => sync.job_status !== 'success')!;
				await page.getByText(newestFailed.sync_start_time).first().waitFor({ timeout: 60_000 });
				expect(sim.requests.map((request) => request.path)).toEqual([
					'/cdi/integrations/int-a/job_sync_status',
				]);
				expect(await page.content()).not.toContain(KEY);
			} finally {
				await browser?.close();
				await editor.stop();
			}
		},
		10 * 60_000,
	);
});
