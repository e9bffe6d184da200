import type { IDataObject, IPollFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { MINUTE_MS, rowErrorRateAlert, runningTooLongAlert } from '../helpers/alerts';
import { rowCounts, rowFailureRateAtOrAbove, startTime, toSyncItem } from '../helpers/syncs';
import { checkedNumber } from '../shared/parameters';

/**
 * The trigger's event, with the parameters that decide what it emits. The value is also what
 * the watch's state belongs to: when it changes, the watch starts afresh (see poll.ts).
 */
export type TriggerEvent =
	| { kind: 'syncFinished' }
	| { kind: 'syncFailed'; statuses: string[] }
	| { kind: 'rowErrorRate'; thresholdPercent: number }
	| { kind: 'syncRunningTooLong'; runningLimitMs: number }
	| { kind: 'scheduledSyncMissed'; graceMinutes: number };

type Kind = TriggerEvent['kind'];
type EventOf<K extends Kind> = Extract<TriggerEvent, { kind: K }>;

/**
 * What one event does, in one place. Every event but Scheduled Sync Missed reads the syncs of
 * each watched integration and keeps a WatchState per integration; Scheduled Sync Missed reads
 * the integration list alone and keeps the missed runs it alerted (poll.ts, pollSchedules).
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
}

const never = () => false;
const minutes = (context: IPollFunctions, displayName: string, name: string, fallback: number) =>
	checkedNumber(context.getNode(), displayName, context.getNodeParameter(name, fallback), {
		min: 1,
		whole: true,
	});

const EVENTS: { [K in Kind]: EventCase<K> } = {
	syncFinished: {
		read: () => ({ kind: 'syncFinished' }),
		emitsFinished: () => true,
	},
	syncFailed: {
		read: (context) => ({
			kind: 'syncFailed',
			statuses: [...(context.getNodeParameter('statuses', []) as string[])].sort(),
		}),
		emitsFinished: (event, sync) => event.statuses.includes(String(sync.job_status)),
	},
	rowErrorRate: {
		read: (context) => ({
			kind: 'rowErrorRate',
			thresholdPercent: checkedNumber(
				context.getNode(),
				'Row Error Rate Threshold (%)',
				context.getNodeParameter('rowErrorRateThreshold', 5),
				{ min: 0, max: 100 },
			),
		}),
		emitsFinished: (event, sync) =>
			rowFailureRateAtOrAbove(rowCounts(sync), event.thresholdPercent),
		alert: (event, sync, name, _now, tz) =>
			rowErrorRateAlert(name, sync, event.thresholdPercent, tz),
	},
	syncRunningTooLong: {
		read: (context) => ({
			kind: 'syncRunningTooLong',
			runningLimitMs: minutes(context, 'Running For (Minutes)', 'runningMinutes', 120) * MINUTE_MS,
		}),
		emitsFinished: never,
		runningLimitMs: (event) => event.runningLimitMs,
		alert: (_event, sync, name, now, tz) => runningTooLongAlert(name, startTime(sync)!, now, tz),
	},
	scheduledSyncMissed: {
		read: (context) => ({
			kind: 'scheduledSyncMissed',
			graceMinutes: minutes(context, 'Grace Period (Minutes)', 'graceMinutes', 30),
		}),
		emitsFinished: never,
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
