import type { IDataObject } from 'n8n-workflow';

import { runBrazeNode } from './harness';
import { getLatestParameters, INTEGRATION_ID, makeSyncs, serveHistory } from './fixtures';

const syncs = makeSyncs(37); // newest first: success, partial, error, config_error, success, success, error, …

describe('Get Latest', () => {
	test('without filters: the newest sync, in exactly 1 request', async () => {
		const history = serveHistory(syncs);

		const result = await runBrazeNode({ parameters: getLatestParameters() });

		expect(result.items.map((item) => item.json)).toEqual([
			{ ...syncs[0], integration_id: INTEGRATION_ID, duration_seconds: 90.5 },
		]);
		expect(result.items[0].pairedItem).toEqual({ item: 0 });
		expect(history.requests).toEqual([0]);
	});

	test('a running newest sync is the latest, with a null finish time', async () => {
		serveHistory(makeSyncs(5, { running: true }));

		const result = await runBrazeNode({ parameters: getLatestParameters() });

		expect(result.items[0].json).toMatchObject({
			job_status: 'running',
			sync_finish_time: null,
			duration_seconds: null,
		});
	});

	test('no syncs at all: no item, and no error', async () => {
		const history = serveHistory([]);

		const result = await runBrazeNode({ parameters: getLatestParameters() });

		expect(result.error).toBeUndefined();
		expect(result.items).toEqual([]);
		expect(history.requests).toEqual([0]);
	});

	test('with a status filter: pages until the first match, then stops', async () => {
		const rare: IDataObject[] = syncs.map((sync, index) => ({
			...sync,
			job_status: index === 23 ? 'config_error' : 'success',
		}));
		const history = serveHistory(rare);

		const result = await runBrazeNode({
			parameters: getLatestParameters({ filters: { status: ['config_error'] } }),
		});

		expect(result.items.map((item) => item.json.sync_start_time)).toEqual([
			rare[23].sync_start_time,
		]);
		expect(history.requests).toEqual([0, 10, 20]);
	});

	test('with a status filter nobody has: reads every page, emits nothing', async () => {
		const history = serveHistory(syncs);

		const result = await runBrazeNode({
			parameters: getLatestParameters({ filters: { status: ['running'] } }),
		});

		expect(result.items).toEqual([]);
		expect(history.requests).toEqual([0, 10, 20, 30]);
	});

	test('with startedBefore: the newest sync before it', async () => {
		serveHistory(syncs);

		const result = await runBrazeNode({
			parameters: getLatestParameters({ filters: { startedBefore: '2026-03-25T09:30:00Z' } }),
		});

		expect(result.items.map((item) => item.json.sync_start_time)).toEqual([
			'2026-03-25T09:00:00.000Z',
		]);
	});

	test('with startedAfter and a status: stops once pages reach back before the window', async () => {
		const history = serveHistory(syncs);

		const result = await runBrazeNode({
			parameters: getLatestParameters({
				filters: { status: ['running'], startedAfter: '2026-03-24T20:00:00Z' },
			}),
		});

		expect(result.items).toEqual([]);
		expect(history.requests).toEqual([0, 10]);
	});

	test('when Braze sends oldest first: reads every page and still finds the newest', async () => {
		const history = serveHistory([...syncs].reverse());

		const result = await runBrazeNode({ parameters: getLatestParameters() });

		expect(result.items.map((item) => item.json.sync_start_time)).toEqual([
			syncs[0].sync_start_time,
		]);
		expect(history.requests).toEqual([0, 10, 20, 30]);
	});

	test('one item per input item, each paired to its input', async () => {
		serveHistory(makeSyncs(3), { integrationId: 'aaa' });
		serveHistory([], { integrationId: 'bbb' });
		serveHistory(makeSyncs(2), { integrationId: 'ccc' });

		const result = await runBrazeNode({
			parameters: getLatestParameters({
				integrationId: { __rl: true, mode: 'id', value: '={{ $json.id }}' },
			}),
			input: [{ id: 'aaa' }, { id: 'bbb' }, { id: 'ccc' }],
		});

		expect(result.items.map((item) => [item.json.integration_id, item.pairedItem])).toEqual([
			['aaa', { item: 0 }],
			['ccc', { item: 2 }],
		]);
	});
});
