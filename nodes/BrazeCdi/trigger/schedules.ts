import type { IDataObject, IPollFunctions } from 'n8n-workflow';

import { MINUTE_MS, missedRun, missedScheduleAlert, newlyMissed } from '../helpers/alerts';
import { pollDeadline } from './budget';
import { listIntegrations, watchedIntegrations } from './integrations';
import type { PollOutcome, Watch } from './watchState';

/**
 * Scheduled Sync Missed: reads the integration list (only the chosen integration in it, watching
 * one), and emits each missed run once, from the second poll of a watch on: as for finished syncs,
 * the poll that starts a watch emits nothing.
 */
export async function pollSchedules(
	this: IPollFunctions,
	graceMinutes: number,
	watch: Watch | undefined,
): Promise<PollOutcome> {
	const previous = watch?.missedRuns ?? {};
	const { missed, alerted } = await missedNow.call(
		this,
		graceMinutes,
		previous,
		pollDeadline(this),
	);
	const starting = watch === undefined;
	return {
		emitted: starting ? [] : missed,
		next: { activatedAt: watch?.activatedAt ?? Date.now(), missedRuns: starting ? {} : alerted },
		changed: starting || JSON.stringify(alerted) !== JSON.stringify(previous),
	};
}

/** The runs missed now that are not in `alerted`, as items, earliest first; and what to remember. */
export async function missedNow(
	this: IPollFunctions,
	graceMinutes: number,
	alerted: Record<string, string>,
	deadline?: number,
): Promise<{ missed: IDataObject[]; alerted: Record<string, string> }> {
	const watchOne = this.getNodeParameter('watch') === 'integration';
	const [one] = watchOne ? await watchedIntegrations.call(this) : []; // checks the ID first
	const listed = (await listIntegrations.call(this, deadline)).filter(
		(integration) => !watchOne || String(integration.integration_id) === one.id,
	);
	const now = Date.now();
	const found = newlyMissed(listed, alerted, now, graceMinutes * MINUTE_MS);
	const due = (integration: IDataObject) => missedRun(integration, now, graceMinutes * MINUTE_MS)!;
	return {
		alerted: found.alerted,
		missed: found.missed
			.sort((a, b) => due(a) - due(b))
			.map((integration) => ({
				...integration,
				alert: missedScheduleAlert(
					String(integration.integration_name ?? integration.integration_id),
					due(integration),
					graceMinutes,
					this.getTimezone(),
				),
			})),
	};
}
