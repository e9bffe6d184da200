import type { IDataObject, IPollFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { MINUTE_MS, rowErrorRateAlert, runningTooLongAlert } from '../helpers/alerts';
import {
	FAILED_STATUSES,
	rowCounts,
	rowFailureRateAtOrAbove,
	startTime,
	toSyncItem,
} from '../helpers/syncs';
import {
	DEFAULT_STALE_HOURS,
	DEFAULT_VOLUME_OPTIONS,
	MAX_HISTORY_SIZE,
	type VolumeDirection,
	type VolumeOptions,
} from '../helpers/health';
import { checkedNumber } from '../common/parameters';
import { dataStale, type DataStaleEvent } from './dataStale';
import {
	HEALTH_CHECKS,
	healthChanged,
	type HealthChangedEvent,
	type HealthCheck,
} from './healthChanged';
import type { Judge } from './judge';
import { volumeAnomaly, type VolumeAnomalyEvent } from './volumeAnomaly';

/**
 * The trigger's event, with the parameters that decide what it emits. The value is also what
 * the watch's state belongs to: when it changes, the watch starts afresh (see watchState.ts).
 */
export type TriggerEvent =
	| { kind: 'syncFinished' }
	| { kind: 'syncFailed'; statuses: string[] }
	| { kind: 'rowErrorRate'; thresholdPercent: number }
	| { kind: 'syncRunningTooLong'; runningLimitMs: number }
	| { kind: 'scheduledSyncMissed'; graceMinutes: number }
	| DataStaleEvent
	| VolumeAnomalyEvent
	| HealthChangedEvent;

type Kind = TriggerEvent['kind'];
type EventOf<K extends Kind> = Extract<TriggerEvent, { kind: K }>;

/**
 * What one event does, in one place. Every event but Scheduled Sync Missed reads the syncs of
 * each watched integration and keeps a WatchState per integration; Scheduled Sync Missed reads
 * the integration list alone and keeps the missed runs it alerted (schedules.ts).
 * Events that judge an integration as a whole rather than each sync (Data Stale, Rows Synced
 * Unusual, Integration Health Changed) have a `judge` (see judge.ts) and emit nothing else.
 */
interface EventCase<K extends Kind> {
	/** Its parameters, checked before any request. */
	read: (context: IPollFunctions) => EventOf<K>;
	/** A finished sync it emits (events that read syncs). */
	emitsFinished: (event: EventOf<K>, sync: IDataObject) => boolean;
	/** After how long a sync still running is emitted, once (events that read syncs). */
	runningLimitMs?: (event: EventOf<K>) => number;
	/** The item's `alert`, for the events that word one. */
	alert?: (event: EventOf<K>, sync: IDataObject, name: string, now: number, tz: string) => string;
	/** An event that judges each integration as a whole, with what it keeps of it. */
	judge?: Judge<EventOf<K>>;
}

const never = () => false;
const minutes = (context: IPollFunctions, displayName: string, name: string, fallback: number) =>
	checkedNumber(context.getNode(), displayName, context.getNodeParameter(name, fallback), {
		min: 1,
		whole: true,
	});

/** The stale threshold, as Data Stale and Health Changed's Stale check read it. */
const staleHours = (context: IPollFunctions) =>
	checkedNumber(
		context.getNode(),
		'Stale After (Hours)',
		context.getNodeParameter('staleHours', DEFAULT_STALE_HOURS),
		{ min: 0 },
	);

/** What judges a sync's rows, as Rows Synced Unusual and Health Changed's check read it. */
function volumeOptions(context: IPollFunctions): VolumeOptions {
	const node = context.getNode();
	const number = (
		displayName: string,
		name: keyof VolumeOptions,
		whole: boolean,
		min: number,
		max?: number,
	) =>
		checkedNumber(node, displayName, context.getNodeParameter(name, DEFAULT_VOLUME_OPTIONS[name]), {
			min,
			max,
			whole,
		});
	const direction = context.getNodeParameter(
		'direction',
		DEFAULT_VOLUME_OPTIONS.direction,
	) as VolumeDirection;
	if (!['both', 'drop', 'spike'].includes(direction))
		throw new NodeOperationError(node, `Unknown Direction "${String(direction)}"`, {
			description: 'Choose Both, Drop or Spike.',
		});
	const historySize = number('History Size (Syncs)', 'historySize', true, 1, MAX_HISTORY_SIZE);
	const minHistory = number('Minimum History (Syncs)', 'minHistory', true, 1);
	if (minHistory > historySize)
		throw new NodeOperationError(
			node,
			`Minimum History (Syncs) (${minHistory}) must not exceed History Size (Syncs) (${historySize})`,
			{ description: 'Lower Minimum History or raise History Size.' },
		);
	return {
		direction,
		sensitivity: number('Sensitivity', 'sensitivity', false, 0),
		minChangePercent: number('Minimum Change (%)', 'minChangePercent', false, 0),
		historySize,
		minHistory,
	};
}

const failedStatuses = (context: IPollFunctions) =>
	[...(context.getNodeParameter('statuses', FAILED_STATUSES) as string[])].sort();
const rowErrorRateThreshold = (context: IPollFunctions) =>
	checkedNumber(
		context.getNode(),
		'Row Error Rate Threshold (%)',
		context.getNodeParameter('rowErrorRateThreshold', 5),
		{ min: 0, max: 100 },
	);
const runningMinutes = (context: IPollFunctions) =>
	minutes(context, 'Running For (Minutes)', 'runningMinutes', 120);
const graceMinutes = (context: IPollFunctions) =>
	minutes(context, 'Grace Period (Minutes)', 'graceMinutes', 30);

/** Integration Health Changed: the checks chosen, with the parameters of those alone. */
function healthEvent(context: IPollFunctions): HealthChangedEvent {
	const chosen = context.getNodeParameter('checks', DEFAULT_HEALTH_CHECKS) as string[];
	const unknown = chosen.filter((check) => !(HEALTH_CHECKS as readonly string[]).includes(check));
	if (unknown.length || chosen.length === 0)
		throw new NodeOperationError(
			context.getNode(),
			unknown.length ? `Unknown Checks: ${unknown.join(', ')}` : 'Checks must not be empty',
			{ description: `Choose at least one of: ${HEALTH_CHECKS.join(', ')}.` },
		);
	const checks = HEALTH_CHECKS.filter((check) => chosen.includes(check));
	const has = (check: HealthCheck) => checks.includes(check);
	return {
		kind: 'healthChanged',
		checks,
		...(has('failing') ? { statuses: failedStatuses(context) } : {}),
		...(has('stuck') ? { runningMinutes: runningMinutes(context) } : {}),
		...(has('missedSchedule') ? { graceMinutes: graceMinutes(context) } : {}),
		...(has('stale') ? { staleHours: staleHours(context) } : {}),
		...(has('rowErrorRate') ? { thresholdPercent: rowErrorRateThreshold(context) } : {}),
		...(has('volumeAnomaly') ? { volume: volumeOptions(context) } : {}),
		remindHours: checkedNumber(
			context.getNode(),
			'Remind Every (Hours)',
			context.getNodeParameter('remindHours', 0),
			{ min: 0 },
		),
	};
}

/** Health Changed's checks by default: those that need no tuning. */
export const DEFAULT_HEALTH_CHECKS: HealthCheck[] = ['failing', 'stuck', 'missedSchedule', 'stale'];

const EVENTS: { [K in Kind]: EventCase<K> } = {
	syncFinished: {
		read: () => ({ kind: 'syncFinished' }),
		emitsFinished: () => true,
	},
	syncFailed: {
		read: (context) => ({ kind: 'syncFailed', statuses: failedStatuses(context) }),
		emitsFinished: (event, sync) => event.statuses.includes(String(sync.job_status)),
	},
	rowErrorRate: {
		read: (context) => ({ kind: 'rowErrorRate', thresholdPercent: rowErrorRateThreshold(context) }),
		emitsFinished: (event, sync) =>
			rowFailureRateAtOrAbove(rowCounts(sync), event.thresholdPercent),
		alert: (event, sync, name, _now, tz) =>
			rowErrorRateAlert(name, sync, event.thresholdPercent, tz),
	},
	syncRunningTooLong: {
		read: (context) => ({
			kind: 'syncRunningTooLong',
			runningLimitMs: runningMinutes(context) * MINUTE_MS,
		}),
		emitsFinished: never,
		runningLimitMs: (event) => event.runningLimitMs,
		alert: (_event, sync, name, now, tz) => runningTooLongAlert(name, startTime(sync)!, now, tz),
	},
	scheduledSyncMissed: {
		read: (context) => ({ kind: 'scheduledSyncMissed', graceMinutes: graceMinutes(context) }),
		emitsFinished: never,
	},
	dataStale: {
		read: (context) => ({ kind: 'dataStale', staleHours: staleHours(context) }),
		emitsFinished: never,
		judge: dataStale,
	},
	volumeAnomaly: {
		read: (context) => ({ kind: 'volumeAnomaly', ...volumeOptions(context) }),
		emitsFinished: never,
		judge: volumeAnomaly,
	},
	healthChanged: {
		read: healthEvent,
		emitsFinished: never,
		judge: healthChanged,
	},
};

const caseOf = <K extends Kind>(event: EventOf<K>) => EVENTS[event.kind] as unknown as EventCase<K>;

/** The event chosen, its parameters checked before any request; an unknown one fails. */
export function triggerEvent(this: IPollFunctions): TriggerEvent {
	const kind = this.getNodeParameter('event') as string;
	if (!Object.prototype.hasOwnProperty.call(EVENTS, kind)) {
		throw new NodeOperationError(this.getNode(), `Unknown Event "${kind}"`, {
			description: `Choose one of the trigger's events: ${Object.keys(EVENTS).join(', ')}. A workflow made by a newer version of this package may use an event this version lacks.`,
		});
	}
	return EVENTS[kind as Kind].read(this);
}

/** Whether a sync the watch sees finished for the first time is emitted. */
export const emitsFinished = (event: TriggerEvent, sync: IDataObject) =>
	sync.job_status !== 'running' && caseOf(event).emitsFinished(event, sync);

/** After how long a running sync is emitted, for the events that emit running syncs. */
export const runningLimitMs = (event: TriggerEvent): number | undefined =>
	caseOf(event).runningLimitMs?.(event);

/** The judge of an event that judges each integration as a whole; undefined for the others. */
export const judgeOf = (event: TriggerEvent): Judge<TriggerEvent> | undefined =>
	caseOf(event).judge as Judge<TriggerEvent> | undefined;

/** The item of a sync the event emits: toSyncItem's, with the event's `alert`. */
export function eventItem(
	event: TriggerEvent,
	sync: IDataObject,
	now: number,
	timeZone: string,
	integrationId: string,
	integrationName?: string,
): IDataObject {
	const item = toSyncItem(sync, integrationId, integrationName);
	const { alert } = caseOf(event);
	if (alert) item.alert = alert(event, sync, integrationName ?? integrationId, now, timeZone);
	return item;
}
