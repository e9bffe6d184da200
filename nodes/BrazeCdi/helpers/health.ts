import type { IDataObject } from 'n8n-workflow';

import { latestSync, parseTime } from './syncs';

/**
 * What an integration's syncs say about its health beyond the newest sync's status: a volume of
 * rows far from its own normal, data that stopped moving, a large share of syncs failing. The
 * trigger (Rows Synced Unusual, Data Stale, Integration Health Changed) and Summarize both judge
 * with these functions and start from these defaults.
 */

export type VolumeDirection = 'both' | 'drop' | 'spike';

export interface VolumeOptions {
	/** Which changes count: fewer rows than normal, more, or both. */
	direction: VolumeDirection;
	/** How many robust standard deviations (1.4826 × MAD) from the median, at least. */
	sensitivity: number;
	/** How far from the median, at least, as a percentage of it. */
	minChangePercent: number;
	/** How many previous syncs make the normal, at most: the newest ones. */
	historySize: number;
	/** How many previous syncs it takes to judge at all. */
	minHistory: number;
}

export const DEFAULT_VOLUME_OPTIONS: Readonly<VolumeOptions> = {
	direction: 'both',
	sensitivity: 3,
	minChangePercent: 50,
	historySize: 20,
	minHistory: 7,
};

/** Data older than this many hours is stale. */
export const DEFAULT_STALE_HOURS = 24;

/**
 * The most previous syncs a normal is learned from: a trigger's seed reads at most 11 pages per
 * integration, and its state keeps at most this many numbers per integration.
 */
export const MAX_HISTORY_SIZE = 100;

/** An integration failing at least this share (%) of its finished syncs is degraded. */
export const DEFAULT_DEGRADED_PERCENT = 25;

export const HOUR_MS = 3_600_000;

/** The middle value (the mean of the two middle ones for an even count); undefined for none. */
export function median(values: readonly number[]): number | undefined {
	if (values.length === 0) return undefined;
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The median absolute deviation: the median distance from the median; undefined for none. Unlike
 * the standard deviation, one wild value (a backfill, an empty sync) barely moves it, so the
 * normal it describes is not dragged along by the very syncs it should catch.
 */
export function medianAbsoluteDeviation(values: readonly number[]): number | undefined {
	const middle = median(values);
	return middle === undefined ? undefined : median(values.map((value) => Math.abs(value - middle)));
}

/**
 * The rows a sync adds to its integration's normal volume: `rows_synced` of a finished `success`
 * or `partial` sync, when it is a finite number ≥ 0. Undefined for any other sync: a running sync
 * has not counted yet, a failed one synced nothing by definition, and a missing or negative count
 * is no measurement (where rowCounts, adding rows up, takes it as 0).
 */
export function volumeRows(sync: IDataObject): number | undefined {
	if (sync.job_status !== 'success' && sync.job_status !== 'partial') return undefined;
	const rows = sync.rows_synced;
	return typeof rows === 'number' && Number.isFinite(rows) && rows >= 0 ? rows : undefined;
}

/**
 * The volumes of `syncs` (newest first) that count, newest first, at most `historySize`: the
 * normal as the trigger seeds it from history already there.
 */
export function volumeHistory(syncs: IDataObject[], historySize: number): number[] {
	const history: number[] = [];
	for (const sync of syncs) {
		if (history.length >= historySize) break;
		const rows = volumeRows(sync);
		if (rows !== undefined) history.push(rows);
	}
	return history;
}

/** `history` (newest first) with `rows` as its newest, bounded to `historySize` numbers. */
export function withVolume(
	history: readonly number[],
	rows: number,
	historySize: number,
): number[] {
	return [rows, ...history].slice(0, Math.max(0, historySize));
}

export interface UnusualRows {
	/** The median of the previous syncs' rows. */
	expected_rows: number;
	/** (rows − median) / median, in percent, up to two decimals: −100 for no rows. */
	change_percent: number;
	direction: 'drop' | 'spike';
}

/**
 * Whether `rows` is far from the normal of `previous` (the rows of the previous syncs that count,
 * newest first; the newest `historySize` of them are used). Null when there are fewer than
 * `minHistory`, when it is not unusual, or when it is unusual the other way than `direction`.
 *
 * Unusual means both, each at or above its threshold:
 * - robust z = |rows − median| / (1.4826 × MAD) ≥ sensitivity: far, for this integration's
 *   spread (1.4826 × MAD estimates the standard deviation of normally distributed values);
 *   with MAD 0 (at least half the syncs brought exactly the median) any change passes it and
 *   the relative change alone decides;
 * - |rows − median| / median ≥ minChangePercent: far enough to matter, for steady integrations
 *   whose small spread would make every wobble "far".
 * No rows after a non-zero median is judged the same way and, when unusual, is a drop (−100 %).
 * A sync that brings exactly the median is never unusual, even with thresholds of 0.
 * After a median of 0 (at least half the previous syncs brought nothing) nothing is unusual: a
 * change relative to nothing has no size, and where empty syncs are the normal, a sync that
 * brings rows is what the source does now and then.
 */
export function unusualRows(
	rows: number,
	previous: readonly number[],
	options: VolumeOptions,
): UnusualRows | null {
	const history = previous.slice(0, options.historySize);
	if (history.length < options.minHistory) return null;
	const expected = median(history);
	const spread = medianAbsoluteDeviation(history);
	if (expected === undefined || spread === undefined || expected === 0) return null;
	const deviation = Math.abs(rows - expected);
	if (deviation === 0) return null; // exactly normal, whatever thresholds of 0 would say
	// In whole numbers, so that a sync exactly at a threshold counts: row counts are whole, the
	// median and MAD whole or halves or quarters, and 1.4826 is 14,826 / 10,000.
	const far = deviation * 10_000 >= options.sensitivity * 14_826 * spread;
	const farEnough = deviation * 100 >= options.minChangePercent * expected;
	if (!far || !farEnough) return null;
	const direction = rows < expected ? 'drop' : 'spike';
	if (options.direction !== 'both' && options.direction !== direction) return null;
	return { expected_rows: expected, change_percent: changePercent(rows, expected), direction };
}

/**
 * The signed change from `expected`, in percent, up to two decimals; a drop to some rows stays
 * above −100 %, which is kept for no rows at all.
 */
function changePercent(rows: number, expected: number): number {
	const percent = Number((((rows - expected) / expected) * 100).toFixed(2));
	return rows > 0 && percent <= -100 ? -99.99 : percent;
}

/**
 * unusualRows for a sync against its integration's previous syncs (any that do not count are
 * skipped): null when the sync itself does not count (see volumeRows).
 */
export function unusualSync(
	sync: IDataObject,
	previousNewestFirst: IDataObject[],
	options: VolumeOptions,
): UnusualRows | null {
	const rows = volumeRows(sync);
	if (rows === undefined) return null;
	return unusualRows(rows, volumeHistory(previousNewestFirst, options.historySize), options);
}

/**
 * The sync whose data Braze holds last: the newest finished sync (by start time) with a
 * `last_timestamp_synced` that parses. A failed sync may have none, and then Braze still holds
 * the data of the sync before; skipping it keeps a failing integration from looking fresh.
 */
export function lastDataSync(syncs: IDataObject[]): IDataObject | undefined {
	return latestSync(
		syncs.filter(
			(sync) =>
				sync.job_status !== 'running' && parseTime(sync.last_timestamp_synced) !== undefined,
		),
	);
}

/**
 * Hours from a sync's `last_timestamp_synced` to `at` (epoch ms), to the hundredth as items show
 * it: Summarize and the trigger judge the figure a reader sees (24.004 hours is 24, not past a
 * 24-hour limit). Null when the timestamp is missing or does not parse. A timestamp after `at`
 * (a source clock ahead) is 0 hours old.
 */
export function dataAgeHours(sync: IDataObject | undefined, at: number): number | null {
	const dataTime = parseTime(sync?.last_timestamp_synced);
	return dataTime === undefined ? null : Number((Math.max(0, at - dataTime) / HOUR_MS).toFixed(2));
}

/**
 * Whether data of this age is stale: older than `staleHours`, so exactly `staleHours` old is not
 * yet (as a sync misses its schedule only once the grace period has passed). An unknown age is
 * never stale: there is no data to be old.
 */
export function isStale(ageHours: number | null, staleHours: number): boolean {
	return ageHours !== null && ageHours > staleHours;
}

/**
 * Whether `failed` of `finished` syncs is at least `degradedPercent` of them, in whole numbers so
 * that 6 of 24 is exactly 25 %; never for no finished syncs.
 */
export function isDegraded(failed: number, finished: number, degradedPercent: number): boolean {
	return finished > 0 && failed * 100 >= degradedPercent * finished;
}
