'use strict';
/**
 * A local Braze Cloud Data Ingestion (CDI) REST API, for tests, demos and trying the node by hand.
 * It follows the API digest in docs (job_sync_status, integrations, sync; Link-header paging;
 * permissions; per-workspace rate limits; the Braze error body) and can inject the faults a real
 * network produces (5xx, reset connections, slow answers). Standard library only.
 */
const { spawn } = require('node:child_process');
const http = require('node:http');
const { join } = require('node:path');

const PAGE_SIZE = 10;
const HOUR = 3_600_000;
const MINUTE = 60_000;

/** The permission each endpoint needs, as named in the Braze dashboard. */
const PERMISSIONS = Object.freeze({
	jobSyncStatus: 'cdi.integration_job_status',
	integrations: 'cdi.integration_list',
	sync: 'cdi.integration_sync',
});
const ALL_PERMISSIONS = Object.freeze(Object.values(PERMISSIONS));
const DEFAULT_API_KEY = 'sim-api-key';

/** Braze's documented limits per workspace and minute. */
const DEFAULT_RATE_LIMITS = Object.freeze({
	jobSyncStatus: Object.freeze({ limit: 100, windowMs: MINUTE }),
	integrations: Object.freeze({ limit: 50, windowMs: MINUTE }),
	sync: Object.freeze({ limit: 20, windowMs: MINUTE }),
});

/** Fixed, so that generated histories are the same on every run unless a test asks otherwise. */
const DEFAULT_NEWEST = Date.parse('2026-03-25T12:00:00.000Z');
const STATUSES = Object.freeze(['success', 'partial', 'error', 'config_error']);
const LINK_STYLES = Object.freeze(['relative', 'absolute', 'missingSlash', 'foreign']);
const FAULT_MESSAGES = Object.freeze({
	500: 'Internal Server Error',
	502: 'Bad Gateway',
	503: 'Service Unavailable',
	504: 'Gateway Timeout',
});
/** What an integration ID may look like (the docs show UUIDs); anything else is malformed. */
const ID_PATTERN = /^[A-Za-z0-9_-]+$/;
/** The digest's field order for an item of GET /cdi/integrations. */
const LIST_FIELDS = Object.freeze([
	'integration_id',
	'app_group_id',
	'integration_name',
	'integration_type',
	'integration_status',
	'contact_emails',
	'last_updated_at',
	'warehouse_type',
	'last_job_start_time',
	'last_job_status',
	'next_scheduled_run',
]);
const INTEGRATION_TYPES = ['user_attributes', 'custom_events', 'purchase_events', 'catalogs'];
const WAREHOUSE_TYPES = ['snowflake', 'bigquery', 'redshift', 'databricks'];

const iso = (ms) => new Date(ms).toISOString();

function toMs(value, name) {
	const ms =
		value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : value;
	if (typeof ms !== 'number' || !Number.isFinite(ms))
		throw new TypeError(`${name} must be a Date, a time in ms or an ISO string`);
	return ms;
}

// ---------------------------------------------------------------------------------------------
// Data

/** A sync that has just started: Braze's docs leave the finish time undocumented; null here. */
function runningSync(startMs) {
	return {
		job_status: 'running',
		sync_start_time: iso(startMs),
		sync_finish_time: null,
		last_timestamp_synced: null,
		rows_synced: 0,
		rows_failed_with_errors: 0,
	};
}

/**
 * The fields of a finished sync. `seed` varies durations and row counts deterministically.
 * error and config_error synced no rows (the digest: "no rows synced"); partial had row errors.
 */
function finishedFields(status, startMs, finishMs, seed) {
	const synced = status === 'success' || status === 'partial' ? 800 + ((seed * 53) % 900) : 0;
	return {
		job_status: status,
		sync_finish_time: iso(finishMs),
		// As in the docs' example: the data timestamp a little before the start, on a 5-minute mark.
		last_timestamp_synced: iso(Math.floor((startMs - 5 * MINUTE) / (5 * MINUTE)) * 5 * MINUTE),
		rows_synced: synced,
		rows_failed_with_errors: status === 'partial' ? 1 + ((seed * 7) % 50) : 0,
	};
}

/** An integration's fields that shape its syncs: the simulator's own, never listed. */
const SHAPE_FIELDS = Object.freeze(['normalRows', 'volumeChange', 'watermarkStopsAt']);
/** The normal of the integrations --stale, --volume-drop and --volume-spike add. */
const ALERT_NORMAL_ROWS = 40_000;

/**
 * Rows within 2 % of a steady normal, varying with `seed` (the same on every run): a median sees
 * the normal and a MAD about 1 % of it, so that a change of a few percent is already unusual.
 */
const steadyRows = (normal, seed) => Math.round(normal * (1 + (((seed * 29) % 41) - 20) / 1000));

/** Syncs that brought rows: the ones a volume has. */
const hasRows = (sync) =>
	Boolean(sync) && (sync.job_status === 'success' || sync.job_status === 'partial');

/**
 * normalRows, volumeChange and watermarkStopsAt of makeSyncs' options or an integration, checked;
 * `where` begins each complaint.
 */
function shapeOf(source, where) {
	const shape = {};
	if (source.normalRows !== undefined) {
		if (!Number.isInteger(source.normalRows) || source.normalRows < 0)
			throw new TypeError(`${where}normalRows must be a whole number >= 0`);
		shape.normalRows = source.normalRows;
	}
	if (source.watermarkStopsAt !== undefined && source.watermarkStopsAt !== null)
		shape.watermarkMs = toMs(source.watermarkStopsAt, `${where}watermarkStopsAt`);
	const change = source.volumeChange;
	if (change !== undefined && change !== null) {
		const has = (key) => change[key] !== undefined;
		if (has('newest') === has('after'))
			throw new TypeError(`${where}volumeChange needs either newest: N or after: a time`);
		if (has('factor') === has('rows'))
			throw new TypeError(`${where}volumeChange needs either factor: F or rows: N`);
		if (has('newest') && !(Number.isInteger(change.newest) && change.newest >= 1))
			throw new TypeError(`${where}volumeChange.newest must be a whole number >= 1`);
		if (has('factor') && !(Number.isFinite(change.factor) && change.factor >= 0))
			throw new TypeError(`${where}volumeChange.factor must be a number >= 0`);
		if (has('rows') && !(Number.isInteger(change.rows) && change.rows >= 0))
			throw new TypeError(`${where}volumeChange.rows must be a whole number >= 0`);
		shape.volumeChange = {
			newest: change.newest,
			afterMs: has('after') ? toMs(change.after, `${where}volumeChange.after`) : undefined,
			factor: change.factor,
			rows: change.rows,
		};
	}
	return shape;
}

/**
 * One sync shaped in place: its rows near the normal (`seed` varies them), then changed when
 * `changed` (for volumeChange.newest) or when it started after volumeChange.after, and its
 * watermark never past watermarkStopsAt. Only success and partial syncs have rows to shape.
 */
function shapeSync(sync, shape, seed, changed) {
	if (hasRows(sync)) {
		if (shape.normalRows !== undefined) sync.rows_synced = steadyRows(shape.normalRows, seed);
		const change = shape.volumeChange;
		if (
			change &&
			(change.newest === undefined ? Date.parse(sync.sync_start_time) > change.afterMs : changed)
		)
			sync.rows_synced = change.rows ?? Math.round(sync.rows_synced * change.factor);
	}
	if (
		shape.watermarkMs !== undefined &&
		sync &&
		sync.last_timestamp_synced &&
		Date.parse(sync.last_timestamp_synced) > shape.watermarkMs
	)
		sync.last_timestamp_synced = iso(shape.watermarkMs);
}

/** A history (newest first) shaped in place; volumeChange.newest counts syncs with rows. */
function shapeSyncs(syncs, shape) {
	const newest = shape.volumeChange?.newest ?? 0;
	let withRows = 0;
	syncs.forEach((sync, index) => {
		const changed = hasRows(sync) && withRows++ < newest;
		shapeSync(sync, shape, index, changed);
	});
	return syncs;
}

/**
 * `count` syncs, newest first, `spacingMs` apart, cycling `statuses` (default success, partial,
 * error, config_error). With `running`, the newest one is still running (the others are
 * unchanged). normalRows, volumeChange and watermarkStopsAt shape them (see shapeSync).
 */
function makeSyncs(count, options = {}) {
	if (!Number.isInteger(count) || count < 0)
		throw new TypeError('makeSyncs: count must be a whole number >= 0');
	const newest =
		options.newest === undefined ? DEFAULT_NEWEST : toMs(options.newest, 'makeSyncs: newest');
	const spacing = options.spacingMs ?? HOUR;
	const statuses = options.statuses ?? STATUSES;
	if (
		!Array.isArray(statuses) ||
		statuses.length === 0 ||
		!statuses.every((status) => typeof status === 'string')
	)
		throw new TypeError('makeSyncs: statuses must be a non-empty list of job statuses');
	const shape = shapeOf(options, 'makeSyncs: ');
	const syncs = Array.from({ length: count }, (_, index) => {
		const start = newest - index * spacing;
		if (index === 0 && options.running) return runningSync(start);
		const durationMs = (60 + ((index * 37) % 240)) * 1000 + ((index * 131) % 1000);
		const fields = finishedFields(
			statuses[index % statuses.length],
			start,
			start + durationMs,
			index,
		);
		return {
			job_status: fields.job_status,
			sync_start_time: iso(start),
			sync_finish_time: fields.sync_finish_time,
			last_timestamp_synced: fields.last_timestamp_synced,
			rows_synced: fields.rows_synced,
			rows_failed_with_errors: fields.rows_failed_with_errors,
		};
	});
	return shapeSyncs(syncs, shape);
}

/** The default workspace: histories of 0, 1, 10, 11 (newest running), 37 and 3000 syncs. */
function seedIntegrations(options = {}) {
	const syncs = (count, extra = {}) => makeSyncs(count, { ...options, ...extra });
	return [
		{ integration_id: 'cdi-empty', integration_name: 'New import (no syncs)', syncs: syncs(0) },
		{ integration_id: 'cdi-one', integration_name: 'Customers (1 sync)', syncs: syncs(1) },
		{ integration_id: 'cdi-ten', integration_name: 'Products (10 syncs)', syncs: syncs(10) },
		{
			integration_id: 'cdi-eleven',
			integration_name: 'Events (11 syncs, one running)',
			syncs: syncs(11, { running: true }),
		},
		{ integration_id: 'cdi-thirty-seven', integration_name: 'Orders (37 syncs)', syncs: syncs(37) },
		{
			integration_id: 'cdi-three-thousand',
			integration_name: 'Page views (3000 syncs)',
			syncs: syncs(3000),
		},
	];
}

/** The live integration: a copy of the input (so simulators never share state) with defaults. */
function normalizeIntegration(input, index, appGroupId) {
	if (!input || typeof input.integration_id !== 'string' || input.integration_id === '') {
		throw new TypeError(`integrations[${index}]: integration_id must be a non-empty string`);
	}
	const { syncs = [], ...fields } = input;
	if (typeof syncs !== 'number' && !Array.isArray(syncs)) {
		throw new TypeError(`integrations[${index}]: syncs must be a number or an array of syncs`);
	}
	const shape = shapeOf(input, `integrations[${index}]: `);
	return {
		app_group_id: appGroupId,
		integration_name: input.integration_id,
		integration_type: INTEGRATION_TYPES[index % INTEGRATION_TYPES.length],
		integration_status: 'active',
		contact_emails: 'data-team@example.com',
		warehouse_type: WAREHOUSE_TYPES[index % WAREHOUSE_TYPES.length],
		...structuredClone(fields),
		syncs: shapeSyncs(typeof syncs === 'number' ? makeSyncs(syncs) : structuredClone(syncs), shape),
	};
}

/**
 * The next run of an hourly schedule from the last start: still ahead, so that a history dated in
 * the past (every fixed one is) does not look like a missed schedule. An integration set up with
 * its own next_scheduled_run (e.g. --missed-schedule) keeps that.
 */
function nextHourlyRun(lastStartMs, now = Date.now()) {
	return lastStartMs + Math.max(1, Math.floor((now - lastStartMs) / HOUR) + 1) * HOUR;
}

/**
 * The integrations --long-sync, --missed-schedule, --stale, --volume-drop and --volume-spike add:
 * one whose newest sync has been running for `longSyncMinutes`, one whose `next_scheduled_run`
 * passed `missedScheduleMinutes` ago with no sync since (its last sync an hour before that, as an
 * hourly schedule would have it), and three whose hourly syncs all succeed with about 40,000 rows,
 * the newest 10 minutes ago: one whose watermark stopped `staleHours` ago (with the day before it),
 * one whose newest of 30 syncs brought `volumeDropPercent` % fewer rows, one whose newest brought
 * `volumeSpikeFactor` times as many.
 */
function alertIntegrations(options, now = Date.now()) {
	const {
		longSyncMinutes,
		missedScheduleMinutes,
		staleHours,
		volumeDropPercent,
		volumeSpikeFactor,
	} = options;
	const steady = (count = 30) =>
		makeSyncs(count, { newest: now - 10 * MINUTE, statuses: ['success'] });
	const added = [];
	if (longSyncMinutes !== undefined) {
		added.push({
			integration_id: 'cdi-long-sync',
			integration_name: `Long sync (running ${longSyncMinutes} min)`,
			syncs: makeSyncs(4, { newest: now - longSyncMinutes * MINUTE, running: true }),
		});
	}
	if (missedScheduleMinutes !== undefined) {
		const due = now - missedScheduleMinutes * MINUTE;
		added.push({
			integration_id: 'cdi-missed-schedule',
			integration_name: `Missed schedule (due ${missedScheduleMinutes} min ago)`,
			next_scheduled_run: iso(due),
			syncs: makeSyncs(4, { newest: due - HOUR }),
		});
	}
	if (staleHours !== undefined) {
		added.push({
			integration_id: 'cdi-stale',
			integration_name: `Stale data (watermark stopped ${staleHours} h ago)`,
			normalRows: ALERT_NORMAL_ROWS,
			watermarkStopsAt: iso(now - staleHours * HOUR),
			// The day before it stopped too, so that the history shows it moving until then.
			syncs: steady(staleHours + 24),
		});
	}
	if (volumeDropPercent !== undefined) {
		added.push({
			integration_id: 'cdi-volume-drop',
			integration_name: `Volume drop (newest sync ${volumeDropPercent} % below normal)`,
			normalRows: ALERT_NORMAL_ROWS,
			volumeChange: { newest: 1, factor: 1 - volumeDropPercent / 100 },
			syncs: steady(),
		});
	}
	if (volumeSpikeFactor !== undefined) {
		added.push({
			integration_id: 'cdi-volume-spike',
			integration_name: `Volume spike (newest sync ${volumeSpikeFactor}× normal)`,
			normalRows: ALERT_NORMAL_ROWS,
			volumeChange: { newest: 1, factor: volumeSpikeFactor },
			syncs: steady(),
		});
	}
	return added;
}

/**
 * An item of GET /cdi/integrations. The fields describing the last run are derived from the live
 * history (so a triggered sync shows up), unless the integration sets them itself.
 */
function listItem(integration) {
	const head = integration.syncs[0];
	const lastSynced = integration.syncs.find((sync) => sync && sync.last_timestamp_synced);
	const derived = {
		last_updated_at: lastSynced ? lastSynced.last_timestamp_synced : null,
		last_job_start_time: head ? head.sync_start_time : null,
		last_job_status: head ? head.job_status : null,
		next_scheduled_run:
			head && head.sync_start_time ? iso(nextHourlyRun(Date.parse(head.sync_start_time))) : null,
	};
	const item = {};
	for (const field of LIST_FIELDS)
		item[field] = field in integration ? integration[field] : derived[field];
	for (const [key, value] of Object.entries(integration))
		if (key !== 'syncs' && !SHAPE_FIELDS.includes(key) && !(key in item)) item[key] = value;
	return item;
}

// ---------------------------------------------------------------------------------------------
// Cursors and pages

/** Braze's cursors, as seen in its docs: base64 of `skip:N`. */
const encodeCursor = (skip) => Buffer.from(`skip:${skip}`).toString('base64');

/** The skip of a cursor, or null when it is not one this server issues. Strict on purpose. */
function decodeCursor(cursor) {
	// A client that does not encode '+' in the query string sends it as a space.
	const text = cursor.replace(/ /g, '+');
	if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
	const decoded = Buffer.from(text, 'base64');
	if (decoded.toString('base64') !== text) return null;
	const match = /^skip:(0|[1-9][0-9]{0,8})$/.exec(decoded.toString('latin1'));
	return match ? Number(match[1]) : null;
}

/** One page of `items`, or null for a cursor that is invalid (or beyond the end of the list). */
function paginate(items, cursor) {
	let skip = 0;
	if (cursor !== null) {
		skip = decodeCursor(cursor);
		if (skip === null || (skip > 0 && skip >= items.length)) return null;
	}
	return {
		results: items.slice(skip, skip + PAGE_SIZE),
		prev: skip > 0 ? Math.max(0, skip - PAGE_SIZE) : null,
		next: skip + PAGE_SIZE < items.length ? skip + PAGE_SIZE : null,
	};
}

// ---------------------------------------------------------------------------------------------
// Rate limits

/** A fixed window that opens with the first request counted after the previous one ended. */
class FixedWindow {
	constructor({ limit, windowMs }) {
		if (!Number.isInteger(limit) || limit < 0)
			throw new TypeError('rate limit: limit must be a whole number >= 0');
		if (!(windowMs > 0)) throw new TypeError('rate limit: windowMs must be > 0');
		this.limit = limit;
		this.windowMs = windowMs;
		this.reset();
	}

	reset() {
		this.count = 0;
		this.end = 0;
	}

	/** Counts one request; false when it is over the limit. */
	take(now) {
		if (now >= this.end) {
			this.count = 0;
			this.end = now + this.windowMs;
		}
		this.count += 1;
		return this.count <= this.limit;
	}

	headers(now) {
		const open = now < this.end;
		const used = open ? this.count : 0;
		const end = open ? this.end : now + this.windowMs;
		return {
			'x-ratelimit-limit': String(this.limit),
			'x-ratelimit-remaining': String(Math.max(0, this.limit - used)),
			// UTC epoch seconds, whole: rounded up so that the window has surely ended by then.
			'x-ratelimit-reset': String(Math.ceil(end / 1000)),
		};
	}

	retryAfterSeconds(now) {
		return Math.max(1, Math.ceil((this.end - now) / 1000));
	}
}

// ---------------------------------------------------------------------------------------------
// Faults

const FAULT_KINDS = new Set([500, 502, 503, 504, 'reset', 'delay']);

function checkFault(fault) {
	if (!fault || !FAULT_KINDS.has(fault.kind)) {
		throw new TypeError(
			`fault kind must be one of 500, 502, 503, 504, 'reset', 'delay' (got ${fault && fault.kind})`,
		);
	}
	if (fault.request !== undefined && !(Number.isInteger(fault.request) && fault.request >= 1)) {
		throw new TypeError('fault request must be a whole number >= 1');
	}
	if (fault.request === undefined && !fault.next)
		throw new TypeError('a fault needs request: N or next: true');
	return { ...fault };
}

function pathMatches(pattern, path) {
	if (pattern === undefined) return true;
	if (pattern instanceof RegExp) {
		pattern.lastIndex = 0; // a /g pattern would otherwise remember where it stopped
		return pattern.test(path);
	}
	return path.startsWith(pattern);
}

// ---------------------------------------------------------------------------------------------
// Server

/** Which endpoint a method and path are, or null (404 Not Found). The broken docs path is not one. */
function route(method, path) {
	if (path === '/cdi/integrations') return method === 'GET' ? { endpoint: 'integrations' } : null;
	const match = /^\/cdi\/integrations\/([^/]+)\/(job_sync_status|sync)$/.exec(path);
	if (!match) return null;
	if (match[2] === 'job_sync_status' && method === 'GET')
		return { endpoint: 'jobSyncStatus', rawId: match[1] };
	if (match[2] === 'sync' && method === 'POST') return { endpoint: 'sync', rawId: match[1] };
	return null;
}

function decodeId(rawId) {
	try {
		return decodeURIComponent(rawId);
	} catch {
		return null;
	}
}

function bearerKey(header) {
	const match = /^Bearer (.+)$/i.exec(typeof header === 'string' ? header : '');
	return match ? match[1] : null;
}

/** How a client reaches host:port (a wildcard address is reached on loopback). */
function urlHost(host) {
	if (host === '0.0.0.0' || host === '') return '127.0.0.1';
	if (host === '::') return '[::1]';
	return host.includes(':') ? `[${host}]` : host;
}

function startSimulator(options = {}) {
	const host = options.host ?? '127.0.0.1';
	const settings = {
		linkStyle: options.linkStyle ?? 'relative',
		nextFirst: Boolean(options.nextFirst),
		foreignOrigin: options.foreignOrigin ?? 'http://127.0.0.2:9',
		syncDurationMs: options.syncDurationMs ?? 2000,
		syncStatus: options.syncStatus ?? 'success',
	};
	if (!LINK_STYLES.includes(settings.linkStyle)) {
		throw new TypeError(`linkStyle must be one of ${LINK_STYLES.join(', ')}`);
	}
	const apiKeys = structuredClone(options.apiKeys ?? { [DEFAULT_API_KEY]: [...ALL_PERMISSIONS] });
	const appGroupId = options.appGroupId ?? '5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f';
	const integrations = new Map();
	function addIntegration(input) {
		const integration = normalizeIntegration(input, integrations.size, appGroupId);
		if (integrations.has(integration.integration_id))
			throw new TypeError(`duplicate integration_id ${integration.integration_id}`);
		integrations.set(integration.integration_id, integration);
		return integration;
	}
	for (const name of ['longSyncMinutes', 'missedScheduleMinutes']) {
		const minutes = options[name];
		if (minutes !== undefined && !(Number.isInteger(minutes) && minutes >= 0))
			throw new TypeError(`${name} must be a whole number of minutes >= 0`);
	}
	const { staleHours, volumeDropPercent, volumeSpikeFactor } = options;
	if (staleHours !== undefined && !(Number.isInteger(staleHours) && staleHours >= 1))
		throw new TypeError('staleHours must be a whole number of hours >= 1');
	if (
		volumeDropPercent !== undefined &&
		!(Number.isFinite(volumeDropPercent) && volumeDropPercent > 0 && volumeDropPercent <= 100)
	)
		throw new TypeError('volumeDropPercent must be a number above 0 and at most 100');
	if (
		volumeSpikeFactor !== undefined &&
		!(Number.isFinite(volumeSpikeFactor) && volumeSpikeFactor > 1)
	)
		throw new TypeError('volumeSpikeFactor must be a number above 1');
	[...(options.integrations ?? seedIntegrations()), ...alertIntegrations(options)].forEach(
		addIntegration,
	);
	const limiters = {};
	for (const endpoint of Object.keys(DEFAULT_RATE_LIMITS)) {
		limiters[endpoint] = new FixedWindow({
			...DEFAULT_RATE_LIMITS[endpoint],
			...(options.rateLimits ?? {})[endpoint],
		});
	}
	const faults = (options.faults ?? []).map(checkFault);
	const onRequest = options.onRequest;

	const requests = [];
	let requestCount = 0;
	let triggerCount = 0;
	let closing = null;
	/** Every pending timer, so that close() leaves nothing behind. */
	const timers = new Set();
	/** The timer finishing each triggered sync, so completeSync() can take over. */
	const finishTimers = new Map();

	function later(fn, ms) {
		const timer = setTimeout(() => {
			timers.delete(timer);
			fn();
		}, ms);
		timer.unref(); // a forgotten simulator must not keep a process alive
		timers.add(timer);
		return timer;
	}

	function takeFault(index, path) {
		const at = faults.findIndex((fault) =>
			fault.next ? pathMatches(fault.path, path) : fault.request === index,
		);
		return at === -1 ? null : faults.splice(at, 1)[0];
	}

	function send(res, entry, status, body, headers = {}) {
		entry.status = status;
		if (!res.destroyed && !res.writableEnded) {
			res.writeHead(status, { 'content-type': 'application/json', ...headers });
			res.end(JSON.stringify(body));
		}
		if (onRequest) onRequest(entry);
	}

	/** Braze's error body: a message and a (here always empty) list of minor errors. */
	const fail = (res, entry, status, message, headers) =>
		send(res, entry, status, { message, errors: [] }, headers);

	/** The Link header of a page; undefined when there is neither a previous nor a next page. */
	function linkHeader(page, id) {
		const pathOf = (broken) =>
			id === undefined
				? '/cdi/integrations'
				: `/cdi/integrations${broken ? '' : '/'}${encodeURIComponent(id)}/job_sync_status`;
		const urlOf = (skip, rel) => {
			const query = `?cursor=${encodeCursor(skip)}`;
			switch (settings.linkStyle) {
				case 'absolute':
					return `${simulator.url}${pathOf(false)}${query}`;
				case 'missingSlash':
					// As in the docs' example, only the next link lacks the slash after "integrations".
					return `${pathOf(rel === 'next')}${query}`;
				case 'foreign':
					return rel === 'next'
						? `${settings.foreignOrigin}${pathOf(false)}${query}`
						: `${pathOf(false)}${query}`;
				default:
					return `${pathOf(false)}${query}`;
			}
		};
		const parts = [];
		if (page.prev !== null) parts.push(`<${urlOf(page.prev, 'prev')}>; rel="prev"`);
		if (page.next !== null) parts.push(`<${urlOf(page.next, 'next')}>; rel="next"`);
		if (settings.nextFirst) parts.reverse();
		return parts.length ? parts.join(',') : undefined;
	}

	function sendPage(res, entry, items, url, rateHeaders, id) {
		const cursor = url.searchParams.get('cursor');
		const page = paginate(items, cursor);
		if (!page) return fail(res, entry, 400, 'Invalid cursor', rateHeaders);
		const link = linkHeader(page, id);
		return send(
			res,
			entry,
			200,
			{ results: page.results, message: 'success' },
			link ? { ...rateHeaders, link } : rateHeaders,
		);
	}

	function finishSync(integration, sync, status) {
		const timer = finishTimers.get(sync);
		if (timer) {
			clearTimeout(timer);
			timers.delete(timer);
			finishTimers.delete(sync);
		}
		if (sync.job_status !== 'running') return;
		triggerCount += 1;
		// Assigned in place, so the sync keeps its key order and callers holding it see the result.
		Object.assign(
			sync,
			finishedFields(status, Date.parse(sync.sync_start_time), Date.now(), triggerCount),
		);
		// The integration's normal, a volume change after a time and a stopped watermark apply to
		// the syncs it runs too, as they are when it ends (a test may change them meanwhile).
		shapeSync(
			sync,
			shapeOf(integration, `integration ${integration.integration_id}: `),
			triggerCount,
		);
	}

	function triggerSync(res, entry, route_, rateHeaders) {
		const id = decodeId(route_.rawId);
		if (id === null) return fail(res, entry, 400, 'Invalid integration ID', rateHeaders);
		const integration = integrations.get(id);
		if (!integration) {
			return ID_PATTERN.test(id)
				? fail(res, entry, 404, 'Integration not found', rateHeaders)
				: fail(res, entry, 400, 'Invalid integration ID', rateHeaders);
		}
		const head = integration.syncs[0];
		if (head && head.job_status === 'running')
			return fail(res, entry, 429, 'Another job is in progress', rateHeaders);
		const sync = runningSync(Date.now());
		integration.syncs.unshift(sync);
		finishTimers.set(
			sync,
			later(() => finishSync(integration, sync, settings.syncStatus), settings.syncDurationMs),
		);
		return send(res, entry, 202, { message: 'success' }, rateHeaders);
	}

	function handle(req, res, entry, url) {
		const found = route(req.method, url.pathname);
		if (!found) return fail(res, entry, 404, 'Not Found');
		const limiter = limiters[found.endpoint];
		const now = Date.now();
		const key = bearerKey(req.headers.authorization);
		const permissions = key !== null && Object.hasOwn(apiKeys, key) ? apiKeys[key] : null;
		// Rejected keys are not charged to the workspace: Braze cannot tell whose workspace it is.
		if (!permissions) return fail(res, entry, 401, 'Unauthorized', limiter.headers(now));
		const allowed = limiter.take(now);
		const rateHeaders = limiter.headers(now);
		if (!allowed) {
			return fail(res, entry, 429, 'Rate Limited', {
				...rateHeaders,
				'retry-after': String(limiter.retryAfterSeconds(now)),
			});
		}
		if (!permissions.includes(PERMISSIONS[found.endpoint]))
			return fail(res, entry, 403, 'Access Denied', rateHeaders);

		if (found.endpoint === 'integrations') {
			return sendPage(res, entry, [...integrations.values()].map(listItem), url, rateHeaders);
		}
		if (found.endpoint === 'sync') return triggerSync(res, entry, found, rateHeaders);
		// job_sync_status documents only "Invalid integration ID", for malformed and unknown IDs alike.
		const id = decodeId(found.rawId);
		const integration = id === null ? undefined : integrations.get(id);
		if (!integration) return fail(res, entry, 400, 'Invalid integration ID', rateHeaders);
		return sendPage(res, entry, integration.syncs, url, rateHeaders, id);
	}

	const server = http.createServer((req, res) => {
		req.resume(); // bodies are not used; drain them so keep-alive connections stay usable
		requestCount += 1;
		const url = new URL(req.url, 'http://simulator.invalid');
		const entry = {
			index: requestCount,
			method: req.method,
			path: url.pathname,
			query: Object.fromEntries(url.searchParams),
			headers: { ...req.headers },
			status: null,
			time: Date.now(),
		};
		requests.push(entry);

		const fault = takeFault(entry.index, entry.path);
		if (!fault) return handle(req, res, entry, url);
		if (fault.kind === 'reset') {
			req.socket.destroy();
			if (onRequest) onRequest(entry);
			return undefined;
		}
		if (fault.kind === 'delay') {
			later(() => handle(req, res, entry, url), fault.delayMs ?? 1000);
			return undefined;
		}
		return fail(res, entry, fault.kind, FAULT_MESSAGES[fault.kind]);
	});

	const simulator = {
		url: '',
		port: 0,
		host,
		options: settings,
		apiKeys,
		requests,
		get requestCount() {
			return requestCount;
		},
		clearLog() {
			requests.length = 0;
		},
		requestsFor(match) {
			return requests.filter((entry) => pathMatches(match, entry.path));
		},
		integration(id) {
			const integration = integrations.get(id);
			if (!integration) throw new Error(`simulator: no integration ${id}`);
			return integration;
		},
		integrations() {
			return [...integrations.values()];
		},
		addIntegration,
		removeIntegration(id) {
			simulator.integration(id);
			integrations.delete(id);
		},
		addSyncs(id, syncs) {
			const integration = simulator.integration(id);
			integration.syncs.unshift(
				...structuredClone(typeof syncs === 'number' ? makeSyncs(syncs) : syncs),
			);
			return integration;
		},
		completeSync(id, status = settings.syncStatus) {
			const integration = simulator.integration(id);
			const head = integration.syncs[0];
			if (!head || head.job_status !== 'running') return undefined;
			finishSync(integration, head, status);
			return head;
		},
		injectFault(fault) {
			faults.push(checkFault(fault));
		},
		resetRateLimits() {
			for (const limiter of Object.values(limiters)) limiter.reset();
		},
		close() {
			if (!closing) {
				closing = new Promise((resolve) => {
					for (const timer of timers) clearTimeout(timer);
					timers.clear();
					finishTimers.clear();
					server.close(() => resolve());
					// Idle keep-alive sockets and requests still waiting on a (now cleared) delay.
					server.closeAllConnections();
				});
			}
			return closing;
		},
	};

	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, host, () => {
			server.off('error', reject);
			simulator.port = server.address().port;
			simulator.url = `http://${urlHost(host)}:${simulator.port}`;
			resolve(simulator);
		});
	});
}

/**
 * The command line (cli.js) with `args` in a process of its own, e.g. so that a client's memory
 * can be measured without the server's. Resolves once it listens.
 */
function startSimulatorProcess(args = []) {
	const child = spawn(
		process.execPath,
		[join(__dirname, 'cli.js'), '--port', '0', '--quiet', ...args],
		{
			stdio: ['ignore', 'pipe', 'pipe'],
		},
	);
	let complaint = '';
	child.stderr.on('data', (chunk) => (complaint += chunk));
	const close = () =>
		new Promise((resolve) => {
			if (child.exitCode !== null || child.signalCode !== null) return resolve();
			child.once('exit', () => resolve());
			child.kill();
		});
	return new Promise((resolve, reject) => {
		let printed = '';
		child.stdout.on('data', (chunk) => {
			printed += chunk;
			const listening = /listening on (\S+)/.exec(printed);
			if (listening) resolve({ url: listening[1], close });
		});
		child.once('exit', (code) =>
			reject(new Error(`the simulator exited (${code}) before listening: ${complaint.trim()}`)),
		);
	});
}

module.exports = {
	startSimulator,
	startSimulatorProcess,
	seedIntegrations,
	makeSyncs,
	encodeCursor,
	decodeCursor,
	PAGE_SIZE,
	PERMISSIONS,
	ALL_PERMISSIONS,
	DEFAULT_API_KEY,
	DEFAULT_RATE_LIMITS,
	STATUSES,
};
