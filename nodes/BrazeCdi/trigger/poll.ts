import type { IDataObject, IPollFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import {
	MINUTE_MS,
	missedRun,
	missedScheduleAlert,
	newlyMissed,
	overdueStarts,
} from '../helpers/alerts';
import { formatDuration, timeWithZone } from '../helpers/format';
import {
	advance,
	initialState,
	readBackTo,
	stateFromLastJob,
	type WatchState,
} from '../helpers/syncWatch';
import { latestSync, parseTime, startTime } from '../helpers/syncs';
import { readIntegrations, readSyncs } from '../reader/readSyncs';
import { checkIntegrationId } from '../shared/parameters';
import {
	CREDENTIAL_TYPE,
	integrationList,
	jobSyncStatus,
	PAGE_SIZE,
	pollRateLimited,
} from '../transport';
import { emitsFinished, eventItem, judgeOf, runningLimitMs, type TriggerEvent } from './events';
import type { Seen, WatchedIntegration } from './judge';

/**
 * What the trigger keeps in the node's static data between polls. A poll replaces these
 * top-level keys whole (never mutating inside them): n8n saves static data only when it sees
 * a top-level change, and a poll that fails must leave the state as it was.
 */
interface WatchData extends Watch {
	/**
	 * What the state watches (watchSettings): a state kept for other settings is not continued,
	 * the watch starts afresh. Absent in states of versions before it (then continued).
	 */
	settings?: string;
	/** n8n without the poll scheduler: the fault the polls are failing with, since when. */
	fault?: FaultEpisode;
}

/** A watch: since when, and what it remembers (the part its event keeps). */
interface Watch {
	/** When the watch began: integrations that appear later are watched from then on. */
	activatedAt?: number;
	/** By integration ID; integrations no longer watched (or listed) are dropped. */
	integrations?: Record<string, WatchState>;
	/**
	 * Scheduled Sync Missed: by integration ID, the `next_scheduled_run` already alerted, while it
	 * stays missed.
	 */
	missedRuns?: Record<string, string>;
}

/** What one poll found: what to emit, and the watch after it; `changed` when that differs. */
interface PollOutcome {
	emitted: IDataObject[];
	next: Watch;
	changed: boolean;
}

/**
 * In the workflow's global static data, by node ID: the watch each trigger node started last,
 * with its settings. n8n 2.41 with durable poll cursors discards the state of the poll run at
 * activation, but saves the workflow's global static data after activation: its first scheduled
 * poll goes on from here (see continuedWatch).
 */
const WATCH_STARTS = 'brazeCdiWatchStarts';

/** An integration to read in a poll, with what the poll knows of it beforehand. */
interface Watched extends WatchedIntegration {
	/** When the list was read: its last job start (epoch ms) and its signature, start and status. */
	lastStart?: number;
	lastJob?: string;
	lastStatus?: unknown;
}

/** n8n 1.x gives polls no budget: this much, so that a poll ends before the next minute's. */
const FALLBACK_POLL_BUDGET_MS = 60_000;

/**
 * The budget n8n 2.41 gives a poll its scheduler does not run (PollContext's default): the
 * scheduler's own is bounded by its poll timeout and lease (36 s by default).
 */
const UNSCHEDULED_POLL_BUDGET_MS = 5 * 60_000;

/** Failure causes a wait can end, as n8n 2.41 declares them: polls skip these for a while. */
const TRANSIENT_CAUSES = ['rate-limited', 'temporarily-unavailable'];

/** How long a transient fault may last before a poll reports it (once). */
const OUTAGE_REPORTED_AFTER_MS = 15 * MINUTE_MS;

interface FaultEpisode {
	/** 'transient' (rate limit, Braze unavailable), or the lasting cause. */
	kind: string;
	since: number;
	reported: boolean;
}

/**
 * One poll of an active trigger: the items to emit, oldest first. The state kept is the
 * watch's of these settings (continuedWatch), or none: the watch starts afresh now.
 */
export async function pollEvent(this: IPollFunctions, event: TriggerEvent): Promise<IDataObject[]> {
	const data = this.getWorkflowStaticData('node') as WatchData;
	const settings = watchSettings.call(this, event);
	const scheduled = runByScheduler(this);
	const watch = continuedWatch.call(this, data, settings, scheduled);
	// A record of an earlier start must not outlive an activation poll that fails: keepWatch
	// writes it anew when this one succeeds.
	if (!scheduled && watch === undefined) forgetWatchStart.call(this);
	let outcome: PollOutcome;
	try {
		outcome =
			event.kind === 'scheduledSyncMissed'
				? await pollSchedules.call(this, event.graceMinutes, watch)
				: await pollSyncs.call(this, event, watch);
	} catch (error) {
		return faultEpisode.call(this, data, error, scheduled);
	}
	if (data.fault) delete data.fault;
	if (outcome.changed || watch !== data || data.settings !== settings)
		keepWatch.call(this, data, settings, outcome.next, watch === undefined);
	return outcome.emitted;
}

/**
 * What decides what the trigger emits: the credential (another one may be another workspace),
 * the integration watched (or all) and the event with its parameters. Poll times are not in it:
 * changing them keeps the watch.
 */
function watchSettings(this: IPollFunctions, event: TriggerEvent): string {
	const watchAll = this.getNodeParameter('watch') === 'allIntegrations';
	const integration = watchAll
		? null
		: checkIntegrationId.call(
				this,
				this.getNodeParameter('integrationId', '', { extractValue: true }),
			);
	const credential = this.getNode().credentials?.[CREDENTIAL_TYPE]?.id ?? null;
	return JSON.stringify({ credential, integration, event });
}

/**
 * The watch this poll goes on from: the node's state when it belongs to these settings; in a
 * poll n8n's scheduler runs, the watch started at activation with these settings (WATCH_STARTS),
 * whose state n8n did not keep; otherwise none, and the watch starts now.
 */
function continuedWatch(
	this: IPollFunctions,
	data: WatchData,
	settings: string,
	scheduled: boolean,
): Watch | undefined {
	if (data.activatedAt !== undefined && (data.settings ?? settings) === settings) return data;
	if (!scheduled) return undefined;
	const starts = this.getWorkflowStaticData('global')[WATCH_STARTS] as
		Record<string, Watch & { settings: string }> | undefined;
	const start = starts?.[this.getNode().id];
	return start?.settings === settings ? start : undefined;
}

/**
 * Writes the watch after a poll, replacing top-level keys whole; a watch that starts is also
 * recorded in WATCH_STARTS, for a first scheduled poll that n8n hands the state before it.
 */
function keepWatch(
	this: IPollFunctions,
	data: WatchData,
	settings: string,
	next: Watch,
	starts: boolean,
) {
	if (data.settings !== settings) data.settings = settings;
	data.activatedAt = next.activatedAt;
	if (next.integrations !== undefined) data.integrations = next.integrations;
	else if ('integrations' in data) delete data.integrations;
	if (next.missedRuns !== undefined) data.missedRuns = next.missedRuns;
	else if ('missedRuns' in data) delete data.missedRuns;
	if (!starts) return;
	const global = this.getWorkflowStaticData('global');
	global[WATCH_STARTS] = {
		...(global[WATCH_STARTS] as IDataObject | undefined),
		[this.getNode().id]: { settings, ...next },
	};
}

/** Drops this node's record from WATCH_STARTS, replacing the key whole (see keepWatch). */
function forgetWatchStart(this: IPollFunctions) {
	const global = this.getWorkflowStaticData('global');
	const starts = global[WATCH_STARTS] as IDataObject | undefined;
	const nodeId = this.getNode().id;
	if (starts === undefined || !(nodeId in starts)) return;
	const { [nodeId]: _forgotten, ...others } = starts;
	global[WATCH_STARTS] = others;
}

/**
 * Whether n8n 2.41's poll scheduler runs this poll (it reads failure causes, and hands the node
 * a copy of its state that it commits itself): its polls have a budget other than PollContext's
 * default. n8n 1.x has no budget and no scheduler.
 */
function runByScheduler(context: IPollFunctions): boolean {
	return (
		typeof context.getPollBudgetMs === 'function' &&
		context.getPollBudgetMs() !== UNSCHEDULED_POLL_BUDGET_MS
	);
}

/**
 * n8n without the scheduler: a poll that failed because of Braze. A transient fault (rate limit,
 * Braze unavailable) lost nothing: the poll emits nothing and the next goes on from the same
 * state; only when it lasts past OUTAGE_REPORTED_AFTER_MS does a poll report it. A lasting fault
 * (a rejected key, a deleted integration) is reported at once. Either is reported once, until a
 * poll succeeds again. Any other error is reported every time. With n8n's scheduler, every
 * failure is thrown as it is.
 */
function faultEpisode(
	this: IPollFunctions,
	data: WatchData,
	error: unknown,
	scheduled: boolean,
): IDataObject[] {
	// n8n's scheduler reads the failure's cause (and waits, for the rate limit): it is told each
	// time. Without it, each failed poll is a failed execution, and runs the Error Workflow.
	if (scheduled) throw error;
	const cause = (error as { failure?: { cause?: unknown } } | null)?.failure?.cause;
	if (typeof cause !== 'string') throw error;
	const now = Date.now();
	const kind = TRANSIENT_CAUSES.includes(cause) ? 'transient' : cause;
	const episode = data.fault?.kind === kind ? data.fault : { kind, since: now, reported: false };
	const due =
		!episode.reported && (kind !== 'transient' || now - episode.since >= OUTAGE_REPORTED_AFTER_MS);
	data.fault = { ...episode, reported: episode.reported || due };
	if (!due) return [];
	if (kind !== 'transient') throw error;
	const message = error instanceof Error ? error.message : String(error);
	throw new NodeOperationError(
		this.getNode(),
		`This trigger's polls have failed for ${formatDuration(now - episode.since, 'minutes')} (since ${timeWithZone(episode.since, this.getTimezone())}): ${message}`,
		{
			description:
				'Polls go on as scheduled, and nothing is missed: once Braze answers, the next poll emits what happened meanwhile. This is reported once per outage.',
		},
	);
}

/** For "Fetch Test Event": what the event would emit now, changing nothing. */
export async function testEvent(
	this: IPollFunctions,
	event: TriggerEvent,
): Promise<IDataObject | undefined> {
	if (event.kind === 'scheduledSyncMissed')
		return (await missedNow.call(this, event.graceMinutes, {})).missed[0];
	const watched = await watchedIntegrations.call(this, event);
	return judgeOf(event)
		? await judgedNow.call(this, watched, event)
		: await latestMatching.call(this, watched, event);
}

/** How one poll treats the integrations it reads. */
interface PollScope {
	event: TriggerEvent;
	watchAll: boolean;
	/** The watch starts in this poll: what the integrations hold now is history. */
	starting: boolean;
	activatedAt: number;
	now: number;
	deadline: number;
}

/** One integration's part of a poll; no state when it was not read (left for the next). */
interface IntegrationStep {
	emitted: IDataObject[];
	state?: WatchState;
	cutShort?: { limitedUntil?: number };
	/** The syncs that finished since the previous poll, oldest first (all, not only emitted). */
	finished?: IDataObject[];
}

/**
 * A poll of the events that read syncs: reads what changed, and answers the finished syncs that
 * match, and the running ones that reached the limit, oldest first, with the next state. Reading
 * stops at the poll's budget; what was not read yet is left for the next poll.
 */
async function pollSyncs(
	this: IPollFunctions,
	event: TriggerEvent,
	watch: Watch | undefined,
): Promise<PollOutcome> {
	const now = Date.now();
	const scope: PollScope = {
		event,
		watchAll: this.getNodeParameter('watch') === 'allIntegrations',
		starting: watch === undefined,
		activatedAt: watch?.activatedAt ?? now,
		now,
		deadline: pollDeadline(this),
	};
	const previous = watch?.integrations ?? {};
	const watched = await watchedIntegrations.call(this, event, scope.deadline);

	const next: Record<string, WatchState> = {};
	const emitted: IDataObject[] = [];
	let cutShort: { limitedUntil?: number; integrationId: string } | undefined;
	for (const integration of watched) {
		const known = previous[integration.id];
		if (cutShort) {
			// Left for the next poll; at the watch's start, to be seeded then (see judgedStep).
			const left =
				known ??
				(scope.starting && judgeOf(event) ? unseeded(integration, scope.activatedAt) : undefined);
			if (left) next[integration.id] = left;
			continue;
		}
		const step = await watchIntegration.call(this, scope, integration, known);
		if (step.state) next[integration.id] = step.state;
		emitted.push(...step.emitted);
		if (step.cutShort) cutShort = { ...step.cutShort, integrationId: integration.id };
	}

	const changed = scope.starting || JSON.stringify(next) !== JSON.stringify(previous);
	// No progress at all: when the rate limit is why, say so, so that n8n waits for it.
	if (!changed && cutShort?.limitedUntil !== undefined)
		throw pollRateLimited.call(this, jobSyncStatus(cutShort.integrationId), cutShort.limitedUntil);
	return {
		emitted: emitted.sort((a, b) => (startTime(a) ?? 0) - (startTime(b) ?? 0)),
		next: { activatedAt: scope.activatedAt, integrations: next },
		changed,
	};
}

/** One integration in a poll: what its event emits of it, and its next state. */
async function watchIntegration(
	this: IPollFunctions,
	scope: PollScope,
	integration: Watched,
	known: WatchState | undefined,
): Promise<IntegrationStep> {
	return judgeOf(scope.event)
		? await judgedStep.call(this, scope, integration, known)
		: await followSyncs.call(this, scope, integration, known);
}

/**
 * An integration of an event that judges it as a whole. Seeded first: at the watch's start
 * (or the poll after, when the start ran out of time) the newest pages of its history teach
 * the event what it needs, and nothing is emitted. Then each poll follows its syncs as for the
 * other events, and the event judges it with the syncs that finished since, also when none did.
 * An integration listed after the watch began has no history to seed from: all its syncs are news.
 */
async function judgedStep(
	this: IPollFunctions,
	scope: PollScope,
	integration: Watched,
	known: WatchState | undefined,
): Promise<IntegrationStep> {
	const judge = judgeOf(scope.event)!;
	const seen = (finished: IDataObject[], state: WatchState): Seen => ({
		integration,
		finished,
		running: state.running,
		now: scope.now,
		timeZone: this.getTimezone(),
		incidentKey: incidentKey(this, integration.id),
	});
	const listedLater = scope.watchAll && known === undefined && !scope.starting;
	let from = known;
	if (known?.judged === undefined && !listedLater) {
		const neverRan = integration.lastJob !== undefined && integration.lastStart === undefined;
		const history = neverRan
			? { syncs: [] }
			: await readSyncs.call(this, 0, integration.id, {
					limit: judge.seedPages(scope.event) * PAGE_SIZE,
					deadline: scope.deadline,
				});
		if (history.cutShort)
			return {
				emitted: [],
				state: known ?? unseeded(integration, scope.activatedAt),
				cutShort: history.cutShort,
			};
		if (known === undefined) {
			const state = withLastJob(initialState(history.syncs), integration);
			const seed = judge.seed(scope.event, history.syncs);
			const { kept } = judge.judge(scope.event, seed, seen([], state)); // what holds now is history
			return { emitted: [], state: { ...state, judged: kept } };
		}
		// A seed cut short at the watch's start: what had finished then is history, and what
		// finished since is news, followed below from where the watch started.
		const past = history.syncs.filter((sync) => {
			const start = startTime(sync);
			return (
				start !== undefined &&
				start <= (known.newest ?? -Infinity) &&
				!known.running.includes(start)
			);
		});
		from = {
			...known,
			judged: judge.judge(scope.event, judge.seed(scope.event, past), seen([], known)).kept,
		};
	}
	const step = await followSyncs.call(this, scope, integration, from);
	if (!step.state) return step;
	const before = from?.judged ?? judge.seed(scope.event, []);
	const { kept, emitted } = judge.judge(scope.event, before, seen(step.finished ?? [], step.state));
	return { ...step, emitted, state: { ...step.state, judged: kept } };
}

/**
 * An incident's key: the same for an integration in every poll of a trigger node, across
 * restarts, so that an on-call tool folds its alerts into one incident; another workflow or node
 * has its own.
 */
const incidentKey = (context: IPollFunctions, integrationId: string) =>
	`braze-cdi:${context.getWorkflow().id ?? ''}:${context.getNode().id}:${integrationId}`;

/**
 * An integration whose watch started but whose history is not read yet (see judgedStep): where
 * the list says it stood, or the watch's start when the list was not read.
 */
const unseeded = (integration: Watched, activatedAt: number): WatchState =>
	integration.lastJob === undefined
		? { newest: activatedAt, running: [] }
		: stateFromLastJob(integration.lastStart, integration.lastStatus, integration.lastJob);

const withLastJob = (state: WatchState, { lastJob }: Watched): WatchState =>
	lastJob === undefined ? state : { ...state, lastJob };

/** One integration in a poll: reads it when something may have changed, and advances its state. */
async function followSyncs(
	this: IPollFunctions,
	{ event, watchAll, starting, activatedAt, now, deadline }: PollScope,
	integration: Watched,
	known: WatchState | undefined,
): Promise<IntegrationStep> {
	const limitMs = runningLimitMs(event);
	// Sync Running Too Long: a running sync that reached the limit is read even when the list's
	// last job is unchanged, for its item.
	const overdue = (state: WatchState) =>
		limitMs !== undefined &&
		overdueStarts(state.running, state.alertedRunning ?? [], now, limitMs).length > 0;

	if (watchAll && known === undefined && (starting || integration.lastStart === undefined)) {
		// The list tells where its history stands: a new watch, or an integration that never ran.
		return {
			emitted: [],
			state: stateFromLastJob(integration.lastStart, integration.lastStatus, integration.lastJob!),
		};
	}
	if (
		integration.lastJob !== undefined &&
		known?.lastJob === integration.lastJob &&
		!known.gaps &&
		!overdue(known)
	) {
		return { emitted: [], state: known }; // its last job is the one already seen: nothing to read
	}
	if (known === undefined && !watchAll && starting) {
		// A new watch of one integration: history up to now is not news. (A later poll without its
		// state, after a start cut short, reads back to the activation instead.)
		const newest = await readSyncsBackTo.call(this, integration.id, Infinity, deadline);
		return newest.cutShort
			? { emitted: [], cutShort: newest.cutShort }
			: { emitted: [], state: initialState(newest.syncs) };
	}

	// An integration listed after the watch began: its syncs since then are news.
	const state = known ?? { newest: activatedAt, running: [] };
	const read = await readSyncsBackTo.call(this, integration.id, readBackTo(state), deadline);
	const { finished, state: advanced } = advance(state, read.syncs, !read.cutShort);
	let nextState =
		read.cutShort || integration.lastJob === undefined
			? advanced
			: { ...advanced, lastJob: integration.lastJob };
	const item = (sync: IDataObject) =>
		eventItem(event, sync, now, this.getTimezone(), integration.id, integration.name);
	const emitted = finished.filter((sync) => emitsFinished(event, sync)).map(item);
	if (limitMs !== undefined) {
		// Still running: alerted ones stay alerted; dropped when finished, with their start.
		const alerted = (known?.alertedRunning ?? []).filter((start) =>
			nextState.running.includes(start),
		);
		const due = overdueStarts(nextState.running, alerted, now, limitMs);
		for (const sync of read.syncs) {
			const start = startTime(sync);
			if (sync.job_status !== 'running' || start === undefined || !due.includes(start)) continue;
			emitted.push(item(sync));
			alerted.push(start);
		}
		if (alerted.length) nextState = { ...nextState, alertedRunning: alerted.sort((a, b) => a - b) };
	}
	return { emitted, state: nextState, cutShort: read.cutShort, finished };
}

/** When a poll must stop reading: its budget (n8n 2.41+) less a margin to emit what it read. */
function pollDeadline(context: IPollFunctions): number {
	const budget =
		typeof context.getPollBudgetMs === 'function'
			? context.getPollBudgetMs()
			: FALLBACK_POLL_BUDGET_MS;
	return Date.now() + budget - Math.min(5_000, budget / 10);
}

/**
 * Scheduled Sync Missed: reads the integration list (only the chosen integration in it, watching
 * one), and emits each missed run once, from the second poll of a watch on: as for finished syncs,
 * the poll that starts a watch emits nothing.
 */
async function pollSchedules(
	this: IPollFunctions,
	graceMinutes: number,
	watch: Watch | undefined,
): Promise<PollOutcome> {
	const previous = watch?.missedRuns ?? {};
	const { missed, alerted } = await missedNow.call(
		this,
		graceMinutes,
		previous,
		pollDeadline(this),
	);
	const starting = watch === undefined;
	return {
		emitted: starting ? [] : missed,
		next: { activatedAt: watch?.activatedAt ?? Date.now(), missedRuns: starting ? {} : alerted },
		changed: starting || JSON.stringify(alerted) !== JSON.stringify(previous),
	};
}

/** The runs missed now that are not in `alerted`, as items, earliest first; and what to remember. */
async function missedNow(
	this: IPollFunctions,
	graceMinutes: number,
	alerted: Record<string, string>,
	deadline?: number,
): Promise<{ missed: IDataObject[]; alerted: Record<string, string> }> {
	const watchOne = this.getNodeParameter('watch') === 'integration';
	const [one] = watchOne ? await watchedIntegrations.call(this) : []; // checks the ID first
	const listed = (await listIntegrations.call(this, deadline)).filter(
		(integration) => !watchOne || String(integration.integration_id) === one.id,
	);
	const now = Date.now();
	const found = newlyMissed(listed, alerted, now, graceMinutes * MINUTE_MS);
	const due = (integration: IDataObject) => missedRun(integration, now, graceMinutes * MINUTE_MS)!;
	return {
		alerted: found.alerted,
		missed: found.missed
			.sort((a, b) => due(a) - due(b))
			.map((integration) => ({
				...integration,
				alert: missedScheduleAlert(
					String(integration.integration_name ?? integration.integration_id),
					due(integration),
					graceMinutes,
					this.getTimezone(),
				),
			})),
	};
}

/** The whole integration list: without all of it, a missing integration looks deleted. */
async function listIntegrations(this: IPollFunctions, deadline?: number): Promise<IDataObject[]> {
	const listing = await readIntegrations.call(this, 0, { deadline });
	if (listing.cutShort)
		throw pollRateLimited.call(this, integrationList, listing.cutShort.limitedUntil);
	return listing.integrations;
}

/**
 * The integrations to watch; as the integration list tells them (their last job, contact
 * emails) when it is read: watching all, or watching one for an event that needs the list.
 */
async function watchedIntegrations(
	this: IPollFunctions,
	event?: TriggerEvent,
	deadline?: number,
): Promise<Watched[]> {
	if (this.getNodeParameter('watch') === 'integration') {
		const locator = this.getNodeParameter('integrationId', {}) as { cachedResultName?: unknown };
		const name =
			typeof locator.cachedResultName === 'string' ? locator.cachedResultName : undefined;
		const id = checkIntegrationId.call(
			this,
			this.getNodeParameter('integrationId', '', { extractValue: true }),
		);
		const judge = event && judgeOf(event);
		if (!judge?.readsList?.(event!)) return [{ id, name }];
		const listed = (await listIntegrations.call(this, deadline)).find(
			(integration) => String(integration.integration_id) === id,
		);
		return [listed ? { ...fromList(listed), name: name ?? fromList(listed).name } : { id, name }];
	}
	return (await listIntegrations.call(this, deadline)).map(fromList);
}

/** An integration as the list tells it. */
function fromList(integration: IDataObject): Watched {
	const start = integration.last_job_start_time ?? null;
	const status = integration.last_job_status ?? null;
	return {
		id: String(integration.integration_id),
		name:
			typeof integration.integration_name === 'string' ? integration.integration_name : undefined,
		contactEmails: integration.contact_emails,
		listed: integration,
		lastStart: parseTime(start),
		lastJob: JSON.stringify([start, status]),
		lastStatus: status,
	};
}

/**
 * The integration's syncs back to `since` (epoch ms), or its newest page for `Infinity`; see
 * readSyncs for what a read cut short by the deadline holds.
 */
async function readSyncsBackTo(
	this: IPollFunctions,
	integrationId: string,
	since: number,
	deadline?: number,
) {
	return await readSyncs.call(
		this,
		0,
		integrationId,
		since === Infinity ? { firstPageOnly: true, deadline } : { startedAfter: since, deadline },
	);
}

/**
 * For "Fetch Test Event": the most recent sync the event emits, of the newest page of each
 * integration (Sync Running Too Long: a running one past the limit).
 */
async function latestMatching(
	this: IPollFunctions,
	watched: Watched[],
	event: TriggerEvent,
): Promise<IDataObject | undefined> {
	const now = Date.now();
	const limitMs = runningLimitMs(event);
	const emits =
		limitMs === undefined
			? (sync: IDataObject) => emitsFinished(event, sync)
			: (sync: IDataObject) =>
					sync.job_status === 'running' && now - (startTime(sync) ?? now) >= limitMs;
	const candidates: IDataObject[] = [];
	for (const { id, name } of watched) {
		const sync = latestSync((await readSyncsBackTo.call(this, id, Infinity)).syncs.filter(emits));
		if (sync) candidates.push(eventItem(event, sync, now, this.getTimezone(), id, name));
	}
	return latestSync(candidates);
}

/**
 * For "Fetch Test Event" of an event that judges integrations: what it would emit now of the
 * first watched integration that has something to emit, judging its newest finished sync against
 * the history before it. It stops there, or at the poll's budget: a workspace of many
 * integrations is not read whole (a few pages each) for one sample.
 */
async function judgedNow(
	this: IPollFunctions,
	watched: Watched[],
	event: TriggerEvent,
): Promise<IDataObject | undefined> {
	const judge = judgeOf(event)!;
	const now = Date.now();
	const deadline = pollDeadline(this);
	for (const integration of watched) {
		const { syncs, cutShort } = await readSyncs.call(this, 0, integration.id, {
			limit: judge.seedPages(event) * PAGE_SIZE,
			deadline,
		});
		if (cutShort) return undefined;
		const newest = latestSync(syncs.filter((sync) => sync.job_status !== 'running'));
		const state = initialState(syncs);
		const { emitted } = judge.judge(
			event,
			judge.seed(
				event,
				syncs.filter((sync) => sync !== newest),
			),
			{
				integration,
				finished: newest ? [newest] : [],
				running: state.running,
				now,
				timeZone: this.getTimezone(),
				incidentKey: incidentKey(this, integration.id),
			},
		);
		if (emitted.length) return emitted.at(-1);
	}
	return undefined;
}
