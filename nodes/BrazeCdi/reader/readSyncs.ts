import type { IDataObject } from 'n8n-workflow';

import { NewestFirstWatch } from '../helpers/syncs';
import type { BrazeContext, RateLimitWaits } from '../transport';
import { integrationList, jobSyncStatus, PAGE_SIZE, readListing } from '../transport';

/** What to read of an integration's sync history, and when the answer is known. */
interface SyncQuery {
	/** Keep only the syncs this accepts; all by default. */
	keep?: (sync: IDataObject) => boolean;
	/** Enough once this many syncs were kept. */
	limit?: number;
	/**
	 * The answer is the newest syncs kept (Get Latest): `limit` then stops the reading only while
	 * pages are seen newest first.
	 */
	newest?: boolean;
	/** Enough once the pages reach syncs that started before this (epoch ms). */
	startedAfter?: number;
	/** Enough after the first page. */
	firstPageOnly?: boolean;
	/** Options → Max Rate-Limit Wait, in seconds. */
	maxWaitSeconds?: number;
	/** The waiting it bounds, when shared with other reads of one answer. */
	waits?: RateLimitWaits;
	/** Epoch ms by which reading must end (a trigger poll's budget); see `cutShort`. */
	deadline?: number;
}

interface SyncsRead {
	/** The kept syncs in Braze's order (newest first as observed); may run past `limit` to the end of the last page. */
	syncs: IDataObject[];
	/**
	 * Set when the deadline ended the reading before the answer was known: `syncs` are then the
	 * newest pages read, or none when those were not newest first. `limitedUntil` is when the
	 * rate limit that stopped it resets.
	 */
	cutShort?: { limitedUntil?: number };
	/**
	 * Set when Braze pointed past the last page read (a `next` link: none on the last page), on a
	 * listing not cut short.
	 */
	morePages?: true;
}

/**
 * The workspace's integrations in Braze's order: all of them, the first `limit`, or one page
 * (from `cursor`, answering the next page's cursor, for the editor's list).
 */
export async function readIntegrations(
	this: BrazeContext,
	itemIndex: number,
	options: {
		limit?: number;
		onePage?: boolean;
		cursor?: string;
		maxWaitSeconds?: number;
		waits?: RateLimitWaits;
		deadline?: number;
	} = {},
): Promise<{
	integrations: IDataObject[];
	nextCursor?: string;
	cutShort?: { limitedUntil?: number };
}> {
	const { limit = Infinity, onePage = false, ...request } = options;
	const integrations: IDataObject[] = [];
	const pagesLeft = () => Math.ceil((limit - integrations.length) / PAGE_SIZE);
	const { nextCursor, cutShort } = await readListing.call(this, itemIndex, {
		...integrationList,
		...request,
		pages: onePage ? 1 : pagesLeft(),
		onPage: (results) => {
			integrations.push(...results);
			return onePage || integrations.length >= limit ? 'done' : pagesLeft();
		},
	});
	return {
		integrations: integrations.slice(0, limit),
		nextCursor,
		...(cutShort ? { cutShort } : {}),
	};
}

/**
 * Reads an integration's sync history page by page, newest page first, and stops as soon as the
 * query is answered. Braze does not document the order of its history: the early stops that
 * depend on it (`startedAfter`, `newest`) hold only while every page is seen newest first; once
 * one is not, every page is read, so that no sync is missed.
 */
export async function readSyncs(
	this: BrazeContext,
	itemIndex: number,
	integrationId: string,
	query: SyncQuery,
): Promise<SyncsRead> {
	const { keep, limit = Infinity, newest = false, startedAfter, firstPageOnly = false } = query;
	const dependsOnOrder = newest || startedAfter !== undefined;
	const order = new NewestFirstWatch();
	const syncs: IDataObject[] = [];
	const pagesLeft = () => (dependsOnOrder ? 1 : Math.ceil((limit - syncs.length) / PAGE_SIZE));

	const { cutShort, morePages } = await readListing.call(this, itemIndex, {
		...jobSyncStatus(integrationId),
		maxWaitSeconds: query.maxWaitSeconds,
		waits: query.waits,
		deadline: query.deadline,
		pages: firstPageOnly ? 1 : pagesLeft(),
		onPage: (results) => {
			order.see(results);
			syncs.push(...(keep ? results.filter(keep) : results));
			if (firstPageOnly) return 'done';
			if (syncs.length >= limit && (!newest || order.holds)) return 'done';
			if (startedAfter !== undefined && order.passed(startedAfter)) return 'done';
			if (dependsOnOrder && !order.holds) return Infinity; // only every page can tell
			return pagesLeft();
		},
	});
	if (cutShort) return { syncs: order.holds ? syncs : [], cutShort };
	return morePages ? { syncs, morePages } : { syncs };
}
