import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { readIntegrations } from '../../reader/readSyncs';
import {
	getLimit,
	getMaxWait,
	listingOptions,
	returnAllOrLimit,
	toolDescription,
} from '../../common/parameters';

export const description = updateDisplayOptions(
	{ show: { resource: ['integration'], operation: ['list'] } },
	[
		toolDescription(
			"Lists the workspace's Braze Cloud Data Ingestion (CDI) integrations with Braze's fields: integration_id, integration_name, integration_type, integration_status, warehouse_type, contact_emails, last_updated_at, last_job_status, last_job_start_time and next_scheduled_run. Use it first, to find an integration's ID from its name: the other Braze CDI tools need the ID.",
		),
		...returnAllOrLimit,
		listingOptions,
	],
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
