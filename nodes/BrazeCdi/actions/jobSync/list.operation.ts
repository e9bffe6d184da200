import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { matchesFilters, NewestFirstWatch, toSyncItem } from '../../helpers/syncs';
import { getIntegrationId, getSyncFilters, integrationIdLocator, syncFilters } from '../../shared/parameters';
import { jobSyncStatus, PAGE_SIZE, readListing } from '../../transport';

const properties: INodeProperties[] = [
	integrationIdLocator,
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { returnAll: [false] } },
	},
	syncFilters,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['jobSync'], operation: ['list'] } },
	properties,
);

const pagesFor = (syncs: number) => Math.ceil(syncs / PAGE_SIZE);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const integrationId = getIntegrationId.call(this, itemIndex);
	const filters = getSyncFilters.call(this, itemIndex);
	const limit = this.getNodeParameter('returnAll', itemIndex) ? Infinity : getLimit.call(this, itemIndex);

	const order = new NewestFirstWatch();
	const syncs: IDataObject[] = [];
	// With Started After, each page decides whether an older one can still match.
	const pageByPage = filters.startedAfter !== undefined;
	await readListing.call(this, itemIndex, {
		...jobSyncStatus(integrationId),
		pages: pageByPage ? 1 : pagesFor(limit),
		onPage: (results) => {
			order.see(results);
			syncs.push(...results.filter((sync) => matchesFilters(sync, filters)));
			if (syncs.length >= limit) return 0;
			if (filters.startedAfter !== undefined && order.passed(filters.startedAfter)) return 0;
			return pageByPage ? 1 : pagesFor(limit - syncs.length);
		},
	});
	return syncs.slice(0, limit).map((sync) => toSyncItem(sync, integrationId));
}

function getLimit(this: IExecuteFunctions, itemIndex: number): number {
	const limit = this.getNodeParameter('limit', itemIndex) as number;
	if (!Number.isInteger(limit) || limit < 1) {
		throw new NodeOperationError(this.getNode(), `Limit must be a whole number of at least 1, not ${limit}`, {
			itemIndex,
			description: 'Set Limit to how many syncs to return, or turn on Return All.',
		});
	}
	return limit;
}
