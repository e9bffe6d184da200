/**
 * The trigger's state as n8n really keeps it: the workflow's observable static data, saved by
 * n8n after activation and when a poll emits, and only when its change tracking saw a change.
 * Restarts and re-activations start from what was saved. Also: atomic polls, the poll budget,
 * the failure causes n8n's scheduler reads, and what a poll costs.
 */
import nock from 'nock';
import type { IDataObject } from 'n8n-workflow';

import type { Simulator } from '../simulator';
import { makeSyncs, startSimulator } from '../simulator';
import { BASE, HOUR, newer, running } from './triggerHistory';
import { API_KEY, createTrigger, searchIntegrationsList } from './harness';

let sim: Simulator;

const jobRequests = (id: string) =>
	sim.requestsFor(`/cdi/integrations/${id}/job_sync_status`).length;
const listRequests = () =>
	sim.requests.filter((request) => request.path === '/cdi/integrations').length;
const starts = (items: IDataObject[]) =>
	items.map((item) => `${String(item.integration_id)} ${String(item.sync_start_time)}`);
const ascending = (items: IDataObject[]) =>
	items.every(
		(item, index) =>
			index === 0 || String(items[index - 1].sync_start_time) <= String(item.sync_start_time),
	);

beforeAll(() => nock.enableNetConnect('127.0.0.1'));

/** A poll n8n 2.41's scheduler runs: its budget is its own (36 s by default). */
const SCHEDULED = { budgetMs: 36_000 };

async function simulate(rateLimits = {}) {
	sim = await startSimulator({
		apiKeys: {
			[API_KEY]: ['cdi.integration_job_status', 'cdi.integration_list', 'cdi.integration_sync'],
			'status-only-key': ['cdi.integration_job_status'],
		},
		integrations: [
			{ integration_id: 'int-a', integration_name: 'Users', syncs: makeSyncs(25) },
			{ integration_id: 'int-b', integration_name: 'Orders', syncs: makeSyncs(3) },
			{ integration_id: 'int-c', integration_name: 'Events', syncs: makeSyncs(12) },
			{ integration_id: 'int-new', integration_name: 'Never ran', syncs: [] },
		],
		rateLimits,
	});
}
beforeEach(async () => await simulate());
afterEach(async () => await sim.close());

const credentials = () => ({ restEndpoint: 'custom', customUrl: sim.url, apiKey: API_KEY });
const one = (extra = {}) => ({
	watch: 'integration',
	integrationId: { __rl: true, mode: 'id', value: 'int-a' },
	event: 'syncFinished',
	...extra,
});
const all = (extra = {}) => ({ watch: 'allIntegrations', event: 'syncFinished', ...extra });

describe('as n8n persists it', () => {
	test("every poll that advances the state is seen by n8n's change tracking", async () => {
		const trigger = await createTrigger(
			one({ event: 'syncFailed', statuses: ['error'] }),
			credentials(),
		);
		await trigger.poll();
		expect(trigger.saved()).toEqual(
			expect.objectContaining({
				'node:Braze CDI Trigger': expect.objectContaining({
					integrations: { 'int-a': expect.anything() },
				}),
			}),
		);

		sim.addSyncs('int-a', makeSyncs(1, { newest: BASE + HOUR })); // a success: news, not emitted
		expect(await trigger.poll()).toEqual([]);
		expect(trigger.changed()).toBe(true); // n8n saves it with the next emit (or the next cursor commit)

		sim.addSyncs('int-a', makeSyncs(3, { newest: BASE + 4 * HOUR })); // …, error at +2 h
		expect(await trigger.poll()).toHaveLength(1);
		expect(trigger.saved()).toEqual(JSON.parse(JSON.stringify(trigger.workflow.staticData)));
		expect(trigger.staticData()).toMatchObject({
			integrations: { 'int-a': { newest: BASE + 4 * HOUR } },
		});

		expect(await trigger.poll()).toEqual([]); // nothing happened: nothing to save
		expect(trigger.changed()).toBe(false);
	});

	test('across restarts, the first one after activation included, each sync is emitted once', async () => {
		let trigger = await createTrigger(one(), credentials());
		await trigger.poll(); // activation
		sim.addSyncs('int-a', newer(3, 3));
		expect(await trigger.poll()).toHaveLength(3);
		sim.addSyncs('int-a', running(4));
		expect(await trigger.poll()).toEqual([]);

		trigger = await trigger.restarted();
		expect(await trigger.poll()).toEqual([]); // n8n's poll at start: nothing old again
		sim.completeSync('int-a', 'error');
		sim.addSyncs('int-a', newer(2, 6));
		trigger = await trigger.restarted();
		const afterSecondRestart = await trigger.poll();

		expect(starts(afterSecondRestart)).toEqual(
			[BASE + 4 * HOUR, BASE + 5 * HOUR, BASE + 6 * HOUR].map(
				(start) => `int-a ${new Date(start).toISOString()}`,
			),
		);
		expect(afterSecondRestart.map((item) => item.job_status)).toEqual([
			'error',
			'partial',
			'success',
		]);
		trigger = await trigger.restarted();
		expect(await trigger.poll()).toEqual([]);
	});

	test('re-activation catches up on what finished while the workflow was inactive', async () => {
		const trigger = await createTrigger(all(), credentials());
		await trigger.poll();
		sim.addSyncs('int-b', newer(4, 4)); // finished while inactive

		const reactivated = await trigger.restarted();
		const items = await reactivated.poll();

		expect(starts(items)).toEqual(
			[1, 2, 3, 4].map((hours) => `int-b ${new Date(BASE + hours * HOUR).toISOString()}`),
		);
	});

	test('changing the watched integration starts afresh for it, and drops the old state', async () => {
		const trigger = await createTrigger(one(), credentials());
		await trigger.poll();
		sim.addSyncs('int-b', newer(2, 2)); // history of int-b, before it is watched

		const switched = await trigger.restarted({
			integrationId: { __rl: true, mode: 'id', value: 'int-b' },
		});

		expect(await switched.poll()).toEqual([]);
		expect(Object.keys(switched.staticData().integrations as IDataObject)).toEqual(['int-b']);
	});
});

describe('a poll is atomic', () => {
	test('a poll that fails on its 2nd of 3 integrations leaves every state as it was', async () => {
		sim.removeIntegration('int-new');
		const trigger = await createTrigger(all(), credentials());
		await trigger.poll();
		sim.addSyncs('int-a', newer(2, 2));
		sim.addSyncs('int-b', newer(2, 2));
		sim.addSyncs('int-c', newer(2, 2));
		const before = JSON.stringify(trigger.workflow.staticData);
		for (let attempt = 0; attempt < 4; attempt++) {
			sim.injectFault({ next: true, kind: 500, path: '/cdi/integrations/int-b/job_sync_status' });
		}

		await expect(trigger.poll('trigger', SCHEDULED)).rejects.toThrow('Braze server error');

		expect(JSON.stringify(trigger.workflow.staticData)).toBe(before);
		expect(trigger.changed()).toBe(false);
		expect(jobRequests('int-a')).toBe(1); // the 1st was read, and must be read again
		const items = await trigger.poll();
		expect(items.map((item) => item.integration_id)).toEqual([
			'int-a',
			'int-b',
			'int-c',
			'int-a',
			'int-b',
			'int-c',
		]);
	}, 30_000);
});

describe('the poll budget', () => {
	test('a backlog of several integrations beyond the budget is emitted over several polls, once each, oldest first', async () => {
		await sim.close();
		await simulate({ jobSyncStatus: { limit: 2, windowMs: 10 * 60_000 } });
		sim.removeIntegration('int-new');
		const trigger = await createTrigger(all(), credentials());
		await trigger.poll();
		for (const id of ['int-a', 'int-b', 'int-c']) sim.addSyncs(id, newer(3, 3));

		const first = await trigger.poll('trigger', { budgetMs: 20_000 });
		expect(starts(first).map((key) => key.split(' ')[0])).toEqual([
			'int-a',
			'int-b',
			'int-a',
			'int-b',
			'int-a',
			'int-b',
		]);
		expect(ascending(first)).toBe(true);

		// Still limited and nothing read: the poll fails with the cause n8n's scheduler backs off on.
		const error = await trigger.poll('trigger', { budgetMs: 20_000 }).then(
			() => undefined,
			(thrown: unknown) =>
				thrown as { message: string; failure?: { cause: string; resetsAtEpochMs?: number } },
		);
		expect(error?.message).toMatch(/rate limit/);
		expect(error?.failure).toEqual({ cause: 'rate-limited', resetsAtEpochMs: expect.any(Number) });
		expect(error!.failure!.resetsAtEpochMs!).toBeGreaterThan(Date.now());

		sim.resetRateLimits();
		const second = await trigger.poll('trigger', { budgetMs: 20_000 });
		expect(starts(second)).toEqual(
			[1, 2, 3].map((hours) => `int-c ${new Date(BASE + hours * HOUR).toISOString()}`),
		);
		expect(await trigger.poll('trigger', { budgetMs: 20_000 })).toEqual([]);
	});

	test('one integration whose first poll the rate limit cut short: what finishes after activation is not taken for history', async () => {
		await sim.close();
		await simulate({ jobSyncStatus: { limit: 1, windowMs: 10 * 60_000 } });
		// Another client of the workspace spends the limit before the activation poll.
		await fetch(`${sim.url}/cdi/integrations/int-a/job_sync_status`, {
			headers: { authorization: `Bearer ${API_KEY}` },
		});
		const trigger = await createTrigger(one(), credentials());
		expect(await trigger.poll('trigger', { budgetMs: 20_000 })).toEqual([]);
		const afterActivation = new Date(Date.now() + 1000).toISOString();
		sim.addSyncs('int-a', [{ ...newer(1, 1)[0], sync_start_time: afterActivation }]);

		sim.resetRateLimits();
		expect(starts(await trigger.poll('trigger', { budgetMs: 20_000 }))).toEqual([
			`int-a ${afterActivation}`,
		]);
	});

	test('one integration whose backlog is beyond the budget: newest pages first, then the rest, none twice', async () => {
		await sim.close();
		await simulate({ jobSyncStatus: { limit: 4, windowMs: 10 * 60_000 } });
		const trigger = await createTrigger(one(), credentials());
		await trigger.poll(); // 1 of the 4 requests
		sim.addSyncs('int-a', newer(35, 35));

		const first = await trigger.poll('trigger', { budgetMs: 20_000 }); // 3 pages, then the limit
		expect(first).toHaveLength(29); // the 30 newest, less the oldest one read (its start may go on)
		expect(ascending(first)).toBe(true);
		expect(trigger.staticData()).toMatchObject({
			integrations: { 'int-a': { gaps: [expect.anything()] } },
		});

		sim.resetRateLimits();
		const second = await trigger.poll('trigger', { budgetMs: 20_000 });
		expect(ascending(second)).toBe(true);
		const everyStart = starts([...first, ...second]).sort();
		expect(everyStart).toEqual(
			Array.from(
				{ length: 35 },
				(_, index) => `int-a ${new Date(BASE + (index + 1) * HOUR).toISOString()}`,
			).sort(),
		);
		expect(trigger.staticData()).toMatchObject({
			integrations: { 'int-a': { newest: BASE + 35 * HOUR, running: [] } },
		});
		expect(
			(trigger.staticData().integrations as Record<string, IDataObject>)['int-a'].gaps,
		).toBeUndefined();
	});

	test('without a budget from n8n (1.x), a poll waits no longer than about a minute for the rate limit', async () => {
		await sim.close();
		// A window just longer than the fallback budget: waiting it out would time this test out.
		await simulate({ jobSyncStatus: { limit: 1, windowMs: 75_000 } });
		const trigger = await createTrigger(one(), credentials());
		await trigger.poll();
		sim.addSyncs('int-a', newer(2, 2));

		// n8n 1.x has no scheduler to wait: the poll emits nothing, keeps its state, and the next
		// goes on from there.
		const before = JSON.parse(JSON.stringify(trigger.staticData().integrations));
		expect(await trigger.poll('trigger', { noBudget: true })).toEqual([]);
		expect(jobRequests('int-a')).toBe(2);
		expect(trigger.staticData()).toMatchObject({
			integrations: before,
			fault: { kind: 'transient', reported: false },
		});
	});

	test('a tick that overlaps a slow poll of the same trigger is skipped, not run twice', async () => {
		const trigger = await createTrigger(one(), credentials());
		await trigger.poll();
		sim.addSyncs('int-a', newer(2, 2));
		sim.clearLog();
		sim.injectFault({ next: true, kind: 'delay', delayMs: 500 });

		const [slow, overlapping] = await Promise.all([trigger.poll(), trigger.poll()]);

		expect(slow).toHaveLength(2);
		expect(overlapping).toEqual([]);
		expect(jobRequests('int-a')).toBe(1);
	});
});

describe('failure causes for n8n 2.41 poll scheduler', () => {
	const causeOf = async (parameters: IDataObject, apiKey = API_KEY) => {
		const trigger = await createTrigger(parameters, { ...credentials(), apiKey });
		const error = await trigger.poll('trigger', SCHEDULED).then(
			() => undefined,
			(thrown: unknown) => thrown as { failure?: { cause: string } },
		);
		return error?.failure?.cause;
	};

	test.each([
		['a wrong API key (401)', one(), 'wrong-key-0000', 'credential-invalid'],
		['a key without the permission (403)', all(), 'status-only-key', 'configuration-invalid'],
		[
			'an unknown integration (400)',
			one({ integrationId: { __rl: true, mode: 'id', value: 'int-gone' } }),
			API_KEY,
			'configuration-invalid',
		],
	])('%s', async (_case, parameters, apiKey, cause) => {
		expect(await causeOf(parameters, apiKey)).toBe(cause);
	});

	test('Braze down (5xx after retries)', async () => {
		for (let attempt = 0; attempt < 4; attempt++) sim.injectFault({ next: true, kind: 503 });
		expect(await causeOf(one())).toBe('temporarily-unavailable');
	}, 30_000);
});

describe('what a poll costs', () => {
	test('watching all: activation and quiet polls cost the integration list alone', async () => {
		sim.addSyncs('int-c', running(1));
		const trigger = await createTrigger(all(), credentials());

		await trigger.poll();
		await trigger.poll();
		await trigger.poll();

		expect(listRequests()).toBe(3);
		expect(sim.requests).toHaveLength(3); // no integration read: not the running one, not the one that never ran
	});

	test('watching all: an integration is read only when its last job changed, and a finishing sync shows there', async () => {
		sim.addSyncs('int-c', running(1));
		const trigger = await createTrigger(all(), credentials());
		await trigger.poll();
		sim.clearLog();

		sim.completeSync('int-c', 'error');
		const items = await trigger.poll();

		expect(
			items.map((item) => [item.integration_id, item.integration_name, item.job_status]),
		).toEqual([['int-c', 'Events', 'error']]);
		expect(sim.requests.map((request) => request.path)).toEqual([
			'/cdi/integrations',
			'/cdi/integrations/int-c/job_sync_status',
		]);
	});

	test('watching all: the first syncs of an integration that never ran are all news', async () => {
		const trigger = await createTrigger(all(), credentials());
		await trigger.poll();
		sim.addSyncs('int-new', makeSyncs(12, { newest: Date.now() }));

		const items = await trigger.poll();

		expect(items).toHaveLength(12);
		expect(new Set(items.map((item) => item.integration_name))).toEqual(new Set(['Never ran']));
	});

	test('watching all: an integration created later that never ran costs no request', async () => {
		const trigger = await createTrigger(all(), credentials());
		await trigger.poll();
		sim.addIntegration({ integration_id: 'int-later', integration_name: 'Later', syncs: [] });
		sim.clearLog();

		expect(await trigger.poll()).toEqual([]);
		expect(await trigger.poll()).toEqual([]);

		expect(sim.requests.map((request) => request.path)).toEqual([
			'/cdi/integrations',
			'/cdi/integrations',
		]);
	});

	test('watching all: the state of an integration deleted from the workspace is dropped', async () => {
		const trigger = await createTrigger(all(), credentials());
		await trigger.poll();
		sim.removeIntegration('int-b');
		sim.addSyncs('int-a', newer(1, 1));

		await trigger.poll();

		expect(Object.keys(trigger.staticData().integrations as IDataObject).sort()).toEqual([
			'int-a',
			'int-c',
			'int-new',
		]);
	});
});

describe('items', () => {
	test("watching one integration picked from the list, items carry its name (the list's cached name)", async () => {
		const trigger = await createTrigger(
			one({
				integrationId: { __rl: true, mode: 'list', value: 'int-a', cachedResultName: 'Users' },
			}),
			credentials(),
		);
		await trigger.poll();
		sim.addSyncs('int-a', newer(1, 1));

		expect(await trigger.poll()).toEqual([
			expect.objectContaining({
				integration_id: 'int-a',
				integration_name: 'Users',
				sync_start_time: new Date(BASE + HOUR).toISOString(),
			}),
		]);
	});
});

test('the editor\'s "From List" answers at once when the rate limit is spent, saying so', async () => {
	await sim.close();
	await simulate({ integrations: { limit: 1, windowMs: 10 * 60_000 } });
	const endpoint = { restEndpoint: 'custom', customUrl: sim.url, apiKey: API_KEY };
	// Another client of the workspace spends the list's limit (the picker keeps its own reading).
	await fetch(`${sim.url}/cdi/integrations`, { headers: { authorization: `Bearer ${API_KEY}` } });

	await expect(searchIntegrationsList(undefined, undefined, endpoint)).rejects.toThrow(
		/rate limit is used up for now: try again in \d+ s/,
	);
	expect(listRequests()).toBe(2);
});
