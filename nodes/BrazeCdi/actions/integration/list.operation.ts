import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { getLimit, getMaxWait, listingOptions, returnAllOrLimit } from '../../shared/parameters';
import { integrationList, PAGE_SIZE, readListing } from '../../transport';

export const description = updateDisplayOptions(
	{ show: { resource: ['integration'], operation: ['list'] } },
	[...returnAllOrLimit, listingOptions],
);

/** The workspace's integrations, one item each, Braze's fields unchanged. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const limit = this.getNodeParameter('returnAll', itemIndex) ? Infinity : getLimit.call(this, itemIndex);
	const integrations: IDataObject[] = [];
	await readListing.call(this, itemIndex, {
		...integrationList,
		maxWaitSeconds: getMaxWait.call(this, itemIndex),
		pages: Math.ceil(limit / PAGE_SIZE),
		onPage: (results) => {
			integrations.push(...results);
			return Math.ceil((limit - integrations.length) / PAGE_SIZE);
		},
	});
	return integrations.slice(0, limit);
}
