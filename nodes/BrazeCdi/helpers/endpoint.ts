/** Braze REST endpoints, one per instance (there is no US-09). */
export const REST_ENDPOINTS: ReadonlyArray<{ instance: string; url: string }> = [
	...['01', '02', '03', '04', '05', '06', '07', '08'].map((n) => ({
		instance: `US-${n}`,
		url: `https://rest.iad-${n}.braze.com`,
	})),
	{ instance: 'US-10', url: 'https://rest.us-10.braze.com' },
	{ instance: 'EU-01', url: 'https://rest.fra-01.braze.eu' },
	{ instance: 'EU-02', url: 'https://rest.fra-02.braze.eu' },
	{ instance: 'AU-01', url: 'https://rest.au-01.braze.com' },
	{ instance: 'ID-01', url: 'https://rest.id-01.braze.com' },
	{ instance: 'JP-01', url: 'https://rest.jp-01.braze.com' },
	{ instance: 'KR-01', url: 'https://rest.kr-01.braze.com' },
];

export const CUSTOM_ENDPOINT = 'custom';

/**
 * The custom URLs the API key may be sent to: https, or plain http to this machine only (local
 * testing); no user name, password, query or fragment; a path prefix is allowed (a proxy in front
 * of Braze). The one rule for the node and for the credential's test request, whose expression
 * is built from it. Applied to the URL trimmed and without trailing slashes.
 */
const USABLE_CUSTOM_URL =
	/^(?:https:\/\/[^\s/?#@]+|http:\/\/(?:localhost|127\.0\.0\.1|\[::1\])(?::\d+)?)(?:\/[^\s?#@]*)?$/i;

/** USABLE_CUSTOM_URL in words: the one message for a custom URL the key must not go to. */
export const CUSTOM_URL_RULE =
	'Custom URL must start with https:// (http:// only for localhost, 127.0.0.1 and [::1]) and have no user name, password, query or fragment';

/**
 * The base URL requests go to, from the credential's "REST Endpoint" and "Custom URL" fields,
 * or the problem, naming the field, when the custom URL is not usable.
 */
export function resolveRestEndpoint(
	restEndpoint: string,
	customUrl?: string,
): { url: string } | { problem: string } {
	if (restEndpoint !== CUSTOM_ENDPOINT) {
		if (!REST_ENDPOINTS.some((endpoint) => endpoint.url === restEndpoint)) {
			return {
				problem: `REST Endpoint "${restEndpoint}" is not a Braze instance: choose your instance in the credential, or "Custom URL"`,
			};
		}
		return { url: restEndpoint };
	}

	const value = (customUrl ?? '').trim().replace(/\/+$/, '');
	const url = USABLE_CUSTOM_URL.test(value) ? parseUrl(value) : undefined;
	if (!url) return { problem: CUSTOM_URL_RULE };
	return { url: url.origin + url.pathname.replace(/\/+$/, '') };
}

/**
 * A character no API key holds: a line break, tab or other control character inside the key
 * (pasted from a wrapped line), which would otherwise reach Braze and come back as a 401.
 */
const API_KEY_CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** What is wrong with the API key (as sent: trimmed), naming the field; undefined when nothing. */
export function apiKeyProblem(apiKey: string): string | undefined {
	if (apiKey === '') return 'API Key is empty: paste your Braze REST API key into the credential';
	if (API_KEY_CONTROL_CHARACTER.test(apiKey)) {
		return 'API Key contains a line break, tab or other control character: paste the key again as one line';
	}
	return undefined;
}

/**
 * The credential test's base URL, as an n8n expression. Expressions cannot throw, so a custom URL
 * the key must not go to becomes a base URL no request can be made to, whose text is the message
 * n8n shows.
 */
export const TEST_BASE_URL_EXPRESSION =
	`={{ /${API_KEY_CONTROL_CHARACTER.source}/.test(String($credentials.apiKey ?? '').trim())` +
	` ? 'API Key contains a line break, tab or other control character: paste the key again as one line'` +
	` : $credentials.restEndpoint !== '${CUSTOM_ENDPOINT}' ? $credentials.restEndpoint` +
	` : (url => /${USABLE_CUSTOM_URL.source}/${USABLE_CUSTOM_URL.flags}.test(url) ? url : '${CUSTOM_URL_RULE}')` +
	`(String($credentials.customUrl ?? '').trim().replace(/\\/+$/, '')) }}`;

function parseUrl(value: string): URL | undefined {
	try {
		return new URL(value);
	} catch {
		return undefined;
	}
}
