/**
 * End-to-end: the example "Alert on stuck or missed syncs" in a running n8n (`n8n start`, the
 * workflow activated through the CLI, both triggers polling every minute) against the simulator:
 * a sync that runs past the limit and a missed scheduled run are each alerted exactly once,
 * across polls, an n8n restart between polls, and the sync finishing. Checked on the executions
 * n8n recorded; waits on the simulator's request log, never on fixed sleeps. The servers under
 * test (each n8n version, and 2.x with durable poll cursors) run side by side, each with its own
 * simulator: polls come once a minute, so one after the other would take three times as long.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import nock from 'nock';

import { makeSyncs, startSimulator } from '../../simulator';
import { createN8n, freePort, packPackage, removePack } from '../../scripts/n8n';
import { waitUntil } from './waitUntil';
import { testOnEveryServer } from './versions';

const MINUTE = 60_000;
const WORKFLOW = 'alerts-e2e'; // n8n 1.x keeps static data only for IDs of 16 characters or fewer
const RUNNING = 'When a sync runs too long';
const MISSED = 'When a scheduled sync is missed';
/** One key per trigger, so that the simulator's log tells their polls apart. */
const KEYS: Record<string, string> = {
	[RUNNING]: 'e2e-alerts-running-3f9a1c',
	[MISSED]: 'e2e-alerts-missed-7b2d4e',
};

let tarball: string;
beforeAll(() => {
	nock.enableNetConnect(/127\.0\.0\.1|localhost/);
	tarball = packPackage();
});
afterAll(() => removePack(tarball));

/** The example, polling every minute, each trigger with its own credential, short limits. */
function exampleWorkflow() {
	const workflow = JSON.parse(
		readFileSync(
			path.join(__dirname, '..', '..', 'examples', 'alert-on-stuck-or-missed-syncs.json'),
			'utf8',
		),
	);
	const triggers = workflow.nodes.filter(
		(node: { type: string }) => node.type === 'n8n-nodes-braze-cdi.brazeCdiTrigger',
	);
	expect(triggers.map((node: { name: string }) => node.name).sort()).toEqual([MISSED, RUNNING]);
	for (const node of triggers) {
		node.parameters.pollTimes = { item: [{ mode: 'everyMinute' }] };
		if (node.name === RUNNING) node.parameters.runningMinutes = 2;
		else node.parameters.graceMinutes = 1;
		node.credentials = { brazeCdiApi: { id: KEYS[node.name], name: node.name } };
	}
	return { ...workflow, id: WORKFLOW, active: false };
}

testOnEveryServer(
	'a sync running too long and a missed run: each alerted once, across polls and a restart',
	alertScenario,
	25 * MINUTE,
);

/** One server's run: its own simulator and n8n folder, removed whatever happens. */
async function alertScenario(version: string, extraEnv: Record<string, string>) {
	let server: { stop: () => Promise<void>; output: () => string } | undefined;
	/** The running (or last) n8n's output, for failures. */
	let n8nOutput = () => '(n8n not started)';
	const until = waitUntil(() => n8nOutput());
	const now = Date.now();
	const sim = await startSimulator({
		apiKeys: Object.fromEntries(
			Object.values(KEYS).map((key) => [
				key,
				['cdi.integration_job_status', 'cdi.integration_list'],
			]),
		),
		integrations: [
			{
				integration_id: 'int-long',
				integration_name: 'Users from Snowflake',
				// Running since now: past the 2 min limit a couple of polls after activation.
				syncs: makeSyncs(4, { newest: now, running: true }),
			},
			{
				integration_id: 'int-missed',
				integration_name: 'Orders',
				// Due 30 s ago with a 1 min grace: missed from the first polls on.
				next_scheduled_run: new Date(now - 30_000).toISOString(),
				syncs: makeSyncs(3, { newest: now - 60 * MINUTE - 30_000 }),
			},
			{ integration_id: 'int-ok', integration_name: 'Events', syncs: makeSyncs(3) },
		],
	});
	/** Removed at the end: the n8n folder, once made. */
	let made: { remove: () => void } | undefined;
	try {
		const n8n = await createN8n({ version, tarball, env: extraEnv });
		made = n8n;
		await n8n.importCredentials(
			[RUNNING, MISSED].map((trigger) => ({
				id: KEYS[trigger],
				name: trigger,
				type: 'brazeCdiApi',
				data: { restEndpoint: 'custom', customUrl: sim.url, apiKey: KEYS[trigger] },
			})),
		);
		await n8n.importWorkflows([exampleWorkflow()]);
		await n8n.activate(WORKFLOW);

		const start = async () => {
			server = await n8n.startEditor({ port: await freePort(), env: extraEnv });
			n8nOutput = server!.output;
		};
		const stop = async () => {
			await server?.stop();
			server = undefined;
		};
		/** A trigger's polls so far: each starts with the integration list, first page. */
		const pollsOf = (trigger: string) =>
			sim.requests.filter(
				(request) =>
					request.headers.authorization === `Bearer ${KEYS[trigger]}` &&
					request.path === '/cdi/integrations' &&
					request.query.cursor === undefined,
			).length;
		const morePolls = async (what: string, count: number) => {
			const wanted: Record<string, number> = {
				[RUNNING]: pollsOf(RUNNING) + count,
				[MISSED]: pollsOf(MISSED) + count,
			};
			await until(what, (count + 2) * MINUTE, () =>
				[RUNNING, MISSED].every((trigger) => pollsOf(trigger) >= wanted[trigger]),
			);
		};
		/** Every alert each trigger emitted, over all recorded executions; and what was notified. */
		const recorded = async () => {
			const executions = await n8n.executions(WORKFLOW);
			const items = (node: string) =>
				executions.flatMap((execution) =>
					(execution.runData[node]?.[0]?.data?.main?.[0] ?? []).map(
						(item: { json: Record<string, unknown> }) => item.json,
					),
				);
			return {
				running: items(RUNNING),
				missed: items(MISSED),
				notified: items('Notify (replace with Slack or Email)').map((item) => item.message),
			};
		};

		await start();
		const longStart = Date.parse(sim.integration('int-long').syncs[0].sync_start_time);

		await until('both alerts', 6 * MINUTE, async () => {
			const { running, missed } = await recorded();
			return running.length >= 1 && missed.length >= 1;
		});
		const first = await recorded();
		// Not before the limit: the alert came from a poll at least 2 minutes after the start.
		expect(first.running).toEqual([
			expect.objectContaining({
				integration_id: 'int-long',
				integration_name: 'Users from Snowflake',
				job_status: 'running',
				alert: expect.stringMatching(
					/^Sync of Users from Snowflake has been running for \d+ min \(since /,
				),
			}),
		]);
		expect(Number(/for (\d+) min/.exec(String(first.running[0].alert))![1])).toBeGreaterThanOrEqual(
			2,
		);
		expect(first.missed).toEqual([
			expect.objectContaining({
				integration_id: 'int-missed',
				integration_name: 'Orders',
				alert: expect.stringMatching(
					/^Scheduled sync of Orders due at .* has not started \(1 min grace\)$/,
				),
			}),
		]);
		expect(first.notified).toEqual(
			expect.arrayContaining([
				`Braze CDI: ${String(first.missed[0].alert)} (integration int-missed).`,
			]),
		);

		// One more poll of each: nothing again. Then n8n restarts between polls.
		await morePolls('one more poll of each trigger', 1);
		await stop();
		await start();
		await morePolls('two polls of each trigger after the restart', 2);

		// The long sync finishes: no alert for it either.
		sim.completeSync('int-long', 'success');
		await morePolls('a poll of each trigger after the sync finished', 1);
		await stop();

		const last = await recorded();
		expect(last.running.map((item) => item.sync_start_time)).toEqual([
			new Date(longStart).toISOString(),
		]);
		expect(last.missed.map((item) => item.integration_id)).toEqual(['int-missed']);
		expect(last.notified).toHaveLength(2);
		expect(n8nOutput()).not.toContain(KEYS[RUNNING]);
	} finally {
		await server?.stop();
		await sim.close();
		made?.remove();
	}
}
