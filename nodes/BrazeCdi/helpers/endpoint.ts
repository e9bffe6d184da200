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

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export type ResolvedEndpoint = { url: string } | { problem: string };

/**
 * The base URL requests go to, from the credential's "REST Endpoint" and "Custom URL" fields,
 * or the problem, naming the field, when the custom URL is not usable: the API key is sent
 * there, so it must be https (plain http only to this machine, for local testing).
 */
export function resolveRestEndpoint(restEndpoint: string, customUrl?: string): ResolvedEndpoint {
	if (restEndpoint !== CUSTOM_ENDPOINT) {
		if (!REST_ENDPOINTS.some((endpoint) => endpoint.url === restEndpoint)) {
			return {
				problem: `REST Endpoint "${restEndpoint}" is not a Braze instance: choose your instance in the credential, or "Custom URL"`,
			};
		}
		return { url: restEndpoint };
	}

	const value = (customUrl ?? '').trim().replace(/\/+$/, '');
	const fix =
		'enter your Braze REST endpoint in the credential, e.g. https://rest.iad-01.braze.com (http:// is allowed only for localhost, 127.0.0.1 and [::1])';
	if (value === '') return { problem: `Custom URL is empty: ${fix}` };

	let url: URL;
	try {
		url = new URL(value);
	} catch {
		return { problem: `Custom URL "${value}" is not a URL: ${fix}` };
	}
	const secure =
		url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
	if (!secure) {
		return { problem: `Custom URL "${value}" must start with https://: ${fix}` };
	}
	if (url.username || url.password || url.search || url.hash) {
		return { problem: `Custom URL "${value}" must not contain a user name, password, query or fragment: ${fix}`, };
	}
	// A path prefix is allowed (a proxy in front of Braze); the URL is used as written.
	return { url: url.origin + url.pathname.replace(/\/+$/, '') };
}
