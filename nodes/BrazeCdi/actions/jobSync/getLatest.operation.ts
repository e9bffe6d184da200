import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { latestSync, matchesFilters, NewestFirstWatch, toSyncItem } from '../../helpers/syncs';
import {
	getIntegrationId,
	getMaxWait,
	getSyncFilters,
	integrationIdLocator,
	listingOptions,
	syncFilters,
} from '../../shared/parameters';
import { jobSyncStatus, readListing } from '../../transport';

const properties: INodeProperties[] = [integrationIdLocator, syncFilters, listingOptions];

export const description = updateDisplayOptions(
	{ show: { resource: ['jobSync'], operation: ['getLatest'] } },
	properties,
);

/** The sync that started last among those matching the filters; none when nothing matches. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const integrationId = getIntegrationId.call(this, itemIndex);
	const filters = getSyncFilters.call(this, itemIndex);

	const order = new NewestFirstWatch();
	const matches: IDataObject[] = [];
	await readListing.call(this, itemIndex, {
		...jobSyncStatus(integrationId),
		maxWaitSeconds: getMaxWait.call(this, itemIndex),
		pages: 1,
		onPage: (results) => {
			order.see(results);
			matches.push(...results.filter((sync) => matchesFilters(sync, filters)));
			if (!order.holds) return Infinity; // out of order: only every page can tell
			if (matches.length > 0) return 0; // newest first: no later page holds a newer match
			if (filters.startedAfter !== undefined && order.passed(filters.startedAfter)) return 0;
			return 1;
		},
	});
	const latest = latestSync(matches);
	return latest ? [toSyncItem(latest, integrationId)] : [];
}
