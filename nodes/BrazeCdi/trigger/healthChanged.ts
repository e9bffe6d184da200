import type { IDataObject } from 'n8n-workflow';

import { healthAlert, MINUTE_MS, missedRun } from '../helpers/alerts';
import { formatDuration, formatPercent, timeWithZone } from '../helpers/format';
import {
	dataAgeHours,
	HOUR_MS,
	isStale,
	lastDataSync,
	volumeHistory,
	type VolumeOptions,
} from '../helpers/health';
import {
	latestSync,
	parseTime,
	rowCounts,
	rowFailureRateAtOrAbove,
	startTime,
} from '../helpers/syncs';
import { judgedItem, nameOf, type Judge, type Seen } from './judge';
import { judgeVolumes, volumeSeedPages } from './volumeAnomaly';

/** The checks, in the order an item lists its reasons. */
export const HEALTH_CHECKS = [
	'failing',
	'stuck',
	'missedSchedule',
	'stale',
	'rowErrorRate',
	'volumeAnomaly',
] as const;
export type HealthCheck = (typeof HEALTH_CHECKS)[number];

/** Integration Health Changed with its checks and the parameters of the checks chosen. */
export interface HealthChangedEvent {
	kind: 'healthChanged';
	/** In HEALTH_CHECKS' order. */
	checks: HealthCheck[];
	statuses?: string[];
	runningMinutes?: number;
	graceMinutes?: number;
	staleHours?: number;
	thresholdPercent?: number;
	volume?: VolumeOptions;
	/** 0: never. */
	remindHours: number;
}

/** What Health Changed keeps of an integration. */
interface Kept {
	/** The newest finished sync (by start): its start, status, and the checks it trips. */
	newest?: { start: number; status: string; trips: HealthCheck[] };
	/** Stale check: the newest finished sync with data (lastDataSync). */
	data?: IDataObject;
	/** Volume check: the normal (see volumeAnomaly.ts). */
	rows?: number[];
	/** The checks that held at the last judgement; none: healthy. */
	reasons: HealthCheck[];
	/** When the integration became healthy or unhealthy as it is (epoch ms). */
	since?: number;
	/** When an item about the open incident was last emitted. */
	notifiedAt?: number;
	/**
	 * Missed Schedule check, from the integration list when it was last read: when (epoch ms), the
	 * next scheduled run it gave (null: none) and the integration's contact emails.
	 */
	listedAt?: number;
	nextRun?: number | null;
	contactEmails?: unknown;
	/** The integration's name when a poll knew it, for an incident closed without the list. */
	name?: string;
}

/** Kept, after taking in the syncs that finished (oldest first). */
function absorb(event: HealthChangedEvent, kept: Kept, finished: IDataObject[]): Kept {
	const next: Kept = { ...kept };
	let unusual: IDataObject[] = [];
	if (event.volume) {
		const judged = judgeVolumes(event.volume, kept.rows ?? [], finished);
		next.rows = judged.rows;
		unusual = judged.unusual.map(({ sync }) => sync);
	}
	if (event.checks.includes('stale')) {
		const data = lastDataSync([...finished, ...(kept.data ? [kept.data] : [])]);
		if (data) next.data = data;
	}
	const newest = latestSync(finished);
	const start = newest && startTime(newest);
	if (newest && start !== undefined && (kept.newest === undefined || start >= kept.newest.start)) {
		const trips: HealthCheck[] = [];
		if (event.statuses?.includes(String(newest.job_status))) trips.push('failing');
		if (
			event.thresholdPercent !== undefined &&
			rowFailureRateAtOrAbove(rowCounts(newest), event.thresholdPercent)
		)
			trips.push('rowErrorRate');
		if (unusual.includes(newest)) trips.push('volumeAnomaly');
		next.newest = { start, status: String(newest.job_status), trips };
	}
	return next;
}

/** The checks that hold now, in HEALTH_CHECKS' order, each with its words for the alert. */
function reasonsNow(event: HealthChangedEvent, kept: Kept, seen: Seen): Map<HealthCheck, string> {
	const { now } = seen;
	const reasons = new Map<HealthCheck, string>();
	const age = dataAgeHours(kept.data, now);
	const holds: Record<HealthCheck, () => string | undefined> = {
		failing: () =>
			kept.newest?.trips.includes('failing')
				? `its newest sync ended ${kept.newest.status}`
				: undefined,
		stuck: () =>
			seen.running.some((start) => now - start >= event.runningMinutes! * MINUTE_MS)
				? `a sync has been running over ${event.runningMinutes} min`
				: undefined,
		missedSchedule: () =>
			seen.integration.listed &&
			missedRun(seen.integration.listed, now, event.graceMinutes! * MINUTE_MS) !== undefined
				? `a scheduled sync has not started (${event.graceMinutes} min grace)`
				: undefined,
		stale: () =>
			isStale(age, event.staleHours!)
				? `its data is ${formatDuration(age! * HOUR_MS, 'minutes')} old (stale after ${event.staleHours} h)`
				: undefined,
		rowErrorRate: () =>
			kept.newest?.trips.includes('rowErrorRate')
				? `row errors at or above ${formatPercent(event.thresholdPercent! / 100)} in its newest sync`
				: undefined,
		volumeAnomaly: () =>
			kept.newest?.trips.includes('volumeAnomaly')
				? 'its newest sync brought an unusual number of rows'
				: undefined,
	};
	for (const check of event.checks) {
		const words = holds[check]();
		if (words !== undefined) reasons.set(check, words);
	}
	return reasons;
}

const sameChecks = (a: HealthCheck[], b: HealthCheck[]) =>
	a.length === b.length && a.every((check, index) => check === b[index]);

/**
 * Emits an integration when it becomes unhealthy (any chosen check holds), when the checks that
 * hold change, and when it recovers; while unhealthy, again every remindHours (0: never).
 */
export const healthChanged: Judge<HealthChangedEvent> = {
	seedPages: (event) => (event.volume ? volumeSeedPages(event.volume.historySize) : 1),
	seed: (event, history) => {
		const newest = latestSync(history.filter((sync) => sync.job_status !== 'running'));
		const older = history.filter((sync) => sync !== newest);
		const base: Kept = {
			reasons: [],
			...(event.volume ? { rows: volumeHistory(older, event.volume.historySize) } : {}),
		};
		const data = event.checks.includes('stale') ? lastDataSync(older) : undefined;
		if (data) base.data = data;
		return absorb(event, base, newest ? [newest] : []) as unknown as IDataObject;
	},
	// Watching one integration, the list is read for its schedule only when that can matter: once
	// its next run has come (a sync started, or the run is missed), when it is unknown, and at
	// least hourly. Until then an idle poll reads the integration's newest page alone, as the
	// other events do, and the Missed Schedule check cannot hold.
	readsList: (event, stored, now) => {
		if (!event.checks.includes('missedSchedule')) return false;
		const kept = stored as unknown as Kept | undefined;
		return (
			kept?.listedAt === undefined ||
			kept.nextRun === undefined ||
			now - kept.listedAt >= HOUR_MS ||
			(kept.nextRun !== null && now >= kept.nextRun)
		);
	},
	judge: (event, stored, seen) => {
		const kept = absorb(event, stored as unknown as Kept, seen.finished);
		const { listed } = seen.integration;
		if (seen.integration.name !== undefined) kept.name = seen.integration.name;
		if (seen.integration.contactEmails !== undefined)
			kept.contactEmails = seen.integration.contactEmails;
		if (listed !== undefined && event.checks.includes('missedSchedule')) {
			kept.listedAt = seen.now;
			kept.nextRun = parseTime(listed.next_scheduled_run) ?? null;
		}
		// A poll that did not read the list knows the contact emails from the last that did.
		const integration =
			seen.integration.contactEmails === undefined
				? { ...seen.integration, contactEmails: kept.contactEmails }
				: seen.integration;
		const found = reasonsNow(event, kept, seen);
		const reasons = [...found.keys()];
		const { now } = seen;
		const changed = !sameChecks(reasons, kept.reasons);
		const opensOrCloses = changed && (reasons.length === 0 || kept.reasons.length === 0);
		const since = opensOrCloses || kept.since === undefined ? now : kept.since;
		const remindMs = event.remindHours * HOUR_MS;
		const reminder =
			!changed &&
			reasons.length > 0 &&
			remindMs > 0 &&
			now - (kept.notifiedAt ?? since) >= remindMs;
		const next: Kept = { ...kept, reasons, since };
		if (!changed && !reminder) return { kept: next as unknown as IDataObject, emitted: [] };
		next.notifiedAt = now;
		const alert = healthAlert(nameOf(integration), {
			reasons: [...found.values()],
			since,
			previousSince: kept.since,
			now,
			reminder,
			timeZone: seen.timeZone,
		});
		return {
			kept: next as unknown as IDataObject,
			emitted: [
				{
					...judgedItem(integration),
					health: reasons.length ? 'unhealthy' : 'healthy',
					reasons,
					since: new Date(since).toISOString(),
					incident_key: seen.incidentKey,
					reminder,
					alert,
				},
			],
		};
	},
};

/** An incident closed because its integration is no longer watched, in words. */
function closedAlert(name: string, since: number | undefined, timeZone: string): string {
	const open = since === undefined ? '' : ` (unhealthy since ${timeWithZone(since, timeZone)})`;
	return `${name} is no longer watched (deleted, or left out of the trigger's settings): its incident${open} is closed`;
}

/**
 * An open incident in what Health Changed kept of an integration: what outlives its watch when
 * the trigger's settings are edited (see pollSyncs), with what names it. Undefined when healthy,
 * or for another event's state. A copy, plain JSON (static data holds no undefined).
 */
export function openIncident(stored: IDataObject): IDataObject | undefined {
	const { reasons, since, notifiedAt, name, contactEmails } = stored as unknown as Kept;
	if (!Array.isArray(reasons) || reasons.length === 0) return undefined;
	return JSON.parse(
		JSON.stringify({ reasons, since, notifiedAt, name, contactEmails }),
	) as IDataObject;
}

/** The item that closes an open incident whose integration is no longer watched. */
export function closedIncident(
	incident: IDataObject,
	integrationId: string,
	now: number,
	timeZone: string,
	key: string,
): IDataObject {
	const { since, name, contactEmails } = incident as unknown as Kept;
	const integration = { id: integrationId, name, contactEmails };
	return {
		...judgedItem(integration),
		health: 'healthy',
		reasons: [],
		since: new Date(now).toISOString(),
		incident_key: key,
		reminder: false,
		alert: closedAlert(nameOf(integration), since, timeZone),
	};
}
