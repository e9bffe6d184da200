import fc from 'fast-check';
import nock from 'nock';

import { nextPage } from '../nodes/BrazeCdi/helpers/linkHeader';
import { ENDPOINT, runBrazeNode } from './harness';
import { INTEGRATION_ID, listParameters } from './fixtures';

const PATH = `/cdi/integrations/${INTEGRATION_ID}/job_sync_status`;
const cursorArb = fc.stringMatching(/^[A-Za-z0-9+/]{1,24}={0,2}$/);
const styleArb = fc.constantFrom('relative', 'absolute', 'missingSlash');
const spaceArb = fc.constantFrom('', ' ', '  ', '\t');

/** A link target for `cursor` in one of the styles Braze has been seen to use. */
function target(style: string, cursor: string, extraQuery: boolean) {
	const query = `${extraQuery ? 'limit=10&' : ''}cursor=${encodeURIComponent(cursor)}`;
	if (style === 'absolute') return `${ENDPOINT}${PATH}?${query}`;
	if (style === 'missingSlash')
		return `/cdi/integrations${INTEGRATION_ID}/job_sync_status?${query}`;
	return `${PATH}?${query}`;
}

const linkValue = (url: string, rel: string, space: string, extraParam: boolean) =>
	`<${url}>${space};${space}rel=${space}"${rel}"${extraParam ? `${space}; title="page"` : ''}`;

describe('Link header parser, for any header Braze could send', () => {
	test('finds the next cursor by its label, whatever the order, spacing, parameters and URL style', () => {
		fc.assert(
			fc.property(
				cursorArb,
				fc.option(cursorArb, { nil: undefined }),
				styleArb,
				spaceArb,
				fc.boolean(),
				fc.boolean(),
				fc.boolean(),
				(next, prev, style, space, nextFirst, extraParam, extraQuery) => {
					const values = [linkValue(target(style, next, extraQuery), 'next', space, extraParam)];
					if (prev !== undefined)
						values.push(linkValue(target(style, prev, extraQuery), 'prev', space, extraParam));
					if (!nextFirst) values.reverse();
					expect(nextPage(values.join(`,${space}`))).toEqual({
						kind: 'next',
						cursor: encodeURIComponent(next),
					});
				},
			),
		);
	});

	test('any other text is a readable list without a next link, or else refused: never a silent end', () => {
		fc.assert(
			fc.property(
				fc.string({ unit: fc.constantFrom('<', '>', ';', ',', '=', '"', ' ', 'a', '/', '?') }),
				(header) => {
					const next = nextPage(header);
					expect(next.kind).not.toBe('next'); // no target here has a cursor
					if (next.kind === 'none') {
						// Read as a list: outside its <targets>, no stray bracket and no open quote.
						const outside = header.replace(/<[^>]*>/g, '');
						expect(outside).not.toMatch(/[<>]/);
						expect(outside.split('"').length % 2).toBe(1);
					}
				},
			),
			{ numRuns: 2000 },
		);
	});

	test('without a next link there is no next page; a next link on any host gives its cursor alone', () => {
		fc.assert(
			fc.property(cursorArb, styleArb, spaceArb, fc.domain(), (cursor, style, space, host) => {
				expect(nextPage(linkValue(target(style, cursor, false), 'prev', space, false))).toEqual({
					kind: 'none',
				});
				const elsewhere = linkValue(
					`https://${host}${PATH}?cursor=${encodeURIComponent(cursor)}`,
					'next',
					space,
					false,
				);
				expect(nextPage(elsewhere)).toEqual({ kind: 'next', cursor: encodeURIComponent(cursor) });
			}),
		);
	});
});

describe('Pagination in the engine, for any history, page sizes, link styles and faults', () => {
	test("the items are the server's history, in order, once each", async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 8 }),
				styleArb,
				fc.boolean(),
				fc.uniqueArray(fc.integer({ min: 1, max: 10 }), { maxLength: 2 }),
				async (pageSizes, style, nextFirst, faultyRequests) => {
					nock.cleanAll();
					const history = pageSizes.flatMap((size, page) =>
						Array.from({ length: size }, (_, index) => ({
							job_status: 'success',
							sync_start_time: new Date(
								Date.UTC(2026, 2, 25) - (page * 10 + index) * 60_000,
							).toISOString(),
							marker: `${page}-${index}`,
						})),
					);
					const cursors = pageSizes.map((_, page) =>
						Buffer.from(`page:${page}`).toString('base64'),
					);
					let request = 0;
					nock(ENDPOINT)
						.persist()
						.get(PATH)
						.query(true)
						.reply((uri) => {
							request++;
							if (faultyRequests.includes(request))
								return [503, { message: 'Service Unavailable' }];
							const cursor = new URL(uri, ENDPOINT).searchParams.get('cursor');
							const page = cursor === null ? 0 : cursors.indexOf(cursor);
							const start = pageSizes.slice(0, page).reduce((sum, size) => sum + size, 0);
							const links = [];
							if (page > 0)
								links.push(linkValue(target(style, cursors[page - 1], false), 'prev', ' ', false));
							if (page < pageSizes.length - 1)
								links.push(linkValue(target(style, cursors[page + 1], false), 'next', ' ', false));
							if (nextFirst) links.reverse();
							return [
								200,
								{ results: history.slice(start, start + pageSizes[page]), message: 'success' },
								links.length ? { link: links.join(',') } : {},
							];
						});

					const result = await runBrazeNode({ parameters: listParameters({ returnAll: true }) });

					expect(result.error).toBeUndefined();
					expect(result.items.map((item) => item.json.marker)).toEqual(
						history.map((sync) => sync.marker),
					);
				},
			),
			{ numRuns: 25 },
		);
	}, 120_000);
});
