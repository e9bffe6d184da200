/**
 * End-to-end, in `n8n start` (the latest n8n): two Braze CDI Triggers of one workflow that poll at
 * the same moment. n8n's VM expression engine keeps one sandbox per workflow for its polls and
 * frees it when a poll ends, so the poll still reading fails at its next expression. Here the
 * example "Alert on stuck or missed syncs" is given one poll time for both triggers, and the
 * answers to one of them come 3 s late: the other's poll ends first, every minute. The late
 * trigger says what happened and what to do, once for the episode; the other goes on alerting.
 * The answers are late only after the activation: n8n holds the sandbox while it activates.
 * (n8n 1.x frees the sandbox only when the poll that took it ends: which one that is varies.)
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';

import type { Simulator } from '../../simulator';
import { createN8n, freePort, N8N_VERSIONS } from '../../scripts/n8n';
import { alertsWorkflow, alertsWorkspace, MISSED, RUNNING } from './alertsExample';
import { packedPackage } from './tarball';
import { waitUntil } from './waitUntil';

const version = N8N_VERSIONS.latest;
const MINUTE = 60_000;
const WORKFLOW = 'sandbox-e2e';
/** One key per trigger: the late one's requests are answered 3 s late. */
const KEYS: Record<string, string> = {
	[RUNNING]: 'e2e-sandbox-late-4d7e1a',
	[MISSED]: 'e2e-sandbox-prompt-9b2c6f',
};
const LATE_MS = 3_000;

let sim: Simulator;
let proxy: ReturnType<typeof createServer>;
/**
 * Set by the proxy once both activation polls have come (each reads the list alone): n8n holds
 * the sandbox while it activates, so late answers then would only slow the activation down.
 */
let lateFromNow = false;
const seen = new Set<string | undefined>();
const waiting = new Set<NodeJS.Timeout>();
beforeAll(async () => {
	nock.enableNetConnect(/127\.0\.0\.1|localhost/);
	sim = await alertsWorkspace(KEYS);
	// In front of the simulator: once `lateFromNow`, the late key's requests wait, the others pass.
	proxy = createServer((incoming, answer) => {
		const late = lateFromNow && incoming.headers.authorization === `Bearer ${KEYS[RUNNING]}`;
		seen.add(incoming.headers.authorization);
		lateFromNow = Object.values(KEYS).every((key) => seen.has(`Bearer ${key}`));
		const forward = () => {
			waiting.delete(timer);
			const upstream = httpRequest(
				`${sim.url}${incoming.url}`,
				{ method: incoming.method, headers: incoming.headers },
				(response) => {
					answer.writeHead(response.statusCode ?? 502, response.headers);
					response.pipe(answer);
				},
			);
			// n8n stopped mid-poll, or the simulator closed: drop the request, not the test run.
			upstream.on('error', () => answer.destroy());
			incoming.pipe(upstream);
		};
		const timer = setTimeout(forward, late ? LATE_MS : 0);
		waiting.add(timer);
	});
	await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
	for (const timer of waiting) clearTimeout(timer);
	proxy?.closeAllConnections();
	await new Promise((resolve) => proxy?.close(resolve));
	await sim?.close();
});

test(
	`n8n ${version}: of two triggers of a workflow polling at once, the one whose sandbox was taken says so once; the other goes on`,
	async () => {
		const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
		// The same poll time for both: what the example avoids.
		const everyMinute = '0 * * * * *';
		const workflow = alertsWorkflow(WORKFLOW, {
			keys: KEYS,
			crons: { [RUNNING]: everyMinute, [MISSED]: everyMinute },
			runningMinutes: 1,
		});
		const n8n = await createN8n({ version, tarball: packedPackage() });
		let running: Awaited<ReturnType<typeof n8n.startEditor>> | undefined;
		try {
			await n8n.importCredentials(
				Object.entries(KEYS).map(([name, key]) => ({
					id: key,
					name,
					type: 'brazeCdiApi',
					data: { restEndpoint: 'custom', customUrl: proxyUrl, apiKey: key },
				})),
			);
			await n8n.importWorkflows([workflow]);
			await n8n.activate(WORKFLOW);
			running = await n8n.startEditor({ port: await freePort(), env: { N8N_LOG_FORMAT: 'json' } });
			const until = waitUntil(running.output);

			const polls = (key: string) =>
				sim.requests.filter(
					(entry) =>
						entry.headers.authorization === `Bearer ${key}` &&
						entry.path === '/cdi/integrations' &&
						entry.status !== null,
				).length;
			// Three polls of the prompt trigger: the late one polled at the same seconds, and its first
			// two polls, the one that reports and one that must not, have long ended. (Its own requests
			// do not count its polls: a poll can fail before sending any, when the other ended first.)
			await until('three polls after the activation', 5 * MINUTE, () =>
				polls(KEYS[MISSED]) >= 4 ? true : undefined,
			);
			const executions = await n8n.executions(WORKFLOW);

			const failed = executions.filter((execution) => execution.status === 'error');
			expect(failed).toHaveLength(1);
			expect(failed[0].error).toMatchObject({
				message:
					"n8n's expression sandbox was taken from this poll by another trigger of the workflow",
				description: expect.stringContaining('poll times that do not coincide'),
			});
			// The other trigger was not hindered: the missed run alerted, once.
			const alerts = executions.flatMap(
				(execution) => execution.runData[MISSED]?.[0]?.data?.main?.[0] ?? [],
			);
			expect(alerts).toEqual([
				expect.objectContaining({
					json: expect.objectContaining({ integration_id: 'int-missed' }),
				}),
			]);
			for (const key of Object.values(KEYS)) {
				expect(JSON.stringify(executions)).not.toContain(key);
				expect(running.output()).not.toContain(key);
			}
		} finally {
			await running?.stop();
			n8n.remove();
		}
	},
	12 * MINUTE,
);
