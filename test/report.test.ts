import type { IDataObject } from 'n8n-workflow';

import type { ReportEntry } from '../nodes/BrazeCdi/helpers/report';
import { formatDuration, formatTime } from '../nodes/BrazeCdi/helpers/format';
import {
	concerns,
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
		...summarizeSyncs(syncs, { at: Date.parse('2026-03-25T12:30:00.000Z') }),
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
			'❌ Orders (int-bad): fails 2 of 3 syncs (66.67 %); 3 syncs (1 success, 1 partial, 1 error); 190 rows synced, 10 failed (5 %); last failure: error, started 2026-03-25 12:00',
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

/** `rows` in the newest sync after seven of `normal` each, its data read up to `dataHoursAgo`. */
const volumeEntry = (id: string, rows: number, normal: number, dataHoursAgo = 1) =>
	entry(id, id, [
		{
			...sync('success', 0, rows),
			last_timestamp_synced: new Date(NEWEST - dataHoursAgo * HOUR).toISOString(),
		},
		...Array.from({ length: 7 }, (_, index) => sync('success', index + 1, normal)),
	]);
/** A healthy integration failing `failed` of `count` syncs: degraded from 25 %. */
const sharing = (id: string, failed: number, count: number) =>
	entry(
		id,
		id,
		Array.from({ length: count }, (_, index) =>
			sync(index >= 1 && index <= failed ? 'error' : 'success', index, 100),
		),
	);
const LIMITS = { staleHours: 24, degradedPercent: 25 };

describe('why an integration needs a look, in words', () => {
	test.each([
		// Under two days in hours, from two days in days.
		[30, 'data 30 h old'],
		[47.99, 'data 47 h 59 min old'],
		[72, 'data 3 days old'],
		[76.5, 'data 3 days 4 h old'],
	])('data %p h old at the window\'s end: "%s"', (ageHours, words) => {
		// The window ends at 12:30, half an hour after the newest sync.
		const { figures } = volumeEntry('int-old', 1000, 1000, ageHours - 0.5);
		expect(figures.data_age_hours).toBe(ageHours);
		expect(concerns(figures, LIMITS)).toEqual([words]);
	});

	test('data at the threshold is not stale; a lower Stale After makes it so', () => {
		const { figures } = volumeEntry('int-day', 1000, 1000, 23.5); // 24 h at 12:30
		expect(figures.data_age_hours).toBe(24);
		expect(concerns(figures, LIMITS)).toEqual([]);
		expect(concerns(figures, { ...LIMITS, staleHours: 23.99 })).toEqual(['data 24 h old']);
	});

	test.each([
		[1_200, 40_000, 'rows 97 % below normal'],
		[0, 40_000, 'rows 100 % below normal'],
		[500, 1_000, 'rows 50 % below normal'],
		[1_500, 1_000, 'rows 50 % above normal'],
		[1_990, 1_000, 'rows 99 % above normal'],
		[2_000, 1_000, 'rows 2× above normal'],
		[2_500, 1_000, 'rows 2.5× above normal'],
		[9_960, 1_000, 'rows 10× above normal'],
		[58_000, 1_000, 'rows 58× above normal'],
		[58_400, 1_000, 'rows 58× above normal'],
	])('%p rows where %p are normal: "%s"', (rows, normal, words) => {
		const { figures } = volumeEntry('int-rows', rows, normal);
		expect(concerns(figures, LIMITS)).toEqual([words]);
	});

	test('failing a share of the syncs: "fails 18 of 24 syncs (75 %)", from Degraded at Failed Syncs on', () => {
		expect(concerns(sharing('int-18', 18, 24).figures, LIMITS)).toEqual([
			'fails 18 of 24 syncs (75 %)',
		]);
		expect(concerns(sharing('int-6', 6, 24).figures, LIMITS)).toEqual([
			'fails 6 of 24 syncs (25 %)',
		]);
		expect(concerns(sharing('int-5', 5, 24).figures, LIMITS)).toEqual([]);
		expect(concerns(sharing('int-18', 18, 24).figures, { ...LIMITS, degradedPercent: 76 })).toEqual(
			[],
		);
	});

	test('several at once, in a stable order: data, rows, failures', () => {
		const { figures } = entry('int-all', 'All', [
			{ ...sync('success', 0, 10), last_timestamp_synced: '2026-03-20T12:30:00.000Z' },
			...Array.from({ length: 3 }, (_, index) => sync('error', index + 1, 0)),
			...Array.from({ length: 7 }, (_, index) => sync('success', index + 4, 1000)),
		]);
		expect(concerns(figures, LIMITS)).toEqual([
			'data 5 days old',
			'rows 99 % below normal',
			'fails 3 of 11 syncs (27.27 %)',
		]);
	});
});

describe('three levels: unhealthy, degraded, healthy', () => {
	const degraded = sharing('int-amber', 18, 24);
	const stale = volumeEntry('int-stale', 1000, 1000, 71.5);

	test('text: unhealthy, then degraded (amber, with the share), then healthy; the heading counts both', () => {
		const lines = reportText([healthy, degraded, stale], 'UTC').split('\n');

		expect(degraded.figures).toMatchObject({ healthy: true, health: 'degraded' });
		expect(lines[0]).toBe(
			'Braze CDI syncs from 2026-03-25 00:00 to 2026-03-25 12:30 (UTC): 1 of 3 integrations unhealthy, 1 degraded',
		);
		expect(lines.slice(1).map((line) => line.split(';')[0])).toEqual([
			'❌ int-stale (int-stale): data 3 days old',
			'⚠️ int-amber (int-amber): fails 18 of 24 syncs (75 %)',
			'✅ Customers (int-ok): 2 syncs (2 success)',
		]);
	});

	test('HTML: the same order, an amber Degraded badge, the words under the name', () => {
		const html = reportHtml([healthy, degraded, stale], 'UTC');

		expect(blockIds(html)).toEqual(['int-stale', 'int-amber', 'int-ok']);
		expect(html).toContain(
			'<span style="display:inline-block;padding:2px 6px;font-size:12px;font-weight:bold;color:#222222;background-color:#f9a825;">Degraded</span>',
		);
		expect(html).toContain('color:#c62828;padding:0 0 6px 0;">data 3 days old</div>');
		expect(html).toContain('color:#8d5f00;padding:0 0 6px 0;">fails 18 of 24 syncs (75 %)</div>');
		expect(html.match(/data-concerns=/g)).toHaveLength(2);
		expect(html).toContain('>Healthy</span>');
		expect(html).toContain('>Unhealthy</span>');
	});

	test('the limits given to the report decide its words', () => {
		expect(reportText([degraded], 'UTC', { ...LIMITS, degradedPercent: 80 })).not.toContain(
			'fails 18',
		);
		expect(reportHtml([stale], 'UTC', { ...LIMITS, staleHours: 100 })).not.toContain(
			'data-concerns',
		);
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

	test('formatDuration: days from two days on, hours below', () => {
		expect(formatDuration(48 * HOUR - 60_000, 'minutes')).toBe('47 h 59 min');
		expect(formatDuration(48 * HOUR, 'minutes')).toBe('2 days');
		expect(formatDuration(77.5 * HOUR, 'minutes')).toBe('3 days 5 h');
		expect(formatDuration(72 * HOUR + 59_000)).toBe('3 days');
	});
});
