import type {
	IDataObject,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { advance, initialState, readBackTo, type WatchState } from '../BrazeCdi/helpers/syncWatch';
import { latestSync, NewestFirstWatch, startTime, toSyncItem } from '../BrazeCdi/helpers/syncs';
import { searchIntegrations } from '../BrazeCdi/methods/listSearch';
import { checkIntegrationId, integrationIdLocator, jobStatusOptions } from '../BrazeCdi/shared/parameters';
import { integrationList, jobSyncStatus, readListing } from '../BrazeCdi/transport';

/** What the trigger keeps in the workflow's static data between polls. */
interface WatchData {
	/** When the watch began: integrations that appear later are watched from then on. */
	activatedAt?: number;
	integrations?: Record<string, WatchState>;
}

export class BrazeCdiTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Braze Cloud Data Ingestion Trigger',
		name: 'brazeCdiTrigger',
		icon: { light: 'file:../BrazeCdi/brazeCdi.svg', dark: 'file:../BrazeCdi/brazeCdi.dark.svg' },
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
					{ name: 'One Integration', value: 'integration' },
					{ name: 'All Integrations', value: 'allIntegrations' },
				],
				default: 'integration',
			},
			{ ...integrationIdLocator, displayOptions: { show: { watch: ['integration'] } } },
			{
				displayName: 'Event',
				name: 'event',
				type: 'options',
				options: [
					{ name: 'Sync Failed', value: 'syncFailed', description: 'A sync finished with one of the chosen statuses' },
					{ name: 'Sync Finished', value: 'syncFinished', description: 'A sync finished, whatever its status' },
				],
				default: 'syncFailed',
			},
			{
				displayName: 'Statuses',
				name: 'statuses',
				type: 'multiOptions',
				options: jobStatusOptions.filter((option) => option.value !== 'running'),
				default: ['error', 'partial', 'config_error'],
				description: 'The statuses that count as failed',
				displayOptions: { show: { event: ['syncFailed'] } },
			},
		],
	};

	methods = { listSearch: { searchIntegrations } };

	/**
	 * Emits each sync that finished since the previous poll, once: new ones, and ones seen
	 * running before. When nothing happened, a poll costs one request per watched integration
	 * (watching all, integrations whose last sync is already known cost none).
	 */
	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const event = this.getNodeParameter('event') as string;
		const statuses = event === 'syncFailed' ? (this.getNodeParameter('statuses', []) as string[]) : [];
		const matches = (sync: IDataObject) =>
			sync.job_status !== 'running' && (event !== 'syncFailed' || statuses.includes(String(sync.job_status)));
		const watched = await watchedIntegrations.call(this);

		if (this.getMode() === 'manual') {
			const latest = await latestMatching.call(this, watched, matches);
			return latest ? [[{ json: latest }]] : null;
		}

		const data = this.getWorkflowStaticData('node') as WatchData;
		const firstPoll = data.activatedAt === undefined;
		data.activatedAt ??= Date.now();
		data.integrations ??= {};
		const emitted: IDataObject[] = [];
		for (const { id, lastStart } of watched) {
			const state = data.integrations[id];
			if (state === undefined && (firstPoll || this.getNodeParameter('watch') === 'integration')) {
				// A new watch: history up to now is not news.
				data.integrations[id] = initialState(await readSyncsBackTo.call(this, id, Infinity));
				continue;
			}
			const known = state ?? { newest: data.activatedAt, running: [] };
			if (known.running.length === 0 && lastStart !== undefined && known.newest !== null && lastStart <= known.newest) {
				continue; // the integrations list already says nothing started since
			}
			const { finished, state: next } = advance(known, await readSyncsBackTo.call(this, id, readBackTo(known)));
			data.integrations[id] = next;
			emitted.push(...finished.filter(matches).map((sync) => toSyncItem(sync, id)));
		}
		if (emitted.length === 0) return null;
		emitted.sort((a, b) => (startTime(a) ?? 0) - (startTime(b) ?? 0));
		return [this.helpers.returnJsonArray(emitted)];
	}
}

/** The integrations to watch, with the start of each one's last sync when the list tells it. */
async function watchedIntegrations(this: IPollFunctions): Promise<Array<{ id: string; lastStart?: number }>> {
	if (this.getNodeParameter('watch') === 'integration') {
		return [{ id: checkIntegrationId.call(this, this.getNodeParameter('integrationId', '', { extractValue: true })) }];
	}
	const integrations: Array<{ id: string; lastStart?: number }> = [];
	await readListing.call(this, 0, {
		...integrationList,
		pages: Infinity,
		onPage: (results) => {
			for (const integration of results) {
				integrations.push({
					id: String(integration.integration_id),
					lastStart: startTime({ sync_start_time: integration.last_job_start_time }),
				});
			}
			return Infinity;
		},
	});
	return integrations;
}

/**
 * The integration's syncs, newest first, back to `since` (epoch ms): pages stop once they reach
 * before it, while they are seen newest first. `Infinity` reads the newest page only.
 */
async function readSyncsBackTo(this: IPollFunctions, integrationId: string, since: number): Promise<IDataObject[]> {
	const order = new NewestFirstWatch();
	const syncs: IDataObject[] = [];
	await readListing.call(this, 0, {
		...jobSyncStatus(integrationId),
		pages: 1,
		onPage: (results) => {
			order.see(results);
			syncs.push(...results);
			if (since === Infinity || order.passed(since)) return 0;
			return order.holds ? 1 : Infinity;
		},
	});
	return syncs;
}

/** For "Fetch Test Event": the most recent matching sync of the newest page of each integration. */
async function latestMatching(
	this: IPollFunctions,
	watched: Array<{ id: string }>,
	matches: (sync: IDataObject) => boolean,
): Promise<IDataObject | undefined> {
	const candidates: IDataObject[] = [];
	for (const { id } of watched) {
		const sync = latestSync((await readSyncsBackTo.call(this, id, Infinity)).filter(matches));
		if (sync) candidates.push(toSyncItem(sync, id));
	}
	return latestSync(candidates);
}
