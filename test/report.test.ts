import type { IDataObject } from 'n8n-workflow';

import type { ReportEntry } from '../nodes/BrazeCdi/helpers/report';
import { formatTime } from '../nodes/BrazeCdi/helpers/format';
import {
	escapeHtml,
	reportHtml,
	reportText,
	STATUS_COLOURS,
} from '../nodes/BrazeCdi/helpers/report';
import { summarizeSyncs } from '../nodes/BrazeCdi/helpers/summary';

const HOUR = 3_600_000;
const NEWEST = Date.parse('2026-03-25T12:00:00.000Z');

/** A sync `hoursAgo` before NEWEST that took `minutes` (2 by default). */
const sync = (
	job_status: string,
	hoursAgo: number,
	rows_synced = 100,
	rows_failed = 0,
	minutes = 2,
) => ({
	job_status,
	sync_start_time: new Date(NEWEST - hoursAgo * HOUR).toISOString(),
	sync_finish_time:
		job_status === 'running'
			? null
			: new Date(NEWEST - hoursAgo * HOUR + minutes * 60_000).toISOString(),
	rows_synced,
	rows_failed_with_errors: rows_failed,
});

/** An entry as Summarize builds it; the syncs newest first, as Braze lists them. */
const entry = (id: string, name: string | null, syncs: IDataObject[]): ReportEntry => ({
	figures: {
		integration_id: id,
		integration_name: name,
		window_start: '2026-03-25T00:00:00.000Z',
		window_end: '2026-03-25T12:30:00.000Z',
		...summarizeSyncs(syncs),
	},
	syncs,
});

const healthy = entry('int-ok', 'Customers', [sync('success', 0), sync('success', 1)]);
const failing = entry('int-bad', 'Orders', [
	sync('error', 0, 0, 0, 1),
	sync('partial', 1, 90, 10, 2),
	sync('success', 2, 100, 0, 6),
]);
const quiet = entry('int-quiet', 'Quiet', []);

/** The integration IDs of an HTML report's blocks, in order. */
const blockIds = (html: string) =>
	[...html.matchAll(/data-integration-id="([^"]*)"/g)].map((match) => match[1]);

/** The statuses of one integration's strip cells, in order. */
function cellStatuses(html: string, id: string): string[] {
	const start = html.indexOf(`data-integration-id="${id}"`);
	const next = html.indexOf('data-integration-id=', start + 1);
	const block = html.slice(start, next === -1 ? undefined : next);
	return [...block.matchAll(/<td data-status="([^"]*)"/g)].map((match) => match[1]);
}

describe('reportText', () => {
	test('a heading, then one line per integration, unhealthy first, with its figures', () => {
		const lines = reportText([healthy, failing], 'UTC').split('\n');

		expect(lines).toEqual([
			'Braze CDI syncs from 2026-03-25 00:00 to 2026-03-25 12:30 (UTC): 1 of 2 integrations unhealthy',
			'❌ Orders (int-bad): 3 syncs (1 success, 1 partial, 1 error); 190 rows synced, 10 failed (5 %); last failure: error, started 2026-03-25 12:00',
			'✅ Customers (int-ok): 2 syncs (2 success); 200 rows synced, 0 failed (0 %); last failure: none',
		]);
	});

	test('times in the given time zone', () => {
		const text = reportText([failing], 'Europe/Berlin');

		expect(text).toContain('from 2026-03-25 01:00 to 2026-03-25 13:30 (Europe/Berlin)');
		expect(text).toContain('last failure: error, started 2026-03-25 13:00');
	});

	test('an empty window says so; no integrations at all says so', () => {
		expect(reportText([quiet], 'UTC').split('\n')[1]).toBe(
			'❌ Quiet (int-quiet): no syncs in the window',
		);
		expect(reportText([], 'UTC')).toBe(
			'Braze CDI syncs (times in UTC)\nNo integrations to report on.',
		);
	});

	test('an integration without a name is named by its ID', () => {
		expect(reportText([entry('int-x', null, [])], 'UTC')).toContain('❌ int-x: no syncs');
	});
});

describe('reportHtml', () => {
	test('unhealthy integrations first, the others in the order given', () => {
		const html = reportHtml([healthy, failing, quiet], 'UTC');

		expect(blockIds(html)).toEqual(['int-bad', 'int-quiet', 'int-ok']);
	});

	test('one cell per sync, oldest to newest, coloured by status', () => {
		const html = reportHtml([failing], 'UTC');

		expect(cellStatuses(html, 'int-bad')).toEqual(['success', 'partial', 'error']);
		const cells = [...html.matchAll(/<td data-status="([^"]*)"[^>]*background-color:([^;]*);/g)];
		expect(cells.map((match) => [match[1], match[2]])).toEqual([
			['success', STATUS_COLOURS.success],
			['partial', STATUS_COLOURS.partial],
			['error', STATUS_COLOURS.error],
		]);
		expect(html).toContain('title="partial, started 2026-03-25 11:00"');
	});

	test('a long window: every sync has its cell, in rows that do not wrap', () => {
		const syncs = Array.from({ length: 100 }, (_, index) =>
			sync(index % 7 === 0 ? 'error' : 'success', index),
		);
		const html = reportHtml([entry('int-long', 'Long', syncs)], 'UTC');

		const expected = [...syncs].reverse().map((each) => each.job_status);
		expect(cellStatuses(html, 'int-long')).toEqual(expected);
		expect(html.match(/<tr><td data-status=/g)).toHaveLength(3); // 48 + 48 + 4
	});

	test('the figures: rows, failure rate, last success and failure, durations', () => {
		const html = reportHtml([failing], 'UTC');

		for (const fact of [
			'Rows synced</td><td style="padding:1px 0;">190<',
			'Rows failed</td><td style="padding:1px 0;">10<',
			'Failure rate</td><td style="padding:1px 0;">5 %<',
			'Last success</td><td style="padding:1px 0;">success, started 2026-03-25 10:00<',
			'Last failure</td><td style="padding:1px 0;">error, started 2026-03-25 12:00<',
			'Mean duration</td><td style="padding:1px 0;">3 min<',
			'Max duration</td><td style="padding:1px 0;">6 min<',
		])
			expect(html).toContain(fact);
	});

	test("Braze's text is escaped: a name cannot add markup", () => {
		const name = `<img src=x onerror="alert(1)">&'`;
		const html = reportHtml([entry('int-"x"', name, [sync('success', 0)])], 'UTC');

		expect(html).not.toContain('<img');
		expect(html).toContain(
			'&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39; (int-&quot;x&quot;)',
		);
		expect(html).toContain('data-integration-id="int-&quot;x&quot;"');
	});

	test('an unknown status gets a grey cell with its name escaped', () => {
		const html = reportHtml(
			[entry('int-odd', 'Odd', [{ ...sync('success', 0), job_status: '<new>' }])],
			'UTC',
		);

		expect(html).toContain('<td data-status="&lt;new&gt;"');
		expect(html).toContain('background-color:#9e9e9e;');
	});

	test('an empty window says so, without a strip', () => {
		const html = reportHtml([quiet], 'UTC');

		expect(html).toContain('No syncs in the window.');
		expect(cellStatuses(html, 'int-quiet')).toEqual([]);
		expect(reportHtml([], 'UTC')).toContain('No integrations to report on.');
	});

	test('email-safe: no scripts, no style sheets, no images, no links to load', () => {
		const html = reportHtml([healthy, failing, quiet], 'UTC');

		expect(html).not.toMatch(/<script|<style|<link|<img|url\(|src=|href=/i);
		expect(html).toMatch(/^<!DOCTYPE html>/);
	});
});

describe('helpers', () => {
	test('escapeHtml escapes the five characters that matter', () => {
		expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
			'&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
		);
	});

	test('formatTime: minutes in the time zone, 24-hour clock; nothing for no time', () => {
		const millis = Date.parse('2026-03-25T23:05:00Z');
		expect(formatTime(millis, 'UTC')).toBe('2026-03-25 23:05');
		expect(formatTime(millis, 'Asia/Tokyo')).toBe('2026-03-26 08:05');
		expect(formatTime(Date.parse('2026-03-25T00:30:00Z'), 'UTC')).toBe('2026-03-25 00:30');
		expect(formatTime(NaN, 'UTC')).toBeUndefined();
	});
});
