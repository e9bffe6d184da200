import type {
	Failure,
	IDataObject,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	IN8nHttpFullResponse,
	IPollFunctions,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError, sleep } from 'n8n-workflow';

import { apiKeyProblem, resolveRestEndpoint } from '../helpers/endpoint';
import { CURSOR_PARAM, NEXT_LINK, nextPage } from '../helpers/linkHeader';
import { backoffMs, MAX_ATTEMPTS, retryAfterMs } from '../helpers/retry';

export const CREDENTIAL_TYPE = 'brazeCdiApi';

/** Braze returns 10 items a page on every CDI listing. */
export const PAGE_SIZE = 10;

/**
 * Pages fetched by one call of n8n's pagination helper. Cursor loops are caught between calls,
 * so a small batch bounds what a loop costs to two extra requests. Three also stays under the
 * helper's own guard, which fails a call on its fourth identical page in a row with a message
 * about the helper's settings rather than ours.
 */
const MAX_PAGES_PER_CALL = 3;

const literal = (pattern: RegExp) => `/${pattern.source}/${pattern.flags}`;

/** The current response's rel="next" target, picked by label (see helpers/linkHeader). */
const NEXT_TARGET = `(String($response.headers?.link ?? '').match(${literal(NEXT_LINK)}) ?? [])[1]`;
/**
 * The next page's cursor, as `nextPage` reads it, else undefined. A header `nextPage` cannot read
 * at all fails the listing at its page.
 */
const NEXT_CURSOR = `((${NEXT_TARGET} ?? '').match(${literal(CURSOR_PARAM)}) ?? [])[1]`;

const PAGINATION = {
	// Only the cursor is taken from the link; the request stays on the known path.
	request: {
		url: `={{ $pageCount === 0 ? $request.uri : $request.uri.split('?')[0] + '?cursor=' + ${NEXT_CURSOR} }}`,
	},
	requestInterval: 0,
	continue: `={{ $response.statusCode >= 200 && $response.statusCode < 300 && ${NEXT_CURSOR} !== undefined }}`,
};

/** A Braze CDI endpoint: where it is, the key permission it needs, its rate limit. */
export interface Endpoint {
	/** Path below the REST endpoint, e.g. `/cdi/integrations/<id>/job_sync_status`. */
	path: string;
	/** The API key permission the endpoint needs, named in 403 errors. */
	permission: string;
	/** Requests a minute per workspace, named in 429 errors. */
	perMinute: number;
}

interface ListingRequest extends Endpoint {
	/** Pages surely needed at first (Infinity for all). */
	pages: number;
	/** Where to start: a cursor from an earlier listing's `nextCursor`; the first page if absent. */
	cursor?: string;
	/** How long rate-limit waits may add up to before the listing fails instead (default 300). */
	maxWaitSeconds?: number;
	/** Rate-limit waiting that `maxWaitSeconds` bounds, when shared with other listings. */
	waits?: RateLimitWaits;
	/**
	 * Epoch ms by which reading must end (a trigger poll's budget): no page is requested and no
	 * rate-limit wait lasts past it; the listing then ends early with `cutShort`.
	 */
	deadline?: number;
	/**
	 * Takes each page's results in order and answers `'done'`, or how many more pages are surely
	 * needed: 1 to decide again after the next page, Infinity for every page left.
	 */
	onPage: (results: IDataObject[]) => 'done' | number;
}

/**
 * The rate-limit waiting one answer has done. An answer that reads several listings (Summarize,
 * one per integration) shares one, so that Max Rate-Limit Wait bounds their waiting together, as
 * its description says; a listing given none counts its own.
 */
export interface RateLimitWaits {
	waitedMs: number;
}

/** The contexts that talk to Braze: node executions, parameter list searches, trigger polls. */
export type BrazeContext = IExecuteFunctions | ILoadOptionsFunctions | IPollFunctions;

type Fail = (message: string, description: string, httpCode?: number, failure?: Failure) => never;

/**
 * The configured endpoint, and how to fail: every message is redacted of the API key, and
 * an unusable custom URL fails before any request.
 */
async function connect(this: BrazeContext, itemIndex: number) {
	const credentials = await this.getCredentials(CREDENTIAL_TYPE, itemIndex);
	const redact = secretRedactor(String(credentials.apiKey ?? ''));
	const endpoint = resolveRestEndpoint(
		String(credentials.restEndpoint ?? ''),
		credentials.customUrl as string | undefined,
	);
	const refuse = (problem: string) =>
		new NodeOperationError(this.getNode(), redact(problem), {
			itemIndex,
			description: 'Fix the Braze CDI API credential, then run the node again.',
		});
	if ('problem' in endpoint) throw refuse(endpoint.problem);
	const keyProblem = apiKeyProblem(String(credentials.apiKey ?? '').trim());
	if (keyProblem !== undefined) throw refuse(keyProblem);
	const fail: Fail = (message, description, httpCode, failure) => {
		throw withFailure(
			new NodeApiError(
				this.getNode(),
				{ message: redact(message), ...(httpCode ? { httpCode: String(httpCode) } : {}) },
				{
					message: redact(message),
					description: redact(description),
					httpCode: httpCode ? String(httpCode) : undefined,
					itemIndex,
					// Why it failed, for n8n's poll scheduler (n8n-workflow 2.41+).
					...(failure ? { failure } : {}),
				},
			),
			failure,
		);
	};
	return { baseUrl: endpoint.url, fail };
}

/**
 * Reads a Braze listing through n8n's pagination helper, following the `Link` header's
 * rel="next" and never requesting a page the caller has not asked for. Answers the cursor of
 * the page after the last one read, when there is one, and `morePages` when Braze pointed past
 * that page at all (a next link it refuses to follow included: it is never taken for the end).
 *
 * Under the rate limit it paces itself: calls are sized to the budget Braze reports, and when
 * it is spent (or a 429 comes, the budget being shared) it waits for the reset and goes on from
 * the same page. A 5xx, a reset connection or a timeout is retried from the failed page with
 * backoff. Nothing is lost or read twice: a page reaches `onPage` once, in order.
 *
 * With a `deadline`, reading ends there instead: `cutShort` says the pages wanted were not all
 * read, and `limitedUntil` when the rate limit was the reason (the epoch ms it resets).
 */
export async function readListing(
	this: BrazeContext,
	itemIndex: number,
	{
		pages,
		cursor: startCursor,
		onPage,
		maxWaitSeconds = DEFAULT_MAX_WAIT_SECONDS,
		waits = { waitedMs: 0 },
		deadline,
		...endpoint
	}: ListingRequest,
): Promise<{ nextCursor?: string; morePages?: true; cutShort?: { limitedUntil?: number } }> {
	const { baseUrl, fail } = await connect.call(this, itemIndex);
	const url = `${baseUrl}${endpoint.path}`;
	const pace = new Pacing(this, itemIndex, endpoint, maxWaitSeconds, waits, fail, deadline);

	const cursorsRequested = new Set<string>(startCursor === undefined ? [] : [startCursor]);
	let cursor = startCursor;
	let wanted = pages;
	for (;;) {
		if (!(await pace.beforeRequest())) return { cutShort: pace.cutShort() };
		const batch = Math.min(wanted, MAX_PAGES_PER_CALL, pace.budget());
		let responses: IN8nHttpFullResponse[];
		try {
			responses = (await (
				this as IExecuteFunctions
			).helpers.requestWithAuthenticationPaginated.call(
				this,
				{
					method: 'GET',
					uri: cursor === undefined ? url : `${url}?cursor=${cursor}`,
					json: true,
					timeout: pace.requestTimeoutMs(),
				},
				itemIndex,
				{ ...PAGINATION, maxRequests: batch },
				CREDENTIAL_TYPE,
			)) as IN8nHttpFullResponse[];
		} catch (error) {
			// None of this call's pages was handed on: it is repeated whole, from its first cursor.
			if (isTransient(error)) {
				await pace.afterTransientFailure(() => networkFailure(error, baseUrl, fail));
				continue;
			}
			return networkFailure(error, baseUrl, fail);
		}

		let resumeAt: { cursor: string | undefined } | undefined;
		let pageCursor = cursor;
		for (const [index, response] of responses.entries()) {
			const status = response.statusCode;
			pace.observe(response);
			if (status === 429 || status >= 500) {
				// Go on from this page, once the limit resets or after a backoff.
				if (status === 429) {
					if (!(await pace.afterRateLimit(response))) return { cutShort: pace.cutShort() };
				} else
					await pace.afterTransientFailure(() => httpFailure(status, response, endpoint, fail));
				resumeAt = { cursor: pageCursor };
				break;
			}
			if (status < 200 || status >= 300) {
				return httpFailure(status, response, endpoint, fail);
			}
			const body = response.body as IDataObject | undefined;
			if (!Array.isArray(body?.results)) {
				return fail(
					`Braze answered ${endpoint.path} without a results list`,
					'The response was not the listing Braze documents. Check that the REST Endpoint is a Braze REST endpoint.',
				);
			}
			pace.succeeded(body.results.length);

			const next = nextPage(response.headers.link);
			if (next.kind === 'next') {
				if (cursorsRequested.has(next.cursor)) {
					return fail(
						'Braze sent a pagination link back to a page already read',
						`The listing stopped to avoid looping (cursor ${next.cursor}). Run the node again; if it persists, Braze's pagination is broken for this listing.`,
					);
				}
				cursorsRequested.add(next.cursor);
			}
			const verdict = onPage(body.results as IDataObject[]);
			const nextCursor = next.kind === 'next' ? next.cursor : undefined;
			if (verdict === 'done') return next.kind === 'none' ? {} : { nextCursor, morePages: true };
			wanted = Math.max(1, verdict);
			if (next.kind === 'refused') {
				// More pages are wanted: stopping here would leave them out without a word.
				return fail(
					'Refused to follow Braze pagination link',
					`The page was read, but ${next.reason}. The node only requests the configured REST endpoint, so the API key is never sent elsewhere; the listing cannot go on.`,
				);
			}
			if (index < responses.length - 1) {
				pageCursor = nextCursor;
				continue;
			}
			if (nextCursor === undefined) return {};
			cursor = nextCursor;
		}
		if (resumeAt) cursor = resumeAt.cursor;
	}
}

/**
 * The request budget and the waiting: Braze's `x-ratelimit-remaining` / `x-ratelimit-reset`
 * (and `retry-after` when present) set how many requests the next call may make and how long to
 * wait when none are left; transient failures back off exponentially, with jitter.
 */
class Pacing {
	private limit?: number;

	private remaining?: number;

	private resetAt?: number;

	private failures = 0;

	private pagesRead = 0;

	private resultsRead = 0;

	/** When a wait the deadline did not allow would have ended. */
	private limitedUntil?: number;

	constructor(
		private readonly context: BrazeContext,
		private readonly itemIndex: number,
		private readonly endpoint: Endpoint,
		private readonly maxWaitSeconds: number,
		private readonly waits: RateLimitWaits,
		private readonly fail: Fail,
		private readonly deadline?: number,
	) {}

	/** What a listing that ends at the deadline reports. */
	cutShort(): { limitedUntil?: number } {
		return this.limitedUntil === undefined ? {} : { limitedUntil: this.limitedUntil };
	}

	/** A request never outlasts the deadline (nor 60 s). */
	requestTimeoutMs(): number {
		if (this.deadline === undefined) return REQUEST_TIMEOUT_MS;
		return Math.max(1000, Math.min(REQUEST_TIMEOUT_MS, this.deadline - Date.now()));
	}

	/**
	 * How many requests the next call may make without going over the budget: one while it is
	 * unknown (the answer tells it), then what Braze says remains.
	 */
	budget(): number {
		return this.remaining === undefined ? 1 : Math.max(1, this.remaining);
	}

	observe(response: IN8nHttpFullResponse): void {
		const limit = Number(header(response, 'x-ratelimit-limit'));
		const remaining = Number(header(response, 'x-ratelimit-remaining'));
		const reset = Number(header(response, 'x-ratelimit-reset'));
		if (Number.isFinite(limit) && limit > 0) this.limit = limit;
		if (Number.isFinite(remaining)) this.remaining = remaining;
		if (Number.isFinite(reset) && reset > 0) this.resetAt = reset * 1000;
	}

	succeeded(results: number): void {
		this.failures = 0;
		this.pagesRead++;
		this.resultsRead += results;
	}

	/**
	 * Before a call: with the budget spent, wait for the window to reset. False when the
	 * deadline has come, or would come before the reset.
	 */
	async beforeRequest(): Promise<boolean> {
		if (this.deadline !== undefined && Date.now() >= this.deadline) return false;
		if (this.remaining !== 0 || this.resetAt === undefined) return true;
		if (!(await this.waitForLimit(this.resetAt - Date.now()))) return false;
		this.remaining = this.limit; // a new window
		return true;
	}

	/** After a 429: other clients spent the shared budget; wait as Braze says. False as above. */
	async afterRateLimit(response: IN8nHttpFullResponse): Promise<boolean> {
		const retryAfter = retryAfterMs(header(response, 'retry-after'));
		const untilReset = this.resetAt !== undefined ? this.resetAt - Date.now() : undefined;
		this.remaining = undefined;
		return await this.waitForLimit(retryAfter ?? untilReset ?? backoffMs(++this.failures));
	}

	/** After a 5xx, a reset or a timeout: back off and try again, a few times. */
	async afterTransientFailure(giveUp: () => never): Promise<void> {
		this.failures++;
		const backoff = backoffMs(this.failures);
		if (this.failures >= MAX_ATTEMPTS) giveUp();
		if (this.deadline !== undefined && Date.now() + backoff > this.deadline) giveUp();
		await waitUnlessStopped.call(this.context, backoff, 'Braze', this.itemIndex);
	}

	private async waitForLimit(ms: number): Promise<boolean> {
		const wait = Math.max(0, ms) + RESET_MARGIN_MS;
		if (this.deadline !== undefined && Date.now() + wait > this.deadline) {
			this.limitedUntil = Date.now() + wait;
			return false;
		}
		if (this.maxWaitSeconds === 0) {
			this.fail(
				`Braze's rate limit is used up for now: try again in ${Math.ceil(wait / 1000)} s`,
				`This Braze endpoint allows ${this.endpoint.perMinute} requests a minute per workspace, shared with every client of the workspace, and they are used up until the window resets.`,
				429,
				{ cause: 'rate-limited', resetsAtEpochMs: Date.now() + wait },
			);
		}
		if (this.waits.waitedMs + wait > this.maxWaitSeconds * 1000) {
			this.fail(
				`Braze's rate limit would make this wait longer than Max Rate-Limit Wait (${this.maxWaitSeconds} s)`,
				`Stopped after ${this.pagesRead} page${this.pagesRead === 1 ? '' : 's'} (${this.resultsRead} results) of ${this.endpoint.path}; the limit of ${this.endpoint.perMinute} requests a minute is shared by every client of the workspace. Raise Options → Max Rate-Limit Wait, read fewer pages, or run when the workspace is quieter.`,
				429,
				{ cause: 'rate-limited', resetsAtEpochMs: Date.now() + wait },
			);
		}
		this.waits.waitedMs += wait;
		await waitUnlessStopped.call(this.context, wait, 'Braze', this.itemIndex);
		return true;
	}
}

/** Braze's reset is in whole seconds; a little past it the new window has surely begun. */
const RESET_MARGIN_MS = 50;
/** Options → Max Rate-Limit Wait's default. */
export const DEFAULT_MAX_WAIT_SECONDS = 300;
/** No request waits longer for an answer. */
const REQUEST_TIMEOUT_MS = 60_000;

const errorCode = (error: unknown) => {
	const cause = error as { code?: unknown; cause?: { code?: unknown } };
	return String(cause.cause?.code ?? cause.code ?? '');
};
const isTransient = (error: unknown) =>
	/ECONNRESET|ETIMEDOUT|ECONNABORTED|EPIPE|ESOCKETTIMEDOUT|EAI_AGAIN/.test(errorCode(error));

function header(response: IN8nHttpFullResponse, name: string): string | undefined {
	const value = response.headers?.[name];
	return Array.isArray(value) ? value[0] : (value as string | undefined);
}

/**
 * Waits `ms`, unless the execution is stopped or reaches its timeout first (n8n's Stop button,
 * the workflow's timeout): then it fails at once, saying what it was waiting for. The one wait of
 * the package: for the rate limit, a retry, or a sync to finish. Trigger polls have no such
 * signal and just wait.
 */
export async function waitUnlessStopped(
	this: BrazeContext,
	ms: number,
	waitingFor: string,
	itemIndex?: number,
): Promise<void> {
	const signal = 'getExecutionCancelSignal' in this ? this.getExecutionCancelSignal() : undefined;
	let stop = () => {};
	const stopped = new Promise<void>((resolve) => (stop = resolve));
	signal?.addEventListener('abort', stop);
	try {
		const until = Date.now() + ms;
		for (;;) {
			if (signal?.aborted) {
				throw new NodeOperationError(
					this.getNode(),
					`The execution was stopped while waiting for ${waitingFor}`,
					{ itemIndex, description: 'It was cancelled or reached its timeout.' },
				);
			}
			const left = until - Date.now();
			if (left <= 0) return;
			// A second at most: a timer the stop left behind ends soon after. Never below 0:
			// Node.js 24 warns (TimeoutNegativeWarning) in n8n's log when the clock passed it.
			await Promise.race([sleep(Math.min(1000, left)), stopped]);
		}
	} finally {
		signal?.removeEventListener('abort', stop);
	}
}

/**
 * Starts a sync of the integration now. Braze answers 429 "Another job is in progress" while a
 * sync runs: that is `alreadyRunning`, never mistaken for the rate limit.
 */
export async function startSync(
	this: IExecuteFunctions,
	itemIndex: number,
	integrationId: string,
): Promise<
	{ outcome: 'started'; message: string } | { outcome: 'alreadyRunning'; message: string }
> {
	const { baseUrl, fail } = await connect.call(this, itemIndex);
	const endpoint = syncTrigger(integrationId);
	let response: IN8nHttpFullResponse;
	try {
		response = (await this.helpers.httpRequestWithAuthentication.call(this, CREDENTIAL_TYPE, {
			method: 'POST',
			url: `${baseUrl}${endpoint.path}`,
			json: true,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: REQUEST_TIMEOUT_MS,
		})) as IN8nHttpFullResponse;
	} catch (error) {
		return networkFailure(error, baseUrl, fail);
	}
	const body = (
		typeof response.body === 'object' && response.body !== null ? response.body : {}
	) as IDataObject;
	const message = typeof body.message === 'string' ? body.message : '';
	if (response.statusCode === 429 && /another job is in progress/i.test(message)) {
		return { outcome: 'alreadyRunning', message };
	}
	if (response.statusCode < 200 || response.statusCode >= 300) {
		return httpFailure(response.statusCode, response, endpoint, fail);
	}
	return { outcome: 'started', message };
}

const CONFIGURATION_INVALID: Failure = { cause: 'configuration-invalid' };
const TEMPORARILY_UNAVAILABLE: Failure = { cause: 'temporarily-unavailable' };

function httpFailure(
	status: number,
	response: IN8nHttpFullResponse,
	{ permission, perMinute }: Endpoint,
	fail: Fail,
): never {
	const body = (typeof response.body === 'object' ? response.body : {}) as IDataObject;
	const said = typeof body.message === 'string' ? body.message : '';
	const details =
		Array.isArray(body.errors) && body.errors.length ? ` (${body.errors.join('; ')})` : '';
	const braze = said ? ` Braze said: "${said}"${details}.` : '';

	if (status === 400 && /integration/i.test(said)) {
		fail(
			`Braze does not accept this integration ID (${said})`,
			"Check the Integration ID: open the integration in Braze (Data Settings → Cloud Data Ingestion) and copy the ID from the page's URL: the part after …/integrations/cloud_data_ingestion/." +
				braze,
			status,
			CONFIGURATION_INVALID,
		);
	}
	if (status === 400 && /cursor/i.test(said)) {
		fail(
			`Braze rejected a pagination cursor (${said})`,
			"The node only sends cursors taken from Braze's own Link header. Run the node again; if it keeps happening, report it to Braze." +
				braze,
			status,
		);
	}
	if (status === 401) {
		fail(
			'Braze rejected the API key',
			"Check the API Key in the Braze CDI API credential (pasted whole, without quotes), and that the credential's REST Endpoint is your Braze instance's: a key works only on its own instance." +
				braze,
			status,
			{ cause: 'credential-invalid' },
		);
	}
	if (status === 403 && /access denied/i.test(said)) {
		fail(
			`The API key lacks the ${permission} permission (Access Denied)`,
			`In Braze, open Settings → APIs and Identifiers → API Keys, and give the key the ${permission} permission (or create a key with it).` +
				braze,
			status,
			CONFIGURATION_INVALID,
		);
	}
	if (status === 403) {
		fail(
			'Braze refused access (Forbidden)',
			'The Braze plan may not include Cloud Data Ingestion, or the account is inactive; ask your Braze administrator.' +
				braze,
			status,
			CONFIGURATION_INVALID,
		);
	}
	if (status === 404) {
		fail(
			'Braze has no such address (Not Found)',
			"Check the credential's REST Endpoint: it must be your instance's REST endpoint (e.g. https://rest.iad-01.braze.com), not the dashboard address." +
				braze,
			status,
			CONFIGURATION_INVALID,
		);
	}
	if (status === 429) {
		const reset = Number(response.headers['x-ratelimit-reset']);
		const when =
			Number.isFinite(reset) && reset > 0
				? ` It resets at ${new Date(reset * 1000).toISOString()}.`
				: '';
		fail(
			'Braze rate limit reached (Too Many Requests)',
			`This Braze endpoint allows ${perMinute} requests a minute per workspace, shared with every other client of the workspace.${when} Run again later, or read fewer pages (a limit, or a Started After filter).` +
				braze,
			status,
			{ cause: 'rate-limited', ...(when ? { resetsAtEpochMs: reset * 1000 } : {}) },
		);
	}
	if (status >= 500) {
		fail(
			'Braze server error',
			'Braze could not answer just now; try again in a few minutes.' + braze,
			status,
			TEMPORARILY_UNAVAILABLE,
		);
	}
	return fail(
		`Unexpected answer from Braze${said ? `: ${said}` : ''}`,
		`Unexpected answer from Braze.${braze}`,
		status,
	);
}

/**
 * n8n's VM expression engine (the default of 1.123 and 2.41) keeps one sandbox per workflow for
 * its polls, and frees it when a poll ends (2.41: any poll; 1.123: the one that took it): when two
 * triggers of one workflow poll at once, the other's next expression fails with this. Here at a
 * request (the credential's header, the paging); a trigger parameter given as an expression fails
 * the same way at reading, with n8n's own message.
 */
const SANDBOX_TAKEN = /No bridge acquired for this context/;

function networkFailure(error: unknown, baseUrl: string, fail: Fail): never {
	const message = String((error as { message?: unknown }).message ?? error);
	if (SANDBOX_TAKEN.test(message)) {
		fail(
			"n8n's expression sandbox was taken from this poll by another trigger of the workflow",
			`n8n shares one sandbox between the triggers of a workflow, and frees it when a poll ends: two triggers polled at once (n8n: "${message}"). Nothing was lost: the next poll goes on from where this one started. Give this workflow's triggers poll times that do not coincide (a Custom cron a few minutes apart), or put them in separate workflows.`,
			undefined,
			CONFIGURATION_INVALID,
		);
	}
	const code = errorCode(error);
	// The code goes in the description: n8n replaces a message naming one with its own text.
	if (/TIMEDOUT|ECONNABORTED/.test(code)) {
		fail(
			'Braze did not answer in time',
			`No answer from ${baseUrl} (${code}). Try again in a few minutes; if it persists, check the network between n8n and Braze.`,
			undefined,
			TEMPORARILY_UNAVAILABLE,
		);
	}
	if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code)) {
		fail(
			`Could not verify the TLS certificate of ${baseUrl}`,
			`The certificate was refused (${code}), so nothing was sent. The node never turns certificate checks off: check the credential's REST Endpoint, or, behind a proxy that re-signs TLS, give n8n that proxy's CA (NODE_EXTRA_CA_CERTS).`,
		);
	}
	if (code) {
		fail(
			`Could not reach Braze at ${baseUrl}`,
			`The connection failed (${code}). Check the credential's REST Endpoint and that n8n can reach it over the network.`,
			undefined,
			isTransient(error) ? TEMPORARILY_UNAVAILABLE : undefined,
		);
	}
	return fail(`Request to Braze failed: ${message}`, `While requesting ${baseUrl}.`);
}

/**
 * A trigger poll that Braze's rate limit stopped before it could read anything: failed with the
 * declared cause, so that n8n's scheduler waits for the reset instead of polling on.
 */
export function pollRateLimited(
	this: IPollFunctions,
	{ perMinute }: Endpoint,
	limitedUntil?: number,
): NodeApiError {
	const when =
		limitedUntil === undefined ? '' : ` It resets at ${new Date(limitedUntil).toISOString()}.`;
	const message = "Braze's rate limit is used up until after this poll's time budget";
	const failure: Failure = {
		cause: 'rate-limited',
		...(limitedUntil === undefined ? {} : { resetsAtEpochMs: limitedUntil }),
	};
	return withFailure(
		new NodeApiError(
			this.getNode(),
			{ message, httpCode: '429' },
			{
				message,
				description: `This Braze endpoint allows ${perMinute} requests a minute per workspace, shared with every client of the workspace.${when} Nothing was missed: the next poll goes on from where this one stood.`,
				httpCode: '429',
				failure,
			},
		),
		failure,
	);
}

/**
 * The error with its failure cause. n8n-workflow before 2.41 (n8n 1.x, where the trigger runs
 * without a poll scheduler) drops NodeApiError's `failure` option; the trigger reads the cause
 * itself there, to report a fault once per episode (trigger/faults.ts).
 */
function withFailure(error: NodeApiError, failure: Failure | undefined): NodeApiError {
	if (failure && (error as { failure?: unknown }).failure === undefined)
		Object.assign(error, { failure });
	return error;
}

/** Replaces the API key wherever it might appear in text we show. */
function secretRedactor(secret: string): (text: string) => string {
	const key = secret.trim();
	return (text) => (key.length >= 4 ? text.split(key).join('***') : text);
}

/** The job sync status listing of one integration. */
export function jobSyncStatus(integrationId: string): Endpoint {
	return {
		path: `/cdi/integrations/${encodeURIComponent(integrationId)}/job_sync_status`,
		permission: 'cdi.integration_job_status',
		perMinute: 100,
	};
}

/** The listing of the workspace's integrations. */
export const integrationList: Endpoint = {
	path: '/cdi/integrations',
	permission: 'cdi.integration_list',
	perMinute: 50,
};

/** Starting a sync of one integration. */
function syncTrigger(integrationId: string): Endpoint {
	return {
		path: `/cdi/integrations/${encodeURIComponent(integrationId)}/sync`,
		permission: 'cdi.integration_sync',
		perMinute: 20,
	};
}
