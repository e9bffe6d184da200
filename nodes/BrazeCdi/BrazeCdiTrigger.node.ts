import type {
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { DEFAULT_STALE_HOURS } from './helpers/health';
import { FAILED_STATUSES } from './helpers/syncs';
import { searchIntegrations } from './methods/listSearch';
import { integrationIdLocator, jobStatusOptions } from './shared/parameters';
import { DEFAULT_HEALTH_CHECKS, triggerEvent } from './trigger/events';
import { HEALTH_CHECKS, type HealthCheck } from './trigger/healthChanged';
import { pollEvent, testEvent } from './trigger/poll';

/** The trigger's events; the subtitle names the one chosen. */
const eventOptions: INodePropertyOptions[] = [
	{
		name: 'Data Stale',
		value: 'dataStale',
		description:
			'The newest data synced is older than the chosen hours, though syncs may succeed (once, until fresh data comes)',
	},
	{
		name: 'Integration Health Changed',
		value: 'healthChanged',
		description:
			'An integration became unhealthy (failing, stuck, stale …), why changed, or it recovered: one item per change',
	},
	{
		name: 'Row Error Rate Above',
		value: 'rowErrorRate',
		description:
			"A sync finished with at least the chosen share of its rows failed, like Braze's threshold alert",
	},
	{
		name: 'Rows Synced Unusual',
		value: 'volumeAnomaly',
		description:
			"A sync finished with far fewer or far more rows than the integration's recent syncs (once per sync)",
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

/**
 * A parameter of an event that Health Changed's check `check` uses too: the same parameter (so
 * its value carries over), shown for the event and, with Health Changed, when the check is chosen.
 */
function withHealthCheck(
	property: INodeProperties,
	check: HealthCheck,
	description = property.description as string,
): INodeProperties[] {
	return [
		property,
		{
			...property,
			description: `${description} (the ${checkNames[check]} check)`,
			displayOptions: { show: { event: ['healthChanged'], checks: [check] } },
		},
	];
}

/** Health Changed's checks, as the editor names them. */
const checkNames: Record<HealthCheck, string> = {
	failing: 'Failing',
	stuck: 'Stuck',
	missedSchedule: 'Missed Schedule',
	stale: 'Stale',
	rowErrorRate: 'Row Error Rate',
	volumeAnomaly: 'Rows Unusual',
};

const checkDescriptions: Record<HealthCheck, string> = {
	failing: 'Its newest finished sync has one of the chosen statuses',
	stuck: 'A sync is still running the chosen number of minutes after it started',
	missedSchedule:
		'A scheduled sync did not start within the grace period (reads the integration list each poll)',
	stale: 'The newest data synced is older than the chosen hours',
	rowErrorRate: 'Its newest finished sync has at least the chosen share of its rows failed',
	volumeAnomaly: 'Its newest finished sync brought far fewer or far more rows than it usually does',
};

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
			...withHealthCheck(
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
				'rowErrorRate',
				'Unhealthy while the newest finished sync has at least this percentage of its rows failed',
			),
			...withHealthCheck(
				{
					displayName: 'Running For (Minutes)',
					name: 'runningMinutes',
					type: 'number',
					typeOptions: { minValue: 1, numberPrecision: 0 },
					default: 120,
					description: 'Emit a sync, once, when it is still running this long after it started',
					displayOptions: { show: { event: ['syncRunningTooLong'] } },
				},
				'stuck',
				'Unhealthy while a sync is still running this long after it started',
			),
			...withHealthCheck(
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
				'missedSchedule',
			),
			...withHealthCheck(
				{
					displayName: 'Stale After (Hours)',
					name: 'staleHours',
					type: 'number',
					typeOptions: { minValue: 0, numberPrecision: 2 },
					default: DEFAULT_STALE_HOURS,
					description:
						'Data counts as stale when the newest data synced (last_timestamp_synced of the newest sync that brought data) is older than this many hours',
					displayOptions: { show: { event: ['dataStale'] } },
				},
				'stale',
			),
			...withHealthCheck(
				{
					displayName: 'Direction',
					name: 'direction',
					type: 'options',
					options: [
						{ name: 'Both', value: 'both', description: 'Far fewer or far more rows than normal' },
						{ name: 'Drop', value: 'drop', description: 'Far fewer rows than normal' },
						{ name: 'Spike', value: 'spike', description: 'Far more rows than normal' },
					],
					default: 'both', // DEFAULT_VOLUME_OPTIONS (the lint wants a literal; a test compares)
					description: 'Which unusual syncs to emit',
					displayOptions: { show: { event: ['volumeAnomaly'] } },
				},
				'volumeAnomaly',
			),
			...withHealthCheck(
				{
					displayName: 'Sensitivity',
					name: 'sensitivity',
					type: 'number',
					typeOptions: { minValue: 0, numberPrecision: 2 },
					default: 3, // DEFAULT_VOLUME_OPTIONS (the lint wants a literal; a test compares)
					description:
						"How far from normal, measured in the integration's usual spread, a sync's rows must be: normal is the median of its recent syncs, the spread their typical distance from it (robust to the odd outlier). Lower emits more.",
					displayOptions: { show: { event: ['volumeAnomaly'] } },
				},
				'volumeAnomaly',
			),
			...withHealthCheck(
				{
					displayName: 'Minimum Change (%)',
					name: 'minChangePercent',
					type: 'number',
					typeOptions: { minValue: 0, numberPrecision: 2 },
					default: 50, // DEFAULT_VOLUME_OPTIONS (the lint wants a literal; a test compares)
					description:
						'And at least this far from normal, as a percentage of it, so that small wobbles of very steady integrations do not count',
					displayOptions: { show: { event: ['volumeAnomaly'] } },
				},
				'volumeAnomaly',
			),
			...withHealthCheck(
				{
					displayName: 'History Size (Syncs)',
					name: 'historySize',
					type: 'number',
					typeOptions: { minValue: 1, numberPrecision: 0 },
					default: 20, // DEFAULT_VOLUME_OPTIONS (the lint wants a literal; a test compares)
					description:
						"How many of the integration's previous successful or partial syncs make its normal (the newest ones)",
					displayOptions: { show: { event: ['volumeAnomaly'] } },
				},
				'volumeAnomaly',
			),
			...withHealthCheck(
				{
					displayName: 'Minimum History (Syncs)',
					name: 'minHistory',
					type: 'number',
					typeOptions: { minValue: 1, numberPrecision: 0 },
					default: 7, // DEFAULT_VOLUME_OPTIONS (the lint wants a literal; a test compares)
					description:
						'How many previous successful or partial syncs it takes before a sync is judged at all',
					displayOptions: { show: { event: ['volumeAnomaly'] } },
				},
				'volumeAnomaly',
			),
			...withHealthCheck(
				{
					displayName: 'Statuses',
					name: 'statuses',
					type: 'multiOptions',
					options: jobStatusOptions.filter((option) => option.value !== 'running'),
					default: [...FAILED_STATUSES],
					description: 'The statuses that count as failed',
					displayOptions: { show: { event: ['syncFailed'] } },
				},
				'failing',
			),
			{
				displayName: 'Checks',
				name: 'checks',
				type: 'multiOptions',
				options: [...HEALTH_CHECKS]
					.map((check) => ({
						name: checkNames[check],
						value: check,
						description: checkDescriptions[check],
					}))
					.sort((a, b) => a.name.localeCompare(b.name)),
				default: [...DEFAULT_HEALTH_CHECKS],
				description:
					'What makes an integration unhealthy: any chosen check that holds. Each check uses the parameters below.',
				displayOptions: { show: { event: ['healthChanged'] } },
			},
			{
				displayName: 'Remind Every (Hours)',
				name: 'remindHours',
				type: 'number',
				typeOptions: { minValue: 0, numberPrecision: 2 },
				default: 0,
				description:
					'While an integration stays unhealthy, emit it again every this many hours (0: never)',
				displayOptions: { show: { event: ['healthChanged'] } },
			},
		],
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
