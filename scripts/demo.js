#!/usr/bin/env node
/**
 * `npm run demo`: the node in real n8n against the local Braze CDI simulator, in one command on a
 * fresh clone. Installs the project's dependencies when they are missing, builds and packs the
 * package, installs n8n (cached; with the Node.js it runs on) meanwhile, starts the simulator,
 * imports a credential and the example workflows, runs those that need neither an active trigger
 * nor a mail server and prints what they found; then stops what it started and removes what it
 * wrote outside the cache.
 * `npm run demo -- --editor` leaves the n8n editor running with all of it loaded instead, in an n8n
 * folder kept in the cache, so that its owner account and your edits are there the next time.
 * Standard library only at the top: the dependencies may not be installed yet.
 */
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const {
	SetupError,
	cacheDir,
	ensureDependencies,
	exitOnSignals,
	runMain,
	useScratchFolder,
} = require('./setup');
const { makeSyncs, seedIntegrations, startSimulator } = require('../simulator');
const {
	DEMO_OWNER,
	N8N_VERSIONS,
	ROOT,
	checkN8nPrerequisites,
	createN8n,
	ensureN8n,
	executionError,
	nodeItems,
	packPackage,
	setUpOwner,
} = require('./n8n');

const editor = process.argv.includes('--editor');
const version = process.env.N8N_VERSION ?? N8N_VERSIONS.latest;
const API_KEY = 'demo-api-key';
const CREDENTIAL = { id: 'braze-cdi', name: 'Braze CDI account' };
const HISTORY_ID = 'cdi-thirty-seven';
const SUMMARY_ID = 'demo-summary';

function say(text = '') {
	process.stdout.write(`${text}\n`);
}

function table(rows, columns) {
	if (rows.length === 0) return '  (no syncs)';
	const cell = (value) =>
		value === null || value === undefined || value === '' ? '–' : String(value);
	const widths = columns.map(([title, key]) =>
		Math.max(title.length, ...rows.map((row) => cell(row[key]).length)),
	);
	const line = (values) =>
		`  ${values.map((value, index) => value.padEnd(widths[index])).join('  ')}`.trimEnd();
	return [
		line(columns.map(([title]) => title)),
		line(widths.map((width) => '-'.repeat(width))),
		...rows.map((row) => line(columns.map(([, key]) => cell(row[key])))),
	].join('\n');
}

const SYNC_COLUMNS = [
	['status', 'job_status'],
	['started', 'sync_start_time'],
	['finished', 'sync_finish_time'],
	['rows synced', 'rows_synced'],
	['rows failed', 'rows_failed_with_errors'],
];

/**
 * The examples the demo loads, with a workflow ID (short enough for n8n 1.x's 16 characters), the
 * simulator integration each points at, and whether the command-line demo runs it (a trigger
 * runs only in the editor, where it can be activated; so do the examples that send email).
 */
const EXAMPLES = {
	'alert-on-failed-syncs.json': { id: 'demo-alert', integrationId: 'cdi-failing' },
	'daily-sync-report.json': { id: 'demo-report', integrationId: 'cdi-recent', run: true },
	'run-sync-and-continue.json': { id: 'demo-run', integrationId: 'cdi-one', run: true },
};
const BRAZE_NODE_TYPES = ['n8n-nodes-braze-cdi.brazeCdi', 'n8n-nodes-braze-cdi.brazeCdiTrigger'];

/** Every example in examples/: the command line's share, or all of them for the editor. */
function exampleWorkflows({ forEditor }) {
	const files = fs
		.readdirSync(path.join(ROOT, 'examples'))
		.filter((file) => file.endsWith('.json'));
	const workflows = [];
	for (const [index, file] of files.sort().entries()) {
		const known = EXAMPLES[file] ?? { id: `demo-example-${index}`, integrationId: 'cdi-recent' };
		if (!forEditor && !known.run) continue;
		const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', file), 'utf8'));
		const workflow = { ...example, id: known.id, active: false };
		for (const node of workflow.nodes) {
			if (!forEditor && node.type === 'n8n-nodes-base.scheduleTrigger') {
				// `n8n execute` starts a workflow from a manual trigger.
				Object.assign(node, {
					type: 'n8n-nodes-base.manualTrigger',
					typeVersion: 1,
					parameters: {},
				});
			}
			if (BRAZE_NODE_TYPES.includes(node.type)) {
				if (node.parameters.integrationId !== undefined || node.parameters.watch === 'integration')
					node.parameters.integrationId = { __rl: true, mode: 'id', value: known.integrationId };
				node.credentials = { brazeCdiApi: CREDENTIAL };
				// The simulator's syncs take seconds, not minutes: check every 2 s, not 30.
				if (node.parameters.options?.pollInterval) node.parameters.options.pollInterval = 2;
			}
		}
		workflows.push(workflow);
	}
	return workflows;
}

/** A workflow of a manual trigger and one Braze CDI node on the 37-sync history. */
function singleNodeWorkflow(id, name, parameters) {
	const nodeName = name.replace('Braze CDI: ', '');
	return {
		id,
		name,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{
				id: `${id}-start`,
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: `${id}-braze`,
				name: nodeName,
				type: 'n8n-nodes-braze-cdi.brazeCdi',
				typeVersion: 1,
				position: [220, 0],
				parameters: {
					resource: 'jobSync',
					integrationId: { __rl: true, mode: 'id', value: HISTORY_ID },
					...parameters,
				},
				credentials: { brazeCdiApi: CREDENTIAL },
			},
		],
		connections: { Start: { main: [[{ node: nodeName, type: 'main', index: 0 }]] } },
	};
}

function demoWorkflows({ forEditor }) {
	return [
		singleNodeWorkflow('demo-list', 'Braze CDI: List Job Sync Status', {
			operation: 'list',
			returnAll: true,
		}),
		singleNodeWorkflow('demo-latest', 'Braze CDI: Get Latest', { operation: 'getLatest' }),
		...exampleWorkflows({ forEditor }),
		// The editor has it in the example "daily sync report by email"; the command line cannot
		// send the email, so it runs the report alone and writes its HTML to a file.
		...(forEditor
			? []
			: [
					singleNodeWorkflow(SUMMARY_ID, 'Braze CDI: Summarize', {
						operation: 'summarize',
						allIntegrations: true,
						startedAfter: '={{ $now.minus({ hours: 24 }).toISO() }}',
						options: { report: true, combine: true },
					}),
				]),
	];
}

/** Fails, in one sentence, when a port the editor needs is taken. */
async function requireFreePort(port, what, variable) {
	const free = await new Promise((resolve) => {
		const server = net.createServer();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});
	if (!free)
		throw new SetupError(
			`Port ${port}, where the demo runs ${what}, is in use: stop what holds it, or pick another with ${variable}=<port> npm run demo -- --editor.`,
		);
}

function checkNodeVersion() {
	const [major, minor] = process.versions.node.split('.').map(Number);
	if (major < 20 || (major === 20 && minor < 19))
		throw new SetupError(
			`The demo needs Node.js 20.19 or newer (this is ${process.version}): install a current Node.js LTS from https://nodejs.org and run it again.`,
		);
}

async function main() {
	checkNodeVersion();
	useScratchFolder('demo');
	const started = Date.now();
	say(`Braze CDI node demo — real n8n ${version}, local Braze CDI simulator`);
	const simulatorPort = editor ? Number(process.env.SIMULATOR_PORT ?? 4010) : 0;
	const editorPort = Number(process.env.N8N_PORT ?? 5678);
	if (editor) {
		await requireFreePort(editorPort, 'the n8n editor', 'N8N_PORT');
		await requireFreePort(simulatorPort, 'the Braze CDI simulator', 'SIMULATOR_PORT');
	}

	checkN8nPrerequisites(version);

	// n8n installs (the first time) while the project's dependencies install and it is packed.
	const [, tarball] = await Promise.all([
		ensureN8n(version),
		ensureDependencies().then(() => {
			say('Building and packing the package…');
			return packPackage();
		}),
	]);

	const now = Date.now();
	const simulator = await startSimulator({
		port: simulatorPort,
		apiKeys: {
			[API_KEY]: ['cdi.integration_job_status', 'cdi.integration_list', 'cdi.integration_sync'],
		},
		syncDurationMs: 3000,
		// The silent failures, which the report shows: cdi-stale, whose syncs succeed while its data
		// is 3 days old, and cdi-volume-drop, whose newest sync brought 97 % fewer rows than usual.
		staleHours: 72,
		volumeDropPercent: 97,
		integrations: [
			...seedIntegrations(),
			{
				integration_id: 'cdi-failing',
				integration_name: 'Failing import',
				// Recent, so that the report of the last 24 hours shows an unhealthy integration.
				syncs: makeSyncs(4, { newest: now - 20 * 60_000 }).slice(2),
			},
			{
				integration_id: 'cdi-recent',
				integration_name: 'Recent activity',
				syncs: makeSyncs(30, { newest: now - 10 * 60_000 }),
			},
		],
	});
	say(`Simulator listening on ${simulator.url}`);

	let editorProcess;
	const stopAll = async () => {
		await editorProcess?.stop();
		await simulator.close();
	};
	exitOnSignals(stopAll);
	try {
		if (editor) await runEditor(simulator, tarball, editorPort, (child) => (editorProcess = child));
		else await runWorkflows(simulator, tarball, started);
	} finally {
		await stopAll();
	}
}

/** The editor demo: n8n started with everything loaded, until Ctrl-C. */
async function runEditor(simulator, tarball, editorPort, onStart) {
	// Kept in the cache: the owner account, the encryption key and your edits stay.
	const home = path.join(cacheDir(), 'demo-editor', `n8n-${version}`);
	const n8n = await createN8n({ version, tarball, userFolder: home, persistent: true });
	const loadedFile = path.join(home, 'demo-loaded.json');
	const loaded = fs.existsSync(loadedFile)
		? JSON.parse(fs.readFileSync(loadedFile, 'utf8'))
		: { workflows: [] };
	if (loaded.simulatorUrl !== simulator.url) {
		await n8n.importCredentials([credentialFor(simulator)]);
	}
	const workflows = demoWorkflows({ forEditor: true });
	// Only workflows not loaded before: importing again would undo the user's edits.
	const fresh = workflows.filter((workflow) => !loaded.workflows.includes(workflow.id));
	if (fresh.length) await n8n.importWorkflows(fresh);
	fs.writeFileSync(
		loadedFile,
		JSON.stringify({
			simulatorUrl: simulator.url,
			workflows: [...loaded.workflows, ...fresh.map((workflow) => workflow.id)],
		}),
	);

	const editorProcess = await n8n.startEditor({ port: editorPort });
	onStart(editorProcess);
	const base = `http://127.0.0.1:${editorPort}`;
	const owner = await setUpOwner(base);
	say('');
	say(`The n8n editor is running at ${base}`);
	say(
		`  Log in as ${DEMO_OWNER.email} with the password ${DEMO_OWNER.password}${owner === 'created' ? ' (the owner account was just set up)' : ''}.`,
	);
	say(
		`  Loaded: the "${CREDENTIAL.name}" credential (pointing at the simulator) and ${workflows.length} workflows${fresh.length < workflows.length ? `, ${fresh.length} of them new; your edits to the others are kept` : ''}.`,
	);
	say(`  n8n data (kept for the next run): ${home}`);
	say('Press Ctrl-C to stop n8n and the simulator.');
	await new Promise((resolve) => editorProcess.child.once('exit', resolve));
}

function credentialFor(simulator) {
	return {
		...CREDENTIAL,
		type: 'brazeCdiApi',
		data: { restEndpoint: 'custom', customUrl: simulator.url, apiKey: API_KEY },
	};
}

/** The command-line demo: runs each workflow with `n8n execute` and prints what it found. */
async function runWorkflows(simulator, tarball, started) {
	const n8n = await createN8n({ version, tarball });
	await n8n.importCredentials([credentialFor(simulator)]);
	const workflows = demoWorkflows({ forEditor: false });
	await n8n.importWorkflows(workflows);

	for (const workflow of workflows) {
		const { execution, output } = await n8n.execute(workflow.id);
		const error = executionError(execution);
		say('');
		say(`▶ ${workflow.name}`);
		if (!execution || error) {
			say(`  failed: ${error?.message ?? output.slice(-500)}`);
			process.exitCode = 1;
			continue;
		}
		const brazeNode = workflow.nodes.find((node) => BRAZE_NODE_TYPES.includes(node.type));
		if (workflow.id === SUMMARY_ID) {
			sayReport(nodeItems(execution, brazeNode.name)[0].json);
			continue;
		}
		const syncs = nodeItems(execution, brazeNode.name).map((item) => item.json);
		say(`  ${brazeNode.name}: ${syncs.length} sync${syncs.length === 1 ? '' : 's'}`);
		say(table(syncs, SYNC_COLUMNS));
		if (workflow.id === 'demo-latest' && syncs[0]) {
			say(
				`  Latest sync: ${syncs[0].job_status}, started ${syncs[0].sync_start_time}, ${syncs[0].rows_synced} rows synced.`,
			);
		}
		const nextStep = nodeItems(execution, 'Next step (replace with yours)');
		for (const item of nextStep) say(`  ✓ Triggered a sync and waited: ${item.json.message}`);
		const report = nodeItems(execution, 'Per status').map((item) => item.json);
		if (report.length) {
			say('  Report, last 24 hours:');
			say(
				table(report, [
					['status', 'job_status'],
					['syncs', 'count_job_status'],
					['rows synced', 'sum_rows_synced'],
					['rows failed', 'sum_rows_failed_with_errors'],
				]),
			);
		}
	}
	say('');
	say(
		`Requests the simulator answered: ${simulator.requests.length} (Braze allows 100 a minute per workspace).`,
	);
	say(`Demo done in ${Math.round((Date.now() - started) / 1000)} s.`);
}

/** Summarize's one report of all integrations: its text, and its HTML in a file in the cache. */
function sayReport(report) {
	const file = path.join(cacheDir(), 'demo-report.html');
	fs.mkdirSync(path.dirname(file), { recursive: true });
	fs.writeFileSync(file, report.report_html);
	say(`  Report, last 24 hours, ${report.integrations.length} integrations:`);
	for (const line of report.report_text.split('\n')) say(`  ${line}`);
	say(`  HTML report (as an email would show it): ${file}`);
}

runMain(main);
