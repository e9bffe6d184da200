#!/usr/bin/env node
/**
 * `npm run demo`: the node in real n8n against the local Braze CDI simulator, in one command.
 * Builds and packs the package, prepares n8n (cached), starts the simulator, imports a credential
 * and the example workflows, runs them and prints what they found; then stops what it started.
 * `npm run demo -- --editor` leaves the n8n editor running with all of it loaded instead.
 */
const fs = require('node:fs');
const path = require('node:path');

const { startSimulator } = require('../simulator');
const { N8N_VERSIONS, ROOT, createN8n, nodeItems, executionError, packPackage } = require('./n8n');

const editor = process.argv.includes('--editor');
const version = process.env.N8N_VERSION ?? N8N_VERSIONS.latest;
const API_KEY = 'demo-api-key';
const CREDENTIAL = { id: 'braze-cdi', name: 'Braze CDI account' };
const HISTORY_ID = 'cdi-thirty-seven';

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

function readExample(file) {
	return JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', file), 'utf8'));
}

/** Example workflows pointed at the simulator; for the CLI, schedule triggers become manual. */
function demoWorkflows({ manualStart }) {
	const examples = [
		{ id: 'demo-alert', file: 'alert-on-failed-syncs.json', integrationId: 'cdi-failing' },
		{ id: 'demo-report', file: 'daily-sync-report.json', integrationId: 'cdi-recent' },
		{ id: 'demo-run', file: 'run-sync-and-continue.json', integrationId: 'cdi-one' },
	].map(({ id, file, integrationId }) => {
		const workflow = { ...readExample(file), id, active: false };
		for (const node of workflow.nodes) {
			if (manualStart && node.type === 'n8n-nodes-base.scheduleTrigger') {
				Object.assign(node, {
					type: 'n8n-nodes-base.manualTrigger',
					typeVersion: 1,
					parameters: {},
				});
			}
			if (node.type === 'n8n-nodes-braze-cdi.brazeCdi') {
				node.parameters.integrationId = { __rl: true, mode: 'id', value: integrationId };
				node.credentials = { brazeCdiApi: CREDENTIAL };
				// The simulator's syncs take seconds, not minutes: check every 2 s, not 30.
				if (node.parameters.options?.pollInterval) node.parameters.options.pollInterval = 2;
			}
		}
		return workflow;
	});
	const single = (id, name, parameters) => ({
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
				name: name.replace('Braze CDI: ', ''),
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
		connections: {
			Start: { main: [[{ node: name.replace('Braze CDI: ', ''), type: 'main', index: 0 }]] },
		},
	});
	return [
		single('demo-list', 'Braze CDI: List Job Sync Status', { operation: 'list', returnAll: true }),
		single('demo-latest', 'Braze CDI: Get Latest', { operation: 'getLatest' }),
		...examples,
	];
}

async function main() {
	say(`Braze CDI node demo — real n8n ${version}, local Braze CDI simulator`);
	say('Building and packing the package…');
	const tarball = packPackage();

	const now = Date.now();
	const { makeSyncs, seedIntegrations } = require('../simulator');
	const simulator = await startSimulator({
		port: editor ? Number(process.env.SIMULATOR_PORT ?? 4010) : 0,
		apiKeys: {
			[API_KEY]: ['cdi.integration_job_status', 'cdi.integration_list', 'cdi.integration_sync'],
		},
		syncDurationMs: 3000,
		integrations: [
			...seedIntegrations(),
			{
				integration_id: 'cdi-failing',
				integration_name: 'Failing import',
				syncs: makeSyncs(4).slice(2),
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
	const stop = async () => {
		await editorProcess?.stop();
		await simulator.close();
	};
	try {
		const n8n = await createN8n({ version, tarball });
		await n8n.importCredentials([
			{
				...CREDENTIAL,
				type: 'brazeCdiApi',
				data: { restEndpoint: 'custom', customUrl: simulator.url, apiKey: API_KEY },
			},
		]);
		const workflows = demoWorkflows({ manualStart: !editor });
		await n8n.importWorkflows(workflows);

		if (editor) {
			editorProcess = await n8n.startEditor({ port: 5678 });
			say('');
			say('The n8n editor is running at http://127.0.0.1:5678');
			say('  First visit: set up an owner account (it stays on this machine).');
			say(
				`  Loaded: the "${CREDENTIAL.name}" credential (pointing at the simulator) and ${workflows.length} workflows.`,
			);
			say(`  n8n data: ${n8n.home}`);
			say('Press Ctrl-C to stop n8n and the simulator.');
			await new Promise((resolve) => {
				process.once('SIGINT', resolve);
				process.once('SIGTERM', resolve);
				editorProcess.child.once('exit', resolve);
			});
			return;
		}

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
			const brazeNode = workflow.nodes.find((node) => node.type === 'n8n-nodes-braze-cdi.brazeCdi');
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
			const notifications = nodeItems(execution, 'Notify (replace with Slack or Email)');
			for (const item of notifications) say(`  ⚠ Flagged: ${item.json.message}`);
			if (workflow.id === 'demo-alert' && notifications.length === 0) say('  No failure flagged.');
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
	} finally {
		await stop();
	}
}

main().catch((error) => {
	process.stderr.write(`${error.stack ?? error}\n`);
	process.exit(1);
});
