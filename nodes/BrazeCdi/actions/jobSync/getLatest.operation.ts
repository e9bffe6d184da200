import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { latestSync, matchesFilters, toSyncItem } from '../../helpers/syncs';
import { readSyncs } from '../../reader/readSyncs';
import {
	getIntegrationId,
	getMaxWait,
	getSyncFilters,
	integrationIdLocator,
	listingOptions,
	syncFilters,
} from '../../common/parameters';

const properties: INodeProperties[] = [integrationIdLocator, syncFilters, listingOptions];

export const description = updateDisplayOptions(
	{ show: { resource: ['jobSync'], operation: ['getLatest'] } },
	properties,
);

/** The sync that started last among those matching the filters; none when nothing matches. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const integrationId = getIntegrationId.call(this, itemIndex);
	const filters = getSyncFilters.call(this, itemIndex);

	const { syncs: matches } = await readSyncs.call(this, itemIndex, integrationId, {
		keep: (sync) => matchesFilters(sync, filters),
		limit: 1,
		newest: true,
		startedAfter: filters.startedAfter,
		maxWaitSeconds: getMaxWait.call(this, itemIndex),
	});
	const latest = latestSync(matches);
	return latest ? [toSyncItem(latest, integrationId)] : [];
}
