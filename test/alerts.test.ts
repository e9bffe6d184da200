/** The trigger's alert helpers and what they share with Summarize: plain functions, no n8n. */
import fc from 'fast-check';
import type { IDataObject, INode } from 'n8n-workflow';

import {
	missedRun,
	newlyMissed,
	overdueStarts,
	rowErrorRateAlert,
} from '../nodes/BrazeCdi/helpers/alerts';
import { formatDuration, formatPercent, timeWithZone } from '../nodes/BrazeCdi/helpers/format';
import { reportText } from '../nodes/BrazeCdi/helpers/report';
import { summarizeSyncs } from '../nodes/BrazeCdi/helpers/summary';
import {
	rowCounts,
	rowFailureRate,
	rowFailureRateAtOrAbove,
} from '../nodes/BrazeCdi/helpers/syncs';
import { checkedNumber } from '../nodes/BrazeCdi/common/parameters';

const MINUTE = 60_000;
const rows = (synced: number | string | null, failed: number | string | null): IDataObject => ({
	rows_synced: synced,
	rows_failed_with_errors: failed,
});

describe('row failure rate', () => {
	const rate = (sync: IDataObject) => rowFailureRate(rowCounts(sync));
	const atOrAbove = (sync: IDataObject, threshold: number) =>
		rowFailureRateAtOrAbove(rowCounts(sync), threshold);

	test('failed / (synced + failed), from 0 to 1; no rows (or no counts) is no rate', () => {
		expect(rate(rows(925, 75))).toBe(0.075);
		expect(rate(rows(0, 10))).toBe(1);
		expect(rate(rows(0, 0))).toBeUndefined();
		expect(rate({})).toBeUndefined();
		expect(rate(rows('12', null))).toBeUndefined();
	});

	test('a count that is negative, not finite or not a number counts as 0', () => {
		expect(rowCounts(rows(-5, 10))).toEqual({ synced: 0, failed: 10 });
		expect(rowCounts(rows(90, -10))).toEqual({ synced: 90, failed: 0 });
		expect(rowCounts(rows(Infinity, NaN))).toEqual({ synced: 0, failed: 0 });
		expect(rowCounts(rows('7', 3))).toEqual({ synced: 0, failed: 3 });
	});

	test('at or above: exactly at the threshold counts, just below does not, 0 rows never', () => {
		expect(atOrAbove(rows(95, 5), 5)).toBe(true);
		expect(atOrAbove(rows(9501, 499), 5)).toBe(false); // 4.99 %
		expect(atOrAbove(rows(71, 29), 29)).toBe(true); // 28.999… in floating point
		expect(atOrAbove(rows(0, 0), 0)).toBe(false);
		expect(atOrAbove(rows(100, 0), 0)).toBe(true);
		expect(atOrAbove(rows(0, 1), 100)).toBe(true);
		expect(atOrAbove(rows(-100, 5), 100)).toBe(true); // 5 of 5 rows
	});

	test('the alert says the rate, the threshold, the sync and the rows', () => {
		expect(
			rowErrorRateAlert(
				'Users from Snowflake',
				{ ...rows(925, 75), sync_start_time: '2026-03-25T12:38:58.116Z' },
				5,
				'UTC',
			),
		).toBe(
			'Row error rate 7.5 % (at or above 5 %) in the sync of Users from Snowflake started 2026-03-25 12:38 UTC: 75 of 1000 rows failed',
		);
		expect(rowErrorRateAlert('X', rows(2, 1), 2.5, 'UTC')).toBe(
			'Row error rate 33.33 % (at or above 2.5 %) in the sync of X: 1 of 3 rows failed',
		);
	});
});

test('durations in words: the two largest units, cut to whole seconds or minutes', () => {
	expect(formatDuration(134 * MINUTE + 59_999, 'minutes')).toBe('2 h 14 min');
	expect(formatDuration(45 * MINUTE + 59_999, 'minutes')).toBe('45 min');
	expect(formatDuration(120 * MINUTE, 'minutes')).toBe('2 h');
	expect(formatDuration(59_999, 'minutes')).toBe('0 min');
	expect(formatDuration(26 * 60 * MINUTE + MINUTE, 'minutes')).toBe('26 h 1 min');
	expect(formatDuration(45 * MINUTE + 3_999)).toBe('45 min 3 s');
	expect(formatDuration(2 * 60 * MINUTE + 59_999)).toBe('2 h');
	expect(formatDuration(180_000)).toBe('3 min');
	expect(formatDuration(5_999)).toBe('5 s');
	expect(formatDuration(0)).toBe('0 s');
	expect(formatDuration(-5_000)).toBe('0 s');
});

test('percentages: a share from 0 to 1, up to two decimals, no trailing zeros', () => {
	expect(formatPercent(0.075)).toBe('7.5 %');
	expect(formatPercent(1 / 3)).toBe('33.33 %');
	expect(formatPercent(0.29)).toBe('29 %'); // 28.999… in floating point
	expect(formatPercent(0.00004)).toBe('0 %');
	expect(formatPercent(1)).toBe('100 %');
});

test("times in the workflow's time zone, named", () => {
	expect(timeWithZone(Date.parse('2026-03-25T09:05:59.999Z'), 'UTC')).toBe('2026-03-25 09:05 UTC');
	expect(timeWithZone(Date.parse('2026-03-25T09:05:59.999Z'), 'Europe/Paris')).toBe(
		'2026-03-25 10:05 Europe/Paris',
	);
});

test('overdue running syncs: at the limit or beyond, not alerted yet', () => {
	const now = 1_000 * MINUTE;
	const limit = 120 * MINUTE;
	expect(overdueStarts([now - limit - 1, now - limit, now - limit + 1], [], now, limit)).toEqual([
		now - limit - 1,
		now - limit,
	]);
	expect(overdueStarts([now - limit - 1, now - limit], [now - limit], now, limit)).toEqual([
		now - limit - 1,
	]);
});

describe('missed runs', () => {
	const now = Date.parse('2026-12-02T15:00:00.000Z');
	const grace = 30 * MINUTE;
	const integration = (dueMinutesAgo: number, lastStartMinutesAgo: number | null) => ({
		integration_id: 'int-a',
		integration_name: 'Users',
		next_scheduled_run: new Date(now - dueMinutesAgo * MINUTE).toISOString(),
		last_job_start_time:
			lastStartMinutesAgo === null
				? null
				: new Date(now - lastStartMinutesAgo * MINUTE).toISOString(),
	});

	test('missed once the grace period has passed (not at it), with no sync started since', () => {
		expect(missedRun(integration(31, 90), now, grace)).toBe(now - 31 * MINUTE);
		expect(missedRun(integration(30, 90), now, grace)).toBeUndefined();
		expect(missedRun(integration(31, null), now, grace)).toBe(now - 31 * MINUTE);
		expect(missedRun(integration(31, 31), now, grace)).toBeUndefined(); // started on time
		expect(missedRun(integration(31, 5), now, grace)).toBeUndefined(); // started late
		expect(missedRun(integration(-60, 0), now, grace)).toBeUndefined(); // ahead
		expect(missedRun({ next_scheduled_run: null }, now, grace)).toBeUndefined();
		expect(missedRun({ next_scheduled_run: 'soon' }, now, grace)).toBeUndefined();
	});

	test('each missed run is new once; remembered while missed; forgotten when it no longer is', () => {
		const missed = integration(40, 100);
		const first = newlyMissed([missed], {}, now, grace);
		expect(first).toEqual({
			missed: [missed],
			alerted: { 'int-a': missed.next_scheduled_run },
		});
		expect(newlyMissed([missed], first.alerted, now, grace)).toEqual({
			missed: [],
			alerted: first.alerted,
		});
		// A sync started: the run is no longer missed, and forgotten.
		expect(newlyMissed([integration(40, 1)], first.alerted, now, grace)).toEqual({
			missed: [],
			alerted: {},
		});
		// A later run missed: news again.
		const later = integration(35, 100);
		expect(newlyMissed([later], first.alerted, now, grace).missed).toEqual([later]);
	});
});

describe('number parameters (every node and operation)', () => {
	const node = { name: 'Braze CDI Trigger' } as INode;

	test('a value within the range is returned', () => {
		expect(checkedNumber(node, 'Threshold (%)', 0, { min: 0, max: 100 })).toBe(0);
		expect(checkedNumber(node, 'Threshold (%)', 100, { min: 0, max: 100 })).toBe(100);
		expect(checkedNumber(node, 'Minutes', 1, { min: 1, whole: true })).toBe(1);
	});

	test.each([
		[-1, { min: 0, max: 100 }, 'Field must be a number from 0 to 100, not -1'],
		[100.5, { min: 0, max: 100 }, 'Field must be a number from 0 to 100, not 100.5'],
		['5', { min: 0, max: 100 }, 'Field must be a number from 0 to 100, not "5"'],
		[0, { min: 1, whole: true }, 'Field must be a whole number of 1 or more, not 0'],
		[1.5, { min: 1, whole: true }, 'Field must be a whole number of 1 or more, not 1.5'],
		[Number.NaN, { min: 1, whole: true }, 'Field must be a whole number of 1 or more, not NaN'],
	])('%p is refused, the message names the field', (value, range, message) => {
		expect(() => checkedNumber(node, 'Field', value, range)).toThrow(message);
	});
});

describe('the trigger and Summarize count rows alike', () => {
	const count = fc.oneof(
		fc.nat({ max: 1_000_000 }),
		fc.integer({ min: -1_000, max: -1 }),
		fc.constantFrom(Number.NaN, Infinity, -Infinity, null, undefined, '12'),
	);
	const finished = (synced: unknown, failed: unknown) => ({
		job_status: 'partial',
		sync_start_time: '2026-03-25T12:00:00.000Z',
		sync_finish_time: '2026-03-25T12:05:00.000Z',
		rows_synced: synced,
		rows_failed_with_errors: failed,
	});

	test('rows, failure rate and its rounding: the alert says what the report says', () => {
		fc.assert(
			fc.property(count, count, fc.double({ min: 0, max: 100, noNaN: true }), (s, f, threshold) => {
				const sync = finished(s, f) as IDataObject;
				const figures = summarizeSyncs([sync]);
				const report = reportText(
					[{ figures: { ...figures, integration_id: 'int-a' }, syncs: [sync] }],
					'UTC',
				);
				const alert = rowErrorRateAlert('X', sync, threshold, 'UTC');

				const [, alertRate, alertFailed, alertTotal] = alert.match(
					/^Row error rate (\S+ %) .*: (\d+) of (\d+) rows failed$/,
				)!;
				const synced = Number(figures.rows_synced);
				const failed = Number(figures.rows_failed_with_errors);
				expect([Number(alertFailed), Number(alertTotal)]).toEqual([failed, synced + failed]);
				if (synced + failed === 0) {
					expect(figures.row_failure_rate).toBeNull();
					expect(rowFailureRateAtOrAbove(rowCounts(sync), threshold)).toBe(false);
				} else {
					expect(report).toContain(`${failed.toLocaleString('en-US')} failed (${alertRate})`);
					expect(alertRate).toBe(formatPercent(figures.row_failure_rate as number));
				}
			}),
		);
	});

	test('negative and non-finite counts are no rows, in both', () => {
		const sync = finished(-500, 25) as IDataObject;
		expect(summarizeSyncs([sync])).toMatchObject({
			rows_synced: 0,
			rows_failed_with_errors: 25,
			row_failure_rate: 1,
		});
		expect(rowErrorRateAlert('X', sync, 50, 'UTC')).toMatch(
			/^Row error rate 100 % .*: 25 of 25 rows failed$/,
		);
		expect(summarizeSyncs([finished(Infinity, NaN) as IDataObject]).row_failure_rate).toBeNull();
	});
});
