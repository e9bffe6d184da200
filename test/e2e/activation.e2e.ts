/**
 * End-to-end, in `n8n start` (the latest n8n, its poll scheduler with durable poll cursors): n8n's
 * first scheduled poll after the activation poll, before n8n saved the activation. n8n schedules
 * a trigger's polls before it runs its activation poll, and saves the workflow's static data
 * (where the trigger records the activation's start) once every trigger of the workflow is
 * activated; a scheduled poll in between finds no start and starts the watch itself.
 *
 * Here the workflow's other trigger, an RSS Feed Trigger, is slow to activate: its feed answers
 * its activation poll only once the Braze CDI Trigger's first scheduled poll has been answered.
 * Two syncs finish after the Braze trigger's activation poll read the history, before that
 * scheduled poll: they are emitted once, by the poll after it, and the next poll emits only what
 * is new.
 */
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';

import type { Simulator, Sync } from '../../simulator';
import { makeSyncs, startSimulator } from '../../simulator';
import { createN8n, DURABLE_CURSORS, freePort, N8N_VERSIONS } from '../../scripts/n8n';
import { packedPackage } from './tarball';
import { waitUntil } from './waitUntil';

const version = N8N_VERSIONS.latest;
const MINUTE = 60_000;
const WORKFLOW = 'activation-e2e';
const TRIGGER = 'Braze CDI Trigger';
const KEY = 'e2e-activation-key-6a0f3c';
/**
 * Longest the feed's first answer waits, from n8n's first request: past the first scheduled poll
 * (up to a minute away, at the schedule's random second, plus the scheduler's 5 s and 10 s ticks,
 * ±10 %), short of the 84 s after which n8n gives the activation up (70 % of its publication
 * lease, 120 s).
 */
const HOLD_AT_MOST_MS = 80_000;
const EMPTY_FEED =
	'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title><link>http://127.0.0.1/</link><description>Nothing</description></channel></rss>';

let sim: Simulator;
/** In front of the simulator (its first answer adds syncs), and the RSS feed. */
let server: ReturnType<typeof createServer>;
/** The syncs that finished after the Braze trigger's activation poll read the history. */
let afterActivation: Sync[] = [];
/**
 * Braze requests answered so far: the activation poll's, then the scheduled polls' (one request a
 * poll: one integration, its history within a page).
 */
let brazeAnswers = 0;
/** Why the feed's first answer was let go: the scheduled poll came, or it waited too long. */
let released: 'after the scheduled poll' | 'held too long' | undefined;
let releaseFeed: (() => void) | undefined;
/** When n8n began activating: at its first request, the feed's or Braze's, whichever came first. */
let activationBegan: number | undefined;
const activating = () => (activationBegan ??= Date.now());
let activationPollAnsweredAt = 0;
let holdLimit: NodeJS.Timeout | undefined;
let lateAnswer: NodeJS.Timeout | undefined;

beforeAll(async () => {
	nock.enableNetConnect(/127\.0\.0\.1|localhost/);
	sim = await startSimulator({
		apiKeys: { [KEY]: ['cdi.integration_job_status', 'cdi.integration_list'] },
		integrations: [
			{
				integration_id: 'int-a',
				integration_name: 'Users',
				syncs: makeSyncs(3, { newest: Date.now() - 10 * MINUTE }),
			},
		],
	});
	let feedRequests = 0;
	server = createServer((incoming, answer) => {
		if (incoming.url === '/feed') {
			const sendFeed = (why?: NonNullable<typeof released>) => {
				if (answer.headersSent) return; // answered already (held too long, then released)
				if (why) released ??= why;
				answer.writeHead(200, { 'content-type': 'application/rss+xml' });
				answer.end(EMPTY_FEED);
			};
			if (feedRequests++ > 0) return sendFeed();
			if (brazeAnswers >= 2) return sendFeed('after the scheduled poll');
			releaseFeed = () => sendFeed('after the scheduled poll');
			holdLimit = setTimeout(
				() => sendFeed('held too long'),
				activating() + HOLD_AT_MOST_MS - Date.now(),
			);
			return;
		}
		activating();
		const upstream = httpRequest(
			`${sim.url}${incoming.url}`,
			{ method: incoming.method, headers: incoming.headers },
			(response) => {
				readWhole(response).then(
					(body) => {
						const send = () => {
							answer.writeHead(response.statusCode ?? 502, response.headers);
							answer.end(body);
						};
						if (++brazeAnswers === 2) {
							send();
							clearTimeout(holdLimit);
							releaseFeed?.();
						} else if (brazeAnswers > 2) send();
						else {
							// The activation poll's: these finished after it read, and it is answered a
							// second late, so that n8n's log tells whether it waited for it (see below).
							afterActivation = makeSyncs(2, { newest: Date.now(), spacingMs: 1_000 });
							sim.addSyncs('int-a', afterActivation);
							lateAnswer = setTimeout(() => {
								activationPollAnsweredAt = Date.now();
								send();
							}, 1_000);
						}
					},
					() => answer.destroy(),
				);
			},
		);
		// n8n stopped mid-poll, or the simulator closed: drop the request, not the test run.
		upstream.on('error', () => answer.destroy());
		incoming.pipe(upstream);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
	clearTimeout(holdLimit);
	clearTimeout(lateAnswer);
	server?.closeAllConnections();
	await new Promise((resolve) => server?.close(resolve));
	await sim?.close();
});

test(
	`n8n ${version} (durable poll cursors): syncs that finish before n8n saved the activation are emitted, once`,
	async () => {
		const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		const n8n = await createN8n({ version, tarball: packedPackage(), env: DURABLE_CURSORS });
		let running: Awaited<ReturnType<typeof n8n.startEditor>> | undefined;
		try {
			await n8n.importCredentials([
				{
					id: 'braze',
					name: 'Braze',
					type: 'brazeCdiApi',
					data: { restEndpoint: 'custom', customUrl: url, apiKey: KEY },
				},
			]);
			const everyMinute = { item: [{ mode: 'everyMinute' }] };
			await n8n.importWorkflows([
				{
					id: WORKFLOW,
					name: WORKFLOW,
					active: false,
					settings: { executionOrder: 'v1' },
					connections: {},
					nodes: [
						{
							id: 'braze-trigger',
							name: TRIGGER,
							type: 'n8n-nodes-braze-cdi.brazeCdiTrigger',
							typeVersion: 1,
							position: [0, 0],
							parameters: {
								pollTimes: everyMinute,
								watch: 'integration',
								integrationId: { __rl: true, mode: 'id', value: 'int-a' },
								event: 'syncFinished',
							},
							credentials: { brazeCdiApi: { id: 'braze', name: 'Braze' } },
						},
						{
							id: 'feed-trigger',
							name: 'RSS Feed Trigger',
							type: 'n8n-nodes-base.rssFeedReadTrigger',
							typeVersion: 1,
							position: [0, 200],
							parameters: { pollTimes: everyMinute, feedUrl: `${url}/feed` },
						},
					],
				},
			]);
			await n8n.activate(WORKFLOW);
			// At debug level n8n logs when it activated each trigger, and each poll its scheduler ran.
			running = await n8n.startEditor({
				port: await freePort(),
				env: { N8N_LOG_FORMAT: 'json', N8N_LOG_LEVEL: 'debug' },
			});
			const until = waitUntil(running.output);
			const emitted = async () =>
				(await n8n.executions(WORKFLOW)).flatMap((execution) =>
					(execution.runData[TRIGGER]?.[0]?.data?.main?.[0] ?? []).map(
						(item: { json: Sync }) => item.json.sync_start_time,
					),
				);
			const startsOf = (syncs: Sync[]) => syncs.map((sync) => sync.sync_start_time).reverse();

			await until('the activation to end', 3 * MINUTE, () => released);
			expect(released).toBe('after the scheduled poll');
			// The first Braze request was the activation poll's: n8n activated the Braze trigger once
			// it was answered. (Had a scheduled poll come first, the activation poll would have
			// returned at once, one poll of a node at a time, and there would be nothing to race.)
			const activated = loggedAt(running.output(), (entry) =>
				entry.message.startsWith(`Activated trigger node "${TRIGGER}"`),
			);
			expect(activated).toHaveLength(1);
			expect({ activatedAfterItsAnswer: activated[0] >= activationPollAnsweredAt }).toEqual({
				activatedAfterItsAnswer: true,
			});
			await until(
				'the syncs that finished before n8n saved the activation',
				3 * MINUTE,
				async () => ((await emitted()).length > 0 ? true : undefined),
			);
			// One more poll, which has one more sync to emit: it must not emit those again.
			const later = makeSyncs(1, { newest: Date.now() });
			sim.addSyncs('int-a', later);
			await until('the poll after', 3 * MINUTE, async () =>
				(await emitted()).includes(later[0].sync_start_time) ? true : undefined,
			);

			expect(await emitted()).toEqual([...startsOf(afterActivation), ...startsOf(later)]);
			expect(JSON.stringify(await n8n.executions(WORKFLOW))).not.toContain(KEY);
			expect(running.output()).not.toContain(KEY);
		} finally {
			await running?.stop();
			n8n.remove();
		}
	},
	12 * MINUTE,
);

/** When n8n logged the entries that `matches`, oldest first (n8n's JSON log lines). */
function loggedAt(
	output: string,
	matches: (entry: { message: string; metadata: Record<string, unknown> }) => boolean,
): number[] {
	return output.split('\n').flatMap((line) => {
		if (!line.startsWith('{')) return [];
		try {
			const entry = JSON.parse(line);
			return matches(entry) ? [Date.parse(entry.metadata.timestamp)] : [];
		} catch {
			return []; // not an entry of n8n's log
		}
	});
}

function readWhole(response: IncomingMessage): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		response.on('data', (chunk: Buffer) => chunks.push(chunk));
		response.on('end', () => resolve(Buffer.concat(chunks)));
		response.on('error', reject);
	});
}
