/**
 * End-to-end: the Braze CDI Trigger's "Fetch Test Event" in the real n8n editor (headless
 * Chromium via Playwright), for each n8n major, against the simulator.
 */
import nock from 'nock';

import type { Simulator } from '../../simulator';
import { makeSyncs, startSimulator } from '../../simulator';
import { openEditor, openNode } from '../../scripts/editor';
import { createN8n, freePort, requestN8n } from '../../scripts/n8n';
import { E2E_VERSIONS } from './versions';
import { packedPackage } from './tarball';

const KEY = 'e2e-trigger-key-5d4c3b2a1f0e';
const TRIGGER = 'Braze CDI Trigger';

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
			{ integration_id: 'int-a', integration_name: 'Orders', syncs: makeSyncs(5) }, // success, partial, error, …
			// 19 integrations in all: two pages of Braze's list, for the picker.
			...Array.from({ length: 18 }, (_, index) => ({
				integration_id: `cf-${index + 1}`,
				integration_name: `Catalog feed ${index + 1}`,
				syncs: 0,
			})),
		],
	});
}, 120_000);
afterAll(async () => {
	await sim?.close();
});

describe.each(E2E_VERSIONS)('n8n %s editor', (version) => {
	test(
		'Fetch Test Event shows the most recent failed sync, from one request; the picker finds an integration on page 2',
		async () => {
			const n8n = await createN8n({ version, tarball });
			await n8n.importCredentials([
				{
					id: 'braze',
					name: 'Braze CDI account',
					type: 'brazeCdiApi',
					data: { restEndpoint: 'custom', customUrl: sim.url, apiKey: KEY },
				},
			]);
			await n8n.importWorkflows([
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
								integrationId: { __rl: true, mode: 'id', value: 'int-a' },
								event: 'syncFailed',
							},
							credentials: { brazeCdiApi: { id: 'braze', name: 'Braze CDI account' } },
						},
					],
				},
			]);
			const port = await freePort();
			const editor = await n8n.startEditor({ port });
			const base = `http://127.0.0.1:${port}`;
			let browser: Awaited<ReturnType<typeof openEditor>>['browser'] | undefined;
			try {
				// Inside the try: n8n is stopped even when the browser cannot start.
				const opened = await openEditor(base);
				browser = opened.browser;
				const { page } = opened;
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
				expect(newestFailed.job_status).toBe('partial');
				expect(sim.requests.map((request) => request.path)).toEqual([
					'/cdi/integrations/int-a/job_sync_status',
				]);
				expect(await page.content()).not.toContain(KEY);

				// The picker, through the endpoint the editor's resource locator calls as one types.
				sim.clearLog();
				const pick = async (filter: string) => {
					const response = await requestN8n(() =>
						page.request.post(`${base}/rest/dynamic-node-parameters/resource-locator-results`, {
							data: {
								path: 'parameters.integrationId',
								methodName: 'searchIntegrations',
								filter,
								nodeTypeAndVersion: { name: 'n8n-nodes-braze-cdi.brazeCdiTrigger', version: 1 },
								currentNodeParameters: { watch: 'integration', event: 'syncFailed' },
								credentials: { brazeCdiApi: { id: 'braze', name: 'Braze CDI account' } },
							},
						}),
					);
					const text = await response.text();
					expect(text).not.toContain(KEY);
					expect(response.status()).toBe(200);
					return JSON.parse(text).data;
				};
				// One answer with nothing more to load: the editor shows it without scrolling.
				expect(await pick('Catalog feed 13')).toEqual({
					results: [{ name: 'Catalog feed 13', value: 'cf-13' }],
				});
				expect(await pick('CF-17')).toEqual({
					results: [{ name: 'Catalog feed 17', value: 'cf-17' }],
				});
				// Both from one reading of the list (2 pages), kept for the next keystrokes.
				expect(sim.requests.map((request) => request.path)).toEqual([
					'/cdi/integrations',
					'/cdi/integrations',
				]);
			} finally {
				await browser?.close();
				await editor.stop();
				n8n.remove();
			}
		},
		30 * 60_000,
	);
});
