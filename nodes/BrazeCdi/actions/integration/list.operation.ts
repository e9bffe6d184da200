import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { readIntegrations } from '../../reader/readSyncs';
import { getLimit, getMaxWait, listingOptions, returnAllOrLimit } from '../../common/parameters';

export const description = updateDisplayOptions(
	{ show: { resource: ['integration'], operation: ['list'] } },
	[...returnAllOrLimit, listingOptions],
);

/** The workspace's integrations, one item each, Braze's fields unchanged. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const limit = this.getNodeParameter('returnAll', itemIndex)
		? Infinity
		: getLimit.call(this, itemIndex);
	const { integrations } = await readIntegrations.call(this, itemIndex, {
		limit,
		maxWaitSeconds: getMaxWait.call(this, itemIndex),
	});
	return integrations;
}
