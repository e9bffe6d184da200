import type { IDataObject, IPollFunctions } from 'n8n-workflow';

import { MINUTE_MS, rowErrorRateAlert, runningTooLongAlert } from '../helpers/alerts';
import { rowCounts, rowFailureRateAtOrAbove, startTime, toSyncItem } from '../helpers/syncs';
import { checkedNumber } from '../shared/parameters';

/** What an event emits, from the parameters of the node. */
export interface SyncEvent {
	/** The finished syncs it emits. */
	emits: (sync: IDataObject) => boolean;
	/** Sync Running Too Long: after how long a running sync is emitted. */
	runningLimitMs?: number;
	/** Scheduled Sync Missed: how long after its time a run counts as missed. */
	graceMinutes?: number;
	/** The item's `alert`, for the events that word one. */
	alert?: (sync: IDataObject, name: string, now: number) => string;
}

/** The event chosen, its parameters checked before any request. */
export function syncEvent(this: IPollFunctions): SyncEvent {
	const event = this.getNodeParameter('event') as string;
	const node = this.getNode();
	const timeZone = this.getTimezone();
	const finished = (sync: IDataObject) => sync.job_status !== 'running';
	switch (event) {
		case 'syncFailed': {
			const statuses = this.getNodeParameter('statuses', []) as string[];
			return { emits: (sync) => finished(sync) && statuses.includes(String(sync.job_status)) };
		}
		case 'rowErrorRate': {
			const threshold = checkedNumber(
				node,
				'Row Error Rate Threshold (%)',
				this.getNodeParameter('rowErrorRateThreshold', 5),
				{ min: 0, max: 100 },
			);
			return {
				emits: (sync) => finished(sync) && rowFailureRateAtOrAbove(rowCounts(sync), threshold),
				alert: (sync, name) => rowErrorRateAlert(name, sync, threshold, timeZone),
			};
		}
		case 'syncRunningTooLong': {
			const minutes = checkedNumber(
				node,
				'Running For (Minutes)',
				this.getNodeParameter('runningMinutes', 120),
				{ min: 1, whole: true },
			);
			return {
				emits: () => false,
				runningLimitMs: minutes * MINUTE_MS,
				alert: (sync, name, now) => runningTooLongAlert(name, startTime(sync)!, now, timeZone),
			};
		}
		case 'scheduledSyncMissed': {
			const graceMinutes = checkedNumber(
				node,
				'Grace Period (Minutes)',
				this.getNodeParameter('graceMinutes', 30),
				{ min: 1, whole: true },
			);
			return { emits: () => false, graceMinutes };
		}
		default:
			return { emits: finished };
	}
}

/** The item of a sync the event emits: toSyncItem's, with the event's `alert`. */
export function eventItem(
	event: SyncEvent,
	sync: IDataObject,
	now: number,
	integrationId: string,
	integrationName?: string,
): IDataObject {
	const item = toSyncItem(sync, integrationId, integrationName);
	if (event.alert) item.alert = event.alert(sync, integrationName ?? integrationId, now);
	return item;
}
