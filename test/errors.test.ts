import nock from 'nock';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { CUSTOM_URL_RULE } from '../nodes/BrazeCdi/helpers/endpoint';
import { startSimulator } from '../simulator';
import { API_KEY, ENDPOINT, runBrazeNode } from './harness';
import {
	byId,
	cursorFor,
	expectNoKeyIn,
	INTEGRATION_ID,
	listParameters,
	makeSyncs,
	serveHistory,
} from './fixtures';

const PATH = `/cdi/integrations/${INTEGRATION_ID}/job_sync_status`;
const list = (extra = {}) => listParameters({ returnAll: true, ...extra });

/** Braze answers the first page with `status` and `body`. */
function brazeAnswers(status: number, body: unknown, headers: Record<string, string> = {}) {
	return nock(ENDPOINT)
		.get(PATH)
		.reply(status, body as nock.Body, headers);
}

describe('HTTP errors become clear NodeApiErrors, with the key nowhere', () => {
	test.each([
		[
			400,
			{ message: 'Invalid integration ID' },
			/integration ID/,
			/the part after …\/integrations\/cloud_data_ingestion\//,
		],
		[400, { message: 'Invalid cursor' }, /pagination cursor/, /Run the node again/],
		[401, { message: 'Unauthorized' }, /rejected the API key/, /without quotes.*REST Endpoint/],
		[
			403,
			{ message: 'Access Denied' },
			/lacks the cdi\.integration_job_status permission/,
			/API Keys/,
		],
		[403, { message: 'Forbidden' }, /refused access \(Forbidden\)/, /plan/],
		[404, { message: 'Not Found' }, /no such address \(Not Found\)/, /REST Endpoint/],
	])('%i %j', async (status, body, message, description) => {
		brazeAnswers(status, body);

		const result = await runBrazeNode({ parameters: list() });

		expect(result.error?.message).toMatch(message);
		expect(result.error?.description).toMatch(description);
		expect(result.error?.httpCode).toBe(String(status));
		// n8n shows "<status> - <message>" and renders descriptions as HTML: say each once, no <tags>.
		expect(result.error?.message).not.toMatch(new RegExp(`\\b${status}\\b`));
		expect(result.error?.description).not.toMatch(/<[a-z_]+>/i);
		expect(result.items).toEqual([]);
		expectNoKeyIn(result.run);
	});

	test.each([
		[500, { message: 'Internal Server Error' }],
		[503, '<html>Service Unavailable</html>'],
	])('%i four times in a row: retried, then a clear error', async (status, body) => {
		const scope = nock(ENDPOINT)
			.get(PATH)
			.times(4)
			.reply(status, body as nock.Body);

		const result = await runBrazeNode({ parameters: list() });

		expect(result.error?.message).toBe('Braze server error');
		expect(result.error?.httpCode).toBe(String(status));
		expect(result.error?.description).toMatch(/try again/);
		expect(scope.isDone()).toBe(true);
		expectNoKeyIn(result.run);
	});

	test.each([
		['ECONNREFUSED', 'Could not reach Braze at https://rest.iad-01.braze.com', 1],
		['ENOTFOUND', 'Could not reach Braze at https://rest.iad-01.braze.com', 1],
		['ECONNRESET', 'Could not reach Braze at https://rest.iad-01.braze.com', 4],
		['ETIMEDOUT', 'Braze did not answer in time', 4],
	])('network error %s (%s), after %i attempts', async (code, message, attempts) => {
		nock(ENDPOINT)
			.get(PATH)
			.times(attempts)
			.replyWithError(
				Object.assign(new Error(`${code} while sending Bearer ${API_KEY}`), { code }),
			);

		const result = await runBrazeNode({ parameters: list() });

		expect(result.error?.message).toBe(message);
		expect(result.error?.description).toContain(`(${code})`);
		expectNoKeyIn(result.run);
	});

	test('an error on a later page fails the item, not silently truncates it', async () => {
		nock(ENDPOINT)
			.get(PATH)
			.reply(
				200,
				{ results: makeSyncs(10), message: 'success' },
				{ link: `<${PATH}?cursor=${cursorFor(10)}>; rel="next"` },
			)
			.get(PATH)
			.query({ cursor: cursorFor(10) })
			.reply(400, { message: 'Invalid cursor' });

		const result = await runBrazeNode({ parameters: list() });

		expect(result.error?.message).toMatch(/\(Invalid cursor\)/);
		expect(result.items).toEqual([]);
	});

	test('Braze errors that echo the key are redacted', async () => {
		brazeAnswers(401, { message: 'Unauthorized', errors: [`key ${API_KEY} is not valid`] });

		const result = await runBrazeNode({ parameters: list() });

		expect(result.error?.description).toContain('key *** is not valid');
		expectNoKeyIn(result.run);
	});
});

describe('Continue On Fail', () => {
	test('a failing item yields an error item paired to it; the others still run', async () => {
		serveHistory(makeSyncs(2), { integrationId: 'good' });
		nock(ENDPOINT)
			.get('/cdi/integrations/bad/job_sync_status')
			.reply(400, { message: 'Invalid integration ID' });
		serveHistory(makeSyncs(1), { integrationId: 'also-good' });

		const result = await runBrazeNode({
			parameters: list({ integrationId: byId('={{ $json.id }}') }),
			input: [{ id: 'good' }, { id: 'bad' }, { id: '' }, { id: 'also-good' }],
			continueOnFail: true,
		});

		expect(result.error).toBeUndefined();
		expect(
			result.items.map((item) => [item.pairedItem, item.json.error ?? item.json.integration_id]),
		).toEqual([
			[{ item: 0 }, 'good'],
			[{ item: 0 }, 'good'],
			[{ item: 1 }, expect.stringMatching(/does not accept this integration ID/)],
			[{ item: 2 }, 'The Integration ID is empty'],
			[{ item: 3 }, 'also-good'],
		]);
		expect(result.items[2].json.description).toMatch(/Data Settings → Cloud Data Ingestion/);
		expectNoKeyIn(result.run);
	});

	test.each([401, 403, 404])('HTTP %i with Continue On Fail: an error item', async (status) => {
		brazeAnswers(status, { message: 'x' });

		const result = await runBrazeNode({ parameters: list(), continueOnFail: true });

		expect(result.items).toEqual([
			{
				json: { error: expect.any(String), description: expect.any(String) },
				pairedItem: { item: 0 },
			},
		]);
		expectNoKeyIn(result.run);
	});
});

describe('The integration ID is checked before any request', () => {
	test('left empty, n8n itself refuses to run the node (a required parameter)', async () => {
		await expect(runBrazeNode({ parameters: list({ integrationId: byId('') }) })).rejects.toThrow(
			'Parameter "Integration" is required',
		);
	});

	test.each([
		['={{ "" }}', 'The Integration ID is empty'],
		['   ', 'The Integration ID is empty'],
		[
			'abc def',
			'The Integration ID "abc def" contains a space: enter the ID alone, not a URL or a list',
		],
		['https://dashboard-01.braze.com/integrations/cloud_data_ingestion/abc', /contains "\/"/],
		['abc?x=1', /contains "\?"/],
		['abc#top', /contains "#"/],
	])('%j', async (value, message) => {
		const result = await runBrazeNode({ parameters: list({ integrationId: byId(value) }) });

		expect(result.error?.message).toEqual(
			typeof message === 'string' ? message : expect.stringMatching(message),
		);
		expect(result.error?.description).toMatch(
			/integrations\/cloud_data_ingestion\/ followed by the ID/,
		);
	});

	test('surrounding spaces are trimmed', async () => {
		const history = serveHistory(makeSyncs(1));

		const result = await runBrazeNode({
			parameters: list({ integrationId: byId(`  ${INTEGRATION_ID}\t`) }),
		});

		expect(result.items).toHaveLength(1);
		expect(history.requests).toEqual([0]);
	});
});

describe('Pagination links: only the cursor is taken, the key goes nowhere else', () => {
	test('a next link to another origin gives its cursor; the listing stays on the endpoint, that origin gets no request', async () => {
		const history = serveHistory(makeSyncs(25), { linkStyle: 'foreign' });
		const foreign = nock('https://braze.example.net').get(/.*/).reply(200, { results: [] });

		const result = await runBrazeNode({ parameters: list() });

		expect(result.items).toHaveLength(25);
		expect(history.requests).toEqual([0, 10, 20]);
		expect(foreign.isDone()).toBe(false);
		expectNoKeyIn(result.run);
	});

	test('a protocol-relative next link gives its cursor too, requested on the endpoint', async () => {
		const foreign = nock('https://braze.example.net').get(/.*/).reply(200, { results: [] });
		nock(ENDPOINT)
			.get(PATH)
			.reply(
				200,
				{ results: makeSyncs(10) },
				{ link: `<//braze.example.net${PATH}?cursor=abc>; rel="next"` },
			);
		nock(ENDPOINT)
			.get(PATH)
			.query({ cursor: 'abc' })
			.reply(200, { results: makeSyncs(2) });

		const result = await runBrazeNode({ parameters: list() });

		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(12);
		expect(foreign.isDone()).toBe(false);
	});

	test("behind a proxy with a path prefix, absolute links on Braze's own host still return every sync", async () => {
		const sim = await startSimulator({
			apiKeys: { [API_KEY]: ['cdi.integration_job_status'] },
			integrations: [{ integration_id: 'int-37', syncs: 37 }],
			linkStyle: 'absolute',
		});
		const forwarded: string[] = [];
		const proxy = http.createServer((request, response) => {
			const url = String(request.url);
			if (!url.startsWith('/braze/')) {
				response.writeHead(404).end();
				return;
			}
			forwarded.push(url);
			const upstream = http.request(
				`${sim.url}${url.slice('/braze'.length)}`,
				{ method: request.method, headers: { ...request.headers, host: new URL(sim.url).host } },
				(answer) => {
					response.writeHead(answer.statusCode ?? 502, answer.headers);
					answer.pipe(response);
				},
			);
			request.pipe(upstream);
		});
		await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
		nock.enableNetConnect('127.0.0.1');
		try {
			const { port } = proxy.address() as AddressInfo;
			const result = await runBrazeNode({
				parameters: list({ integrationId: byId('int-37') }),
				credentials: {
					restEndpoint: 'custom',
					customUrl: `http://127.0.0.1:${port}/braze`,
					apiKey: API_KEY,
				},
			});

			expect(result.error).toBeUndefined();
			expect(result.items.map((item) => item.json.sync_start_time)).toEqual(
				sim.integration('int-37').syncs.map((sync) => sync.sync_start_time),
			);
			expect(forwarded).toHaveLength(4);
			expect(
				forwarded.every((url) => url.startsWith('/braze/cdi/integrations/int-37/job_sync_status')),
			).toBe(true);
			expect(sim.requests).toHaveLength(4); // every request came through the proxy
		} finally {
			await new Promise((resolve) => proxy.close(resolve));
			await sim.close();
			nock.disableNetConnect();
		}
	});

	test('a next link without a cursor stops with an error, not a silent truncation', async () => {
		nock(ENDPOINT)
			.get(PATH)
			.reply(200, { results: makeSyncs(10) }, { link: `<${PATH}?page=2>; rel="next"` });

		const result = await runBrazeNode({ parameters: list() });

		expect(result.error?.description).toMatch(/next link has no cursor/);
	});

	test('an unreadable Link header stops with an error, not a silent truncation', async () => {
		nock(ENDPOINT)
			.get(PATH)
			.reply(200, { results: makeSyncs(10) }, { link: `<${PATH}?cursor=abc; rel="next"` });

		const result = await runBrazeNode({ parameters: list() });

		expect(result.error?.message).toBe('Refused to follow Braze pagination link');
		expect(result.error?.description).toMatch(/Link header cannot be read/);
		expect(result.items).toEqual([]);
	});

	test('an unreadable Link header fails its page even inside a batch the helper read on', async () => {
		const budget = {
			'x-ratelimit-limit': '100',
			'x-ratelimit-remaining': '99',
			'x-ratelimit-reset': '4102444800',
		};
		nock(ENDPOINT)
			.get(PATH)
			.reply(
				200,
				{ results: makeSyncs(10) },
				{ ...budget, link: `<${PATH}?cursor=${cursorFor(10)}>; rel="next"` },
			)
			.get(PATH)
			.query({ cursor: cursorFor(10) })
			.reply(
				200,
				{ results: makeSyncs(10) },
				{ ...budget, link: `<${PATH}?cursor=${cursorFor(20)}>; rel="next" <junk` },
			)
			.get(PATH)
			.query({ cursor: cursorFor(20) })
			.reply(200, { results: makeSyncs(10) }, budget);

		const result = await runBrazeNode({ parameters: list() });

		expect(result.error?.description).toMatch(/Link header cannot be read/);
	});

	test('an unreadable Link header on the last page wanted does not matter', async () => {
		nock(ENDPOINT)
			.get(PATH)
			.reply(200, { results: makeSyncs(10) }, { link: 'not a link header' });

		const result = await runBrazeNode({ parameters: listParameters({ limit: 10 }) });

		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(10);
	});

	test('a next link back to a page already read stops with an error instead of looping', async () => {
		const page = (cursor: string) => ({ link: `<${PATH}?cursor=${cursor}>; rel="next"` });
		const requested: string[] = [];
		nock(ENDPOINT)
			.get(PATH)
			.times(10)
			.query(true)
			.reply(function (uri) {
				const cursor = new URL(uri, ENDPOINT).searchParams.get('cursor') ?? '';
				requested.push(cursor);
				return [200, { results: makeSyncs(10) }, page(cursor === 'A' ? 'B' : 'A')];
			});

		const result = await runBrazeNode({ parameters: list() });

		expect(result.error?.message).toBe('Braze sent a pagination link back to a page already read');
		// first page, A, B, then A again is seen on B's link: at most one batch of pages is read
		expect(requested.length).toBeLessThanOrEqual(4);
		expect(requested.slice(0, 3)).toEqual(['', 'A', 'B']);
	});

	test('a next link that points at its own page stops with our error', async () => {
		nock(ENDPOINT)
			.get(PATH)
			.reply(
				200,
				{ results: makeSyncs(10) },
				{ link: `<${PATH}?cursor=${cursorFor(10)}>; rel="next"` },
			)
			.get(PATH)
			.query(true)
			.times(10)
			.reply(
				200,
				{ results: makeSyncs(10) },
				{ link: `<${PATH}?cursor=${cursorFor(10)}>; rel="next"` },
			);

		const result = await runBrazeNode({ parameters: list() });

		expect(result.error?.message).toBe('Braze sent a pagination link back to a page already read');
	});
});

describe('The credential endpoint', () => {
	test('a custom URL with spaces and trailing slashes is used as the base', async () => {
		const scope = nock('http://127.0.0.1:4010')
			.get(PATH)
			.reply(200, { results: makeSyncs(1) });

		const result = await runBrazeNode({
			parameters: list(),
			credentials: {
				restEndpoint: 'custom',
				customUrl: '  http://127.0.0.1:4010//  ',
				apiKey: API_KEY,
			},
		});

		expect(result.items).toHaveLength(1);
		expect(scope.isDone()).toBe(true);
	});

	test.each([
		'http://example.com',
		'',
		'rest.iad-01.braze.com',
		'https://user:pw@rest.example.com',
	])(
		'custom URL %j is refused before any request, with the one rule naming the field',
		async (customUrl) => {
			const result = await runBrazeNode({
				parameters: list(),
				credentials: { restEndpoint: 'custom', customUrl, apiKey: API_KEY },
			});

			expect(result.error?.message).toBe(CUSTOM_URL_RULE);
			expect(result.error?.description).toBe(
				'Fix the Braze CDI API credential, then run the node again.',
			);
			expectNoKeyIn(result.run);
		},
	);

	test.each([
		['a line break', `${API_KEY.slice(0, 20)}\n${API_KEY.slice(20)}`],
		['a Windows line break', `${API_KEY.slice(0, 20)}\r\n${API_KEY.slice(20)}`],
		['a tab', `${API_KEY.slice(0, 20)}\t${API_KEY.slice(20)}`],
		['a NUL', `${API_KEY.slice(0, 20)}\u0000${API_KEY.slice(20)}`],
	])(
		'an API key with %s inside is refused before any request, naming the field',
		async (_case, apiKey) => {
			const braze = nock(ENDPOINT).get(/.*/).reply(200, { results: [] });

			const result = await runBrazeNode({
				parameters: list(),
				credentials: { restEndpoint: ENDPOINT, apiKey },
			});

			expect(result.error?.message).toBe(
				'API Key contains a line break, tab or other control character: paste the key again as one line',
			);
			expect(braze.isDone()).toBe(false);
			expectNoKeyIn(result.run);
		},
	);

	test('an API key with spaces or a line break around it is trimmed, not refused', async () => {
		const history = serveHistory(makeSyncs(3));

		const result = await runBrazeNode({
			parameters: list(),
			credentials: { restEndpoint: ENDPOINT, apiKey: `  ${API_KEY}\n` },
		});

		expect(result.items).toHaveLength(3);
		expect(history.authorizations).toEqual([`Bearer ${API_KEY}`]);
	});
});

describe('TLS', () => {
	test('an endpoint whose certificate cannot be verified gets no request: verification is never turned off', async () => {
		// A self-signed certificate for 127.0.0.1, made for this test only.
		const dir = mkdtempSync(path.join(tmpdir(), 'braze-cdi-tls-'));
		execFileSync(
			'openssl',
			[
				'req',
				'-x509',
				'-newkey',
				'rsa:2048',
				'-nodes',
				'-days',
				'2',
				'-subj',
				'/CN=127.0.0.1',
				'-addext',
				'subjectAltName=IP:127.0.0.1',
				'-keyout',
				path.join(dir, 'key.pem'),
				'-out',
				path.join(dir, 'cert.pem'),
			],
			{ stdio: 'ignore' },
		);
		const received: string[] = [];
		const server = https.createServer(
			{
				key: readFileSync(path.join(dir, 'key.pem')),
				cert: readFileSync(path.join(dir, 'cert.pem')),
			},
			(request, response) => {
				received.push(String(request.headers.authorization));
				response
					.writeHead(200, { 'content-type': 'application/json' })
					.end(JSON.stringify({ results: makeSyncs(1) }));
			},
		);
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		nock.enableNetConnect('127.0.0.1');
		try {
			const result = await runBrazeNode({
				parameters: list(),
				credentials: {
					restEndpoint: 'custom',
					customUrl: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
					apiKey: API_KEY,
				},
			});

			expect(result.error?.message).toMatch(/certificate/);
			expect(result.error?.description).toMatch(/SELF_SIGNED/);
			expect(received).toEqual([]);
			expectNoKeyIn(result.run);
		} finally {
			nock.disableNetConnect();
			server.close();
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
