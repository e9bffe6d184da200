#!/usr/bin/env node
/**
 * `npm run screenshots`: pictures of the node in the n8n editor for the README, taken with
 * Playwright driving Debian's Chromium (`apt-get install chromium`) against the demo editor:
 * the node's parameters panel, and an execution's output table. Writes docs/*.png.
 */
const path = require('node:path');
const { chromium } = require('playwright-core');

const { makeSyncs, startSimulator } = require('../simulator');
const { N8N_VERSIONS, ROOT, createN8n, freePort, packPackage } = require('./n8n');

const OWNER = { email: 'demo@example.com', firstName: 'Demo', lastName: 'User', password: 'Demo-password-1' };
const API_KEY = 'screenshot-api-key';
const WORKFLOW_ID = 'screenshot-list';
const NODE_NAME = 'List Job Sync Status';

async function main() {
	const simulator = await startSimulator({
		apiKeys: { [API_KEY]: ['cdi.integration_job_status', 'cdi.integration_list', 'cdi.integration_sync'] },
		integrations: [{ integration_id: 'cdi-orders', integration_name: 'Orders', syncs: makeSyncs(37, { running: true }) }],
	});
	const n8n = await createN8n({ version: process.env.N8N_VERSION ?? N8N_VERSIONS.latest, tarball: packPackage() });
	await n8n.importCredentials([
		{ id: 'braze-cdi', name: 'Braze CDI account', type: 'brazeCdiApi', data: { restEndpoint: 'custom', customUrl: simulator.url, apiKey: API_KEY } },
	]);
	await n8n.importWorkflows([
		{
			id: WORKFLOW_ID,
			name: 'Braze CDI: sync history',
			active: false,
			settings: { executionOrder: 'v1' },
			nodes: [
				{ id: 's', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
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

	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	try {
		const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
		// The owner route can lag a moment behind the rest of the REST API at start-up.
		let setup;
		for (let attempt = 0; attempt < 30; attempt++) {
			setup = await context.request.post(`${base}/rest/owner/setup`, { data: OWNER });
			if (setup.status() !== 404) break;
			await new Promise((resolve) => setTimeout(resolve, 1000));
		}
		if (!setup.ok()) throw new Error(`owner setup failed: ${setup.status()} ${await setup.text()}`);
		await context.request.post(`${base}/rest/login`, {
			data: { emailOrLdapLoginId: OWNER.email, email: OWNER.email, password: OWNER.password },
		});

		const page = await context.newPage();
		await page.goto(`${base}/workflow/${WORKFLOW_ID}`);
		const node = page.locator(`[data-test-id="canvas-node"][data-node-name="${NODE_NAME}"], [data-name="${NODE_NAME}"]`).first();
		await node.waitFor({ timeout: 60_000 });
		await page.keyboard.press('Escape');

		await node.dblclick();
		await page.getByText('Integration', { exact: true }).first().waitFor();
		await page.waitForTimeout(1000);
		await page.screenshot({ path: path.join(ROOT, 'docs', 'node-parameters.png') });

		// Run the node from its panel and show the output as a table.
		await page.mouse.move(1200, 800); // away from the parameter hint, whose tooltip covers the buttons
		await page.waitForTimeout(500);
		await page.getByRole('button', { name: /^(Execute|Test) step$/ }).last().click();
		await page
			.getByText('job_status')
			.first()
			.waitFor({ timeout: 60_000 })
			.catch(async (error) => {
				await page.screenshot({ path: path.join(ROOT, '.cache', 'screenshot-failure.png') });
				process.stderr.write(`simulator requests: ${simulator.requests.length}\n`);
				throw error;
			});
		await page.waitForTimeout(1500);
		await page.screenshot({ path: path.join(ROOT, 'docs', 'execution-output.png') });
		process.stdout.write('Wrote docs/node-parameters.png and docs/execution-output.png\n');
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
