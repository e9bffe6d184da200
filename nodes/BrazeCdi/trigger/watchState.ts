import type { IDataObject, IPollFunctions } from 'n8n-workflow';

import type { WatchState } from '../helpers/syncWatch';
import { checkIntegrationId } from '../common/parameters';
import { CREDENTIAL_TYPE } from '../transport';
import type { TriggerEvent } from './events';

/**
 * What the trigger keeps in the node's static data between polls. A poll replaces these
 * top-level keys whole (never mutating inside them): n8n saves static data only when it sees
 * a top-level change, and a poll that fails must leave the state as it was.
 */
export interface WatchData extends Watch {
	/**
	 * What the state watches (watchSettings): a state kept for other settings is not continued,
	 * the watch starts afresh. Absent in states of versions before it (then continued).
	 */
	settings?: string;
	/** n8n without the poll scheduler: the fault the polls are failing with, since when. */
	fault?: FaultEpisode;
	/** A poll n8n's scheduler ran started the watch, and none has kept it since (continuedWatch). */
	scheduledStart?: boolean;
}

/** A watch: since when, and what it remembers (the part its event keeps). */
export interface Watch {
	/** When the watch began: integrations that appear later are watched from then on. */
	activatedAt?: number;
	/** By integration ID; integrations no longer watched (or listed) are dropped. */
	integrations?: Record<string, WatchState>;
	/**
	 * Scheduled Sync Missed: by integration ID, the `next_scheduled_run` already alerted, while it
	 * stays missed.
	 */
	missedRuns?: Record<string, string>;
	/**
	 * Health Changed: by integration ID, incidents open when the watch started afresh (an edit),
	 * until its first polls take each up or close it (see pollSyncs).
	 */
	carried?: Record<string, IDataObject>;
}

/** What one poll found: what to emit, and the watch after it; `changed` when that differs. */
export interface PollOutcome {
	emitted: IDataObject[];
	next: Watch;
	changed: boolean;
}

/**
 * In the workflow's global static data, by node ID: the watch each trigger node started last,
 * with its settings. n8n 2.41 with durable poll cursors discards the state of the poll run at
 * activation, but saves the workflow's global static data after activation: its first scheduled
 * poll goes on from here (see continuedWatch).
 */
const WATCH_STARTS = 'brazeCdiWatchStarts';

interface FaultEpisode {
	/** 'transient' (rate limit, Braze unavailable), or a lasting fault's `cause: message`. */
	kind: string;
	since: number;
	reported: boolean;
}

/**
 * What decides what the trigger emits: the credential (another one may be another workspace),
 * the integration watched (or all) and the event with its parameters. Poll times are not in it:
 * changing them keeps the watch.
 */
export function watchSettings(this: IPollFunctions, event: TriggerEvent): string {
	const watchAll = this.getNodeParameter('watch') === 'allIntegrations';
	const integration = watchAll
		? null
		: checkIntegrationId.call(
				this,
				this.getNodeParameter('integrationId', '', { extractValue: true }),
			);
	const credential = this.getNode().credentials?.[CREDENTIAL_TYPE]?.id ?? null;
	// Remind Every says when an open incident is told again, not what is watched: it keeps the watch.
	const { remindHours: _reminders, ...watched } = event as TriggerEvent & { remindHours?: number };
	return JSON.stringify({ credential, integration, event: watched });
}

/**
 * The watch this poll goes on from: the node's state when it belongs to these settings; else, in
 * a poll n8n's scheduler runs, the watch the activation started with these settings (WATCH_STARTS),
 * whose state n8n did not keep; else none, and the watch starts now.
 *
 * n8n saves WATCH_STARTS once every trigger of the workflow is activated, and may run a scheduled
 * poll before that, which then starts a watch of its own (scheduledStart). Until a later poll keeps
 * that watch, the activation's, once saved, is taken instead when it began first: nothing that
 * finished after the activation poll is taken for history.
 */
export function continuedWatch(
	this: IPollFunctions,
	data: WatchData,
	settings: string,
	scheduled: boolean,
): Watch | undefined {
	const activation = scheduled ? activationStart.call(this, settings) : undefined;
	if (data.activatedAt === undefined || (data.settings ?? settings) !== settings) return activation;
	const activationFirst =
		data.scheduledStart === true &&
		activation?.activatedAt !== undefined &&
		activation.activatedAt <= data.activatedAt;
	return activationFirst ? activation : data;
}

/** The watch this node's activation started with these settings, as n8n saved it (WATCH_STARTS). */
function activationStart(this: IPollFunctions, settings: string): Watch | undefined {
	const starts = this.getWorkflowStaticData('global')[WATCH_STARTS] as
		Record<string, Watch & { settings: string }> | undefined;
	const start = starts?.[this.getNode().id];
	return start?.settings === settings ? start : undefined;
}

/**
 * Writes the watch after a poll, replacing top-level keys whole; a watch the activation starts is
 * also recorded in WATCH_STARTS, for a first scheduled poll that n8n hands the state before it. A
 * scheduled start records nothing: saved, it would replace the activation's record it gives way to.
 */
export function keepWatch(
	this: IPollFunctions,
	data: WatchData,
	settings: string,
	next: Watch,
	/** Whether the watch started in this poll, and if so in one n8n's scheduler ran. */
	starts: false | 'scheduled' | 'unscheduled',
) {
	if (data.settings !== settings) data.settings = settings;
	data.activatedAt = next.activatedAt;
	if (next.integrations !== undefined) data.integrations = next.integrations;
	else if ('integrations' in data) delete data.integrations;
	if (next.missedRuns !== undefined) data.missedRuns = next.missedRuns;
	else if ('missedRuns' in data) delete data.missedRuns;
	if (next.carried !== undefined) data.carried = next.carried;
	else if ('carried' in data) delete data.carried;
	if (starts === 'scheduled') data.scheduledStart = true;
	else if ('scheduledStart' in data) delete data.scheduledStart;
	if (starts !== 'unscheduled') return;
	const global = this.getWorkflowStaticData('global');
	global[WATCH_STARTS] = {
		...(global[WATCH_STARTS] as IDataObject | undefined),
		[this.getNode().id]: { settings, ...next },
	};
}

/** Drops this node's record from WATCH_STARTS, replacing the key whole (see keepWatch). */
export function forgetWatchStart(this: IPollFunctions) {
	const global = this.getWorkflowStaticData('global');
	const starts = global[WATCH_STARTS] as IDataObject | undefined;
	const nodeId = this.getNode().id;
	if (starts === undefined || !(nodeId in starts)) return;
	const { [nodeId]: _forgotten, ...others } = starts;
	global[WATCH_STARTS] = others;
}
