import type { IDataObject } from 'n8n-workflow';

import {
	FAILED_STATUSES,
	JOB_STATUSES,
	parseTime,
	rowCounts,
	rowFailureRate,
	startTime,
} from './syncs';

/**
 * A report over one integration's syncs (newest first or in any order): counts per status, rows,
 * the row failure rate, the last success and failure, durations, and whether it looks healthy —
 * false when the newest finished sync failed or when none succeeded.
 */
export function summarizeSyncs(syncs: IDataObject[]): IDataObject {
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
		healthy: lastSuccess !== undefined && !newestFailed,
	};
}

const moment = (sync: IDataObject) => ({
	job_status: sync.job_status,
	sync_start_time: sync.sync_start_time,
	sync_finish_time: sync.sync_finish_time ?? null,
});
