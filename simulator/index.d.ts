/** Types of the local Braze CDI simulator (simulator/index.js). */

/** A job status Braze documents; unknown values are possible and passed through. */
export type JobStatus = 'running' | 'success' | 'partial' | 'error' | 'config_error';

/** One item of job_sync_status, as the simulator serves it (newest first in a history). */
export type Sync = {
	job_status: JobStatus | (string & {});
	sync_start_time: string;
	sync_finish_time: string | null;
	last_timestamp_synced: string | null;
	rows_synced: number;
	rows_failed_with_errors: number;
};

/** A time: a Date, ms since the epoch or an ISO string. */
export type TimeInput = Date | number | string;

/**
 * A change of volume: rows_synced of the newest N syncs that brought rows (success or partial), or
 * of those that started after a time, multiplied by `factor` or set to `rows`.
 */
export type VolumeChange = (
	{ newest: number; after?: undefined } | { after: TimeInput; newest?: undefined }
) &
	({ factor: number; rows?: undefined } | { rows: number; factor?: undefined });

/**
 * How an integration's syncs look, besides their statuses and times. Applied after the rows and
 * watermarks makeSyncs would give.
 */
export type SyncShape = {
	/**
	 * A steady normal: success and partial syncs bring this many rows, within 2 % (the same on
	 * every run), so that median and MAD see a clear normal. Default: 800 to 1,699 rows.
	 */
	normalRows?: number;
	/** A drop or spike of rows_synced, on top of normalRows (or the default rows). */
	volumeChange?: VolumeChange | null;
	/**
	 * The watermark stops: no sync's last_timestamp_synced goes past this time (later syncs keep
	 * it), while the syncs go on as they would.
	 */
	watermarkStopsAt?: TimeInput | null;
};

/**
 * An integration as given to startSimulator: syncs as a count (makeSyncs) or as objects.
 * normalRows, volumeChange and watermarkStopsAt shape its history (generated or given) when the
 * simulator starts, and each sync it runs when that sync ends (volumeChange only with `after`).
 * They stay on the live integration, where a test may change them; they are never listed.
 */
export type IntegrationInput = SyncShape & {
	integration_id: string;
	integration_name?: string;
	app_group_id?: string;
	integration_type?: string;
	integration_status?: string;
	contact_emails?: string;
	last_updated_at?: string | null;
	warehouse_type?: string;
	last_job_start_time?: string | null;
	last_job_status?: string | null;
	next_scheduled_run?: string | null;
	/** Newest first. Objects are served as given, so they may lack fields or carry odd values. */
	syncs?: number | Array<Partial<Sync> | Record<string, unknown>>;
	[field: string]: unknown;
};

/**
 * The live integration inside a running simulator. `syncs` is the history it serves, newest first;
 * a triggered sync is added at its head. Fields the input left out have defaults;
 * last_updated_at, last_job_start_time, last_job_status and next_scheduled_run are derived from
 * the history when listed, unless set here (next_scheduled_run: the next hour after the last start
 * that is still ahead, as an hourly schedule that keeps running).
 */
export type Integration = {
	integration_id: string;
	integration_name: string;
	app_group_id: string;
	integration_type: string;
	integration_status: string;
	contact_emails: string;
	warehouse_type: string;
	syncs: Sync[];
	/** Changing these applies to the syncs that end afterwards. */
	normalRows?: number;
	volumeChange?: VolumeChange | null;
	watermarkStopsAt?: TimeInput | null;
	[field: string]: unknown;
};

/** An item of GET /cdi/integrations. */
export type IntegrationListItem = {
	integration_id: string;
	app_group_id: string;
	integration_name: string;
	integration_type: string;
	integration_status: string;
	contact_emails: string;
	last_updated_at: string | null;
	warehouse_type: string;
	last_job_start_time: string | null;
	last_job_status: string | null;
	next_scheduled_run: string | null;
	[field: string]: unknown;
};

export type Permission =
	'cdi.integration_job_status' | 'cdi.integration_list' | 'cdi.integration_sync';
export type Endpoint = 'jobSyncStatus' | 'integrations' | 'sync';
export type LinkStyle = 'relative' | 'absolute' | 'missingSlash' | 'foreign';
export type FaultKind = 500 | 502 | 503 | 504 | 'reset' | 'delay';

export type RateLimit = { limit: number; windowMs: number };

/**
 * A fault: `reset` destroys the socket without answering, `delay` answers normally after
 * `delayMs` (default 1000), a status answers it with `{"message": "Internal Server Error"}` etc.
 */
export type Fault =
	| { request: number; next?: false; kind: FaultKind; delayMs?: number }
	| { next: true; request?: undefined; kind: FaultKind; delayMs?: number; path?: string | RegExp };

export type RequestLogEntry = {
	/** 1-based, counting every request this simulator received (clearLog does not restart it). */
	index: number;
	method: string;
	path: string;
	/** The query string as an object (the last value of a repeated parameter). */
	query: Record<string, string>;
	/** Lower-case names, as Node.js presents them. */
	headers: Record<string, string | string[] | undefined>;
	/** null until answered, and for a request whose connection was reset. */
	status: number | null;
	/** When it arrived, in ms since the epoch. */
	time: number;
};

export type SimulatorOptions = {
	/** 0 (default) picks a free port. */
	port?: number;
	/** Default 127.0.0.1. */
	host?: string;
	/** Key → permissions. Default: `{ 'sim-api-key': [all three permissions] }`. */
	apiKeys?: Record<string, string[]>;
	/** Default: seedIntegrations(). Listed in this order. */
	integrations?: IntegrationInput[];
	/** How Link URLs are written. Default 'relative'. */
	linkStyle?: LinkStyle;
	/** Put rel="next" before rel="prev" in the Link header. */
	nextFirst?: boolean;
	/** The origin of the next link with linkStyle 'foreign'. Default http://127.0.0.2:9. */
	foreignOrigin?: string;
	/** How long a triggered sync runs. Default 2000. */
	syncDurationMs?: number;
	/** How a triggered sync ends. Default 'success'. */
	syncStatus?: JobStatus | (string & {});
	/** Per endpoint; defaults are Braze's: 100, 50 and 20 a minute. */
	rateLimits?: Partial<Record<Endpoint, Partial<RateLimit>>>;
	faults?: Fault[];
	/**
	 * Adds `cdi-long-sync`, whose newest sync has been running for this many minutes when the
	 * simulator starts (it runs until completeSync).
	 */
	longSyncMinutes?: number;
	/**
	 * Adds `cdi-missed-schedule`, whose next_scheduled_run passed this many minutes before the
	 * simulator started, with no sync since (its last one started an hour before that).
	 */
	missedScheduleMinutes?: number;
	/**
	 * Adds `cdi-stale`: hourly syncs that all succeed with about 40,000 rows, the newest started
	 * 10 minutes before the simulator, whose last_timestamp_synced stopped this many hours before
	 * it (and stays there for syncs it runs): this many syncs since, and 24 before.
	 */
	staleHours?: number;
	/**
	 * Adds `cdi-volume-drop`: 30 syncs as cdi-stale's without the stopped watermark, its newest
	 * bringing this many percent fewer rows (100: none). Syncs it runs bring the normal again.
	 */
	volumeDropPercent?: number;
	/** Adds `cdi-volume-spike`: the same, its newest sync bringing this many times the normal. */
	volumeSpikeFactor?: number;
	/** The workspace's app_group_id in the integration list. */
	appGroupId?: string;
	/** Called when a request has been answered (or reset). */
	onRequest?: (entry: RequestLogEntry) => void;
};

/** The settings a test may change while the simulator runs. */
export type SimulatorSettings = {
	linkStyle: LinkStyle;
	nextFirst: boolean;
	foreignOrigin: string;
	syncDurationMs: number;
	syncStatus: JobStatus | (string & {});
};

export interface Simulator {
	/** http://host:port, without a trailing slash. */
	readonly url: string;
	readonly port: number;
	readonly host: string;
	/** Mutable: changes apply to the next request. */
	readonly options: SimulatorSettings;
	/** Mutable: a key deleted, added or given other permissions applies to the next request. */
	readonly apiKeys: Record<string, string[]>;
	/** Every request received, in order. */
	readonly requests: RequestLogEntry[];
	/** How many requests were received in all. */
	readonly requestCount: number;
	clearLog(): void;
	/** Requests whose path starts with the string, or matches the RegExp. */
	requestsFor(match: string | RegExp): RequestLogEntry[];
	/** The live integration; throws for an unknown ID. */
	integration(id: string): Integration;
	integrations(): Integration[];
	/** Adds an integration to the workspace, as if created in the dashboard. */
	addIntegration(integration: IntegrationInput): Integration;
	/** Deletes an integration from the workspace, as in the dashboard; throws for an unknown ID. */
	removeIntegration(id: string): void;
	/** Adds syncs (newest first) at the head of a history: objects, or a count for makeSyncs. */
	addSyncs(id: string, syncs: number | Array<Partial<Sync> | Record<string, unknown>>): Integration;
	/** Finishes the running sync at the head of a history now; undefined when none is running. */
	completeSync(id: string, status?: JobStatus | (string & {})): Sync | undefined;
	/** A fault for request number N, or for the next request (whose path matches). */
	injectFault(fault: Fault): void;
	resetRateLimits(): void;
	/** Stops listening, drops open connections and clears timers. Safe to call twice. */
	close(): Promise<void>;
}

export type MakeSyncsOptions = SyncShape & {
	/** Start of the newest sync. Default 2026-03-25T12:00:00.000Z. */
	newest?: TimeInput;
	/** Between starts. Default 1 hour. */
	spacingMs?: number;
	/** Make the newest sync a running one (no finish time, no rows). */
	running?: boolean;
	/** The statuses to cycle, newest first. Default success, partial, error, config_error. */
	statuses?: Array<JobStatus | (string & {})>;
};

export function startSimulator(options?: SimulatorOptions): Promise<Simulator>;

/** The command line (cli.js) with `args` in a process of its own; resolves once it listens. */
export function startSimulatorProcess(
	args?: string[],
): Promise<{ url: string; close(): Promise<void> }>;

/** Syncs newest first, cycling success, partial, error, config_error (or `statuses`). */
export function makeSyncs(count: number, options?: MakeSyncsOptions): Sync[];
/** cdi-empty, cdi-one, cdi-ten, cdi-eleven (newest running), cdi-thirty-seven, cdi-three-thousand. */
export function seedIntegrations(
	options?: Omit<MakeSyncsOptions, 'running'>,
): Array<IntegrationInput & { integration_name: string; syncs: Sync[] }>;
/** base64 of `skip:N`, the cursor format Braze's docs show. */
export function encodeCursor(skip: number): string;
/** The skip of a cursor, or null when it is not a valid one. */
export function decodeCursor(cursor: string): number | null;

export const PAGE_SIZE: 10;
export const PERMISSIONS: Readonly<Record<Endpoint, Permission>>;
export const ALL_PERMISSIONS: readonly Permission[];
export const DEFAULT_API_KEY: 'sim-api-key';
export const DEFAULT_RATE_LIMITS: Readonly<Record<Endpoint, Readonly<RateLimit>>>;
export const STATUSES: readonly ['success', 'partial', 'error', 'config_error'];
