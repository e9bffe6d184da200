#!/usr/bin/env node
'use strict';
/** `node simulator/cli.js --help`: runs the Braze CDI simulator until Ctrl-C. */
const { parseArgs } = require('node:util');

const {
	ALL_PERMISSIONS,
	DEFAULT_API_KEY,
	DEFAULT_RATE_LIMITS,
	seedIntegrations,
	startSimulator,
} = require('./index');

const HELP = `Braze CDI simulator: a local Braze Cloud Data Ingestion REST API.

Usage: node simulator/cli.js [options]

  --port N                    port to listen on (default 4010; 0 picks a free one)
  --host HOST                 address to listen on (default 127.0.0.1)
  --api-key KEY               API key with all three CDI permissions (default ${DEFAULT_API_KEY});
                              repeat for several keys
  --link-style STYLE          relative (default) | absolute | missingSlash | foreign
  --next-first                put rel="next" before rel="prev" in Link headers
  --foreign-origin URL        origin of the next link with --link-style foreign
                              (default http://127.0.0.2:9)
  --sync-duration SECONDS     how long a triggered sync runs (default 2)
  --sync-status STATUS        how it ends: success (default) | partial | error | config_error
  --history N                 also serve cdi-history, an integration with N hourly syncs
  --long-sync MINUTES         also serve cdi-long-sync, whose newest sync has been running
                              for MINUTES (and goes on running)
  --missed-schedule MINUTES   also serve cdi-missed-schedule, whose next_scheduled_run passed
                              MINUTES ago with no sync since
  --stale HOURS               also serve cdi-stale, whose hourly syncs succeed but whose
                              last_timestamp_synced stopped HOURS ago
  --volume-drop PERCENT       also serve cdi-volume-drop, whose newest sync brought PERCENT %
                              fewer rows than its steady normal of about 40,000
  --volume-spike FACTOR       also serve cdi-volume-spike, whose newest sync brought FACTOR
                              times its normal
  --rate-window SECONDS       rate-limit window for every endpoint (default 60)
  --rate-limit-job-status N   job_sync_status requests per window (default ${DEFAULT_RATE_LIMITS.jobSyncStatus.limit})
  --rate-limit-integrations N integrations requests per window (default ${DEFAULT_RATE_LIMITS.integrations.limit})
  --rate-limit-sync N         sync requests per window (default ${DEFAULT_RATE_LIMITS.sync.limit})
  --fault N:KIND[:MS]         fault on request number N: 500 | 502 | 503 | 504 | reset | delay
                              (delay waits MS, default 1000); repeatable
  --quiet                     do not print each request
  -h, --help                  this text

Endpoints: GET /cdi/integrations, GET /cdi/integrations/{id}/job_sync_status,
POST /cdi/integrations/{id}/sync. See simulator/README.md.
`;

function fail(message) {
	process.stderr.write(`${message}\n\nRun with --help for the options.\n`);
	process.exit(2);
}

/** `range`: a test of the number and how the complaint says it (default >= 0). */
function number(name, value, { whole = false, range = [(n) => n >= 0, '>= 0'] } = {}) {
	if (value === undefined) return undefined;
	const parsed = Number(value);
	if (
		value.trim() === '' ||
		!Number.isFinite(parsed) ||
		!range[0](parsed) ||
		(whole && !Number.isInteger(parsed))
	) {
		fail(`--${name} needs a ${whole ? 'whole ' : ''}number ${range[1]}, not "${value}"`);
	}
	return parsed;
}

function parseFault(text) {
	const [request, kind, delay] = text.split(':');
	const fault = {
		request: number('fault', request, { whole: true }),
		kind: /^\d+$/.test(kind ?? '') ? Number(kind) : kind,
	};
	if (delay !== undefined) fault.delayMs = number('fault', delay);
	return fault;
}

function table(rows) {
	const widths = rows[0].map((_, column) =>
		Math.max(...rows.map((row) => String(row[column]).length)),
	);
	return rows
		.map((row) =>
			`  ${row.map((cell, column) => (column === 2 ? String(cell).padStart(widths[column]) : String(cell).padEnd(widths[column]))).join('  ')}`.trimEnd(),
		)
		.join('\n');
}

async function main() {
	let parsed;
	try {
		parsed = parseArgs({
			options: {
				port: { type: 'string', default: '4010' },
				host: { type: 'string', default: '127.0.0.1' },
				'api-key': { type: 'string', multiple: true },
				'link-style': { type: 'string' },
				'next-first': { type: 'boolean' },
				'foreign-origin': { type: 'string' },
				'sync-duration': { type: 'string' },
				'sync-status': { type: 'string' },
				history: { type: 'string' },
				'long-sync': { type: 'string' },
				'missed-schedule': { type: 'string' },
				stale: { type: 'string' },
				'volume-drop': { type: 'string' },
				'volume-spike': { type: 'string' },
				'rate-window': { type: 'string' },
				'rate-limit-job-status': { type: 'string' },
				'rate-limit-integrations': { type: 'string' },
				'rate-limit-sync': { type: 'string' },
				fault: { type: 'string', multiple: true },
				quiet: { type: 'boolean' },
				help: { type: 'boolean', short: 'h' },
			},
		});
	} catch (error) {
		fail(error.message);
	}
	const args = parsed.values;
	if (args.help) {
		process.stdout.write(HELP);
		return;
	}

	const keys = args['api-key'] ?? [DEFAULT_API_KEY];
	const windowSeconds = number('rate-window', args['rate-window']);
	const rateLimit = (endpoint, name) => {
		const limit = number(name, args[name], { whole: true });
		const entry = {};
		if (limit !== undefined) entry.limit = limit;
		if (windowSeconds !== undefined) entry.windowMs = windowSeconds * 1000;
		return [endpoint, entry];
	};
	const syncSeconds = number('sync-duration', args['sync-duration']);
	const history = number('history', args.history, { whole: true });

	let sim;
	try {
		sim = await startSimulator({
			port: number('port', args.port, { whole: true }),
			host: args.host,
			apiKeys: Object.fromEntries(keys.map((key) => [key, [...ALL_PERMISSIONS]])),
			integrations: [
				...seedIntegrations(),
				...(history === undefined
					? []
					: [
							{
								integration_id: 'cdi-history',
								integration_name: `History (${history} syncs)`,
								syncs: history,
							},
						]),
			],
			longSyncMinutes: number('long-sync', args['long-sync'], { whole: true }),
			missedScheduleMinutes: number('missed-schedule', args['missed-schedule'], { whole: true }),
			staleHours: number('stale', args.stale, { whole: true, range: [(n) => n >= 1, '>= 1'] }),
			volumeDropPercent: number('volume-drop', args['volume-drop'], {
				range: [(n) => n > 0 && n <= 100, 'above 0 and at most 100'],
			}),
			volumeSpikeFactor: number('volume-spike', args['volume-spike'], {
				range: [(n) => n > 1, 'above 1'],
			}),
			linkStyle: args['link-style'],
			nextFirst: args['next-first'],
			foreignOrigin: args['foreign-origin'],
			syncDurationMs: syncSeconds === undefined ? undefined : syncSeconds * 1000,
			syncStatus: args['sync-status'],
			rateLimits: Object.fromEntries([
				rateLimit('jobSyncStatus', 'rate-limit-job-status'),
				rateLimit('integrations', 'rate-limit-integrations'),
				rateLimit('sync', 'rate-limit-sync'),
			]),
			faults: (args.fault ?? []).map(parseFault),
			onRequest: args.quiet
				? undefined
				: (entry) => {
						const query = Object.entries(entry.query)
							.map(([name, value]) => `${name}=${value}`)
							.join('&');
						const status = entry.status === null ? 'connection reset' : entry.status;
						process.stdout.write(
							`#${entry.index} ${entry.method} ${entry.path}${query ? `?${query}` : ''} -> ${status}\n`,
						);
					},
		});
	} catch (error) {
		process.stderr.write(`Could not start the simulator: ${error.message}\n`);
		process.exit(1);
	}

	const rows = [
		['integration_id', 'name', 'syncs'],
		...sim.integrations().map((it) => [it.integration_id, it.integration_name, it.syncs.length]),
	];
	process.stdout.write(
		[
			`Braze CDI simulator listening on ${sim.url}`,
			`API key${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}`,
			`Link style: ${sim.options.linkStyle}; a triggered sync ends "${sim.options.syncStatus}" after ${sim.options.syncDurationMs / 1000} s`,
			'',
			table(rows),
			'',
			`Try: curl -i -H 'Authorization: Bearer ${keys[0]}' ${sim.url}/cdi/integrations/cdi-thirty-seven/job_sync_status`,
			'Ctrl-C stops it.',
			'',
		].join('\n'),
	);

	const stop = () => {
		sim.close().then(() => process.exit(0));
	};
	process.once('SIGINT', stop);
	process.once('SIGTERM', stop);
}

main();
