import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { DEFAULT_STALE_HOURS, MAX_HISTORY_SIZE } from '../helpers/health';
import { FAILED_STATUSES } from '../helpers/syncs';
import { integrationIdLocator, jobStatusOptions } from '../common/parameters';
import { DEFAULT_HEALTH_CHECKS } from './events';
import { HEALTH_CHECKS, type HealthCheck } from './healthChanged';

/** The trigger's events; the node's subtitle names the one chosen. */
export const eventOptions: INodePropertyOptions[] = [
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

/**
 * A parameter of Rows Synced Unusual, which Health Changed's Rows Unusual check shares. Its
 * default is a literal, as the lint wants: a test compares it with DEFAULT_VOLUME_OPTIONS.
 */
const volumeParameter = (property: INodeProperties) =>
	withHealthCheck(
		{ ...property, displayOptions: { show: { event: ['volumeAnomaly'] } } },
		'volumeAnomaly',
	);

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
		'A scheduled sync did not start within the grace period (the API key also needs cdi.integration_list)',
	stale: 'The newest data synced is older than the chosen hours',
	rowErrorRate: 'Its newest finished sync has at least the chosen share of its rows failed',
	volumeAnomaly: 'Its newest finished sync brought far fewer or far more rows than it usually does',
};

/** The trigger node's parameters: what to watch, the event, and each event's own. */
export const triggerProperties: INodeProperties[] = [
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
	...volumeParameter({
		displayName: 'Direction',
		name: 'direction',
		type: 'options',
		options: [
			{ name: 'Both', value: 'both', description: 'Far fewer or far more rows than normal' },
			{ name: 'Drop', value: 'drop', description: 'Far fewer rows than normal' },
			{ name: 'Spike', value: 'spike', description: 'Far more rows than normal' },
		],
		default: 'both',
		description: 'Which unusual syncs to emit',
	}),
	...volumeParameter({
		displayName: 'Sensitivity',
		name: 'sensitivity',
		type: 'number',
		typeOptions: { minValue: 0, numberPrecision: 2 },
		default: 3,
		description:
			"How far from normal, measured in the integration's usual spread, a sync's rows must be: normal is the median of its recent syncs, the spread their typical distance from it (robust to the odd outlier). Lower emits more.",
	}),
	...volumeParameter({
		displayName: 'Minimum Change (%)',
		name: 'minChangePercent',
		type: 'number',
		typeOptions: { minValue: 0, numberPrecision: 2 },
		default: 50,
		description:
			'And at least this far from normal, as a percentage of it, so that small wobbles of very steady integrations do not count',
	}),
	...volumeParameter({
		displayName: 'History Size (Syncs)',
		name: 'historySize',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: MAX_HISTORY_SIZE, numberPrecision: 0 },
		default: 20,
		description:
			"How many of the integration's previous successful or partial syncs make its normal (the newest ones)",
	}),
	...volumeParameter({
		displayName: 'Minimum History (Syncs)',
		name: 'minHistory',
		type: 'number',
		typeOptions: { minValue: 1, numberPrecision: 0 },
		default: 7,
		description:
			'How many previous successful or partial syncs it takes before a sync is judged at all',
	}),
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
];
