import type {
	IDataObject,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import {
	advance,
	initialState,
	readBackTo,
	stateFromLastJob,
	type WatchState,
} from './helpers/syncWatch';
import { FAILED_STATUSES, latestSync, startTime, toSyncItem } from './helpers/syncs';
import { searchIntegrations } from './methods/listSearch';
import { readIntegrations, readSyncs } from './reader/readSyncs';
import { checkIntegrationId, integrationIdLocator, jobStatusOptions } from './shared/parameters';
import { integrationList, jobSyncStatus, pollRateLimited } from './transport';

/**
 * What the trigger keeps in the node's static data between polls. A poll replaces these
 * top-level keys whole (never mutating inside them): n8n saves static data only when it sees
 * a top-level change, and a poll that fails must leave the state as it was.
 */
interface WatchData {
	/** When the watch began: integrations that appear later are watched from then on. */
	activatedAt?: number;
	/** By integration ID; integrations no longer watched (or listed) are dropped. */
	integrations?: Record<string, WatchState>;
}

/** An integration to read in a poll, with what the poll knows of it beforehand. */
interface Watched {
	id: string;
	name?: string;
	/** Watching all: the list's last job start (epoch ms) and its signature, start and status. */
	lastStart?: number;
	lastJob?: string;
	lastStatus?: unknown;
}

/** n8n 1.x gives polls no budget: this much, so that a poll ends before the next minute's. */
const FALLBACK_POLL_BUDGET_MS = 60_000;

/** Polls of one trigger node running in this process, to skip a tick that overlaps a slow poll. */
const pollsInFlight = new Set<string>();

export class BrazeCdiTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Braze Cloud Data Ingestion Trigger',
		name: 'brazeCdiTrigger',
		icon: { light: 'file:brazeCdi.svg', dark: 'file:brazeCdi.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["event"] === "syncFailed" ? "Sync Failed" : "Sync Finished"}}',
		description: 'Starts the workflow when a Braze Cloud Data Ingestion sync finishes, or fails',
		defaults: { name: 'Braze CDI Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'brazeCdiApi', required: true }],
		properties: [
			{
				displayName: 'Watch',
				name: 'watch',
				type: 'options',
				options: [
					{
						name: 'One Integration',
						value: 'integration',
						description:
							'Watch the integration chosen below (one request a poll when nothing happened)',
					},
					{
						name: 'All Integrations',
						value: 'allIntegrations',
						description:
							'Watch every integration of the workspace, new ones included (the API key also needs cdi.integration_list)',
					},
				],
				default: 'integration',
				description: 'Which integrations to watch for finished syncs',
			},
			{ ...integrationIdLocator, displayOptions: { show: { watch: ['integration'] } } },
			{
				displayName: 'Event',
				name: 'event',
				type: 'options',
				options: [
					{
						name: 'Sync Failed',
						value: 'syncFailed',
						description: 'A sync finished with one of the chosen statuses',
					},
					{
						name: 'Sync Finished',
						value: 'syncFinished',
						description: 'A sync finished, whatever its status',
					},
				],
				default: 'syncFailed',
			},
			{
				displayName: 'Statuses',
				name: 'statuses',
				type: 'multiOptions',
				options: jobStatusOptions.filter((option) => option.value !== 'running'),
				default: [...FAILED_STATUSES],
				description: 'The statuses that count as failed',
				displayOptions: { show: { event: ['syncFailed'] } },
			},
		],
	};

	methods = { listSearch: { searchIntegrations } };

	/**
	 * Emits each sync that finished since the previous poll, once: new ones, and ones seen
	 * running before. When nothing happened, a poll costs one request (one integration), or the
	 * integration list alone (all integrations: only those whose last job changed are read).
	 */
	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const event = this.getNodeParameter('event') as string;
		const statuses =
			event === 'syncFailed' ? (this.getNodeParameter('statuses', []) as string[]) : [];
		const matches = (sync: IDataObject) =>
			sync.job_status !== 'running' &&
			(event !== 'syncFailed' || statuses.includes(String(sync.job_status)));

		if (this.getMode() === 'manual') {
			const latest = await latestMatching.call(this, await watchedIntegrations.call(this), matches);
			return latest ? [[{ json: latest }]] : null;
		}

		// A tick that starts while the previous poll still reads would read the same state.
		const key = `${this.getWorkflow().id}:${this.getNode().id}`;
		if (pollsInFlight.has(key)) return null;
		pollsInFlight.add(key);
		try {
			const emitted = await pollOnce.call(this, matches);
			return emitted.length ? [this.helpers.returnJsonArray(emitted)] : null;
		} finally {
			pollsInFlight.delete(key);
		}
	}
}

/**
 * One poll: reads what changed, then writes the new state in one assignment and answers the
 * finished syncs that match, oldest first. Nothing is written when it throws. Reading stops at
 * the poll's budget; what was not read yet is left for the next poll.
 */
async function pollOnce(
	this: IPollFunctions,
	matches: (sync: IDataObject) => boolean,
): Promise<IDataObject[]> {
	const deadline = pollDeadline(this);
	const watchAll = this.getNodeParameter('watch') === 'allIntegrations';
	const data = this.getWorkflowStaticData('node') as WatchData;
	const activatedAt = data.activatedAt ?? Date.now();
	const previous = data.integrations ?? {};
	const watched = await watchedIntegrations.call(this, deadline);

	const next: Record<string, WatchState> = {};
	const emitted: IDataObject[] = [];
	let cutShort: { limitedUntil?: number; integrationId: string } | undefined;
	for (const integration of watched) {
		const known = previous[integration.id];
		if (cutShort) {
			if (known) next[integration.id] = known; // left for the next poll
			continue;
		}
		if (
			watchAll &&
			known === undefined &&
			(data.activatedAt === undefined || integration.lastStart === undefined)
		) {
			// The list tells where its history stands: a new watch, or an integration that never ran.
			next[integration.id] = stateFromLastJob(
				integration.lastStart,
				integration.lastStatus,
				integration.lastJob!,
			);
			continue;
		}
		if (watchAll && known?.lastJob === integration.lastJob && !known?.gaps) {
			next[integration.id] = known!; // its last job is the one already seen: nothing to read
			continue;
		}
		if (known === undefined && !watchAll) {
			// A new watch of one integration: history up to now is not news.
			const newest = await readSyncsBackTo.call(this, integration.id, Infinity, deadline);
			if (newest.cutShort) cutShort = { ...newest.cutShort, integrationId: integration.id };
			else next[integration.id] = initialState(newest.syncs);
			continue;
		}
		// An integration listed after the watch began: its syncs since then are news.
		const state = known ?? { newest: activatedAt, running: [] };
		const read = await readSyncsBackTo.call(this, integration.id, readBackTo(state), deadline);
		const { finished, state: advanced } = advance(state, read.syncs, !read.cutShort);
		next[integration.id] =
			read.cutShort || integration.lastJob === undefined
				? advanced
				: { ...advanced, lastJob: integration.lastJob };
		emitted.push(
			...finished.filter(matches).map((sync) => toSyncItem(sync, integration.id, integration.name)),
		);
		if (read.cutShort) cutShort = { ...read.cutShort, integrationId: integration.id };
	}

	if (JSON.stringify(next) === JSON.stringify(previous) && data.activatedAt !== undefined) {
		// No progress at all: when the rate limit is why, say so, so that n8n waits for it.
		if (cutShort?.limitedUntil !== undefined) {
			throw pollRateLimited.call(
				this,
				jobSyncStatus(cutShort.integrationId),
				cutShort.limitedUntil,
			);
		}
		return [];
	}
	data.integrations = next;
	data.activatedAt = activatedAt;
	return emitted.sort((a, b) => (startTime(a) ?? 0) - (startTime(b) ?? 0));
}

/** When a poll must stop reading: its budget (n8n 2.41+) less a margin to emit what it read. */
function pollDeadline(context: IPollFunctions): number {
	const budget =
		typeof context.getPollBudgetMs === 'function'
			? context.getPollBudgetMs()
			: FALLBACK_POLL_BUDGET_MS;
	return Date.now() + budget - Math.min(5_000, budget / 10);
}

/** The integrations to watch; watching all, with each one's last job as the list tells it. */
async function watchedIntegrations(this: IPollFunctions, deadline?: number): Promise<Watched[]> {
	if (this.getNodeParameter('watch') === 'integration') {
		const locator = this.getNodeParameter('integrationId', {}) as { cachedResultName?: unknown };
		const name =
			typeof locator.cachedResultName === 'string' ? locator.cachedResultName : undefined;
		const id = checkIntegrationId.call(
			this,
			this.getNodeParameter('integrationId', '', { extractValue: true }),
		);
		return [{ id, name }];
	}
	const listing = await readIntegrations.call(this, 0, { deadline });
	// Without the whole list, integrations missing from it cannot be told from deleted ones.
	if (listing.cutShort)
		throw pollRateLimited.call(this, integrationList, listing.cutShort.limitedUntil);
	return listing.integrations.map((integration) => {
		const start = integration.last_job_start_time ?? null;
		const status = integration.last_job_status ?? null;
		return {
			id: String(integration.integration_id),
			name:
				typeof integration.integration_name === 'string' ? integration.integration_name : undefined,
			lastStart: startTime({ sync_start_time: start }),
			lastJob: JSON.stringify([start, status]),
			lastStatus: status,
		};
	});
}

/**
 * The integration's syncs back to `since` (epoch ms), or its newest page for `Infinity`; see
 * readSyncs for what a read cut short by the deadline holds.
 */
async function readSyncsBackTo(
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

/** For "Fetch Test Event": the most recent matching sync of the newest page of each integration. */
async function latestMatching(
	this: IPollFunctions,
	watched: Watched[],
	matches: (sync: IDataObject) => boolean,
): Promise<IDataObject | undefined> {
	const candidates: IDataObject[] = [];
	for (const { id, name } of watched) {
		const sync = latestSync((await readSyncsBackTo.call(this, id, Infinity)).syncs.filter(matches));
		if (sync) candidates.push(toSyncItem(sync, id, name));
	}
	return latestSync(candidates);
}
