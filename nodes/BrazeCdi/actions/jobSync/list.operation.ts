import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { SyncFilters } from '../../helpers/syncs';
import { matchesFilters, NewestFirstWatch, withSyncFields } from '../../helpers/syncs';
import {
	getIntegrationId,
	getLimit,
	getMaxWait,
	getSyncFilters,
	integrationIdLocator,
	listingOptions,
	returnAllOrLimit,
	syncFilters,
} from '../../shared/parameters';
import { jobSyncStatus, PAGE_SIZE, readListing } from '../../transport';

const properties: INodeProperties[] = [integrationIdLocator, ...returnAllOrLimit, syncFilters, listingOptions];

export const description = updateDisplayOptions(
	{ show: { resource: ['jobSync'], operation: ['list'] } },
	properties,
);

const pagesFor = (syncs: number) => Math.ceil(syncs / PAGE_SIZE);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const integrationId = getIntegrationId.call(this, itemIndex);
	const filters = getSyncFilters.call(this, itemIndex);
	const limit = this.getNodeParameter('returnAll', itemIndex) ? Infinity : getLimit.call(this, itemIndex);
	const syncs = await readSyncs.call(this, itemIndex, integrationId, filters, limit, getMaxWait.call(this, itemIndex));
	// The syncs were parsed for this listing alone, so they become the items themselves.
	return syncs.map((sync) => withSyncFields(sync, integrationId));
}

/**
 * Up to `limit` syncs of the integration that match the filters, in Braze's order, reading only
 * the pages needed: with Started After, the listing stops at the first page reaching back
 * before it (while the pages are seen newest first).
 */
export async function readSyncs(
	this: IExecuteFunctions,
	itemIndex: number,
	integrationId: string,
	filters: SyncFilters,
	limit = Infinity,
	maxWaitSeconds?: number,
): Promise<IDataObject[]> {
	const order = new NewestFirstWatch();
	const syncs: IDataObject[] = [];
	const pageByPage = filters.startedAfter !== undefined;
	await readListing.call(this, itemIndex, {
		...jobSyncStatus(integrationId),
		maxWaitSeconds,
		pages: pageByPage ? 1 : pagesFor(limit),
		onPage: (results) => {
			order.see(results);
			syncs.push(...results.filter((sync) => matchesFilters(sync, filters)));
			if (syncs.length >= limit) return 0;
			if (filters.startedAfter !== undefined && order.passed(filters.startedAfter)) return 0;
			return pageByPage ? 1 : pagesFor(limit - syncs.length);
		},
	});
	return syncs.slice(0, limit);
}
