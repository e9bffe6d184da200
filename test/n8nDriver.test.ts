/**
 * The end-to-end driver's requests to n8n (scripts/n8n.js): n8n refuses every request with
 * "Database is not ready!" while a ping of its database is late, before any route runs, so the
 * driver sends such a request again; any other answer is the test's to judge. And n8n's editor
 * is taken for started once its REST API is there, not at the first 200 it answers.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';

import { answering, fetchN8n, restApiMounted } from '../scripts/n8n';

beforeAll(() => nock.enableNetConnect('127.0.0.1'));

/**
 * A stand-in for n8n whose answers are `answers` (status, body and, unless JSON, content type), in
 * turn; it keeps each request's body.
 */
async function n8nAnswering(answers: Array<[number, string, string?]>) {
	const bodies: string[] = [];
	const server = createServer((request: IncomingMessage, response: ServerResponse) => {
		let body = '';
		request.on('data', (chunk) => (body += chunk));
		request.on('end', () => {
			bodies.push(body);
			const [status, text, type = 'application/json'] =
				answers[Math.min(bodies.length, answers.length) - 1];
			response.writeHead(status, { 'content-type': type }).end(text);
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

test('n8n start is running once its REST API answers, not while it migrates its database or mounts its routes', async () => {
	// What n8n answers GET /rest/settings with as it starts: its 200 while it migrates, the 404 of
	// a route not mounted yet, a refusal while a ping of its database is late, then the settings.
	const n8n = await n8nAnswering([
		[200, 'n8n is starting up. Please wait', 'text/html; charset=utf-8'],
		[404, 'Cannot GET /rest/settings', 'text/html; charset=utf-8'],
		NOT_READY,
		[200, '{"data":{}}'],
	]);
	const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
	try {
		const running = await answering(child, n8n.url, 'n8n start', restApiMounted);
		expect(n8n.bodies).toHaveLength(4);
		await running.stop();
		expect(child.exitCode ?? child.signalCode).not.toBeNull();
	} finally {
		child.kill('SIGKILL');
		await n8n.close();
	}
});
