#!/usr/bin/env node
/**
 * `npm run screenshots`: pictures of the node in the n8n editor for the README, taken with
 * Playwright driving Debian's Chromium (`apt-get install chromium`) against the demo editor:
 * the node's parameters panel, an execution's output table, and the trigger's test event.
 * Writes docs/*.png.
 */
const path = require('node:path');

const { makeSyncs, startSimulator } = require('../simulator');
const { openEditor, openNode } = require('./editor');
const { N8N_VERSIONS, ROOT, createN8n, freePort, packPackage } = require('./n8n');

const API_KEY = 'screenshot-api-key';
const WORKFLOW_ID = 'screenshot-list';
const NODE_NAME = 'List Job Sync Status';
const TRIGGER_NAME = 'When a sync fails';

async function main() {
	const simulator = await startSimulator({
		apiKeys: {
			[API_KEY]: ['cdi.integration_job_status', 'cdi.integration_list', 'cdi.integration_sync'],
		},
		integrations: [
			{
				integration_id: 'cdi-orders',
				integration_name: 'Orders',
				syncs: makeSyncs(37, { running: true }),
			},
		],
	});
	const n8n = await createN8n({
		version: process.env.N8N_VERSION ?? N8N_VERSIONS.latest,
		tarball: packPackage(),
	});
	await n8n.importCredentials([
		{
			id: 'braze-cdi',
			name: 'Braze CDI account',
			type: 'brazeCdiApi',
			data: { restEndpoint: 'custom', customUrl: simulator.url, apiKey: API_KEY },
		},
	]);
	await n8n.importWorkflows([
		{
			id: WORKFLOW_ID,
			name: 'Braze CDI: sync history',
			active: false,
			settings: { executionOrder: 'v1' },
			nodes: [
				{
					id: 's',
					name: 'Start',
					type: 'n8n-nodes-base.manualTrigger',
					typeVersion: 1,
					position: [0, 0],
					parameters: {},
				},
				{
					id: 't',
					name: TRIGGER_NAME,
					type: 'n8n-nodes-braze-cdi.brazeCdiTrigger',
					typeVersion: 1,
					position: [0, 220],
					parameters: {
						pollTimes: { item: [{ mode: 'everyMinute' }] },
						watch: 'integration',
						integrationId: { __rl: true, mode: 'id', value: 'cdi-orders' },
						event: 'syncFailed',
					},
					credentials: { brazeCdiApi: { id: 'braze-cdi', name: 'Braze CDI account' } },
				},
				{
					id: 'b',
					name: NODE_NAME,
					type: 'n8n-nodes-braze-cdi.brazeCdi',
					typeVersion: 1,
					position: [260, 0],
					parameters: {
						resource: 'jobSync',
						operation: 'list',
						integrationId: { __rl: true, mode: 'id', value: 'cdi-orders' },
						limit: 20,
						filters: { status: ['error', 'partial', 'config_error'] },
					},
					credentials: { brazeCdiApi: { id: 'braze-cdi', name: 'Braze CDI account' } },
				},
			],
			connections: { Start: { main: [[{ node: NODE_NAME, type: 'main', index: 0 }]] } },
		},
	]);
	const port = await freePort();
	const editor = await n8n.startEditor({ port });
	const base = `http://127.0.0.1:${port}`;

	const { browser, page } = await openEditor(base);
	try {
		await openNode(page, base, WORKFLOW_ID, NODE_NAME);
		await page.getByText('Integration', { exact: true }).first().waitFor();
		await page.waitForTimeout(1000);
		await page.screenshot({ path: path.join(ROOT, 'docs', 'node-parameters.png') });

		// Run the node from its panel and show the output as a table.
		await page
			.getByRole('button', { name: /^(Execute|Test) step$/ })
			.last()
			.click();
		await page.getByText('job_status').first().waitFor({ timeout: 60_000 });
		await page.waitForTimeout(1500);
		await page.screenshot({ path: path.join(ROOT, 'docs', 'execution-output.png') });

		// The trigger's "Fetch Test Event": the most recent failed sync.
		await openNode(page, base, WORKFLOW_ID, TRIGGER_NAME);
		await page
			.getByRole('button', { name: /fetch test event/i })
			.first()
			.click();
		await page.getByText('job_status').first().waitFor({ timeout: 60_000 });
		await page.waitForTimeout(1500);
		await page.screenshot({ path: path.join(ROOT, 'docs', 'trigger-test-event.png') });
		process.stdout.write(
			'Wrote docs/node-parameters.png, docs/execution-output.png and docs/trigger-test-event.png\n',
		);
	} finally {
		await browser.close();
		await editor.stop();
		await simulator.close();
	}
}

main().catch((error) => {
	process.stderr.write(`${error.stack ?? error}\n`);
	process.exit(1);
});
