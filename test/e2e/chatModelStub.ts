/**
 * A stand-in for OpenAI's chat completions API (`POST <base>/chat/completions`), for n8n's OpenAI
 * Chat Model with its credential's Base URL pointed here: it answers each request with the next
 * planned turn (tool calls, or a final answer) and keeps every request, so that a test can read
 * what the model was offered and what the tools answered it. Streams when asked to.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ToolCall {
	name: string;
	args: Record<string, unknown>;
}

/** What the model answers: tool calls, or its final text. */
export type Turn = { toolCalls: ToolCall[] } | { content: string };

export interface ChatMessage {
	role: string;
	content: string | null;
	tool_call_id?: string;
	tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
}

export interface ChatRequest {
	headers: http.IncomingHttpHeaders;
	body: {
		messages: ChatMessage[];
		tools?: Array<{
			function: { name: string; description: string; parameters: Record<string, any> };
		}>;
		stream?: boolean;
	};
	/** The whole body as sent, for searching it. */
	raw: string;
}

export async function startChatModelStub() {
	const requests: ChatRequest[] = [];
	let plan: Turn[] = [];
	let calls = 0;

	const server = http.createServer((request, response) => {
		let raw = '';
		request.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
		request.on('end', () => {
			if (request.method !== 'POST' || !request.url?.endsWith('/chat/completions')) {
				response.writeHead(404, { 'content-type': 'application/json' });
				response.end(JSON.stringify({ error: { message: `No route ${request.url}` } }));
				return;
			}
			const body = JSON.parse(raw) as ChatRequest['body'];
			requests.push({ headers: request.headers, body, raw });
			const turn = plan.shift();
			if (turn === undefined) {
				response.writeHead(500, { 'content-type': 'application/json' });
				response.end(JSON.stringify({ error: { message: 'The stub has no turn planned' } }));
				return;
			}
			const message =
				'content' in turn
					? { role: 'assistant', content: turn.content }
					: {
							role: 'assistant',
							content: null,
							tool_calls: turn.toolCalls.map((call) => ({
								id: `call_${++calls}`,
								type: 'function',
								function: { name: call.name, arguments: JSON.stringify(call.args) },
							})),
						};
			const finish = 'content' in turn ? 'stop' : 'tool_calls';
			const id = `chatcmpl-${requests.length}`;
			const base = { id, created: Math.floor(Date.now() / 1000), model: 'stub-model' };
			const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
			if (!body.stream) {
				response.writeHead(200, { 'content-type': 'application/json' });
				response.end(
					JSON.stringify({
						...base,
						object: 'chat.completion',
						choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
						usage,
					}),
				);
				return;
			}
			// The same answer as server-sent events: all of it in one delta, then the finish.
			const delta = {
				...message,
				content: message.content ?? '',
				...('tool_calls' in message
					? { tool_calls: message.tool_calls!.map((call, index) => ({ index, ...call })) }
					: {}),
			};
			const chunk = (choices: unknown[], extra = {}) =>
				`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices, ...extra })}\n\n`;
			response.writeHead(200, { 'content-type': 'text/event-stream' });
			response.write(chunk([{ index: 0, delta, finish_reason: null }]));
			response.write(chunk([{ index: 0, delta: {}, finish_reason: finish }]));
			response.write(chunk([], { usage }));
			response.end('data: [DONE]\n\n');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;

	return {
		/** The Base URL to give the OpenAI credential. */
		url: `http://127.0.0.1:${port}/v1`,
		requests,
		/** The turns to answer the next requests with, in order; a request beyond them fails. */
		plan(turns: Turn[]) {
			plan = [...turns];
			requests.length = 0;
		},
		/** The answers of the tools, by name, from the tool messages of a request. */
		toolAnswers(request: ChatRequest): Record<string, string> {
			const names = new Map<string, string>();
			for (const message of request.body.messages)
				for (const call of message.tool_calls ?? []) names.set(call.id, call.function.name);
			return Object.fromEntries(
				request.body.messages
					.filter((message) => message.role === 'tool')
					.map((message) => [names.get(message.tool_call_id!), String(message.content)]),
			);
		},
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}
