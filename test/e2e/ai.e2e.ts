/**
 * End-to-end: the package's operations as AI tools in real n8n (`n8n start`), without a network.
 * Both examples run as a user would run them, published, against the simulator:
 * - "Ask about your syncs": a chat message to the Chat Trigger's URL; the AI Agent's OpenAI Chat
 *   Model talks to a stub chat-completions server (its credential's Base URL), which calls the
 *   four tools and then answers.
 * - "Braze CDI as an MCP server": an MCP client (@modelcontextprotocol/sdk) lists the tools and
 *   calls each over the MCP Server Trigger's Streamable HTTP endpoint, with bearer authentication.
 * Each checks what the model or client is offered (names, descriptions, arguments), that each
 * answer is exactly the syncs or report the simulator's data requires, what each call costs in
 * Braze requests, and that the API key appears in no prompt, tool answer, output or execution.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import nock from 'nock';

import type { IDataObject } from 'n8n-workflow';

import { reportText } from '../../nodes/BrazeCdi/helpers/report';
import { DEFAULT_HEALTH_LIMITS, summarizeSyncs } from '../../nodes/BrazeCdi/helpers/summary';
import type { Simulator, Sync } from '../../simulator';
import { makeSyncs, startSimulator } from '../../simulator';
import { createN8n, fetchN8n, freePort } from '../../scripts/n8n';
import { startChatModelStub } from './chatModelStub';
import { editorSession } from './editor';
import { packedPackage } from './tarball';
import { E2E_VERSIONS } from './versions';
import { waitUntil } from './waitUntil';
import { exampleWorkflow } from './workflows';

const KEY = 'e2e-ai-key-3d9b7f1a-c5e2-4a86-b0d4-f6a8c2e4b1d7';
const OPENAI_KEY = 'sk-stub-openai-key-for-the-e2e';
const MCP_TOKEN = 'e2e-mcp-token-8f2c6a1e-4b7d-49c3-a5e0-d1b3f7c9e2a4';
const CHAT_WEBHOOK = '5f0d6c1e-2b7a-4c39-9e84-ae21b7c4d0f3'; // the example's Chat Trigger
const MCP_PATH = 'braze-cdi'; // the example's MCP Server Trigger
const MINUTE = 60_000;
/** n8n's time zone: Summarize's report names it. */
const TIME_ZONE = 'Europe/Paris';

/**
 * The tools of both examples, by the name n8n gives the model (the node's name, `_` for spaces):
 * the type of each argument (`?` when it has a default, so that the model may leave it out), and
 * what the description says.
 */
const TOOLS: Record<string, { arguments: Record<string, string>; says: RegExp }> = {
	List_integrations: { arguments: {}, says: /find an integration's ID from its name/ },
	Summarize_syncs: { arguments: { hours: 'number?' }, says: /report_text is a ready summary/ },
	Get_latest_sync: {
		arguments: { integration_id: 'string' },
		says: /whether the last sync worked/,
	},
	List_syncs: {
		arguments: {
			integration_id: 'string',
			limit: 'number?',
			started_after: 'string?',
			started_before: 'string?',
			statuses: 'string?',
		},
		says: /Returns \{ syncs, more \}/,
	},
};

/** A JSON schema's properties as name → type, `?` after it when not required, in name order. */
const argumentTypes = (schema: {
	properties?: Record<string, { type?: unknown }>;
	required?: string[];
}) =>
	Object.fromEntries(
		Object.entries(schema.properties ?? {})
			.map(([name, property]) => [
				name,
				`${String(property.type)}${schema.required?.includes(name) ? '' : '?'}`,
			])
			.sort(([a], [b]) => a.localeCompare(b)),
	);

/** What each tool is asked, in both tests. */
const CALLS = [
	{ name: 'List_integrations', args: {} },
	{ name: 'Summarize_syncs', args: { hours: 24 } },
	{ name: 'Get_latest_sync', args: { integration_id: 'int-failing' } },
	// No window: its arguments' defaults leave it open.
	{ name: 'List_syncs', args: { integration_id: 'int-orders', limit: 2, statuses: 'error' } },
];

/**
 * The Braze requests each call costs, by path. Orders has 30 hourly syncs, Failing import 5.
 * Summarize reads the list, then each integration until a page reaches before the window: 24 of
 * Orders' syncs are in it, so 3 of its pages. Orders' first page holds 2 error syncs, its limit:
 * List reads one error sync past it to know whether more exist, on Orders' second page.
 */
const ORDERS = '/cdi/integrations/int-orders/job_sync_status';
const FAILING = '/cdi/integrations/int-failing/job_sync_status';
const LIST = '/cdi/integrations';
const COSTS: Record<string, Record<string, number>> = {
	List_integrations: { [LIST]: 1 },
	Summarize_syncs: { [LIST]: 1, [ORDERS]: 3, [FAILING]: 1 },
	Get_latest_sync: { [FAILING]: 1 },
	List_syncs: { [ORDERS]: 2 },
};

let sim: Simulator;
let model: Awaited<ReturnType<typeof startChatModelStub>>;
let tarball: string;

beforeAll(async () => {
	nock.enableNetConnect(/127\.0\.0\.1|localhost/);
	sim = await startSimulator({
		apiKeys: { [KEY]: ['cdi.integration_job_status', 'cdi.integration_list'] },
		integrations: [
			{
				integration_id: 'int-orders',
				integration_name: 'Orders',
				contact_emails: 'orders@example.com',
			},
			{
				integration_id: 'int-failing',
				integration_name: 'Failing import',
				contact_emails: 'failing@example.com, data@example.com',
			},
		],
	});
	model = await startChatModelStub();
	tarball = packedPackage();
}, 120_000);

afterAll(async () => {
	await sim?.close();
	await model?.close();
});

/**
 * The histories, made afresh at the start of each test so that their times (and so the window's
 * syncs and the costs above) are as they describe: Orders, 30 hourly syncs, the newest 10 minutes
 * ago; Failing import, 5 hourly syncs, the newest 90 minutes ago and partial (makeSyncs' newest, a
 * success 30 minutes ago, is dropped for that).
 */
function makeHistories() {
	const now = Date.now();
	const histories = {
		'int-orders': makeSyncs(30, { newest: now - 10 * MINUTE }),
		'int-failing': makeSyncs(6, { newest: now - 30 * MINUTE }).slice(1),
	};
	for (const [id, syncs] of Object.entries(histories)) {
		const live = sim.integration(id).syncs;
		live.splice(0, live.length, ...syncs);
	}
}

/** GET /cdi/integrations as Braze answers it: what List Integrations must answer. */
async function integrationList(): Promise<IDataObject[]> {
	const response = await fetch(`${sim.url}/cdi/integrations`, {
		headers: { authorization: `Bearer ${KEY}` },
	});
	return ((await response.json()) as { results: IDataObject[] }).results;
}

/** A sync as the tools answer it: Braze's fields, plus the integration and the duration. */
const asItem = (sync: Sync, integrationId: string) => ({
	...sync,
	integration_id: integrationId,
	duration_seconds: sync.sync_finish_time
		? (Date.parse(sync.sync_finish_time) - Date.parse(sync.sync_start_time)) / 1000
		: null,
});

/**
 * Checks one tool's answer (the JSON text the model or client got) against the simulator. Reads
 * the integration list itself: call it after counting the tool's requests.
 */
async function expectAnswer(tool: string, text: string) {
	expect(text).not.toContain(KEY);
	const answer = JSON.parse(text);
	const orders = sim.integration('int-orders').syncs;
	const failing = sim.integration('int-failing').syncs;
	switch (tool) {
		case 'List_integrations':
			expect(answer).toEqual(await integrationList());
			expect(answer).toHaveLength(2);
			break;
		case 'Summarize_syncs': {
			// The report the data requires, made by the package's own pure functions (tested on
			// their own) from the simulator's syncs in the window the tool reported.
			const [{ window_start: windowStart, window_end: windowEnd }] = answer[0].integrations;
			// 24 hours back, as the model asked, from when the tool's expression ran: the window
			// ends when Summarize runs, a moment later.
			const span = Date.parse(windowEnd) - Date.parse(windowStart) - 24 * 60 * MINUTE;
			expect(span).toBeGreaterThanOrEqual(0);
			expect(span).toBeLessThan(MINUTE);
			const entries = (await integrationList()).map((integration) => {
				const syncs = sim
					.integration(String(integration.integration_id))
					.syncs.filter((sync) => Date.parse(sync.sync_start_time) >= Date.parse(windowStart));
				const figures = {
					integration_id: integration.integration_id,
					integration_name: integration.integration_name,
					contact_emails: integration.contact_emails,
					window_start: windowStart,
					window_end: windowEnd,
					...summarizeSyncs(syncs, { at: Date.parse(windowEnd), ...DEFAULT_HEALTH_LIMITS }),
				};
				return { figures, syncs };
			});
			expect(entries.map(({ syncs }) => syncs.length)).toEqual([24, 5]);
			// Without report_html: a model cannot show it.
			expect(answer).toEqual([
				{
					integrations: entries.map(({ figures }) => figures),
					report_text: reportText(entries, TIME_ZONE, DEFAULT_HEALTH_LIMITS),
				},
			]);
			expect(answer[0].report_text).toMatch(/Failing import/);
			break;
		}
		case 'Get_latest_sync':
			expect(answer).toEqual([asItem(failing[0], 'int-failing')]);
			expect(answer[0].job_status).toBe('partial');
			break;
		case 'List_syncs': {
			const errors = orders.filter((sync) => sync.job_status === 'error');
			expect(errors.length).toBeGreaterThan(2);
			expect(answer).toEqual([
				{ syncs: errors.slice(0, 2).map((sync) => asItem(sync, 'int-orders')), more: true },
			]);
			break;
		}
		default:
			throw new Error(`No expectation for the tool ${tool}`);
	}
}

/** The Braze requests made since the log held `from` of them, counted by path. */
function requestsSince(from: number): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const request of sim.requests.slice(from)) {
		expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
		counts[request.path] = (counts[request.path] ?? 0) + 1;
	}
	return counts;
}

const sum = (costs: Array<Record<string, number>>) => {
	const total: Record<string, number> = {};
	for (const cost of costs)
		for (const [path, count] of Object.entries(cost)) total[path] = (total[path] ?? 0) + count;
	return total;
};

describe.each(E2E_VERSIONS)('n8n %s: the Braze CDI tools for AI', (version) => {
	let n8n: Awaited<ReturnType<typeof createN8n>>;
	let server: { stop(): Promise<void>; output(): string } | undefined;
	let base: string;

	beforeAll(async () => {
		n8n = await createN8n({ version, tarball, env: { GENERIC_TIMEZONE: TIME_ZONE } });
		await n8n.importCredentials([
			{
				id: 'braze-cdi',
				name: 'Braze CDI account',
				type: 'brazeCdiApi',
				data: { restEndpoint: 'custom', customUrl: sim.url, apiKey: KEY },
			},
			{
				id: 'openai',
				name: 'OpenAI account',
				type: 'openAiApi',
				data: { apiKey: OPENAI_KEY, url: model.url },
			},
			{
				id: 'mcp-bearer',
				name: 'MCP clients bearer token',
				type: 'httpBearerAuth',
				data: { token: MCP_TOKEN },
			},
		]);
		await n8n.importWorkflows([
			exampleWorkflow('ask-about-your-syncs.json', 'ask', 'unused', 'braze-cdi'),
			exampleWorkflow('braze-cdi-as-an-mcp-server.json', 'mcp', 'unused', 'braze-cdi'),
		]);
		await n8n.activate('ask');
		await n8n.activate('mcp');
		const port = await freePort();
		base = `http://127.0.0.1:${port}`;
		server = await n8n.startEditor({ port });
		// n8n answers its REST API before it has registered the workflows' webhooks: on a loaded
		// machine a request came too early (404; a 503 says nothing either, see fetchN8n). Both are
		// there when they answer otherwise: the chat's page (or its sign-in), the MCP server's
		// refusal of a caller without the token. Neither runs a tool.
		const registered = async (url: string, init: RequestInit) => {
			const response = await fetchN8n(url, { ...init, redirect: 'manual' }).catch(() => undefined);
			await response?.body?.cancel();
			return response !== undefined && ![404, 503].includes(response.status);
		};
		await waitUntil(server.output)(
			"the chat's and the MCP server's webhooks",
			2 * MINUTE,
			async () =>
				(await registered(`${base}/webhook/${CHAT_WEBHOOK}/chat`, { method: 'GET' })) &&
				(await registered(`${base}/mcp/${MCP_PATH}`, {
					method: 'POST',
					headers: {
						'content-type': 'application/json',
						accept: 'application/json, text/event-stream',
					},
					body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
				}))
					? true
					: undefined,
		);
	}, 15 * MINUTE);

	afterAll(async () => {
		const log = server?.output() ?? '';
		await server?.stop();
		n8n?.remove();
		expect(log).not.toContain(KEY);
	});

	test('a chat message: the agent is offered the four tools, and each answers exactly the data', async () => {
		makeHistories();
		model.plan([
			{ toolCalls: CALLS.slice(0, 2) },
			{ toolCalls: CALLS.slice(2) },
			{ content: 'Orders is degraded; Failing import last ended partial.' },
		]);
		const session = await editorSession(base, version);
		const from = sim.requests.length;

		const response = await fetchN8n(`${base}/webhook/${CHAT_WEBHOOK}/chat`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', cookie: session.cookie },
			body: JSON.stringify({
				action: 'sendMessage',
				sessionId: `e2e-${version}`,
				chatInput: 'How are my syncs?',
			}),
		});
		const reply = await response.text();

		expect([response.status, reply]).toEqual([
			200,
			JSON.stringify({ output: 'Orders is degraded; Failing import last ended partial.' }),
		]);
		expect(model.requests).toHaveLength(3);
		const [first, second, last] = model.requests;
		expect(first.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
		expect(first.body.messages.at(-1)).toMatchObject({
			role: 'user',
			content: 'How are my syncs?',
		});
		const offered = Object.fromEntries(
			(first.body.tools ?? []).map(({ function: tool }) => [tool.name, tool]),
		);
		expect(Object.keys(offered).sort()).toEqual(Object.keys(TOOLS).sort());
		for (const [name, { arguments: args, says }] of Object.entries(TOOLS)) {
			expect([name, offered[name].description]).toEqual([name, expect.stringMatching(says)]);
			expect([name, argumentTypes(offered[name].parameters)]).toEqual([name, args]);
		}
		const answers = { ...model.toolAnswers(second), ...model.toolAnswers(last) };
		expect(Object.keys(answers).sort()).toEqual(Object.keys(TOOLS).sort());
		expect(requestsSince(from)).toEqual(sum(Object.values(COSTS)));
		for (const [tool, text] of Object.entries(answers)) await expectAnswer(tool, text);

		for (const request of model.requests) expect(request.raw).not.toContain(KEY);
		expect(reply).not.toContain(KEY);
		const executions = JSON.stringify(await n8n.executions('ask'));
		expect(executions).toContain('Failing import');
		expect(executions).not.toContain(KEY);
	});

	test('an MCP client, with the bearer token: lists the four tools, calls each, gets exactly the data', async () => {
		makeHistories();
		const url = new URL(`${base}/mcp/${MCP_PATH}`);
		const from = sim.requests.length;
		// Without the token, or with another, n8n refuses the client before any tool runs.
		for (const authorization of [undefined, 'Bearer not-the-token']) {
			const refused = await fetchN8n(url, {
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					accept: 'application/json, text/event-stream',
					...(authorization ? { authorization } : {}),
				},
				body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
			});
			expect([authorization, refused.status]).toEqual([authorization, expect.any(Number)]);
			expect([401, 403]).toContain(refused.status);
		}

		const client = new Client({ name: 'braze-cdi-e2e', version: '1.0.0' });
		await client.connect(
			new StreamableHTTPClientTransport(url, {
				requestInit: { headers: { authorization: `Bearer ${MCP_TOKEN}` } },
				fetch: fetchN8n,
			}),
		);
		try {
			const { tools } = await client.listTools();
			expect(tools.map((tool) => tool.name).sort()).toEqual(Object.keys(TOOLS).sort());
			for (const tool of tools) {
				const { arguments: args, says } = TOOLS[tool.name as keyof typeof TOOLS];
				expect([tool.name, tool.description]).toEqual([tool.name, expect.stringMatching(says)]);
				expect([tool.name, argumentTypes(tool.inputSchema)]).toEqual([tool.name, args]);
			}
			expect(requestsSince(from)).toEqual({}); // listing the tools reads nothing from Braze

			for (const call of CALLS) {
				const before = sim.requests.length;
				const result = await client.callTool({ name: call.name, arguments: call.args });
				const content = result.content as Array<{ type: string; text: string }>;
				expect([call.name, result.isError ?? false, content.length]).toEqual([call.name, false, 1]);
				expect([call.name, requestsSince(before)]).toEqual([call.name, COSTS[call.name]]);
				await expectAnswer(call.name, content[0].text);
			}
			// With every default (at most 50 syncs, any status, no window): all 5, and no more.
			const before = sim.requests.length;
			const all = await client.callTool({
				name: 'List_syncs',
				arguments: { integration_id: 'int-failing' },
			});
			const [{ text }] = all.content as Array<{ type: string; text: string }>;
			expect(JSON.parse(text)).toEqual([
				{
					syncs: sim.integration('int-failing').syncs.map((sync) => asItem(sync, 'int-failing')),
					more: false,
				},
			]);
			expect(JSON.parse(text)[0].syncs).toHaveLength(5);
			expect(requestsSince(before)).toEqual({ [FAILING]: 1 });

			// A limit of whole pages, no filter: Braze's next link says more, and no page past it is read.
			const twenty = sim.requests.length;
			const page = await client.callTool({
				name: 'List_syncs',
				arguments: { integration_id: 'int-orders', limit: 20 },
			});
			const [{ text: pageText }] = page.content as Array<{ type: string; text: string }>;
			const orders = sim.integration('int-orders').syncs.slice(0, 20);
			expect(JSON.parse(pageText)).toEqual([
				{ syncs: orders.map((sync) => asItem(sync, 'int-orders')), more: true },
			]);
			expect(requestsSince(twenty)).toEqual({ [ORDERS]: 2 });
		} finally {
			await client.close();
		}
		const executions = JSON.stringify(await n8n.executions('mcp'));
		expect(executions).toContain('Failing import');
		expect(executions).not.toContain(KEY);
	});
});
