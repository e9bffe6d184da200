import type { IDataObject } from 'n8n-workflow';

import { startTime } from './syncs';

/**
 * What a watch remembers of one integration between polls (kept in the workflow's static
 * data, so nothing lives in memory): the start of the newest sync seen, and the starts of the
 * syncs seen running that have not finished yet. A sync is known by its start time.
 */
export interface WatchState {
	newest: number | null;
	running: number[];
}

/** The state of a watch that starts now: what is already there counts as seen. */
export function initialState(newestPage: IDataObject[]): WatchState {
	const starts = newestPage.map(startTime).filter((start): start is number => start !== undefined);
	return {
		newest: starts.length ? Math.max(...starts) : null,
		running: newestPage.filter((sync) => sync.job_status === 'running').map(startTime).filter(isNumber),
	};
}

/** How far back a poll must read: every sync that started at or after this may be news. */
export function readBackTo(state: WatchState): number {
	return Math.min(state.newest ?? -Infinity, ...state.running);
}

/**
 * Compares a poll's syncs (everything back to `readBackTo`) with the state: the syncs that
 * finished since (new ones, and ones seen running before), oldest first, and the next state.
 */
export function advance(state: WatchState, syncs: IDataObject[]): { finished: IDataObject[]; state: WatchState } {
	const isNews = (start: number) => state.newest === null || start > state.newest || state.running.includes(start);
	const finished: IDataObject[] = [];
	const running: number[] = [];
	let newest = state.newest;
	for (const sync of syncs) {
		const start = startTime(sync);
		if (start === undefined) continue;
		newest = newest === null ? start : Math.max(newest, start);
		if (!isNews(start)) continue;
		if (sync.job_status === 'running') running.push(start);
		else finished.push(sync);
	}
	finished.sort((a, b) => (startTime(a) ?? 0) - (startTime(b) ?? 0));
	return { finished, state: { newest, running } };
}

const isNumber = (value: unknown): value is number => typeof value === 'number';
