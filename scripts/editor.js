/**
 * The n8n editor in headless Chromium (Debian's `chromium` package), driven by Playwright:
 * used by the screenshots script, the end-to-end test of the trigger's "Fetch Test Event" and
 * the one that renders the sync report.
 */
const { chromium } = require('playwright-core');

const { DEMO_OWNER: OWNER, requestN8n, setUpOwner } = require('./n8n');

/** Debian's headless Chromium, quiet on the network. */
async function launchChromium() {
	return await chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
		// Without the network-quieting flags, Chromium keeps calling out of this closed network.
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
		],
	});
}

/** Opens a browser logged in to the editor at `base` as its owner (set up on first use). */
async function openEditor(base) {
	const browser = await launchChromium();
	const context = await browser.newContext({
		viewport: { width: 1440, height: 900 },
		deviceScaleFactor: 1,
	});
	await setUpOwner(base);
	const login = await requestN8n(() =>
		context.request.post(`${base}/rest/login`, {
			data: { emailOrLdapLoginId: OWNER.email, email: OWNER.email, password: OWNER.password },
		}),
	);
	if (!login.ok()) throw new Error(`login failed: ${login.status()} ${await login.text()}`);
	// The editor's first load (its bundle, then the workflow) can take a while beside other suites.
	context.setDefaultTimeout(60_000);
	const page = await context.newPage();
	return { browser, page };
}

/** Opens a workflow and the details panel of one of its nodes. */
async function openNode(page, base, workflowId, nodeName) {
	await page.goto(`${base}/workflow/${workflowId}`);
	const node = page
		.locator(
			`[data-test-id="canvas-node"][data-node-name="${nodeName}"], [data-name="${nodeName}"]`,
		)
		.first();
	await node.waitFor({ timeout: 60_000 });
	await page.keyboard.press('Escape');
	await node.dblclick();
	await page.mouse.move(1200, 800); // away from parameter hints, whose tooltips cover buttons
}

module.exports = { launchChromium, openEditor, openNode };
