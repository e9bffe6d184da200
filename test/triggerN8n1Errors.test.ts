/**
 * On n8n 1.x, NodeApiError drops the `failure` option that n8n 2.41 keeps (its poll scheduler reads
 * it). The trigger tells a fault episode by that cause, so without it a rejected key would be
 * reported by every poll there. Here n8n-workflow's NodeApiError is replaced by one that drops the
 * option, as 1.x's does; the package, loaded from dist/, gets it too.
 */
import nock from 'nock';

import type { Simulator } from '../simulator';
import { makeSyncs, startSimulator } from '../simulator';
import { API_KEY, createTrigger } from './harness';

jest.mock('n8n-workflow', () => {
	const actual = jest.requireActual('n8n-workflow');
	class NodeApiError extends actual.NodeApiError {
		constructor(node: unknown, error: unknown, options: Record<string, unknown> = {}) {
			const { failure: _dropped, ...kept } = options;
			super(node, error, kept);
			delete (this as { failure?: unknown }).failure;
		}
	}
	return { ...actual, NodeApiError };
});

let sim: Simulator;
beforeAll(() => nock.enableNetConnect('127.0.0.1'));
beforeEach(async () => {
	sim = await startSimulator({
		apiKeys: { [API_KEY]: ['cdi.integration_job_status', 'cdi.integration_list'] },
		integrations: [{ integration_id: 'int-a', integration_name: 'Users', syncs: makeSyncs(5) }],
	});
});
afterEach(async () => await sim.close());

test("with n8n 1.x's NodeApiError, a rejected key is still reported once per episode, with its cause", async () => {
	const credentials = { restEndpoint: 'custom', customUrl: sim.url, apiKey: API_KEY };
	const trigger = await createTrigger(
		{
			watch: 'integration',
			integrationId: { __rl: true, mode: 'id', value: 'int-a' },
			event: 'syncFinished',
		},
		credentials,
	);
	await trigger.poll();
	credentials.apiKey = 'wrong-key-0000';

	const error = await trigger.poll().then(
		() => undefined,
		(thrown: unknown) => thrown as { message: string; failure?: { cause?: string } },
	);
	expect(error?.message).toMatch('Braze rejected the API key');
	expect(error?.failure?.cause).toBe('credential-invalid');
	expect(await trigger.poll()).toEqual([]);
	expect(await trigger.poll()).toEqual([]);
});
