import type {
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { searchIntegrations } from './methods/listSearch';
import { triggerEvent } from './trigger/events';
import { eventOptions, triggerProperties } from './trigger/parameters';
import { pollEvent } from './trigger/poll';
import { testEvent } from './trigger/testEvent';

/** Polls of one trigger node running in this process, to skip a tick that overlaps a slow poll. */
const pollsInFlight = new Set<string>();

export class BrazeCdiTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Braze Cloud Data Ingestion Trigger',
		name: 'brazeCdiTrigger',
		icon: { light: 'file:brazeCdi.svg', dark: 'file:brazeCdi.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: `={{ ${JSON.stringify(Object.fromEntries(eventOptions.map((option) => [option.value, option.name])))}[$parameter["event"]] }}`,
		description:
			"Starts the workflow when a Braze Cloud Data Ingestion sync finishes, fails, runs too long or misses its schedule, when an integration's data goes stale or its rows look unusual, or when its health changes",
		defaults: { name: 'Braze CDI Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'brazeCdiApi', required: true }],
		properties: triggerProperties,
	};

	methods = { listSearch: { searchIntegrations } };

	/**
	 * Emits each sync that finished since the previous poll, once: new ones, and ones seen
	 * running before. When nothing happened, a poll costs one request (one integration), or the
	 * integration list alone (all integrations: only those whose last job changed are read).
	 * Sync Running Too Long emits a running sync once when it reaches the limit; Scheduled Sync
	 * Missed reads the integration list alone, each poll. Data Stale, Rows Synced Unusual and
	 * Integration Health Changed judge each integration with what they learned of it (its
	 * newest data, its normal volume, its health), also in a poll that reads nothing.
	 */
	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const event = triggerEvent.call(this);

		if (this.getMode() === 'manual') {
			const sample = await testEvent.call(this, event);
			return sample ? [[{ json: sample }]] : null;
		}

		// A tick that starts while the previous poll still reads would read the same state.
		const key = `${this.getWorkflow().id}:${this.getNode().id}`;
		if (pollsInFlight.has(key)) return null;
		pollsInFlight.add(key);
		try {
			const emitted = await pollEvent.call(this, event);
			return emitted.length ? [this.helpers.returnJsonArray(emitted)] : null;
		} finally {
			pollsInFlight.delete(key);
		}
	}
}
