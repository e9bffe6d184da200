import type { IDataObject } from 'n8n-workflow';

export const JOB_STATUSES = ['running', 'success', 'partial', 'error', 'config_error'] as const;

/** The statuses that count as a failed sync: in reports, and for the trigger's Sync Failed by default. */
export const FAILED_STATUSES = ['error', 'partial', 'config_error'];

export interface SyncFilters {
	statuses: string[];
	/** Epoch milliseconds, inclusive. */
	startedAfter?: number;
	/** Epoch milliseconds, exclusive, so that consecutive windows never overlap. */
	startedBefore?: number;
}

/** `sync_start_time` in epoch milliseconds, or undefined when missing or unparsable. */
export function startTime(sync: IDataObject): number | undefined {
	return parseTime(sync.sync_start_time);
}

/** A time Braze sent (an ISO 8601 string) in epoch milliseconds; undefined when missing or unparsable. */
export function parseTime(value: unknown): number | undefined {
	if (typeof value !== 'string' || value === '') return undefined;
	const millis = Date.parse(value);
	return Number.isNaN(millis) ? undefined : millis;
}

/** Rows a sync (or several, added up) counted as synced and as failed. */
interface RowCounts {
	synced: number;
	failed: number;
}

/**
 * A sync's row counts as the trigger and Summarize both take them: a count that is missing,
 * not a number, not finite or negative counts as 0.
 */
export function rowCounts(sync: IDataObject): RowCounts {
	const count = (value: unknown) =>
		typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
	return { synced: count(sync.rows_synced), failed: count(sync.rows_failed_with_errors) };
}

/** failed / (synced + failed), from 0 to 1; undefined when no rows were counted. */
export function rowFailureRate({ synced, failed }: RowCounts): number | undefined {
	return synced + failed > 0 ? failed / (synced + failed) : undefined;
}

/**
 * Whether the failure rate is at or above `thresholdPercent`, in whole-row arithmetic: 29 of 100
 * rows is 29 %, where the floating-point rate is 28.999…; never for no rows.
 */
export function rowFailureRateAtOrAbove(
	{ synced, failed }: RowCounts,
	thresholdPercent: number,
): boolean {
	return synced + failed > 0 && failed * 100 >= thresholdPercent * (synced + failed);
}

/** Whether any filter is set: without one, every sync matches. */
export function hasFilters(filters: SyncFilters): boolean {
	return (
		filters.statuses.length > 0 ||
		filters.startedAfter !== undefined ||
		filters.startedBefore !== undefined
	);
}

export function matchesFilters(sync: IDataObject, filters: SyncFilters): boolean {
	if (filters.statuses.length > 0 && !filters.statuses.includes(String(sync.job_status))) {
		return false;
	}
	if (filters.startedAfter === undefined && filters.startedBefore === undefined) return true;
	const start = startTime(sync);
	if (start === undefined) return false;
	if (filters.startedAfter !== undefined && start < filters.startedAfter) return false;
	if (filters.startedBefore !== undefined && start >= filters.startedBefore) return false;
	return true;
}

/**
 * Follows whether syncs arrive newest first. Braze does not document the order; the early
 * stops below are only sound while every sync seen so far started no later than the one
 * before it. Syncs without a start time do not count either way.
 */
export class NewestFirstWatch {
	private previousStart?: number;

	holds = true;

	see(syncs: IDataObject[]): void {
		for (const sync of syncs) {
			const start = startTime(sync);
			if (start === undefined) continue;
			if (this.previousStart !== undefined && start > this.previousStart) this.holds = false;
			this.previousStart = start;
		}
	}

	/** True when, newest first, nothing after these syncs can have started at or after `millis`. */
	passed(millis: number): boolean {
		return this.holds && this.previousStart !== undefined && this.previousStart < millis;
	}
}

/** The sync that started last, or undefined for none. Ties keep the earlier one in the list. */
export function latestSync(syncs: IDataObject[]): IDataObject | undefined {
	let latest: IDataObject | undefined;
	let latestStart = -Infinity;
	for (const sync of syncs) {
		const start = startTime(sync) ?? -Infinity;
		if (latest === undefined || start > latestStart) {
			latest = sync;
			latestStart = start;
		}
	}
	return latest;
}

/**
 * One output item's json: the API's fields unchanged, plus `integration_id`, `integration_name`
 * when known, and the computed `duration_seconds` (null while running), where the API did not
 * send fields of those names.
 */
export function toSyncItem(
	sync: IDataObject,
	integrationId: string,
	integrationName?: string,
): IDataObject {
	return withSyncFields({ ...sync }, integrationId, integrationName);
}

/** toSyncItem on a sync the caller owns, without a copy: long listings hold one object a sync. */
export function withSyncFields(
	sync: IDataObject,
	integrationId: string,
	integrationName?: string,
): IDataObject {
	if (!('integration_id' in sync)) sync.integration_id = integrationId;
	if (integrationName !== undefined && !('integration_name' in sync))
		sync.integration_name = integrationName;
	if (!('duration_seconds' in sync)) sync.duration_seconds = durationSeconds(sync);
	return sync;
}

function durationSeconds(sync: IDataObject): number | null {
	const start = startTime(sync);
	const finish = parseTime(sync.sync_finish_time);
	if (start === undefined || finish === undefined) return null;
	return (finish - start) / 1000;
}
