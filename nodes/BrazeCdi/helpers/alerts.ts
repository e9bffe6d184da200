import type { IDataObject } from 'n8n-workflow';

import { formatDuration, formatPercent, timeWithZone } from './format';
import { parseTime, rowCounts, rowFailureRate, startTime } from './syncs';

export const MINUTE_MS = 60_000;

/** The starts in `running` that reached the limit by `now` and were not alerted yet. */
export function overdueStarts(
	running: number[],
	alerted: number[],
	now: number,
	limitMs: number,
): number[] {
	return running.filter((start) => now - start >= limitMs && !alerted.includes(start));
}

/**
 * The run an integration of the list missed: its `next_scheduled_run` (epoch ms) when that passed
 * more than `graceMs` before `now` and no sync started at or after it; otherwise undefined.
 */
export function missedRun(
	integration: IDataObject,
	now: number,
	graceMs: number,
): number | undefined {
	const due = parseTime(integration.next_scheduled_run);
	if (due === undefined || now - due <= graceMs) return undefined;
	const lastStart = parseTime(integration.last_job_start_time);
	return lastStart !== undefined && lastStart >= due ? undefined : due;
}

/**
 * Compares the integration list with the missed runs already alerted (integration ID →
 * `next_scheduled_run`): the integrations whose missed run is new, and what to remember. A run
 * is forgotten once it is no longer missed (a sync started, or the schedule moved on), so a later
 * missed run alerts again.
 */
export function newlyMissed(
	integrations: IDataObject[],
	alerted: Record<string, string>,
	now: number,
	graceMs: number,
): { missed: IDataObject[]; alerted: Record<string, string> } {
	const missed: IDataObject[] = [];
	const next: Record<string, string> = {};
	for (const integration of integrations) {
		if (missedRun(integration, now, graceMs) === undefined) continue;
		const id = String(integration.integration_id);
		next[id] = String(integration.next_scheduled_run);
		if (alerted[id] !== next[id]) missed.push(integration);
	}
	return { missed, alerted: next };
}

export function runningTooLongAlert(
	name: string,
	start: number,
	now: number,
	timeZone: string,
): string {
	return `Sync of ${name} has been running for ${formatDuration(now - start, 'minutes')} (since ${timeWithZone(start, timeZone)})`;
}

export function rowErrorRateAlert(
	name: string,
	sync: IDataObject,
	thresholdPercent: number,
	timeZone: string,
): string {
	const counts = rowCounts(sync);
	const { synced, failed } = counts;
	const start = startTime(sync);
	return (
		`Row error rate ${formatPercent(rowFailureRate(counts) ?? 0)} (at or above ${formatPercent(thresholdPercent / 100)}) ` +
		`in the sync of ${name}${start === undefined ? '' : ` started ${timeWithZone(start, timeZone)}`}: ` +
		`${failed} of ${synced + failed} rows failed`
	);
}

export function missedScheduleAlert(
	name: string,
	due: number,
	graceMinutes: number,
	timeZone: string,
): string {
	return `Scheduled sync of ${name} due at ${timeWithZone(due, timeZone)} has not started (${graceMinutes} min grace)`;
}

/** Data Stale: how old the data Braze holds is, and since which sync. */
export function dataStaleAlert(
	name: string,
	dataSync: IDataObject,
	now: number,
	staleHours: number,
	timeZone: string,
): string {
	const dataTime = parseTime(dataSync.last_timestamp_synced)!;
	const start = startTime(dataSync);
	return (
		`Data of ${name} is ${formatDuration(now - dataTime, 'minutes')} old (stale after ${staleHours} h): ` +
		`the newest sync with data${start === undefined ? '' : ` (started ${timeWithZone(start, timeZone)})`} ` +
		`synced up to ${timeWithZone(dataTime, timeZone)}`
	);
}

/** Rows Synced Unusual: how far a sync's rows are from the integration's normal. */
export function unusualRowsAlert(
	name: string,
	sync: IDataObject,
	{
		expected_rows,
		change_percent,
		direction,
	}: { expected_rows: number; change_percent: number; direction: 'drop' | 'spike' },
): string {
	const rows = rowCounts(sync).synced;
	const change =
		direction === 'drop'
			? `${Math.abs(change_percent)} % below normal`
			: `${Number((rows / expected_rows).toFixed(1))}× normal`;
	return `Sync of ${name} brought ${rows} rows, ${change} (${expected_rows} expected, the median of its recent syncs)`;
}

/**
 * Integration Health Changed: unhealthy (and why), still unhealthy with other reasons or as a
 * reminder, or healthy again (after how long).
 */
export function healthAlert(
	name: string,
	{
		reasons,
		since,
		previousSince,
		now,
		reminder,
		timeZone,
	}: {
		reasons: string[];
		since: number;
		previousSince?: number;
		now: number;
		reminder: boolean;
		timeZone: string;
	},
): string {
	if (reasons.length === 0) {
		return previousSince === undefined
			? `${name} is healthy again`
			: `${name} is healthy again, after ${formatDuration(now - previousSince, 'minutes')} unhealthy (since ${timeWithZone(previousSince, timeZone)})`;
	}
	const why = reasons.join('; ');
	if (since === now) return `${name} is unhealthy: ${why}`;
	const still = `${name} is still unhealthy, for ${formatDuration(now - since, 'minutes')} (since ${timeWithZone(since, timeZone)})`;
	return reminder ? `Reminder: ${still}: ${why}` : `${still}, now: ${why}`;
}
