/**
 * The end-to-end driver's requests to n8n (scripts/n8n.js): n8n refuses every request with
 * "Database is not ready!" while a ping of its database is late, before any route runs, so the
 * driver sends such a request again; any other answer is the test's to judge.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';

import { fetchN8n } from '../scripts/n8n';

beforeAll(() => nock.enableNetConnect('127.0.0.1'));

/** A stand-in for n8n whose answers are `answers`, in turn; it keeps each request's body. */
async function n8nAnswering(answers: Array<[number, string]>) {
	const bodies: string[] = [];
	const server = createServer((request: IncomingMessage, response: ServerResponse) => {
		let body = '';
		request.on('data', (chunk) => (body += chunk));
		request.on('end', () => {
			bodies.push(body);
			const [status, text] = answers[Math.min(bodies.length, answers.length) - 1];
			response.writeHead(status, { 'content-type': 'application/json' }).end(text);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/rest/owner/setup`,
		bodies,
		close: () => new Promise((resolve) => server.close(resolve)),
	};
}

const NOT_READY: [number, string] = [
	503,
	JSON.stringify({ code: 503, message: 'Database is not ready!' }),
];

test('a request n8n refused as "Database is not ready!" is sent again, body and all, until n8n answers', async () => {
	const n8n = await n8nAnswering([NOT_READY, NOT_READY, [200, '{"data":{}}']]);
	try {
		const response = await fetchN8n(n8n.url, { method: 'POST', body: '{"email":"a@b.c"}' });
		expect([response.status, await response.text()]).toEqual([200, '{"data":{}}']);
		expect(n8n.bodies).toEqual(Array(3).fill('{"email":"a@b.c"}'));
	} finally {
		await n8n.close();
	}
});

test('any other answer, another 503 too, is the caller’s at once', async () => {
	for (const answer of [
		[503, '{"message":"Service Unavailable"}'],
		[401, '{"message":"Unauthorized"}'],
	] as Array<[number, string]>) {
		const n8n = await n8nAnswering([answer, [200, '{}']]);
		try {
			const response = await fetchN8n(n8n.url, { method: 'POST', body: '{}' });
			expect([response.status, await response.text(), n8n.bodies.length]).toEqual([...answer, 1]);
		} finally {
			await n8n.close();
		}
	}
});
