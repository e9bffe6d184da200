import type { IDataObject } from 'n8n-workflow';

import {
	dataAgeHours,
	DEFAULT_DEGRADED_PERCENT,
	DEFAULT_STALE_HOURS,
	DEFAULT_VOLUME_OPTIONS,
	isDegraded,
	isStale,
	lastDataSync,
	median,
	unusualSync,
	volumeHistory,
} from './health';
import {
	FAILED_STATUSES,
	JOB_STATUSES,
	parseTime,
	rowCounts,
	rowFailureRate,
	startTime,
} from './syncs';

/** How Summarize judges an integration's health beyond the newest sync's status. */
export interface HealthLimits {
	/** Data older than this many hours makes an integration unhealthy. */
	staleHours: number;
	/** Failing at least this share (%) of the finished syncs makes a healthy integration degraded. */
	degradedPercent: number;
}

export const DEFAULT_HEALTH_LIMITS: Readonly<HealthLimits> = {
	staleHours: DEFAULT_STALE_HOURS,
	degradedPercent: DEFAULT_DEGRADED_PERCENT,
};

/**
 * The failed syncs (per FAILED_STATUSES) and the finished ones (any status but running), from a
 * summary's status_counts: the share that makes an integration degraded, and that the reports
 * put in words.
 */
export function failedOfFinished(statusCounts: unknown): { failed: number; finished: number } {
	let failed = 0;
	let finished = 0;
	for (const [status, count] of Object.entries((statusCounts ?? {}) as Record<string, number>)) {
		if (status === 'running') continue;
		finished += count;
		if (FAILED_STATUSES.includes(status)) failed += count;
	}
	return { failed, finished };
}

/**
 * A report over one integration's syncs (newest first or in any order): counts per status, rows,
 * the row failure rate, the last success and failure, durations, how old Braze's copy of the data
 * is at `at` (epoch ms: the window's end, now by default), whether the newest finished success or
 * partial sync brought an unusual number of rows against the others (DEFAULT_VOLUME_OPTIONS),
 * and whether it looks healthy. `healthy` is false when the newest finished sync failed, when
 * none succeeded, when the data is stale, or when the newest sync's rows are unusual; `health`
 * says the same in three levels: a healthy integration failing at least `degradedPercent` of its
 * finished syncs is `degraded`.
 */
export function summarizeSyncs(
	syncs: IDataObject[],
	{
		at = Date.now(),
		staleHours = DEFAULT_HEALTH_LIMITS.staleHours,
		degradedPercent = DEFAULT_HEALTH_LIMITS.degradedPercent,
	}: Partial<HealthLimits> & { at?: number } = {},
): IDataObject {
	const statusCounts: Record<string, number> = Object.fromEntries(
		JOB_STATUSES.map((status) => [status, 0]),
	);
	const rows = { synced: 0, failed: 0 };
	const durations: number[] = [];
	for (const sync of syncs) {
		const status = String(sync.job_status);
		statusCounts[status] = (statusCounts[status] ?? 0) + 1;
		const { synced, failed } = rowCounts(sync);
		rows.synced += synced;
		rows.failed += failed;
		const start = startTime(sync);
		const finish = parseTime(sync.sync_finish_time);
		if (status !== 'running' && start !== undefined && finish !== undefined)
			durations.push((finish - start) / 1000);
	}

	const newestFirst = [...syncs].sort(
		(a, b) => (startTime(b) ?? -Infinity) - (startTime(a) ?? -Infinity),
	);
	const finished = newestFirst.filter((sync) => sync.job_status !== 'running');
	const lastSuccess = finished.find((sync) => sync.job_status === 'success');
	const lastFailure = finished.find((sync) => FAILED_STATUSES.includes(String(sync.job_status)));
	const newestFailed =
		finished.length > 0 && FAILED_STATUSES.includes(String(finished[0].job_status));

	const dataAge = dataAgeHours(lastDataSync(syncs), at);
	const volume = volumeJudgement(finished);
	const { failed, finished: finishedCount } = failedOfFinished(statusCounts);
	const healthy =
		lastSuccess !== undefined &&
		!newestFailed &&
		!isStale(dataAge, staleHours) &&
		volume.rows_unusual === null;

	return {
		syncs: syncs.length,
		status_counts: statusCounts,
		rows_synced: rows.synced,
		rows_failed_with_errors: rows.failed,
		row_failure_rate: rowFailureRate(rows) ?? null,
		last_success: lastSuccess ? moment(lastSuccess) : null,
		last_failure: lastFailure ? moment(lastFailure) : null,
		mean_duration_seconds: durations.length
			? durations.reduce((sum, value) => sum + value, 0) / durations.length
			: null,
		max_duration_seconds: durations.length ? Math.max(...durations) : null,
		data_age_hours: dataAge,
		...volume,
		healthy,
		health: !healthy
			? 'unhealthy'
			: isDegraded(failed, finishedCount, degradedPercent)
				? 'degraded'
				: 'healthy',
	};
}

/**
 * The newest finished success or partial sync judged against the others of the window:
 * `expected_rows` is their median once there are enough of them to judge (minHistory), null
 * before; `rows_unusual` and `rows_change_percent` are set only when its rows are unusual.
 */
function volumeJudgement(finishedNewestFirst: IDataObject[]): {
	rows_unusual: 'drop' | 'spike' | null;
	rows_change_percent: number | null;
	expected_rows: number | null;
} {
	const newest = finishedNewestFirst.findIndex(
		(sync) => sync.job_status === 'success' || sync.job_status === 'partial',
	);
	const previous = newest === -1 ? [] : finishedNewestFirst.slice(newest + 1);
	const history = volumeHistory(previous, DEFAULT_VOLUME_OPTIONS.historySize);
	const unusual =
		newest === -1
			? null
			: unusualSync(finishedNewestFirst[newest], previous, DEFAULT_VOLUME_OPTIONS);
	return {
		rows_unusual: unusual?.direction ?? null,
		rows_change_percent: unusual?.change_percent ?? null,
		expected_rows:
			newest !== -1 && history.length >= DEFAULT_VOLUME_OPTIONS.minHistory
				? (median(history) ?? null)
				: null,
	};
}

const moment = (sync: IDataObject) => ({
	job_status: sync.job_status,
	sync_start_time: sync.sync_start_time,
	sync_finish_time: sync.sync_finish_time ?? null,
});
