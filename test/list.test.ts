import { API_KEY, runBrazeNode } from './harness';
import {
	expectNoKeyIn,
	INTEGRATION_ID,
	listParameters,
	makeSyncs,
	serveHistory,
	syncItem as asItem,
} from './fixtures';

const json = (result: Awaited<ReturnType<typeof runBrazeNode>>) =>
	result.items.map((item) => item.json);

describe('List Job Sync Status, return all', () => {
	test.each([
		[0, [0]],
		[1, [0]],
		[10, [0]],
		[11, [0, 10]],
		[37, [0, 10, 20, 30]],
	])('%i syncs: every one, in order, one item each, in %j requests', async (count, pages) => {
		const syncs = makeSyncs(count);
		const history = serveHistory(syncs);

		const result = await runBrazeNode({ parameters: listParameters({ returnAll: true }) });

		expect(result.error).toBeUndefined();
		expect(json(result)).toEqual(syncs.map(asItem));
		expect(history.requests).toEqual(pages);
		expect(history.scope.isDone()).toBe(true);
	});

	test.each(['relative', 'absolute', 'missingSlash'] as const)(
		'follows %s next links (cursor taken, known path requested)',
		async (linkStyle) => {
			const syncs = makeSyncs(37);
			const history = serveHistory(syncs, { linkStyle });

			const result = await runBrazeNode({ parameters: listParameters({ returnAll: true }) });

			expect(result.error).toBeUndefined();
			expect(json(result)).toEqual(syncs.map(asItem));
			expect(history.requests).toEqual([0, 10, 20, 30]);
		},
	);

	test('picks rel="next" by its label when it stands before rel="prev"', async () => {
		const syncs = makeSyncs(37);
		const history = serveHistory(syncs, { nextFirst: true });

		const result = await runBrazeNode({ parameters: listParameters({ returnAll: true }) });

		expect(json(result)).toHaveLength(37);
		expect(history.requests).toEqual([0, 10, 20, 30]);
	});

	test('sends the API key as a Bearer token on every page', async () => {
		const history = serveHistory(makeSyncs(25));

		await runBrazeNode({ parameters: listParameters({ returnAll: true }) });

		expect(history.authorizations).toEqual(Array(3).fill(`Bearer ${API_KEY}`));
	});

	test('trims the key stored with spaces around it', async () => {
		const history = serveHistory(makeSyncs(3));

		await runBrazeNode({
			parameters: listParameters({ returnAll: true }),
			credentials: { restEndpoint: 'https://rest.iad-01.braze.com', apiKey: `  ${API_KEY}\n` },
		});

		expect(history.authorizations).toEqual([`Bearer ${API_KEY}`]);
	});

	test('passes running syncs through with a null or absent finish time, duration null', async () => {
		const syncs = makeSyncs(3, { running: true });
		const absent = {
			job_status: 'running',
			sync_start_time: '2026-03-25T09:00:00.000Z',
			rows_synced: 0,
		};
		const empty = {
			job_status: 'running',
			sync_start_time: '2026-03-25T08:00:00.000Z',
			sync_finish_time: '',
		};
		serveHistory([...syncs, absent, empty]);

		const result = await runBrazeNode({ parameters: listParameters({ returnAll: true }) });

		expect(json(result)[0]).toMatchObject({
			job_status: 'running',
			sync_finish_time: null,
			duration_seconds: null,
		});
		expect(json(result)[3]).toEqual({
			...absent,
			integration_id: INTEGRATION_ID,
			duration_seconds: null,
		});
		expect(json(result)[4]).toEqual({
			...empty,
			integration_id: INTEGRATION_ID,
			duration_seconds: null,
		});
	});

	test('passes unknown statuses and extra fields through unchanged', async () => {
		const odd = {
			job_status: 'limit_exceeded',
			sync_start_time: '2026-03-25T12:00:00Z',
			integration_id: 'from-api',
			extra: { a: 1 },
		};
		serveHistory([odd]);

		const result = await runBrazeNode({ parameters: listParameters({ returnAll: true }) });

		expect(json(result)).toEqual([{ ...odd, duration_seconds: null }]);
	});
});

describe('List Job Sync Status, limit', () => {
	test.each([
		[50, 37, [0, 10, 20, 30]],
		[15, 15, [0, 10]],
		[10, 10, [0]],
		[1, 1, [0]],
	])('limit %i of 37: %i items, requests %j', async (limit, expected, pages) => {
		const syncs = makeSyncs(37);
		const history = serveHistory(syncs);

		const result = await runBrazeNode({ parameters: listParameters({ limit }) });

		expect(json(result)).toEqual(syncs.slice(0, expected).map(asItem));
		expect(history.requests).toEqual(pages);
	});

	test('the default limit is 50: 5 pages of a long history', async () => {
		const history = serveHistory(makeSyncs(120));

		const result = await runBrazeNode({ parameters: listParameters() });

		expect(result.items).toHaveLength(50);
		expect(history.requests).toEqual([0, 10, 20, 30, 40]);
	});

	test('refuses a limit below 1 before any request', async () => {
		const history = serveHistory(makeSyncs(5));

		const result = await runBrazeNode({ parameters: listParameters({ limit: 0 }) });

		expect(result.error?.message).toBe('Limit must be a whole number of 1 or more, not 0');
		expect(history.requests).toEqual([]);
	});
});

describe('List Job Sync Status, filters', () => {
	const syncs = makeSyncs(37); // 2026-03-25T12:00Z back, hourly

	test('status: only the chosen statuses, still every page', async () => {
		const history = serveHistory(syncs);

		const result = await runBrazeNode({
			parameters: listParameters({
				returnAll: true,
				filters: { status: ['error', 'config_error'] },
			}),
		});

		const expected = syncs.filter((sync) =>
			['error', 'config_error'].includes(String(sync.job_status)),
		);
		expect(json(result)).toEqual(expected.map(asItem));
		expect(history.requests).toEqual([0, 10, 20, 30]);
	});

	test('status with a limit reads only until the limit is met', async () => {
		const history = serveHistory(syncs);

		const result = await runBrazeNode({
			parameters: listParameters({ limit: 3, filters: { status: ['partial'] } }),
		});

		expect(json(result).map((item) => item.job_status)).toEqual(['partial', 'partial', 'partial']);
		// partial is every 7th sync from index 1: 1, 8, 15 → pages 0 and 10
		expect(history.requests).toEqual([0, 10]);
	});

	test('startedAfter stops at the first page that reaches back before it', async () => {
		const history = serveHistory(syncs);

		const result = await runBrazeNode({
			parameters: listParameters({
				returnAll: true,
				filters: { startedAfter: '2026-03-24T22:00:00Z' },
			}),
		});

		// 12:00 back to 22:00 the day before: 15 syncs, indexes 0..14
		expect(json(result)).toEqual(syncs.slice(0, 15).map(asItem));
		expect(history.requests).toEqual([0, 10]);
	});

	test('startedAfter is inclusive and startedBefore exclusive', async () => {
		serveHistory(syncs);

		const result = await runBrazeNode({
			parameters: listParameters({
				returnAll: true,
				filters: { startedAfter: '2026-03-25T08:00:00Z', startedBefore: '2026-03-25T11:00:00Z' },
			}),
		});

		expect(json(result).map((item) => item.sync_start_time)).toEqual([
			'2026-03-25T10:00:00.000Z',
			'2026-03-25T09:00:00.000Z',
			'2026-03-25T08:00:00.000Z',
		]);
	});

	test('a date without a zone is read in the workflow time zone', async () => {
		serveHistory(syncs);

		const result = await runBrazeNode({
			parameters: listParameters({
				returnAll: true,
				filters: { startedAfter: '2026-03-25T12:00:00' },
			}),
			timezone: 'Europe/Berlin', // UTC+1 in March: 11:00Z
		});

		expect(json(result).map((item) => item.sync_start_time)).toEqual([
			'2026-03-25T12:00:00.000Z',
			'2026-03-25T11:00:00.000Z',
		]);
	});

	test('startedBefore alone reads on to the end (older syncs may match)', async () => {
		const history = serveHistory(syncs);

		const result = await runBrazeNode({
			parameters: listParameters({
				returnAll: true,
				filters: { startedBefore: '2026-03-25T00:00:00Z' },
			}),
		});

		expect(json(result)).toEqual(syncs.slice(13).map(asItem));
		expect(history.requests).toEqual([0, 10, 20, 30]);
	});

	test('when Braze sends oldest first, startedAfter reads every page and misses nothing', async () => {
		const oldestFirst = [...syncs].reverse();
		const history = serveHistory(oldestFirst);

		const result = await runBrazeNode({
			parameters: listParameters({
				returnAll: true,
				filters: { startedAfter: '2026-03-25T03:00:00Z' },
			}),
		});

		expect(json(result)).toEqual(syncs.slice(0, 10).reverse().map(asItem));
		expect(history.requests).toEqual([0, 10, 20, 30]);
	});

	test('refuses a date that is not one, naming the filter, before any request', async () => {
		const history = serveHistory(syncs);

		const result = await runBrazeNode({
			parameters: listParameters({ returnAll: true, filters: { startedAfter: 'yesterday-ish' } }),
		});

		expect(result.error?.message).toBe(
			'Filters → Started After: "yesterday-ish" is not a date and time',
		);
		expect(history.requests).toEqual([]);
	});

	test.each([['failed'], ['error, failed'], [['success', 'Error']]])(
		'refuses a status Braze does not have (%j), naming the filter and the statuses, before any request',
		async (status) => {
			const history = serveHistory(syncs);

			const result = await runBrazeNode({
				parameters: listParameters({ returnAll: true, filters: { status } }),
			});

			expect(result.error?.message).toMatch(
				/^Filters → Status: "(failed|Error)" is not a status of a Braze sync$/,
			);
			expect(result.error?.description).toBe(
				'Use one or more of running, success, partial, error, config_error (comma-separated in an expression).',
			);
			expect(history.requests).toEqual([]);
		},
	);

	test('refuses a window that ends before it starts', async () => {
		const result = await runBrazeNode({
			parameters: listParameters({
				returnAll: true,
				filters: { startedAfter: '2026-03-25T10:00:00Z', startedBefore: '2026-03-25T09:00:00Z' },
			}),
		});

		expect(result.error?.message).toBe(
			'Filters → Started After must be earlier than Started Before',
		);
	});
});

describe('List Job Sync Status, several input items', () => {
	test('each item lists its own integration; outputs are paired to their item', async () => {
		const first = makeSyncs(12);
		const second = makeSyncs(3, { newest: Date.parse('2026-04-01T00:00:00Z') });
		serveHistory(first, { integrationId: 'aaa' });
		serveHistory(second, { integrationId: 'bbb' });

		const result = await runBrazeNode({
			parameters: listParameters({
				returnAll: true,
				integrationId: { __rl: true, mode: 'id', value: '={{ $json.id }}' },
			}),
			input: [{ id: 'aaa' }, { id: ' bbb ' }],
		});

		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => [item.json.integration_id, item.pairedItem])).toEqual([
			...Array(12).fill(['aaa', { item: 0 }]),
			...Array(3).fill(['bbb', { item: 1 }]),
		]);
		expectNoKeyIn(result.run);
	});
});
