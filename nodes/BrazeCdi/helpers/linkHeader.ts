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

/** Relative targets are on the configured endpoint; `//host/...` is not relative. */
export const RELATIVE_TARGET = /^\/(?!\/)/;

export type NextPage =
	| { kind: 'none' }
	| { kind: 'next'; cursor: string }
	| { kind: 'refused'; reason: string };

/**
 * Where the listing goes after a page. Only the cursor is taken from the link: the next request
 * goes to the known path on the configured endpoint (the docs' own example link lacks a slash,
 * `/cdi/integrations00000000-...`), and a link to another origin is refused, never followed,
 * so the API key cannot be sent anywhere else.
 */
export function nextPage(linkHeader: unknown, origin: string): NextPage {
	const target = String(linkHeader ?? '').match(NEXT_LINK)?.[1];
	if (target === undefined) return { kind: 'none' };
	if (!RELATIVE_TARGET.test(target) && !target.startsWith(`${origin}/`)) {
		return { kind: 'refused', reason: `its next page is on another origin (${target})` };
	}
	const cursor = target.match(CURSOR_PARAM)?.[1];
	if (cursor === undefined) {
		return { kind: 'refused', reason: `its next link has no cursor (${target})` };
	}
	return { kind: 'next', cursor };
}
