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
	toolDescription,
} from '../../common/parameters';

const properties: INodeProperties[] = [
	toolDescription(
		'Gets the most recent sync of one Braze Cloud Data Ingestion integration, given its integration_id (with a status filter on the tool, the most recent in those statuses): job_status (success, partial, error, config_error or running), sync_start_time, sync_finish_time, rows_synced, rows_failed_with_errors and duration_seconds. Use it to answer whether the last sync worked, or when one last succeeded. Returns an empty list when no sync matches.',
	),
	integrationIdLocator,
	syncFilters,
	listingOptions,
];

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
