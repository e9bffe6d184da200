import type { IDataObject } from 'n8n-workflow';

import { startTime } from './syncs';

/**
 * What a watch remembers of one integration between polls (kept in the workflow's static
 * data, so nothing lives in memory). A sync is known by its start time: every sync that started
 * after `newest`, at one of `running`, or inside one of `gaps` is still news.
 */
export interface WatchState {
	/** The start of the newest sync seen; null when none was (then every sync is news). */
	newest: number | null;
	/** The starts of syncs seen running that have not been seen finished yet. */
	running: number[];
	/**
	 * Starts in (after, through] not read yet: a poll that ran out of time read the newest pages
	 * only and left these for the next. `after: null` has no lower bound.
	 */
	gaps?: Gap[];
	/** Watching all integrations: the integration list's last job when this state was complete. */
	lastJob?: string;
	/** Sync Running Too Long: the starts in `running` already alerted (dropped once finished). */
	alertedRunning?: number[];
	/**
	 * Events that judge an integration as a whole (trigger/judge.ts): what they learned of it,
	 * as they keep it. Absent until seeded from the history already there.
	 */
	judged?: IDataObject;
}

interface Gap {
	after: number | null;
	through: number;
}

/** The state of a watch that starts now: what the newest page holds counts as seen. */
export function initialState(newestPage: IDataObject[]): WatchState {
	const starts = newestPage.map(startTime).filter(isNumber);
	return {
		newest: starts.length ? Math.max(...starts) : null,
		running: newestPage
			.filter((sync) => sync.job_status === 'running')
			.map(startTime)
			.filter(isNumber),
	};
}

/**
 * The state of a watch that starts now, from the integration list alone (no request): the
 * last job is the newest sync, and only it can still be running.
 */
export function stateFromLastJob(
	start: number | undefined,
	status: unknown,
	lastJob: string,
): WatchState {
	return {
		newest: start ?? null,
		running: start !== undefined && status === 'running' ? [start] : [],
		lastJob,
	};
}

/** How far back a poll must read: every sync that started at or after this may be news. */
export function readBackTo(state: WatchState): number {
	const gapStarts = (state.gaps ?? []).map((gap) => gap.after ?? -Infinity);
	return Math.min(state.newest ?? -Infinity, ...state.running, ...gapStarts);
}

export function isNews(state: WatchState, start: number): boolean {
	return (
		state.newest === null ||
		start > state.newest ||
		state.running.includes(start) ||
		(state.gaps ?? []).some(
			(gap) => (gap.after === null || start > gap.after) && start <= gap.through,
		)
	);
}

/**
 * Compares a poll's syncs with the state: the syncs that finished since (new ones, ones seen
 * running before, ones in a gap), oldest first, and the next state.
 *
 * `complete` says the syncs reach back to `readBackTo(state)`. When they do not (the poll ran
 * out of time), they must be the newest pages, newest first: the syncs that started after the
 * oldest one read are handled, and whatever was news at or before it stays news.
 */
export function advance(
	state: WatchState,
	syncs: IDataObject[],
	complete: boolean,
): { finished: IDataObject[]; state: WatchState } {
	const starts = syncs.map(startTime).filter(isNumber);
	if (!complete && starts.length === 0) return { finished: [], state };
	// Syncs at `oldestRead` itself may continue on the unread page: they are left for later too.
	const oldestRead = complete ? -Infinity : Math.min(...starts);

	const finished: IDataObject[] = [];
	const running = new Set(state.running.filter((start) => start <= oldestRead));
	for (const sync of syncs) {
		const start = startTime(sync);
		if (start === undefined || start <= oldestRead || !isNews(state, start)) continue;
		if (sync.job_status === 'running') running.add(start);
		else finished.push(sync);
	}
	finished.sort((a, b) => (startTime(a) ?? 0) - (startTime(b) ?? 0));

	const gaps: Gap[] = [];
	if (!complete) {
		for (const gap of state.gaps ?? []) {
			const through = Math.min(gap.through, oldestRead);
			if (gap.after === null || through > gap.after) gaps.push({ after: gap.after, through });
		}
		if (state.newest === null || oldestRead > state.newest)
			gaps.push({ after: state.newest, through: oldestRead });
	}
	const newest = Math.max(state.newest ?? -Infinity, ...starts);
	return {
		finished,
		state: {
			newest: Number.isFinite(newest) ? newest : null,
			running: [...running].sort((a, b) => a - b),
			...(gaps.length ? { gaps } : {}),
		},
	};
}

const isNumber = (value: unknown): value is number => typeof value === 'number';
