import type { IDataObject, IPollFunctions } from 'n8n-workflow';

import { initialState } from '../helpers/syncWatch';
import { latestSync, startTime } from '../helpers/syncs';
import { readSyncs } from '../reader/readSyncs';
import { jobSyncStatus, PAGE_SIZE, pollRateLimited } from '../transport';
import { pollDeadline } from './budget';
import { emitsFinished, eventItem, judgeOf, runningLimitMs, type TriggerEvent } from './events';
import { readSyncsBackTo, watchedIntegrations, type Watched } from './integrations';
import { incidentKey } from './judge';
import { missedNow } from './schedules';

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
		// Out of time: integrations left unjudged. The rate limit is said as such, not as "nothing".
		if (cutShort?.limitedUntil !== undefined)
			throw pollRateLimited.call(this, jobSyncStatus(integration.id), cutShort.limitedUntil);
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
