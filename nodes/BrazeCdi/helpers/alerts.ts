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
