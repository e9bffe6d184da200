import {
	CUSTOM_URL_RULE,
	resolveRestEndpoint,
	REST_ENDPOINTS,
} from '../nodes/BrazeCdi/helpers/endpoint';
import { nextPage } from '../nodes/BrazeCdi/helpers/linkHeader';
import { backoffMs, retryAfterMs } from '../nodes/BrazeCdi/helpers/retry';
import { jobStatusOptions } from '../nodes/BrazeCdi/common/parameters';
import {
	JOB_STATUSES,
	latestSync,
	matchesFilters,
	NewestFirstWatch,
	toSyncItem,
} from '../nodes/BrazeCdi/helpers/syncs';
import {
	advance,
	initialState,
	isNews,
	readBackTo,
	stateFromLastJob,
	type WatchState,
} from '../nodes/BrazeCdi/helpers/syncWatch';

const ORIGIN = 'https://rest.iad-01.braze.com';
const PATH = '/cdi/integrations/00000000-0000-0000-0000-000000000000/job_sync_status';

describe('nextPage (Link header)', () => {
	test.each([
		[
			'the docs example, prev first',
			`<${PATH}?cursor=c2tpcDow>; rel="prev",<${PATH}?cursor=c2tpcDoxMDA=>; rel="next"`,
			'c2tpcDoxMDA=',
		],
		[
			'next first',
			`<${PATH}?cursor=bmV4dA==>; rel="next", <${PATH}?cursor=cHJldg==>; rel="prev"`,
			'bmV4dA==',
		],
		['unquoted rel, no spaces', `<${PATH}?cursor=abc>;rel=next`, 'abc'],
		[
			'spaces and extra parameters',
			`<${PATH}?cursor=abc&x=1> ; title="page" ;  rel = "next" ; type="json"`,
			'abc',
		],
		['a rel list', `<${PATH}?cursor=abc>; rel="last next"`, 'abc'],
		['cursor not first in the query', `<${PATH}?x=1&cursor=abc>; rel="next"`, 'abc'],
		[
			'URL-encoded cursor kept as sent',
			`<${PATH}?cursor=c2tpcDoxMDA%3D>; rel="next"`,
			'c2tpcDoxMDA%3D',
		],
		['absolute on the endpoint', `<${ORIGIN}${PATH}?cursor=abc>; rel="next"`, 'abc'],
		[
			'the docs missing slash',
			`</cdi/integrations00000000-0000-0000-0000-000000000000/job_sync_status?cursor=abc>; rel="next"`,
			'abc',
		],
		// Only the cursor is taken: the request stays on the configured endpoint wherever the link points.
		[
			'absolute on another host (Braze behind a proxy)',
			`<https://rest.iad-01.braze.com${PATH}?cursor=abc>; rel="next"`,
			'abc',
		],
		['another origin', `<https://evil.example.com${PATH}?cursor=abc>; rel="next"`, 'abc'],
		['protocol-relative', `<//evil.example.com${PATH}?cursor=abc>; rel="next"`, 'abc'],
	])('%s', (_name, header, cursor) => {
		expect(nextPage(header)).toEqual({ kind: 'next', cursor });
	});

	test.each([
		['no header', undefined],
		['empty header', ''],
		['only prev', `<${PATH}?cursor=abc>; rel="prev"`],
		['a rel that merely starts with next', `<${PATH}?cursor=abc>; rel="nextpage"`],
		['white space only', '  '],
		['an empty list element and a bare parameter', `<${PATH}?cursor=abc>; rel="prev"; x, , `],
	])('%s: no next page', (_name, header) => {
		expect(nextPage(header)).toEqual({ kind: 'none' });
	});

	test.each([
		['no cursor', `<${PATH}?page=2>; rel="next"`, /no cursor/],
		['empty cursor', `<${PATH}?cursor=>; rel="next"`, /no cursor/],
		// Unreadable headers: taking them for "no next page" would end the listing silently short.
		['not a link header', 'not a link header', /Link header cannot be read \(not a link header\)/],
		['a target without its closing bracket', `<${PATH}?cursor=abc; rel="next"`, /cannot be read/],
		['a target without brackets', `${PATH}?cursor=abc; rel="next"`, /cannot be read/],
		[
			'two link-values without a comma',
			`<${PATH}?cursor=a>; rel="prev" <${PATH}?cursor=b>; rel="next"`,
			/cannot be read/,
		],
		['an unterminated quoted value', `<${PATH}?cursor=abc>; rel="next`, /cannot be read/],
		// Found by the property test: a bracket is no part of an unquoted parameter value.
		[
			'a stray bracket in a parameter value',
			`<${PATH}?cursor=abc>; rel="prev"; a=<`,
			/cannot be read/,
		],
	])('%s: refused', (_name, header, reason) => {
		const next = nextPage(header);
		expect(next.kind).toBe('refused');
		expect(next.kind === 'refused' && next.reason).toMatch(reason);
	});
});

describe('resolveRestEndpoint', () => {
	test('every listed instance is used as is', () => {
		for (const { url } of REST_ENDPOINTS) expect(resolveRestEndpoint(url)).toEqual({ url });
		expect(REST_ENDPOINTS.map((endpoint) => endpoint.instance)).not.toContain('US-09');
	});

	test.each([
		[' https://rest.example.com/ ', 'https://rest.example.com'],
		['https://REST.example.com:443//', 'https://rest.example.com'],
		['https://proxy.example.com/braze/', 'https://proxy.example.com/braze'],
		['http://localhost:4010', 'http://localhost:4010'],
		['http://127.0.0.1:4010/', 'http://127.0.0.1:4010'],
		['http://[::1]:4010', 'http://[::1]:4010'],
	])('custom %j → %s', (customUrl, url) => {
		expect(resolveRestEndpoint('custom', customUrl)).toEqual({ url });
	});

	test.each([
		'',
		'   ',
		'rest.example.com',
		'http://rest.example.com',
		'http://127.0.0.2',
		'ftp://localhost',
		'https://u:p@rest.example.com',
		'https://rest.example.com?x=1',
		'https://rest.example.com/braze#top',
	])('custom %j is refused with the one rule, naming the field', (customUrl) => {
		expect(resolveRestEndpoint('custom', customUrl)).toEqual({ problem: CUSTOM_URL_RULE });
	});

	test('an unknown REST Endpoint value is refused', () => {
		expect(resolveRestEndpoint('https://rest.iad-09.braze.com')).toEqual({
			problem: expect.stringMatching(/REST Endpoint/),
		});
	});
});

describe('sync helpers', () => {
	test('the Status options offer exactly the statuses the node knows', () => {
		expect(jobStatusOptions.map((option) => option.value).sort()).toEqual([...JOB_STATUSES].sort());
	});

	const sync = (job_status: string, sync_start_time?: string) => ({ job_status, sync_start_time });

	test('matchesFilters: statuses, and a window inclusive at its start, exclusive at its end', () => {
		const after = Date.parse('2026-03-25T10:00:00Z');
		const before = Date.parse('2026-03-25T12:00:00Z');
		const filters = { statuses: ['error'], startedAfter: after, startedBefore: before };
		expect(matchesFilters(sync('error', '2026-03-25T10:00:00Z'), filters)).toBe(true);
		expect(matchesFilters(sync('error', '2026-03-25T12:00:00Z'), filters)).toBe(false);
		expect(matchesFilters(sync('error', '2026-03-25T09:59:59.999Z'), filters)).toBe(false);
		expect(matchesFilters(sync('success', '2026-03-25T11:00:00Z'), filters)).toBe(false);
		expect(matchesFilters(sync('error'), filters)).toBe(false);
		expect(matchesFilters(sync('anything'), { statuses: [] })).toBe(true);
	});

	test('NewestFirstWatch holds while starts do not increase, across calls', () => {
		const watch = new NewestFirstWatch();
		watch.see([
			sync('success', '2026-03-25T12:00:00Z'),
			sync('running'),
			sync('success', '2026-03-25T11:00:00Z'),
		]);
		expect(watch.holds).toBe(true);
		expect(watch.passed(Date.parse('2026-03-25T11:30:00Z'))).toBe(true);
		expect(watch.passed(Date.parse('2026-03-25T11:00:00Z'))).toBe(false);
		watch.see([sync('success', '2026-03-25T11:00:01Z')]);
		expect(watch.holds).toBe(false);
		expect(watch.passed(Date.parse('2026-03-26T00:00:00Z'))).toBe(false);
	});

	test('latestSync picks the latest start wherever it stands; the first of a tie', () => {
		const a = sync('success', '2026-03-25T10:00:00Z');
		const b = sync('error', '2026-03-25T12:00:00Z');
		const c = sync('partial', '2026-03-25T12:00:00Z');
		expect(latestSync([a, b, c])).toBe(b);
		expect(latestSync([])).toBeUndefined();
	});

	test('toSyncItem adds integration_id and duration_seconds beside the API fields, never over them', () => {
		const api = {
			job_status: 'success',
			sync_start_time: '2026-03-25T12:00:00Z',
			sync_finish_time: '2026-03-25T12:02:03.500Z',
		};
		expect(toSyncItem(api, 'x')).toEqual({ ...api, integration_id: 'x', duration_seconds: 123.5 });
		expect(toSyncItem({ ...api, integration_id: 'api', duration_seconds: 'api' }, 'x')).toEqual({
			...api,
			integration_id: 'api',
			duration_seconds: 'api',
		});
	});
});

describe('backoffMs', () => {
	test('doubles from 0.5 s up to 8 s, less up to half of it at random', () => {
		const longest = [1, 2, 3, 4, 5, 6, 10, 50].map((failures) => backoffMs(failures, () => 1));
		const shortest = [1, 2, 3, 4, 5, 6, 10, 50].map((failures) => backoffMs(failures, () => 0));
		expect(longest).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000, 8000]);
		expect(shortest).toEqual(longest.map((ms) => ms / 2));
	});

	test('is jittered: clients failing together do not come back together', () => {
		const waits = new Set(Array.from({ length: 20 }, () => backoffMs(3)));
		expect(waits.size).toBeGreaterThan(1);
		for (const wait of waits) {
			expect(wait).toBeGreaterThanOrEqual(1000);
			expect(wait).toBeLessThanOrEqual(2000);
		}
	});
});

describe('retryAfterMs', () => {
	const now = Date.parse('2026-03-25T12:00:00Z');
	test.each([
		['2', 2000],
		['0.5', 500],
		['Wed, 25 Mar 2026 12:00:30 GMT', 30_000],
		[undefined, undefined],
		['', undefined],
		['soon', undefined],
	])('%j → %j ms', (value, ms) => {
		expect(retryAfterMs(value, now)).toBe(ms);
	});
});

describe('watch state (syncWatch)', () => {
	const at = (hours: number) => Date.UTC(2026, 2, 25, hours);
	const sync = (hours: number, job_status = 'success') => ({
		job_status,
		sync_start_time: new Date(at(hours)).toISOString(),
	});
	/** Newest first, as Braze lists them. */
	const history = (...hours: number[]) => hours.map((h) => sync(h));
	const startsOf = (syncs: Array<{ sync_start_time?: unknown }>) =>
		syncs.map((s) => new Date(String(s.sync_start_time)).getUTCHours());

	test('a complete read: the finished news, oldest first; a running one is remembered', () => {
		const state: WatchState = { newest: at(2), running: [] };
		const { finished, state: next } = advance(
			state,
			[sync(5, 'running'), ...history(4, 3, 2, 1)],
			true,
		);
		expect(startsOf(finished)).toEqual([3, 4]);
		expect(next).toEqual({ newest: at(5), running: [at(5)] });
		expect(readBackTo(next)).toBe(at(5));
	});

	test('a read cut short leaves a gap below the oldest start read, and the next read fills it once', () => {
		const state: WatchState = { newest: at(1), running: [] };
		const cut = advance(state, history(9, 8, 7, 6), false);
		expect(startsOf(cut.finished)).toEqual([7, 8, 9]); // 6 may continue on the unread page
		expect(cut.state).toEqual({
			newest: at(9),
			running: [],
			gaps: [{ after: at(1), through: at(6) }],
		});
		expect(readBackTo(cut.state)).toBe(at(1));
		expect([6, 2, 1, 9, 10].map((h) => isNews(cut.state, at(h)))).toEqual([
			true,
			true,
			false,
			false,
			true,
		]);

		const filled = advance(cut.state, [sync(10), ...history(9, 8, 7, 6, 5, 4, 3, 2, 1)], true);
		expect(startsOf(filled.finished)).toEqual([2, 3, 4, 5, 6, 10]);
		expect(filled.state).toEqual({ newest: at(10), running: [] });
	});

	test('a second cut short before the gap keeps both gaps; a cut with nothing read changes nothing', () => {
		const state: WatchState = {
			newest: at(9),
			running: [at(3)],
			gaps: [{ after: at(1), through: at(6) }],
		};
		const cut = advance(state, history(14, 13, 12), false);
		expect(startsOf(cut.finished)).toEqual([13, 14]);
		expect(cut.state.gaps).toEqual([
			{ after: at(1), through: at(6) },
			{ after: at(9), through: at(12) },
		]);
		expect(cut.state.running).toEqual([at(3)]);
		expect(advance(state, [], false)).toEqual({ finished: [], state });
	});

	test('a read cut short keeps a sync seen running at its oldest start for later, and emits it once it finished', () => {
		const state: WatchState = { newest: at(9), running: [at(6)] };
		const cut = advance(state, [...history(9, 8, 7), sync(6, 'running')], false);
		expect(cut.state.running).toEqual([at(6)]);

		const done = advance(cut.state, [...history(9, 8, 7), sync(6, 'error'), ...history(5)], true);
		expect(startsOf(done.finished)).toEqual([6]);
		expect(done.state).toEqual({ newest: at(9), running: [] });
	});

	test('a watch that has seen nothing (never ran) takes every sync as news, even cut short', () => {
		const empty = stateFromLastJob(undefined, null, '[null,null]');
		expect(empty).toEqual({ newest: null, running: [], lastJob: '[null,null]' });
		const cut = advance(empty, history(5, 4), false);
		expect(startsOf(cut.finished)).toEqual([5]);
		expect(cut.state.gaps).toEqual([{ after: null, through: at(4) }]);
		expect(isNews(cut.state, at(0))).toBe(true);
		expect(JSON.parse(JSON.stringify(cut.state))).toEqual(cut.state); // static data is JSON
	});

	test('from the integration list: the last job is the newest, and only it can be running', () => {
		expect(stateFromLastJob(at(4), 'running', 'x')).toEqual({
			newest: at(4),
			running: [at(4)],
			lastJob: 'x',
		});
		expect(stateFromLastJob(at(4), 'error', 'x')).toEqual({
			newest: at(4),
			running: [],
			lastJob: 'x',
		});
		expect(initialState([sync(5, 'running'), ...history(4)])).toEqual({
			newest: at(5),
			running: [at(5)],
		});
	});
});
