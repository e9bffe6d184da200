import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { hasFilters, matchesFilters, withSyncFields } from '../../helpers/syncs';
import { runsAsTool } from '../../helpers/tool';
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
	toolDescription,
} from '../../common/parameters';

const properties: INodeProperties[] = [
	toolDescription(
		"Lists the syncs of one Braze Cloud Data Ingestion integration, given its integration_id, newest first: at most a limit, optionally only some statuses and only syncs started in a window. Returns { syncs, more }: each sync with job_status, sync_start_time, sync_finish_time, rows_synced, rows_failed_with_errors and duration_seconds; more is true when further syncs match than were returned: to see older ones, ask again with Started Before set to the oldest sync_start_time returned. Use it for a sync history; to judge an integration's health, use the summary tool.",
	),
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
 *
 * As an AI agent's tool, the answer is one object, `{ syncs, more }`, so that the model learns
 * when the limit left syncs out. Without filters, every older sync matches, so Braze's `next`
 * link tells; with one, only a matching sync past the limit can, so it reads one more.
 */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const integrationId = getIntegrationId.call(this, itemIndex);
	const filters = getSyncFilters.call(this, itemIndex);
	const limit = this.getNodeParameter('returnAll', itemIndex)
		? Infinity
		: getLimit.call(this, itemIndex);
	const asTool = runsAsTool(this.getNode());
	const filtered = hasFilters(filters);
	const { syncs, morePages } = await readSyncs.call(this, itemIndex, integrationId, {
		keep: (sync) => matchesFilters(sync, filters),
		limit: asTool && filtered ? limit + 1 : limit,
		startedAfter: filters.startedAfter,
		maxWaitSeconds: getMaxWait.call(this, itemIndex),
	});
	// The syncs were parsed for this listing alone, so they become the items themselves.
	const items = syncs.slice(0, limit).map((sync) => withSyncFields(sync, integrationId));
	const more = syncs.length > limit || (!filtered && morePages === true);
	return asTool ? [{ syncs: items, more }] : items;
}
