import type { IDataObject, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { formatTime } from './report';
import { startTime } from './syncs';

export const MINUTE_MS = 60_000;

/** rows failed / (synced + failed), in %; undefined when the sync counted no rows. */
export function rowErrorRate(sync: IDataObject): number | undefined {
	const { synced, failed } = rowCounts(sync);
	return synced + failed > 0 ? (failed / (synced + failed)) * 100 : undefined;
}

/**
 * Whether the rate is at or above `thresholdPercent`, in whole-row arithmetic: 29 of 100 rows
 * is 29 %, where the floating-point rate is 28.999…
 */
export function rowErrorRateAtOrAbove(sync: IDataObject, thresholdPercent: number): boolean {
	const { synced, failed } = rowCounts(sync);
	return synced + failed > 0 && failed * 100 >= thresholdPercent * (synced + failed);
}

function rowCounts(sync: IDataObject): { synced: number; failed: number } {
	const count = (value: unknown) =>
		typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
	return { synced: count(sync.rows_synced), failed: count(sync.rows_failed_with_errors) };
}

/** "2 h 14 min", "45 min", "3 h": whole minutes, as a person writes a duration. */
export function formatDuration(ms: number): string {
	const minutes = Math.max(0, Math.floor(ms / MINUTE_MS));
	const hours = Math.floor(minutes / 60);
	if (hours === 0) return `${minutes} min`;
	return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}

/** "2026-03-25 12:00 UTC": in the workflow's time zone, as the reports, and naming it. */
export function timeWithZone(ms: number, timeZone: string): string {
	return `${formatTime(ms, timeZone)} ${timeZone}`;
}

/** Up to two decimals, without trailing zeros: 7.5, 33.33, 5. */
const percent = (value: number) => `${Number(value.toFixed(2))} %`;

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
	const due = startTime({ sync_start_time: integration.next_scheduled_run });
	if (due === undefined || now - due <= graceMs) return undefined;
	const lastStart = startTime({ sync_start_time: integration.last_job_start_time });
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
	return `Sync of ${name} has been running for ${formatDuration(now - start)} (since ${timeWithZone(start, timeZone)})`;
}

export function rowErrorRateAlert(
	name: string,
	sync: IDataObject,
	thresholdPercent: number,
	timeZone: string,
): string {
	const { synced, failed } = rowCounts(sync);
	const start = startTime(sync);
	return (
		`Row error rate ${percent(rowErrorRate(sync) ?? 0)} (at or above ${percent(thresholdPercent)}) ` +
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

/**
 * A parameter read for an alert, checked before any request: a number within [min, max], whole
 * when asked. The message names the field as the editor shows it.
 */
export function checkedNumber(
	node: INode,
	displayName: string,
	value: unknown,
	{ min, max, whole = false }: { min: number; max?: number; whole?: boolean },
): number {
	const valid =
		typeof value === 'number' &&
		Number.isFinite(value) &&
		value >= min &&
		(max === undefined || value <= max) &&
		(!whole || Number.isInteger(value));
	if (valid) return value;
	const range = max === undefined ? `of ${min} or more` : `from ${min} to ${max}`;
	throw new NodeOperationError(
		node,
		`${displayName} must be ${whole ? 'a whole number' : 'a number'} ${range}, not ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`,
	);
}
