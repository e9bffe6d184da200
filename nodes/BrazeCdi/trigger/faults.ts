import type { IDataObject, IPollFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { MINUTE_MS } from '../helpers/alerts';
import { formatDuration, timeWithZone } from '../helpers/format';
import type { WatchData } from './watchState';

/** Failure causes a wait can end, as n8n 2.41 declares them: polls skip these for a while. */
const TRANSIENT_CAUSES = ['rate-limited', 'temporarily-unavailable'];

/** How long a transient fault may last before a poll reports it (once). */
const OUTAGE_REPORTED_AFTER_MS = 15 * MINUTE_MS;

/**
 * n8n without the scheduler: a poll that failed because of Braze. A transient fault (rate limit,
 * Braze unavailable) lost nothing: the poll emits nothing and the next goes on from the same
 * state; only when it lasts past OUTAGE_REPORTED_AFTER_MS does a poll report it. A lasting fault
 * (a rejected key, a deleted integration) is reported at once. Either is reported once, until a
 * poll succeeds again. Any other error is reported every time. With n8n's scheduler, every
 * failure is thrown as it is.
 */
export function faultEpisode(
	this: IPollFunctions,
	data: WatchData,
	error: unknown,
	scheduled: boolean,
): IDataObject[] {
	// n8n's scheduler reads the failure's cause (and waits, for the rate limit): it is told each
	// time. Without it, each failed poll is a failed execution, and runs the Error Workflow.
	if (scheduled) throw error;
	const cause = (error as { failure?: { cause?: unknown } } | null)?.failure?.cause;
	if (typeof cause !== 'string') throw error;
	const now = Date.now();
	const message = error instanceof Error ? error.message : String(error);
	// A lasting fault is one episode while it says the same: another one after it (a permission
	// lost after n8n's sandbox was taken, say) is reported too, though n8n gives both one cause.
	const kind = TRANSIENT_CAUSES.includes(cause) ? 'transient' : `${cause}: ${message}`;
	const episode = data.fault?.kind === kind ? data.fault : { kind, since: now, reported: false };
	const due =
		!episode.reported && (kind !== 'transient' || now - episode.since >= OUTAGE_REPORTED_AFTER_MS);
	data.fault = { ...episode, reported: episode.reported || due };
	if (!due) return [];
	if (kind !== 'transient') throw error;
	throw new NodeOperationError(
		this.getNode(),
		`This trigger's polls have failed for ${formatDuration(now - episode.since, 'minutes')} (since ${timeWithZone(episode.since, this.getTimezone())}): ${message}`,
		{
			description:
				'Polls go on as scheduled, and nothing is missed: once Braze answers, the next poll emits what happened meanwhile. This is reported once per outage.',
		},
	);
}
