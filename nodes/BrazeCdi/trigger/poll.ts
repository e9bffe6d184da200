import type { IDataObject, IPollFunctions } from 'n8n-workflow';

import {
	MINUTE_MS,
	missedRun,
	missedScheduleAlert,
	newlyMissed,
	overdueStarts,
} from '../helpers/alerts';
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
import { integrationList, jobSyncStatus, pollRateLimited } from '../transport';
import { eventItem, type SyncEvent } from './events';

/**
 * What the trigger keeps in the node's static data between polls. A poll replaces these
 * top-level keys whole (never mutating inside them): n8n saves static data only when it sees
 * a top-level change, and a poll that fails must leave the state as it was.
 */
interface WatchData {
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

/** An integration to read in a poll, with what the poll knows of it beforehand. */
interface Watched {
	id: string;
	name?: string;
	/** Watching all: the list's last job start (epoch ms) and its signature, start and status. */
	lastStart?: number;
	lastJob?: string;
	lastStatus?: unknown;
}

/** n8n 1.x gives polls no budget: this much, so that a poll ends before the next minute's. */
const FALLBACK_POLL_BUDGET_MS = 60_000;

/** One poll of an active trigger: the items to emit, oldest first (see pollOnce, pollSchedules). */
export async function pollEvent(this: IPollFunctions, event: SyncEvent): Promise<IDataObject[]> {
	return event.graceMinutes === undefined
		? await pollOnce.call(this, event)
		: await pollSchedules.call(this, event.graceMinutes);
}

/** For "Fetch Test Event": what the event would emit now, changing nothing. */
export async function testEvent(
	this: IPollFunctions,
	event: SyncEvent,
): Promise<IDataObject | undefined> {
	return event.graceMinutes === undefined
		? await latestMatching.call(this, await watchedIntegrations.call(this), event)
		: (await missedNow.call(this, event.graceMinutes, {})).missed[0];
}

/**
 * One poll: reads what changed, then writes the new state in one assignment and answers the
 * finished syncs that match, and the running ones that reached the limit, oldest first. Nothing
 * is written when it throws. Reading stops at the poll's budget; what was not read yet is left
 * for the next poll.
 */
async function pollOnce(this: IPollFunctions, event: SyncEvent): Promise<IDataObject[]> {
	const now = Date.now();
	const deadline = pollDeadline(this);
	const watchAll = this.getNodeParameter('watch') === 'allIntegrations';
	const data = this.getWorkflowStaticData('node') as WatchData;
	const activatedAt = data.activatedAt ?? now;
	const { runningLimitMs } = event;
	// Sync Running Too Long: a running sync that reached the limit is read even when the list's
	// last job is unchanged, for its item.
	const overdue = (state: WatchState) =>
		runningLimitMs !== undefined &&
		overdueStarts(state.running, state.alertedRunning ?? [], now, runningLimitMs).length > 0;
	const previous = data.integrations ?? {};
	const watched = await watchedIntegrations.call(this, deadline);

	const next: Record<string, WatchState> = {};
	const emitted: IDataObject[] = [];
	let cutShort: { limitedUntil?: number; integrationId: string } | undefined;
	for (const integration of watched) {
		const known = previous[integration.id];
		if (cutShort) {
			if (known) next[integration.id] = known; // left for the next poll
			continue;
		}
		if (
			watchAll &&
			known === undefined &&
			(data.activatedAt === undefined || integration.lastStart === undefined)
		) {
			// The list tells where its history stands: a new watch, or an integration that never ran.
			next[integration.id] = stateFromLastJob(
				integration.lastStart,
				integration.lastStatus,
				integration.lastJob!,
			);
			continue;
		}
		if (watchAll && known?.lastJob === integration.lastJob && !known?.gaps && !overdue(known)) {
			next[integration.id] = known!; // its last job is the one already seen: nothing to read
			continue;
		}
		if (known === undefined && !watchAll) {
			// A new watch of one integration: history up to now is not news.
			const newest = await readSyncsBackTo.call(this, integration.id, Infinity, deadline);
			if (newest.cutShort) cutShort = { ...newest.cutShort, integrationId: integration.id };
			else next[integration.id] = initialState(newest.syncs);
			continue;
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
			eventItem(event, sync, now, integration.id, integration.name);
		emitted.push(...finished.filter(event.emits).map(item));
		if (runningLimitMs !== undefined) {
			// Still running: alerted ones stay alerted; dropped when finished, with their start.
			const alerted = (known?.alertedRunning ?? []).filter((start) =>
				nextState.running.includes(start),
			);
			const due = overdueStarts(nextState.running, alerted, now, runningLimitMs);
			for (const sync of read.syncs) {
				const start = startTime(sync);
				if (sync.job_status !== 'running' || start === undefined || !due.includes(start)) continue;
				emitted.push(item(sync));
				alerted.push(start);
			}
			if (alerted.length)
				nextState = { ...nextState, alertedRunning: alerted.sort((a, b) => a - b) };
		}
		next[integration.id] = nextState;
		if (read.cutShort) cutShort = { ...read.cutShort, integrationId: integration.id };
	}

	if (JSON.stringify(next) === JSON.stringify(previous) && data.activatedAt !== undefined) {
		// No progress at all: when the rate limit is why, say so, so that n8n waits for it.
		if (cutShort?.limitedUntil !== undefined) {
			throw pollRateLimited.call(
				this,
				jobSyncStatus(cutShort.integrationId),
				cutShort.limitedUntil,
			);
		}
		return [];
	}
	data.integrations = next;
	data.activatedAt = activatedAt;
	return emitted.sort((a, b) => (startTime(a) ?? 0) - (startTime(b) ?? 0));
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
async function pollSchedules(this: IPollFunctions, graceMinutes: number): Promise<IDataObject[]> {
	const data = this.getWorkflowStaticData('node') as WatchData;
	const previous = data.missedRuns ?? {};
	const { missed, alerted } = await missedNow.call(
		this,
		graceMinutes,
		previous,
		pollDeadline(this),
	);
	if (data.activatedAt !== undefined && JSON.stringify(alerted) === JSON.stringify(previous))
		return [];
	const starting = data.activatedAt === undefined;
	data.missedRuns = starting ? {} : alerted;
	data.activatedAt ??= Date.now();
	return starting ? [] : missed;
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

/** The integrations to watch; watching all, with each one's last job as the list tells it. */
async function watchedIntegrations(this: IPollFunctions, deadline?: number): Promise<Watched[]> {
	if (this.getNodeParameter('watch') === 'integration') {
		const locator = this.getNodeParameter('integrationId', {}) as { cachedResultName?: unknown };
		const name =
			typeof locator.cachedResultName === 'string' ? locator.cachedResultName : undefined;
		const id = checkIntegrationId.call(
			this,
			this.getNodeParameter('integrationId', '', { extractValue: true }),
		);
		return [{ id, name }];
	}
	return (await listIntegrations.call(this, deadline)).map((integration) => {
		const start = integration.last_job_start_time ?? null;
		const status = integration.last_job_status ?? null;
		return {
			id: String(integration.integration_id),
			name:
				typeof integration.integration_name === 'string' ? integration.integration_name : undefined,
			lastStart: parseTime(start),
			lastJob: JSON.stringify([start, status]),
			lastStatus: status,
		};
	});
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
	event: SyncEvent,
): Promise<IDataObject | undefined> {
	const now = Date.now();
	const { runningLimitMs } = event;
	const emits =
		runningLimitMs === undefined
			? event.emits
			: (sync: IDataObject) =>
					sync.job_status === 'running' && now - (startTime(sync) ?? now) >= runningLimitMs;
	const candidates: IDataObject[] = [];
	for (const { id, name } of watched) {
		const sync = latestSync((await readSyncsBackTo.call(this, id, Infinity)).syncs.filter(emits));
		if (sync) candidates.push(eventItem(event, sync, now, id, name));
	}
	return latestSync(candidates);
}
