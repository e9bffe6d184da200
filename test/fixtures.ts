import nock from 'nock';
import type { IDataObject } from 'n8n-workflow';

import { API_KEY, ENDPOINT } from './harness';

export const INTEGRATION_ID = '00000000-0000-0000-0000-000000000000';
const STATUSES = ['success', 'partial', 'error', 'config_error', 'success', 'success', 'error'];

/**
 * `count` syncs, newest first, one hour apart, ending at `newest`. Statuses cycle through
 * every status; the newest is `running` with a null finish time when `running` is set.
 */
export function makeSyncs(
	count: number,
	{ newest = Date.parse('2026-03-25T12:00:00Z'), running = false } = {},
) {
	return Array.from({ length: count }, (_, index): IDataObject => {
		const start = newest - index * 3_600_000;
		if (running && index === 0) {
			return {
				job_status: 'running',
				sync_start_time: iso(start),
				sync_finish_time: null,
				last_timestamp_synced: null,
				rows_synced: 0,
				rows_failed_with_errors: 0,
			};
		}
		const status = STATUSES[index % STATUSES.length];
		return {
			job_status: status,
			sync_start_time: iso(start),
			sync_finish_time: iso(start + 90_500),
			last_timestamp_synced: iso(start - 600_000),
			rows_synced: status === 'error' || status === 'config_error' ? 0 : 1000 + index,
			rows_failed_with_errors: status === 'partial' ? 7 : 0,
		};
	});
}

const iso = (millis: number) => new Date(millis).toISOString();

/**
 * What List Job Sync Status emits for a sync of makeSyncs: its fields unchanged, plus two of ours
 * (each of those syncs lasted 90.5 s).
 */
export const syncItem = (sync: IDataObject) => ({
	...sync,
	integration_id: INTEGRATION_ID,
	duration_seconds: sync.sync_finish_time ? 90.5 : null,
});

export const cursorFor = (skip: number) => Buffer.from(`skip:${skip}`).toString('base64');

export type LinkStyle = 'relative' | 'absolute' | 'missingSlash' | 'foreign';

interface HistoryOptions {
	integrationId?: string;
	linkStyle?: LinkStyle;
	/** Put `prev` after `next` in the header (Braze's docs put it first). */
	nextFirst?: boolean;
	pageSize?: number;
}

/**
 * Serves `syncs` as Braze does: 10 a page, cursors in a `Link` header (none at 10 or fewer,
 * no `prev` on the first page, no `next` on the last). Each page can be requested once;
 * `requests` records the pages asked for, by their skip, and the Authorization headers seen.
 */
export function serveHistory(syncs: IDataObject[], options: HistoryOptions = {}) {
	const {
		integrationId = INTEGRATION_ID,
		linkStyle = 'relative',
		nextFirst = false,
		pageSize = 10,
	} = options;
	const path = `/cdi/integrations/${integrationId}/job_sync_status`;
	const requests: number[] = [];
	const authorizations: string[] = [];
	const scope = nock(ENDPOINT);

	const target = (skip: number, rel: 'prev' | 'next') => {
		const query = `?cursor=${encodeURIComponent(cursorFor(skip))}`;
		if (rel === 'next' && linkStyle === 'foreign')
			return `https://braze.example.net${path}${query}`;
		if (linkStyle === 'absolute') return `${ENDPOINT}${path}${query}`;
		if (linkStyle === 'missingSlash')
			return `/cdi/integrations${integrationId}/job_sync_status${query}`;
		return `${path}${query}`;
	};

	const pages = Math.max(1, Math.ceil(syncs.length / pageSize));
	for (let page = 0; page < pages; page++) {
		const skip = page * pageSize;
		scope
			.get(path)
			.query((query) =>
				page === 0 ? query.cursor === undefined : query.cursor === cursorFor(skip),
			)
			.reply(function () {
				requests.push(skip);
				authorizations.push(String(this.req.headers.authorization));
				const links: string[] = [];
				if (page > 0) links.push(`<${target(skip - pageSize, 'prev')}>; rel="prev"`);
				if (page < pages - 1) links.push(`<${target(skip + pageSize, 'next')}>; rel="next"`);
				if (nextFirst) links.reverse();
				const headers: Record<string, string> = links.length ? { link: links.join(',') } : {};
				return [200, { results: syncs.slice(skip, skip + pageSize), message: 'success' }, headers];
			});
	}
	return { scope, requests, authorizations, path };
}

export const byId = (value: string) => ({ __rl: true, mode: 'id', value });

export const listParameters = (extra: IDataObject = {}) => ({
	resource: 'jobSync',
	operation: 'list',
	integrationId: byId(INTEGRATION_ID),
	...extra,
});

export const getLatestParameters = (extra: IDataObject = {}) => ({
	resource: 'jobSync',
	operation: 'getLatest',
	integrationId: byId(INTEGRATION_ID),
	...extra,
});

/** Fails the test when the API key shows up anywhere in what n8n recorded of the run. */
export function expectNoKeyIn(value: unknown) {
	const text = JSON.stringify(value, (_key, inner) =>
		inner instanceof Error ? { ...inner, message: inner.message, stack: inner.stack } : inner,
	);
	expect(text).not.toContain(API_KEY);
}
