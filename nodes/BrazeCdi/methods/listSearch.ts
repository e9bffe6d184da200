import { createHash } from 'node:crypto';
import type { IDataObject, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { readIntegrations } from '../reader/readSyncs';
import { CREDENTIAL_TYPE } from '../transport';

/**
 * How long a credential's integration list is kept. The editor searches on every keystroke and
 * each time the list opens; one picking takes well under a minute, so it reads the list once.
 * A minute is also the rate limit's window: the picker reads the list at most once a window per
 * credential, and an integration created in Braze shows within a minute.
 */
export const LIST_LIFETIME_MS = 60_000;

/**
 * The most integrations read for the picker: 20 pages, 2 of every 5 requests the list allows in
 * a minute (50, shared by the workspace). Past them, search finds nothing more; the list with
 * no filter goes on page by page as the editor scrolls, and By ID and By URL take any ID.
 */
export const MAX_LISTED = 200;

interface Listing {
	expiresAt: number;
	read: Promise<{ integrations: IDataObject[]; nextCursor?: string }>;
}

/** Keyed by a hash of the credential's endpoint and key: a changed credential reads afresh. */
const listings = new Map<string, Listing>();

/**
 * The integration picker. The editor asks for more only when there is no filter, so a filtered
 * search answers from the whole list at once: read once per credential, kept briefly, shared by
 * the searches typed meanwhile. The filter matches names and IDs. A spent rate limit is said at
 * once, never waited out: the editor waits on this answer.
 */
export async function searchIntegrations(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const { integrations, nextCursor } = paginationToken
		? await readIntegrations.call(this, 0, {
				onePage: true,
				cursor: paginationToken,
				maxWaitSeconds: 0,
			})
		: await listed.call(this);
	const needle = (filter ?? '').trim().toLowerCase();
	const results: INodeListSearchResult['results'] = [];
	for (const integration of integrations) {
		const id = String(integration.integration_id ?? '');
		const name = String(integration.integration_name ?? id);
		if (needle && !name.toLowerCase().includes(needle) && !id.toLowerCase().includes(needle))
			continue;
		results.push({ name, value: id });
	}
	// Past MAX_LISTED, only the unfiltered list goes on (the editor follows no token while filtering).
	return { results, paginationToken: needle ? undefined : nextCursor };
}

async function listed(this: ILoadOptionsFunctions) {
	const credentials = await this.getCredentials(CREDENTIAL_TYPE);
	const key = createHash('sha256')
		.update(JSON.stringify([credentials.restEndpoint, credentials.customUrl, credentials.apiKey]))
		.digest('hex');
	const now = Date.now();
	for (const [other, { expiresAt }] of listings) if (expiresAt <= now) listings.delete(other);
	let listing = listings.get(key);
	if (!listing) {
		listing = {
			expiresAt: now + LIST_LIFETIME_MS,
			read: readIntegrations.call(this, 0, { limit: MAX_LISTED, maxWaitSeconds: 0 }),
		};
		listings.set(key, listing);
		const stored = listing;
		// A failed reading is not kept: the next search tries again.
		stored.read.catch(() => {
			if (listings.get(key) === stored) listings.delete(key);
		});
	}
	return await listing.read;
}
