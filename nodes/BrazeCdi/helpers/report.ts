import type { IDataObject } from 'n8n-workflow';

import { formatDuration, formatPercent, formatTime } from './format';
import { HOUR_MS, isDegraded, isStale } from './health';
import type { HealthLimits } from './summary';
import { DEFAULT_HEALTH_LIMITS, failedOfFinished } from './summary';
import { parseTime, startTime } from './syncs';

/** One integration of a report: Summarize's figures for it, and the syncs they were made from. */
export interface ReportEntry {
	/** An output item of Summarize: integration_id, integration_name, window_*, summarizeSyncs. */
	figures: IDataObject;
	syncs: IDataObject[];
}

/** The colour of a sync's cell in the HTML strip; other statuses are grey. */
export const STATUS_COLOURS: Record<string, string> = {
	success: '#2e7d32',
	partial: '#f9a825',
	error: '#c62828',
	config_error: '#6a1b9a',
	running: '#1565c0',
};
const OTHER_COLOUR = '#9e9e9e';

/** Sync cells per row of the strip: a row never wraps, so a long window takes several. */
const CELLS_PER_ROW = 48;

type HealthLevel = 'unhealthy' | 'degraded' | 'healthy';

/** An integration's level as its figures say: `healthy` decides, `health` tells degraded apart. */
function healthLevel(figures: IDataObject): HealthLevel {
	if (figures.healthy !== true) return 'unhealthy';
	return figures.health === 'degraded' ? 'degraded' : 'healthy';
}

const LEVELS: HealthLevel[] = ['unhealthy', 'degraded', 'healthy'];
const MARKS: Record<HealthLevel, string> = { unhealthy: '❌', degraded: '⚠️', healthy: '✅' };
/** The badge of each level in the HTML report: background, then text colour. */
const BADGES: Record<HealthLevel, [string, string]> = {
	unhealthy: ['#c62828', '#ffffff'],
	degraded: ['#f9a825', '#222222'],
	healthy: ['#2e7d32', '#ffffff'],
};

/** Unhealthy integrations first, then degraded, then healthy; otherwise in the order given. */
function unhealthyFirst(entries: ReportEntry[]): ReportEntry[] {
	return LEVELS.flatMap((level) => entries.filter((entry) => healthLevel(entry.figures) === level));
}

/**
 * Why an integration needs a look, in words, beyond its newest sync's status: "data 3 days old",
 * "rows 97 % below normal", "rows 58× above normal", "fails 18 of 24 syncs (75 %)". A spike of
 * twice the normal or more is written as a multiple of it, a smaller one as a percentage; a drop
 * is always a percentage (of at most 100).
 */
export function concerns(figures: IDataObject, limits: HealthLimits): string[] {
	const words: string[] = [];
	const age = typeof figures.data_age_hours === 'number' ? figures.data_age_hours : null;
	if (age !== null && isStale(age, limits.staleHours))
		words.push(`data ${formatDuration(age * HOUR_MS, 'minutes')} old`);
	const change = figures.rows_change_percent;
	if (typeof change === 'number' && figures.rows_unusual !== null) {
		const times = 1 + change / 100;
		if (change < 0) words.push(`rows ${formatPercent(-change / 100)} below normal`);
		else if (times >= 2)
			words.push(
				`rows ${times >= 10 ? Math.round(times) : Number(times.toFixed(1))}× above normal`,
			);
		else words.push(`rows ${formatPercent(change / 100)} above normal`);
	}
	const { failed, finished } = failedOfFinished(figures.status_counts);
	if (isDegraded(failed, finished, limits.degradedPercent))
		words.push(`fails ${failed} of ${finished} syncs (${formatPercent(failed / finished)})`);
	return words;
}

/** Plain text for Slack or Teams: a heading, then one line per integration, unhealthy first. */
export function reportText(
	entries: ReportEntry[],
	timeZone: string,
	limits: HealthLimits = DEFAULT_HEALTH_LIMITS,
): string {
	const lines = [heading(entries, timeZone)];
	if (entries.length === 0) lines.push('No integrations to report on.');
	for (const { figures } of unhealthyFirst(entries)) {
		const name = `${MARKS[healthLevel(figures)]} ${integrationLabel(figures)}`;
		if (figures.syncs === 0) {
			lines.push(`${name}: no syncs in the window`);
			continue;
		}
		const why = concerns(figures, limits);
		const parts = [
			...(why.length > 0 ? [why.join(', ')] : []),
			`${figures.syncs} ${plural(Number(figures.syncs), 'sync')} (${statusCountsText(figures)})`,
			`${number(figures.rows_synced)} rows synced, ${number(figures.rows_failed_with_errors)} failed (${percent(figures.row_failure_rate)})`,
			`last failure: ${momentText(figures.last_failure, timeZone) ?? 'none'}`,
		];
		lines.push(`${name}: ${parts.join('; ')}`);
	}
	return lines.join('\n');
}

/**
 * An email-ready page: tables for layout and inline styles only (what mail clients keep), no
 * scripts or images. Per integration, unhealthy first: one coloured cell per sync, oldest to
 * newest, then its figures.
 */
export function reportHtml(
	entries: ReportEntry[],
	timeZone: string,
	limits: HealthLimits = DEFAULT_HEALTH_LIMITS,
): string {
	const blocks = unhealthyFirst(entries).map((entry) => integrationHtml(entry, timeZone, limits));
	if (entries.length === 0) blocks.push(paragraph('No integrations to report on.'));
	// Legend squares are cells too: Outlook ignores the size of an inline-block.
	const legend = Object.entries(STATUS_COLOURS)
		.map(
			([status, colour]) =>
				`<td width="10" height="10" style="width:10px;height:10px;background-color:${colour};font-size:1px;line-height:1px;">&nbsp;</td><td style="padding:0 12px 0 4px;font-size:12px;color:#555555;white-space:nowrap;">${statusName(status)}</td>`,
		)
		.join('');
	return [
		'<!DOCTYPE html>',
		'<html><head><meta charset="utf-8"><title>Braze CDI sync report</title></head>',
		'<body style="margin:0;padding:0;background-color:#f4f4f4;">',
		'<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f4f4f4;"><tr><td align="center" style="padding:16px;">',
		'<table role="presentation" width="640" cellpadding="0" cellspacing="0" border="0" style="width:640px;max-width:100%;background-color:#ffffff;font-family:Arial,Helvetica,sans-serif;color:#222222;">',
		`<tr><td style="padding:16px 16px 4px 16px;font-size:20px;font-weight:bold;">Braze CDI sync report</td></tr>`,
		`<tr><td style="padding:0 16px 8px 16px;font-size:13px;color:#555555;">${escapeHtml(heading(entries, timeZone))}</td></tr>`,
		`<tr><td style="padding:0 16px 8px 16px;"><table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>${legend}</tr></table></td></tr>`,
		...blocks.map((block) => `<tr><td style="padding:8px 16px;">${block}</td></tr>`),
		'</table>',
		'</td></tr></table>',
		'</body></html>',
	].join('\n');
}

function integrationHtml(
	{ figures, syncs }: ReportEntry,
	timeZone: string,
	limits: HealthLimits,
): string {
	const level = healthLevel(figures);
	const [background, colour] = BADGES[level];
	const badge = `<span style="display:inline-block;padding:2px 6px;font-size:12px;font-weight:bold;color:${colour};background-color:${background};">${level[0].toUpperCase()}${level.slice(1)}</span>`;
	const why = concerns(figures, limits);
	const title =
		`<div style="font-size:16px;font-weight:bold;padding:0 0 6px 0;">${escapeHtml(integrationLabel(figures))} ${badge}</div>` +
		(why.length > 0
			? `<div data-concerns="" style="font-size:13px;font-weight:bold;color:${level === 'degraded' ? '#8d5f00' : background};padding:0 0 6px 0;">${escapeHtml(why.join(', '))}</div>`
			: '');
	if (syncs.length === 0)
		return `<div data-integration-id="${escapeHtml(String(figures.integration_id))}" style="border-top:1px solid #dddddd;padding:8px 0 0 0;">${title}${paragraph('No syncs in the window.')}</div>`;

	const oldestFirst = [...syncs].sort(
		(a, b) => (startTime(a) ?? -Infinity) - (startTime(b) ?? -Infinity),
	);
	const cells = oldestFirst.map((sync) => {
		const status = String(sync.job_status);
		const when = formatTime(startTime(sync), timeZone) ?? 'unknown start';
		const label = escapeHtml(`${statusName(status)}, started ${when}`);
		return `<td data-status="${escapeHtml(status)}" title="${label}" width="10" height="16" style="width:10px;height:16px;background-color:${STATUS_COLOURS[status] ?? OTHER_COLOUR};border-right:2px solid #ffffff;font-size:1px;line-height:1px;">&nbsp;</td>`;
	});
	const rows: string[] = [];
	for (let start = 0; start < cells.length; start += CELLS_PER_ROW) {
		rows.push(
			`<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 2px 0;"><tr>${cells.slice(start, start + CELLS_PER_ROW).join('')}</tr></table>`,
		);
	}
	const strip = `<div style="padding:0 0 2px 0;">${rows.join('')}</div><div style="font-size:11px;color:#777777;padding:0 0 6px 0;">${syncs.length} ${plural(syncs.length, 'sync')}, oldest to newest: ${escapeHtml(statusCountsText(figures))}</div>`;

	const facts: Array<[string, string]> = [
		['Rows synced', number(figures.rows_synced)],
		['Rows failed', number(figures.rows_failed_with_errors)],
		['Failure rate', percent(figures.row_failure_rate)],
		['Last success', momentText(figures.last_success, timeZone) ?? 'none in the window'],
		['Last failure', momentText(figures.last_failure, timeZone) ?? 'none in the window'],
		['Mean duration', duration(figures.mean_duration_seconds)],
		['Max duration', duration(figures.max_duration_seconds)],
	];
	const table = `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="font-size:13px;">${facts
		.map(
			([name, value]) =>
				`<tr><td style="padding:1px 16px 1px 0;color:#555555;">${name}</td><td style="padding:1px 0;">${escapeHtml(value)}</td></tr>`,
		)
		.join('')}</table>`;
	return `<div data-integration-id="${escapeHtml(String(figures.integration_id))}" style="border-top:1px solid #dddddd;padding:8px 0 0 0;">${title}${strip}${table}</div>`;
}

/** Text for HTML content or a double-quoted attribute. */
export function escapeHtml(text: string): string {
	return text
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&#39;');
}

function heading(entries: ReportEntry[], timeZone: string): string {
	if (entries.length === 0) return `Braze CDI syncs (times in ${timeZone})`;
	const { window_start: windowStart, window_end: windowEnd } = entries[0].figures;
	const end = formatTime(parseTime(windowEnd), timeZone) ?? 'now';
	const start = formatTime(parseTime(windowStart), timeZone);
	const window = start === undefined ? `until ${end}` : `from ${start} to ${end}`;
	const count = (level: HealthLevel) =>
		entries.filter((entry) => healthLevel(entry.figures) === level).length;
	const degraded = count('degraded');
	return `Braze CDI syncs ${window} (${timeZone}): ${count('unhealthy')} of ${entries.length} ${plural(entries.length, 'integration')} unhealthy${degraded > 0 ? `, ${degraded} degraded` : ''}`;
}

function integrationLabel(figures: IDataObject): string {
	const id = String(figures.integration_id);
	const name = figures.integration_name;
	return typeof name === 'string' && name !== '' ? `${name} (${id})` : id;
}

function statusCountsText(figures: IDataObject): string {
	const counts = (figures.status_counts ?? {}) as Record<string, number>;
	return Object.entries(counts)
		.filter(([, count]) => count > 0)
		.map(([status, count]) => `${count} ${statusName(status)}`)
		.join(', ');
}

const statusName = (status: string) => status.replace(/_/g, ' ');

function momentText(moment: unknown, timeZone: string): string | undefined {
	if (moment === null || typeof moment !== 'object') return undefined;
	const { job_status: status, sync_start_time: start } = moment as IDataObject;
	const when = formatTime(parseTime(start), timeZone);
	return `${statusName(String(status))}, started ${when ?? 'at an unknown time'}`;
}

/** Seconds (a figure of Summarize) as formatDuration writes them; a dash when there is none. */
const duration = (seconds: unknown) =>
	typeof seconds === 'number' ? formatDuration(seconds * 1000) : '–';

/** A failure rate of Summarize (0 to 1, or null for no rows) as formatPercent writes it. */
const percent = (rate: unknown) => (typeof rate === 'number' ? formatPercent(rate) : 'no rows');

const number = (value: unknown) =>
	typeof value === 'number' ? value.toLocaleString('en-US') : '0';

const plural = (count: number, word: string) => (count === 1 ? word : `${word}s`);

const paragraph = (text: string) =>
	`<div style="font-size:13px;color:#555555;">${escapeHtml(text)}</div>`;
