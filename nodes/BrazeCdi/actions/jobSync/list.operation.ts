import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { matchesFilters, withSyncFields } from '../../helpers/syncs';
import { readSyncs } from '../../reader/readSyncs';
import {
	getIntegrationId,
	getLimit,
	getMaxWait,
	getSyncFilters,
	integrationIdLocator,
	listingOptions,
	returnAllOrLimit,
	syncFilters,
} from '../../common/parameters';

const properties: INodeProperties[] = [
	integrationIdLocator,
	...returnAllOrLimit,
	syncFilters,
	listingOptions,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['jobSync'], operation: ['list'] } },
	properties,
);

/**
 * Up to Limit syncs matching the filters, in Braze's order, reading only the pages needed: with
 * Started After, the listing stops at the first page reaching back before it.
 */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const integrationId = getIntegrationId.call(this, itemIndex);
	const filters = getSyncFilters.call(this, itemIndex);
	const limit = this.getNodeParameter('returnAll', itemIndex)
		? Infinity
		: getLimit.call(this, itemIndex);
	const { syncs } = await readSyncs.call(this, itemIndex, integrationId, {
		keep: (sync) => matchesFilters(sync, filters),
		limit,
		startedAfter: filters.startedAfter,
		maxWaitSeconds: getMaxWait.call(this, itemIndex),
	});
	// The syncs were parsed for this listing alone, so they become the items themselves.
	return syncs.slice(0, limit).map((sync) => withSyncFields(sync, integrationId));
}
