import type { IDataObject } from 'n8n-workflow';

import {
	DEFAULT_DEGRADED_PERCENT,
	DEFAULT_STALE_HOURS,
	DEFAULT_VOLUME_OPTIONS,
	HOUR_MS,
	dataAgeHours,
	isDegraded,
	isStale,
	lastDataSync,
	median,
	medianAbsoluteDeviation,
	unusualRows,
	unusualSync,
	volumeHistory,
	volumeRows,
	withVolume,
	type VolumeOptions,
} from '../nodes/BrazeCdi/helpers/health';

/** Whatever a field of the API's JSON may hold. */
type Field = IDataObject[string];

const options = (extra: Partial<VolumeOptions> = {}): VolumeOptions => ({
	...DEFAULT_VOLUME_OPTIONS,
	...extra,
});
const steady = (rows: number, count = 7) => Array.from({ length: count }, () => rows);
// Median 40,000, MAD 5,000: the robust z reaches 3 at 3 × 1.4826 × 5,000 = 22,239 rows away.
const WIDE = [30_000, 35_000, 35_000, 40_000, 45_000, 45_000, 50_000];
// Median 1,000, MAD 100: the robust z reaches 3 at 444.78 rows away, before the 50 % (500 rows).
const NARROW = [800, 900, 900, 1_000, 1_100, 1_100, 1_200];

describe('the defaults, as the issue documents them', () => {
	test('volume, staleness and degraded', () => {
		expect(DEFAULT_VOLUME_OPTIONS).toEqual({
			direction: 'both',
			sensitivity: 3,
			minChangePercent: 50,
			historySize: 20,
			minHistory: 7,
		});
		expect(DEFAULT_STALE_HOURS).toBe(24);
		expect(DEFAULT_DEGRADED_PERCENT).toBe(25);
	});
});

describe('median and median absolute deviation', () => {
	test.each([
		[[5], 5],
		[[3, 1, 2], 2],
		[[4, 1, 3, 2], 2.5],
		[[10, 0, 0, 7], 3.5],
		[[], undefined],
	])('median of %j is %p', (values, expected) => {
		expect(median(values)).toBe(expected);
	});

	test('median leaves its input as it was', () => {
		const values = [3, 1, 2];
		median(values);
		expect(values).toEqual([3, 1, 2]);
	});

	test.each([
		[WIDE, 5_000],
		[NARROW, 100],
		[[1, 1, 1, 1, 100], 0],
		[[7, 7, 7, 1_000_000, 0, 7, 7], 0],
		[[1, 2, 3, 4], 1],
		[[], undefined],
	])('MAD of %j is %p', (values, expected) => {
		expect(medianAbsoluteDeviation(values)).toBe(expected);
	});
});

describe('volumeRows: which syncs make the normal', () => {
	test.each([
		[{ job_status: 'success', rows_synced: 1200 }, 1200],
		[{ job_status: 'partial', rows_synced: 300 }, 300],
		[{ job_status: 'success', rows_synced: 0 }, 0],
	])('%j counts', (sync, rows) => {
		expect(volumeRows(sync)).toBe(rows);
	});

	test.each([
		[{ job_status: 'running', rows_synced: 0 }],
		[{ job_status: 'error', rows_synced: 0 }],
		[{ job_status: 'config_error', rows_synced: 0 }],
		[{ job_status: 'limit_exceeded', rows_synced: 50 }],
		[{ job_status: 'success' }],
		[{ job_status: 'success', rows_synced: null }],
		[{ job_status: 'success', rows_synced: '1200' }],
		[{ job_status: 'success', rows_synced: -5 }],
		[{ job_status: 'success', rows_synced: Number.NaN }],
		[{ job_status: 'success', rows_synced: Number.POSITIVE_INFINITY }],
	])('%j does not', (sync) => {
		expect(volumeRows(sync)).toBeUndefined();
	});

	test('volumeHistory keeps the newest that count, newest first, up to historySize', () => {
		const syncs = [
			{ job_status: 'running', rows_synced: 0 },
			{ job_status: 'success', rows_synced: 10 },
			{ job_status: 'error', rows_synced: 0 },
			{ job_status: 'partial', rows_synced: 20 },
			{ job_status: 'success', rows_synced: -1 },
			{ job_status: 'success' },
			{ job_status: 'success', rows_synced: 30 },
			{ job_status: 'success', rows_synced: 40 },
		];
		expect(volumeHistory(syncs, 20)).toEqual([10, 20, 30, 40]);
		expect(volumeHistory(syncs, 3)).toEqual([10, 20, 30]);
		expect(volumeHistory(syncs, 0)).toEqual([]);
	});

	test('withVolume puts the newest first and drops the oldest past historySize', () => {
		expect(withVolume([2, 3, 4], 1, 3)).toEqual([1, 2, 3]);
		expect(withVolume([2], 1, 3)).toEqual([1, 2]);
		expect(withVolume([], 1, 20)).toEqual([1]);
		const history = Array.from({ length: 20 }, (_, index) => index);
		const next = withVolume(history, 99, 20);
		expect(next).toHaveLength(20);
		expect(next[0]).toBe(99);
		expect(next[19]).toBe(18);
		expect(history[0]).toBe(0);
	});
});

describe('unusualRows', () => {
	test('needs minHistory previous syncs: one fewer judges nothing, however far', () => {
		expect(unusualRows(0, steady(40_000, 6), options())).toBeNull();
		expect(unusualRows(10_000_000, steady(40_000, 6), options())).toBeNull();
		expect(unusualRows(0, steady(40_000, 7), options())).toEqual({
			expected_rows: 40_000,
			change_percent: -100,
			direction: 'drop',
		});
		expect(unusualRows(0, steady(40_000, 2), options({ minHistory: 2 }))).not.toBeNull();
		expect(unusualRows(0, [], options({ minHistory: 0 }))).toBeNull();
	});

	test('with MAD 0 the relative change alone decides, at or above minChangePercent', () => {
		const history = steady(1_000);
		expect(unusualRows(1_500, history, options())).toEqual({
			expected_rows: 1_000,
			change_percent: 50,
			direction: 'spike',
		});
		expect(unusualRows(1_499, history, options())).toBeNull();
		expect(unusualRows(500, history, options())).toEqual({
			expected_rows: 1_000,
			change_percent: -50,
			direction: 'drop',
		});
		expect(unusualRows(501, history, options())).toBeNull();
		expect(unusualRows(1_000, history, options())).toBeNull();
		// Thresholds of 0: any change is unusual, but exactly the median never is.
		const anyChange = options({ sensitivity: 0, minChangePercent: 0 });
		expect(unusualRows(1_000, history, anyChange)).toBeNull();
		expect(unusualRows(1_001, history, anyChange)).toMatchObject({ direction: 'spike' });
		expect(
			unusualRows(1_010, [1_000, 1_020, 1_010, 990, 1_030, 1_005, 1_010], anyChange),
		).toBeNull();
		// Most syncs the same, one outlier: MAD is still 0.
		expect(unusualRows(1_500, [1_000, 1_000, 1_000, 1_000, 9_000, 1_000, 5], options())).toEqual({
			expected_rows: 1_000,
			change_percent: 50,
			direction: 'spike',
		});
	});

	test('robust z exactly at sensitivity counts, one row less does not (either way)', () => {
		// 22,239 rows away is 55.6 % of the median: past minChangePercent, so z decides.
		expect(unusualRows(62_239, WIDE, options())).toEqual({
			expected_rows: 40_000,
			change_percent: 55.6,
			direction: 'spike',
		});
		expect(unusualRows(62_238, WIDE, options())).toBeNull();
		expect(unusualRows(17_761, WIDE, options())).toEqual({
			expected_rows: 40_000,
			change_percent: -55.6,
			direction: 'drop',
		});
		expect(unusualRows(17_762, WIDE, options())).toBeNull();
	});

	test('z counts spread in robust standard deviations (1.4826 × MAD), not in MADs', () => {
		// 4 MADs away (20,000 rows, 50 %) is only z = 2.7: not unusual at 3, unusual at 2.5.
		expect(unusualRows(60_000, WIDE, options())).toBeNull();
		expect(unusualRows(60_000, WIDE, options({ sensitivity: 2.5 }))?.direction).toBe('spike');
	});

	test('sensitivity is the threshold of z', () => {
		// z = 4 × 22,239 / 3 = 29,652 rows away.
		expect(unusualRows(69_652, WIDE, options({ sensitivity: 4 }))?.direction).toBe('spike');
		expect(unusualRows(69_651, WIDE, options({ sensitivity: 4 }))).toBeNull();
	});

	test('relative change exactly at minChangePercent counts, once z is past sensitivity', () => {
		expect(unusualRows(1_500, NARROW, options())).toEqual({
			expected_rows: 1_000,
			change_percent: 50,
			direction: 'spike',
		});
		expect(unusualRows(1_499, NARROW, options())).toBeNull();
		expect(unusualRows(500, NARROW, options())?.direction).toBe('drop');
		expect(unusualRows(501, NARROW, options())).toBeNull();
		expect(unusualRows(64_000, WIDE, options({ minChangePercent: 60 }))?.change_percent).toBe(60);
		expect(unusualRows(63_999, WIDE, options({ minChangePercent: 60 }))).toBeNull();
	});

	test('0 rows after a non-zero median is a drop of 100 %, when far for the spread', () => {
		expect(unusualRows(0, NARROW, options())).toEqual({
			expected_rows: 1_000,
			change_percent: -100,
			direction: 'drop',
		});
		// Where the rows vary widely, an empty sync is within the normal: z = 100 / (1.4826 × 99).
		expect(unusualRows(0, [1, 1, 1, 100, 1_000, 1_000, 1_000], options())).toBeNull();
	});

	test('after a median of 0 nothing is unusual, however many rows arrive', () => {
		expect(unusualRows(4_000_000, steady(0), options())).toBeNull();
		expect(unusualRows(0, steady(0), options())).toBeNull();
		expect(unusualRows(4_000_000, [0, 0, 0, 0, 1_000, 1_000, 1_000], options())).toBeNull();
		// A median of 1 (more than half the syncs brought rows) is a normal to judge against again.
		expect(unusualRows(4_000_000, [0, 0, 0, 1, 1, 1, 1], options())?.direction).toBe('spike');
	});

	test('direction keeps only the changes asked for', () => {
		const history = steady(1_000);
		expect(unusualRows(2_000, history, options({ direction: 'drop' }))).toBeNull();
		expect(unusualRows(0, history, options({ direction: 'drop' }))?.direction).toBe('drop');
		expect(unusualRows(0, history, options({ direction: 'spike' }))).toBeNull();
		expect(unusualRows(2_000, history, options({ direction: 'spike' }))?.direction).toBe('spike');
		expect(unusualRows(2_000, history, options({ direction: 'both' }))?.direction).toBe('spike');
		expect(unusualRows(0, history, options({ direction: 'both' }))?.direction).toBe('drop');
	});

	test('only the newest historySize previous syncs make the normal', () => {
		// Newest first: seven of 40,000 after twenty of 40.
		const history = [...steady(40_000), ...steady(40, 20)];
		expect(unusualRows(40_000, history, options({ historySize: 7 }))).toBeNull();
		expect(unusualRows(40, history, options({ historySize: 7 }))?.direction).toBe('drop');
		expect(unusualRows(40_000, history, options({ historySize: 27 }))).toEqual({
			expected_rows: 40,
			change_percent: 99_900,
			direction: 'spike',
		});
		// historySize below minHistory judges nothing.
		expect(unusualRows(40, history, options({ historySize: 6 }))).toBeNull();
	});

	test('change_percent: signed, two decimals; some rows never read as all gone', () => {
		expect(unusualRows(40, steady(40_000), options())?.change_percent).toBe(-99.9);
		expect(unusualRows(58_000, steady(1_000), options())?.change_percent).toBe(5_700);
		expect(unusualRows(1, steady(1_000_000), options())?.change_percent).toBe(-99.99);
		expect(unusualRows(0, steady(1_000_000), options())?.change_percent).toBe(-100);
		expect(unusualRows(1_000, steady(3), options())?.change_percent).toBe(33_233.33);
	});
});

describe('unusualSync', () => {
	const ok = (rows_synced: Field, job_status = 'success') => ({ job_status, rows_synced });

	test('judges the sync against the previous syncs that count', () => {
		const previous = [
			ok(0, 'error'),
			ok(undefined),
			ok(-3),
			ok(10, 'running'),
			...steady(1_000).map((rows) => ok(rows, 'partial')),
		];
		expect(unusualSync(ok(0), previous, options())).toEqual({
			expected_rows: 1_000,
			change_percent: -100,
			direction: 'drop',
		});
	});

	test('syncs that do not count are not history: fewer than minHistory judge nothing', () => {
		const previous = [ok(-1), ok(null), ok(5, 'error'), ...steady(1_000, 6).map((r) => ok(r))];
		expect(unusualSync(ok(0), previous, options())).toBeNull();
	});

	test('a sync that does not count itself is not judged', () => {
		const previous = steady(1_000).map((rows) => ok(rows));
		expect(unusualSync(ok(0, 'error'), previous, options())).toBeNull();
		expect(unusualSync(ok(undefined), previous, options())).toBeNull();
		expect(unusualSync(ok(-5), previous, options())).toBeNull();
		expect(unusualSync(ok(0, 'partial'), previous, options())?.direction).toBe('drop');
	});

	test('historySize bounds the syncs that count, not the syncs read', () => {
		const previous = [
			...Array.from({ length: 10 }, () => ok(0, 'error')),
			...steady(40_000).map((rows) => ok(rows)),
			...steady(40, 20).map((rows) => ok(rows)),
		];
		expect(unusualSync(ok(40_000), previous, options({ historySize: 7 }))).toBeNull();
		expect(unusualSync(ok(40), previous, options({ historySize: 7 }))?.direction).toBe('drop');
	});
});

describe('data age and staleness', () => {
	const AT = Date.parse('2026-03-25T12:00:00.000Z');
	const synced = (last_timestamp_synced: Field, job_status = 'success', start = AT) => ({
		job_status,
		sync_start_time: new Date(start).toISOString(),
		last_timestamp_synced,
	});

	test('hours from last_timestamp_synced to the given time, to the hundredth', () => {
		expect(dataAgeHours(synced('2026-03-25T10:30:00.000Z'), AT)).toBe(1.5);
		expect(dataAgeHours(synced('2026-03-22T12:00:00.000Z'), AT)).toBe(72);
		expect(dataAgeHours(synced('2026-03-25T11:59:59.000Z'), AT)).toBe(0);
		expect(dataAgeHours(synced('2026-03-25T11:41:00.000Z'), AT)).toBe(0.32); // 19 min
		// 24 h and 14 s is 24.00 hours: not past a 24-hour limit, as a reader of the item sees it.
		const justPast = dataAgeHours(synced('2026-03-24T11:59:46.000Z'), AT);
		expect(justPast).toBe(24);
		expect(isStale(justPast, 24)).toBe(false);
		expect(dataAgeHours(synced('2026-03-25T12:00:00.000Z'), AT)).toBe(0);
	});

	test('a timestamp after the given time is 0 hours old', () => {
		expect(dataAgeHours(synced('2026-03-26T12:00:00.000Z'), AT)).toBe(0);
	});

	test.each([
		['absent', undefined],
		['null', null],
		['empty', ''],
		['garbage', 'yesterday-ish'],
		['a number (Braze sends ISO strings)', AT - HOUR_MS],
		['an object', { at: '2026-03-25T10:00:00Z' }],
	])('%s as the timestamp: no age', (_name, value) => {
		expect(dataAgeHours(synced(value), AT)).toBeNull();
	});

	test('no sync: no age', () => {
		expect(dataAgeHours(undefined, AT)).toBeNull();
	});

	test('stale only when older than staleHours; an unknown age never', () => {
		expect(isStale(24, 24)).toBe(false);
		expect(isStale(24 + 1 / 3_600_000, 24)).toBe(true);
		expect(isStale(23.99, 24)).toBe(false);
		expect(isStale(0, 0)).toBe(false);
		expect(isStale(null, 0)).toBe(false);
		const oneDayOld = dataAgeHours(synced('2026-03-24T12:00:00.000Z'), AT);
		expect(isStale(oneDayOld, DEFAULT_STALE_HOURS)).toBe(false);
		expect(isStale(dataAgeHours(synced('2026-03-24T11:59:59.999Z'), AT), 24)).toBe(false); // 24.00
		expect(isStale(dataAgeHours(synced('2026-03-24T11:59:24.000Z'), AT), 24)).toBe(true); // 24.01
	});

	test('lastDataSync: the newest finished sync by start with a timestamp that parses', () => {
		const newest = synced('2026-03-25T09:00:00.000Z', 'success', AT - 3 * HOUR_MS);
		const syncs = [
			synced(null, 'running', AT),
			synced(null, 'error', AT - HOUR_MS),
			synced('garbage', 'config_error', AT - 2 * HOUR_MS),
			synced('2026-03-25T06:00:00.000Z', 'partial', AT - 6 * HOUR_MS),
			newest,
		];
		expect(lastDataSync(syncs)).toBe(newest);
		expect(lastDataSync([...syncs].reverse())).toBe(newest);
		expect(lastDataSync([synced('2026-03-25T11:00:00.000Z', 'running')])).toBeUndefined();
		expect(lastDataSync([])).toBeUndefined();
		const failedWithData = synced('2026-03-25T10:00:00.000Z', 'error', AT - HOUR_MS);
		expect(lastDataSync([failedWithData, newest])).toBe(failedWithData);
	});
});

describe('isDegraded', () => {
	test('failing at least degradedPercent of the finished syncs, exactly at the threshold too', () => {
		expect(isDegraded(6, 24, 25)).toBe(true);
		expect(isDegraded(5, 24, 25)).toBe(false);
		expect(isDegraded(18, 24, DEFAULT_DEGRADED_PERCENT)).toBe(true);
		expect(isDegraded(1, 3, 33.33)).toBe(true);
		expect(isDegraded(1, 3, 33.34)).toBe(false);
		expect(isDegraded(0, 0, 0)).toBe(false);
	});
});
