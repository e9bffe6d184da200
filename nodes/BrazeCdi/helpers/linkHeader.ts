/**
 * Reading Braze's `Link` pagination header (RFC 8288 style).
 *
 * These patterns are used twice: by `nextPage` below, and inside the expressions that n8n's
 * pagination helper evaluates for every page (see transport). Keeping one definition makes the
 * helper follow exactly the links that `nextPage` accepts.
 */

/** The target of the link-value labelled rel="next", wherever it stands in the header. */
export const NEXT_LINK = /<([^>]*)>[^<,]*;\s*rel\s*=\s*"?(?:[^",;]*\s)?next(?=[\s";,]|$)/i;

/** The `cursor` query parameter of a link target, kept as sent (still URL-encoded). */
export const CURSOR_PARAM = /[?&]cursor=([^&#\s]+)/;

/**
 * One link-value of RFC 8288 and the comma after it: `<target>` then `;`-separated parameters,
 * each a token name with an optional token or quoted-string value. Values are read leniently
 * (any run without delimiters), so only headers that are not link lists at all fail it. Each
 * run of white space has one place to go, so no header makes the match backtrack for long.
 */
const LINK_VALUE =
	/\s*(?:<[^>]*>\s*(?:;\s*(?:[!#$%&'*+.^_`|~\w-]+\s*(?:=\s*(?:"(?:[^"\\]|\\.)*"|[^\s",;<>]+)\s*)?)?)*)?(?:,|$)/y;

/** Whether the header reads as a list of link-values, as Braze sends it (empty counts). */
function isReadableLinkHeader(header: string): boolean {
	LINK_VALUE.lastIndex = 0;
	while (LINK_VALUE.lastIndex < header.length) {
		const start = LINK_VALUE.lastIndex;
		if (!LINK_VALUE.test(header) || LINK_VALUE.lastIndex === start) return false;
	}
	return true;
}

type NextPage =
	{ kind: 'none' } | { kind: 'next'; cursor: string } | { kind: 'refused'; reason: string };

/**
 * Where the listing goes after a page. Only the cursor is taken from the link, wherever it points
 * (relative, absolute on any host, or the docs' own link that lacks a slash,
 * `/cdi/integrations00000000-...`): the next request goes to the known path on the configured
 * endpoint, so the API key is never sent anywhere else, and a proxy in front of Braze works
 * whatever host Braze writes into its links.
 */
export function nextPage(linkHeader: unknown): NextPage {
	const header = String(linkHeader ?? '');
	// Read as "no next page", an unreadable header would end the listing silently short.
	if (!isReadableLinkHeader(header)) {
		return { kind: 'refused', reason: `its Link header cannot be read (${header.slice(0, 200)})` };
	}
	const target = header.match(NEXT_LINK)?.[1];
	if (target === undefined) return { kind: 'none' };
	const cursor = target.match(CURSOR_PARAM)?.[1];
	if (cursor === undefined) {
		return { kind: 'refused', reason: `its next link has no cursor (${target})` };
	}
	return { kind: 'next', cursor };
}
