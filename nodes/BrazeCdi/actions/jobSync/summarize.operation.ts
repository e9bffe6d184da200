import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { summarizeSyncs } from '../../helpers/summary';
import { matchesFilters } from '../../helpers/syncs';
import { readIntegrations, readSyncs } from '../../reader/readSyncs';
import {
	getIntegrationId,
	getMaxWait,
	getWindow,
	integrationIdLocator,
	listingOptions,
} from '../../shared/parameters';

const properties: INodeProperties[] = [
	{
		displayName: 'All Integrations',
		name: 'allIntegrations',
		type: 'boolean',
		default: false,
		description:
			'Whether to report on every integration of the workspace (one item each) instead of one',
	},
	{ ...integrationIdLocator, displayOptions: { show: { allIntegrations: [false] } } },
	{
		displayName: 'Started After',
		name: 'startedAfter',
		type: 'dateTime',
		default: '={{ $now.minus({ hours: 24 }).toISO() }}',
		description: 'The window starts here (inclusive): by default, the last 24 hours',
	},
	{
		displayName: 'Started Before',
		name: 'startedBefore',
		type: 'dateTime',
		default: '',
		description: 'The window ends here (exclusive); leave empty for now',
	},
	listingOptions,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['jobSync'], operation: ['summarize'] } },
	properties,
);

/** One report item per integration over the window; only the pages the window needs are read. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const window = getWindow.call(this, itemIndex, {
		startedAfter: this.getNodeParameter('startedAfter', itemIndex, ''),
		startedBefore: this.getNodeParameter('startedBefore', itemIndex, ''),
	});
	const maxWaitSeconds = getMaxWait.call(this, itemIndex);
	const integrations: Array<{ id: string; name: string | null }> = [];
	if (this.getNodeParameter('allIntegrations', itemIndex, false)) {
		const listed = await readIntegrations.call(this, itemIndex, { maxWaitSeconds });
		for (const integration of listed.integrations) {
			integrations.push({
				id: String(integration.integration_id),
				name: (integration.integration_name as string) ?? null,
			});
		}
	} else {
		integrations.push({ id: getIntegrationId.call(this, itemIndex), name: null });
	}

	const reports: IDataObject[] = [];
	for (const { id, name } of integrations) {
		const { syncs } = await readSyncs.call(this, itemIndex, id, {
			keep: (sync) => matchesFilters(sync, { statuses: [], ...window }),
			startedAfter: window.startedAfter,
			maxWaitSeconds,
		});
		reports.push({
			integration_id: id,
			integration_name: name,
			window_start:
				window.startedAfter === undefined ? null : new Date(window.startedAfter).toISOString(),
			window_end: new Date(window.startedBefore ?? Date.now()).toISOString(),
			...summarizeSyncs(syncs),
		});
	}
	return reports;
}
