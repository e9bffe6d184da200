import type { IDataObject, IPollFunctions } from 'n8n-workflow';

import type { WatchState } from '../helpers/syncWatch';
import { parseTime } from '../helpers/syncs';
import { readIntegrations, readSyncs } from '../reader/readSyncs';
import { checkIntegrationId } from '../common/parameters';
import { integrationList, pollRateLimited } from '../transport';
import { judgeOf, type TriggerEvent } from './events';
import type { WatchedIntegration } from './judge';

/** An integration to read in a poll, with what the poll knows of it beforehand. */
export interface Watched extends WatchedIntegration {
	/** When the list was read: its last job start (epoch ms) and its signature, start and status. */
	lastStart?: number;
	lastJob?: string;
	lastStatus?: unknown;
}

/** The whole integration list: without all of it, a missing integration looks deleted. */
export async function listIntegrations(
	this: IPollFunctions,
	deadline?: number,
): Promise<IDataObject[]> {
	const listing = await readIntegrations.call(this, 0, { deadline });
	if (listing.cutShort)
		throw pollRateLimited.call(this, integrationList, listing.cutShort.limitedUntil);
	return listing.integrations;
}

/**
 * The integrations to watch; as the integration list tells them (their last job, contact
 * emails) when it is read: watching all, or watching one for an event that needs the list.
 */
export async function watchedIntegrations(
	this: IPollFunctions,
	event?: TriggerEvent,
	deadline?: number,
	previous: Record<string, WatchState> = {},
): Promise<Watched[]> {
	if (this.getNodeParameter('watch') === 'integration') {
		const locator = this.getNodeParameter('integrationId', {}) as { cachedResultName?: unknown };
		const name =
			typeof locator.cachedResultName === 'string' ? locator.cachedResultName : undefined;
		const id = checkIntegrationId.call(
			this,
			this.getNodeParameter('integrationId', '', { extractValue: true }),
		);
		const judge = event && judgeOf(event);
		if (!judge?.readsList?.(event!, previous[id]?.judged, Date.now())) return [{ id, name }];
		const listed = (await listIntegrations.call(this, deadline)).find(
			(integration) => String(integration.integration_id) === id,
		);
		return [listed ? { ...fromList(listed), name: name ?? fromList(listed).name } : { id, name }];
	}
	return (await listIntegrations.call(this, deadline)).map(fromList);
}

/** An integration as the list tells it. */
function fromList(integration: IDataObject): Watched {
	const start = integration.last_job_start_time ?? null;
	const status = integration.last_job_status ?? null;
	return {
		id: String(integration.integration_id),
		name:
			typeof integration.integration_name === 'string' ? integration.integration_name : undefined,
		contactEmails: integration.contact_emails,
		listed: integration,
		lastStart: parseTime(start),
		lastJob: JSON.stringify([start, status]),
		lastStatus: status,
	};
}

/**
 * The integration's syncs back to `since` (epoch ms), or its newest page for `Infinity`; see
 * readSyncs for what a read cut short by the deadline holds.
 */
export async function readSyncsBackTo(
	this: IPollFunctions,
	integrationId: string,
	since: number,
	deadline?: number,
) {
	return await readSyncs.call(
		this,
		0,
		integrationId,
		since === Infinity ? { firstPageOnly: true, deadline } : { startedAfter: since, deadline },
	);
}
