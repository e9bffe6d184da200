import type {
	INodeExecutionData,
	INodePropertyOptions,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { FAILED_STATUSES } from './helpers/syncs';
import { searchIntegrations } from './methods/listSearch';
import { integrationIdLocator, jobStatusOptions } from './shared/parameters';
import { triggerEvent } from './trigger/events';
import { pollEvent, testEvent } from './trigger/poll';

/** The trigger's events; the subtitle names the one chosen. */
const eventOptions: INodePropertyOptions[] = [
	{
		name: 'Row Error Rate Above',
		value: 'rowErrorRate',
		description:
			"A sync finished with at least the chosen share of its rows failed, like Braze's threshold alert",
	},
	{
		name: 'Scheduled Sync Missed',
		value: 'scheduledSyncMissed',
		description:
			'A scheduled sync did not start within the grace period (the API key also needs cdi.integration_list)',
	},
	{
		name: 'Sync Failed',
		value: 'syncFailed',
		description: 'A sync finished with one of the chosen statuses',
	},
	{
		name: 'Sync Finished',
		value: 'syncFinished',
		description: 'A sync finished, whatever its status',
	},
	{
		name: 'Sync Running Too Long',
		value: 'syncRunningTooLong',
		description:
			'A sync is still running the chosen number of minutes after it started (once per sync)',
	},
];

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
			'Starts the workflow when a Braze Cloud Data Ingestion sync finishes, fails, runs too long or misses its schedule',
		defaults: { name: 'Braze CDI Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'brazeCdiApi', required: true }],
		properties: [
			{
				displayName: 'Watch',
				name: 'watch',
				type: 'options',
				options: [
					{
						name: 'One Integration',
						value: 'integration',
						description:
							'Watch the integration chosen below (one request a poll when nothing happened)',
					},
					{
						name: 'All Integrations',
						value: 'allIntegrations',
						description:
							'Watch every integration of the workspace, new ones included (the API key also needs cdi.integration_list)',
					},
				],
				default: 'integration',
				description: 'Which integrations to watch',
			},
			{ ...integrationIdLocator, displayOptions: { show: { watch: ['integration'] } } },
			{
				displayName: 'Event',
				name: 'event',
				type: 'options',
				options: eventOptions,
				default: 'syncFailed',
			},
			{
				displayName: 'Row Error Rate Threshold (%)',
				name: 'rowErrorRateThreshold',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 100, numberPrecision: 2 },
				default: 5,
				description:
					'Emit a finished sync whose rows failed / (synced + failed) is at or above this percentage',
				displayOptions: { show: { event: ['rowErrorRate'] } },
			},
			{
				displayName: 'Running For (Minutes)',
				name: 'runningMinutes',
				type: 'number',
				typeOptions: { minValue: 1, numberPrecision: 0 },
				default: 120,
				description: 'Emit a sync, once, when it is still running this long after it started',
				displayOptions: { show: { event: ['syncRunningTooLong'] } },
			},
			{
				displayName: 'Grace Period (Minutes)',
				name: 'graceMinutes',
				type: 'number',
				typeOptions: { minValue: 1, numberPrecision: 0 },
				default: 30,
				description:
					'How long after its scheduled time (next_scheduled_run) a sync may start before it counts as missed',
				displayOptions: { show: { event: ['scheduledSyncMissed'] } },
			},
			{
				displayName: 'Statuses',
				name: 'statuses',
				type: 'multiOptions',
				options: jobStatusOptions.filter((option) => option.value !== 'running'),
				default: [...FAILED_STATUSES],
				description: 'The statuses that count as failed',
				displayOptions: { show: { event: ['syncFailed'] } },
			},
		],
	};

	methods = { listSearch: { searchIntegrations } };

	/**
	 * Emits each sync that finished since the previous poll, once: new ones, and ones seen
	 * running before. When nothing happened, a poll costs one request (one integration), or the
	 * integration list alone (all integrations: only those whose last job changed are read).
	 * Sync Running Too Long emits a running sync once when it reaches the limit; Scheduled Sync
	 * Missed reads the integration list alone, each poll.
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
