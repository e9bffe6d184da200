import type { IDataObject, IPollFunctions } from 'n8n-workflow';

import { overdueStarts } from '../helpers/alerts';
import {
	advance,
	initialState,
	readBackTo,
	stateFromLastJob,
	type WatchState,
} from '../helpers/syncWatch';
import { parseTime, startTime } from '../helpers/syncs';
import { readSyncs } from '../reader/readSyncs';
import { jobSyncStatus, PAGE_SIZE, pollRateLimited } from '../transport';
import { pollDeadline, runByScheduler } from './budget';
import { emitsFinished, eventItem, judgeOf, runningLimitMs, type TriggerEvent } from './events';
import { faultEpisode } from './faults';
import { readSyncsBackTo, watchedIntegrations, type Watched } from './integrations';
import { closedIncident, openIncident } from './healthChanged';
import { incidentKey, type Seen } from './judge';
import { pollSchedules } from './schedules';
import {
	continuedWatch,
	forgetWatchStart,
	keepWatch,
	watchSettings,
	type PollOutcome,
	type Watch,
	type WatchData,
} from './watchState';

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
				: await pollSyncs.call(this, event, watch, watch === undefined ? data : undefined);
	} catch (error) {
		return faultEpisode.call(this, data, error, scheduled);
	}
	if (data.fault) delete data.fault;
	const starts = watch !== undefined ? false : scheduled ? 'scheduled' : 'unscheduled';
	// A watch that emitted is kept even when unchanged: no other may replace it (scheduledStart).
	if (outcome.changed || outcome.emitted.length || watch !== data || data.settings !== settings)
		keepWatch.call(this, data, settings, outcome.next, starts);
	return outcome.emitted;
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
	/**
	 * By integration ID, what its event carries over from the watch before (Judge.carry: an open
	 * incident): of the state before an edit restarted the watch, or of the previous poll.
	 */
	carried: Record<string, IDataObject>;
}

/** One integration's part of a poll; no state when it was not read (left for the next). */
interface IntegrationStep {
	emitted: IDataObject[];
	state?: WatchState;
	cutShort?: { limitedUntil?: number };
	/** The syncs that finished since the previous poll, oldest first (all, not only emitted). */
	finished?: IDataObject[];
	/** An incident carried from before the watch started was judged in this step. */
	tookUpIncident?: boolean;
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
	/** The state before, when the watch starts afresh (its settings changed). */
	before: Watch | undefined,
): Promise<PollOutcome> {
	const now = Date.now();
	const previous = watch?.integrations ?? {};
	const judge = judgeOf(event);
	const scope: PollScope = {
		event,
		watchAll: this.getNodeParameter('watch') === 'allIntegrations',
		starting: watch === undefined,
		activatedAt: watch?.activatedAt ?? now,
		now,
		deadline: pollDeadline(this),
		// Incidents open when the watch started afresh wait for its first polls (see judgedStep):
		// a starting poll emits nothing, also when n8n does not keep its state (durable cursors).
		carried: watch === undefined ? {} : (watch.carried ?? {}),
	};
	const watched = await watchedIntegrations.call(this, event, scope.deadline, previous);

	const next: Record<string, WatchState> = {};
	const emitted: IDataObject[] = [];
	const tookUp = new Set<string>();
	let cutShort: { limitedUntil?: number; integrationId: string } | undefined;
	for (const integration of watched) {
		const known = previous[integration.id];
		if (cutShort) {
			// Left for the next poll; at the watch's start, to be seeded then (see judgedStep).
			const left =
				known ?? (scope.starting && judge ? unseeded(integration, scope.activatedAt) : undefined);
			if (left) next[integration.id] = left;
			continue;
		}
		const step = await watchIntegration.call(this, scope, integration, known);
		if (step.state) next[integration.id] = step.state;
		emitted.push(...step.emitted);
		if (step.cutShort) cutShort = { ...step.cutShort, integrationId: integration.id };
		if (step.tookUpIncident) tookUp.add(integration.id);
	}

	// Open incidents: of the state before a watch that starts afresh, carried into it; of a
	// watch that goes on, each one taken up (judgedStep) or closed once its integration is no
	// longer watched by Health Changed, or kept until its integration's seed is done.
	const isWatched = (id: string) => watched.some((integration) => integration.id === id);
	// A carried incident not yet taken up in a poll n8n saved (it saves a poll's state when it
	// emits) is older than what the new watch's seed judged: it wins.
	const pending: Record<string, IDataObject> = scope.starting
		? { ...openIncidents(before?.integrations ?? {}), ...before?.carried }
		: {};
	const closing: Record<string, IDataObject> = {};
	if (!scope.starting) {
		const left = Object.fromEntries(Object.entries(previous).filter(([id]) => !isWatched(id)));
		Object.assign(closing, openIncidents(left));
		for (const [id, incident] of Object.entries(scope.carried)) {
			if (tookUp.has(id)) continue;
			// Its integration's seed is still to come; or Health Changed is no longer the event.
			if (event.kind === 'healthChanged' && isWatched(id)) pending[id] = incident;
			else closing[id] = incident;
		}
	}
	for (const [id, incident] of Object.entries(closing))
		emitted.push(closedIncident(incident, id, now, this.getTimezone(), incidentKey(this, id)));

	const changed =
		scope.starting ||
		JSON.stringify(next) !== JSON.stringify(previous) ||
		JSON.stringify(pending) !== JSON.stringify(scope.carried);
	// No progress at all: when the rate limit is why, say so, so that n8n waits for it.
	if (!changed && cutShort?.limitedUntil !== undefined)
		throw pollRateLimited.call(this, jobSyncStatus(cutShort.integrationId), cutShort.limitedUntil);
	return {
		emitted: emitted.sort((a, b) => (startTime(a) ?? 0) - (startTime(b) ?? 0)),
		next: {
			activatedAt: scope.activatedAt,
			integrations: next,
			...(Object.keys(pending).length ? { carried: pending } : {}),
		},
		changed,
	};
}

/** The open incidents among integrations' states (Health Changed's), by integration ID. */
function openIncidents(states: Record<string, WatchState>): Record<string, IDataObject> {
	const open: Record<string, IDataObject> = {};
	for (const [id, state] of Object.entries(states)) {
		const incident = state.judged === undefined ? undefined : openIncident(state.judged);
		if (incident !== undefined) open[id] = incident;
	}
	return open;
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
		// A seed cut short at the watch's start: what had finished by then is history; what was
		// running then (or has finished since) and what started later are news, followed below
		// from where the watch started.
		const boundary = known.newest ?? -Infinity;
		const startedBefore = history.syncs.filter((sync) => (startTime(sync) ?? Infinity) <= boundary);
		const runningThen = startedBefore
			.filter(
				(sync) =>
					sync.job_status === 'running' ||
					(parseTime(sync.sync_finish_time) ?? -Infinity) > scope.activatedAt,
			)
			.map((sync) => startTime(sync)!);
		const running = [...new Set([...known.running, ...runningThen])].sort((a, b) => a - b);
		const past = startedBefore.filter((sync) => !running.includes(startTime(sync)!));
		const started = { ...known, running };
		from = {
			...started,
			judged: judge.judge(scope.event, judge.seed(scope.event, past), seen([], started)).kept,
		};
	}
	const step = await followSyncs.call(this, scope, integration, from);
	if (!step.state) return step;
	const learned = from?.judged ?? judge.seed(scope.event, []);
	// An incident open when an edit restarted the watch is what this judgement compares with:
	// resolved, changed or left as it is, once.
	// (Only Health Changed takes it up: for another event it is closed, in pollSyncs.)
	const incident = scope.event.kind === 'healthChanged' ? scope.carried[integration.id] : undefined;
	const before = incident === undefined ? learned : { ...learned, ...incident };
	const { kept, emitted } = judge.judge(scope.event, before, seen(step.finished ?? [], step.state));
	return {
		...step,
		emitted,
		state: { ...step.state, judged: kept },
		tookUpIncident: incident !== undefined,
	};
}

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
