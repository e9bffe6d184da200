import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { readIntegrations } from '../reader/readSyncs';

/**
 * The integration picker: one Braze page (10 integrations) per call, the next page through n8n's
 * list-search pagination token (Braze's cursor). The filter matches names and IDs.
 */
export async function searchIntegrations(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const needle = (filter ?? '').trim().toLowerCase();
	const { integrations, nextCursor } = await readIntegrations.call(this, 0, {
		onePage: true,
		cursor: paginationToken || undefined,
		// The editor waits on this list: a spent rate limit is said at once, never waited out.
		maxWaitSeconds: 0,
	});
	const results: INodeListSearchResult['results'] = [];
	for (const integration of integrations) {
		const id = String(integration.integration_id ?? '');
		const name = String(integration.integration_name ?? id);
		if (needle && !`${name} ${id}`.toLowerCase().includes(needle)) continue;
		results.push({ name, value: id });
	}
	return { results, paginationToken: nextCursor };
}
