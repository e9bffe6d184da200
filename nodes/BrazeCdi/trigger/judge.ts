import type { IDataObject, IPollFunctions } from 'n8n-workflow';

import { toSyncItem } from '../helpers/syncs';

/**
 * What an event that judges an integration as a whole (Data Stale, Rows Synced Unusual,
 * Integration Health Changed) sees of it in one poll. Such an event keeps what it learned per
 * integration in the watch's state (`judged` of its WatchState), seeded from the history already
 * there when the watch starts, and judges again in every poll, also when nothing new was read:
 * staleness and a sync running too long change with time alone.
 */
export interface Seen {
	integration: WatchedIntegration;
	/** The syncs that finished since the previous poll, each once, oldest first. */
	finished: IDataObject[];
	/** The starts (epoch ms) of the syncs still running, as far as the watch knows. */
	running: number[];
	now: number;
	timeZone: string;
	/** Stable per workflow, trigger node and integration (incidentKey, below). */
	incidentKey: string;
}

/** An integration as the poll knows it: from the integration list when it was read. */
export interface WatchedIntegration {
	id: string;
	name?: string;
	/** `contact_emails` of the integration list. */
	contactEmails?: unknown;
	/** The integration's item of the integration list, when the poll read it. */
	listed?: IDataObject;
}

/** The per-integration part of a judging event (see Seen). `kept` is plain JSON. */
export interface Judge<E> {
	/** How many pages of history the watch's start reads to seed what the event learns. */
	seedPages: (event: E) => number;
	/** What is learned from the history already there (newest first), before judging it. */
	seed: (event: E, historyNewestFirst: IDataObject[]) => IDataObject;
	/**
	 * Judges the integration now: the items to emit and what to keep. At the watch's start its
	 * items are dropped (what holds then is history, not news), but what it keeps stays.
	 */
	judge: (event: E, kept: IDataObject, seen: Seen) => { kept: IDataObject; emitted: IDataObject[] };
	/**
	 * Whether this poll needs the integration list, also watching one integration (`kept`: what
	 * the previous poll kept of it; none at the watch's start or for Fetch Test Event).
	 */
	readsList?: (event: E, kept: IDataObject | undefined, now: number) => boolean;
}

/**
 * The fields every judging event's item carries: the sync's own (when the item is about one),
 * `integration_id`, `integration_name` and `contact_emails` (null when unknown).
 */
export function judgedItem(integration: WatchedIntegration, sync?: IDataObject): IDataObject {
	const item = sync ? toSyncItem(sync, integration.id, integration.name) : {};
	return {
		...item,
		integration_id: item.integration_id ?? integration.id,
		integration_name: item.integration_name ?? integration.name ?? null,
		contact_emails: integration.contactEmails ?? null,
	};
}

/** The name an alert uses: the integration's name, or its ID. */
export const nameOf = (integration: WatchedIntegration) => integration.name ?? integration.id;

/**
 * An incident's key: the same for an integration in every poll of a trigger node, across
 * restarts, so that an on-call tool folds its alerts into one incident; another workflow or node
 * has its own.
 */
export const incidentKey = (context: IPollFunctions, integrationId: string) =>
	`braze-cdi:${context.getWorkflow().id ?? ''}:${context.getNode().id}:${integrationId}`;
