import nock from 'nock';

import { CUSTOM_URL_RULE, resolveRestEndpoint } from '../nodes/BrazeCdi/helpers/endpoint';
import { API_KEY, CREDENTIAL_TYPE, ENDPOINT, loadPackage, testCredential } from './harness';

/** Braze answers the credential test's GET /cdi/integrations with `status`. */
function integrationsAnswer(status: number, base = ENDPOINT) {
	const seen: string[] = [];
	// n8n sends a request again after a 401 (to refresh expirable credentials), so allow two.
	const scope = nock(base)
		.get('/cdi/integrations')
		.times(2)
		.reply(function () {
			seen.push(String(this.req.headers.authorization));
			return [status, status === 200 ? { results: [], message: 'success' } : { message: 'x' }];
		});
	return { scope, seen };
}

describe('Credential "Braze CDI API"', () => {
	test('is named as saved workflows expect, with every instance and a custom URL', async () => {
		const credential = (await loadPackage()).getCredential(CREDENTIAL_TYPE).type;
		const endpoint = credential.properties.find((property) => property.name === 'restEndpoint');

		expect(credential.displayName).toBe('Braze CDI API');
		expect(credential.properties.map((property) => property.name)).toEqual([
			'restEndpoint',
			'customUrl',
			'apiKey',
		]);
		expect(endpoint?.options).toHaveLength(16);
		expect(endpoint?.options).toContainEqual({
			name: 'US-01 (rest.iad-01.braze.com)',
			value: 'https://rest.iad-01.braze.com',
		});
		expect(endpoint?.options).toContainEqual({
			name: 'US-10 (rest.us-10.braze.com)',
			value: 'https://rest.us-10.braze.com',
		});
		expect(endpoint?.options).toContainEqual({
			name: 'EU-02 (rest.fra-02.braze.eu)',
			value: 'https://rest.fra-02.braze.eu',
		});
		expect(endpoint?.options).toContainEqual({ name: 'Custom URL', value: 'custom' });
		expect(
			credential.properties.find((property) => property.name === 'apiKey')?.typeOptions,
		).toEqual({ password: true });
	});

	test('test succeeds on a working key, calling GET /cdi/integrations with the Bearer key', async () => {
		const braze = integrationsAnswer(200);

		const result = await testCredential({ restEndpoint: ENDPOINT, apiKey: ` ${API_KEY} ` });

		expect(result).toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(braze.seen).toEqual([`Bearer ${API_KEY}`]);
	});

	test('tells a wrong key (401) apart', async () => {
		integrationsAnswer(401);

		const result = await testCredential({ restEndpoint: ENDPOINT, apiKey: API_KEY });

		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/Braze rejected the API key/);
		expect(result.message).not.toContain(API_KEY);
	});

	test('tells a key without the permission (403) apart', async () => {
		integrationsAnswer(403);

		const result = await testCredential({ restEndpoint: ENDPOINT, apiKey: API_KEY });

		expect(result.message).toMatch(/lacks the cdi\.integration_list permission/);
	});

	test('tells a wrong endpoint (404) apart', async () => {
		integrationsAnswer(404, 'https://rest.fra-01.braze.eu');

		const result = await testCredential({
			restEndpoint: 'https://rest.fra-01.braze.eu',
			apiKey: API_KEY,
		});

		expect(result.message).toMatch(/No Braze REST API at this endpoint/);
	});

	test('a custom URL with spaces and trailing slashes is tolerated', async () => {
		const braze = integrationsAnswer(200, 'https://braze-proxy.example.com');

		const result = await testCredential({
			restEndpoint: 'custom',
			customUrl: '  https://braze-proxy.example.com/// ',
			apiKey: API_KEY,
		});

		expect(result.status).toBe('OK');
		expect(braze.seen).toHaveLength(1);
	});

	test.each(['http://localhost:4010', 'http://127.0.0.1:4010/', 'http://[::1]:4010'])(
		'plain http is allowed to the loopback host %s',
		async (customUrl) => {
			const braze = integrationsAnswer(200, customUrl.replace(/\/$/, ''));

			const result = await testCredential({ restEndpoint: 'custom', customUrl, apiKey: API_KEY });

			expect(result.status).toBe('OK');
			expect(braze.seen).toHaveLength(1);
		},
	);

	test.each([
		'http://braze-proxy.example.com',
		'http://localhost.example.com',
		'http://10.0.0.5:4010',
	])(
		'the key is never sent over plain http to %s: the test fails without a request, as the node refuses it',
		async (customUrl) => {
			const braze = integrationsAnswer(200, customUrl);

			const result = await testCredential({ restEndpoint: 'custom', customUrl, apiKey: API_KEY });

			expect(result.status).toBe('Error');
			expect(resolveRestEndpoint('custom', customUrl)).toEqual({ problem: CUSTOM_URL_RULE });
			expect(braze.seen).toEqual([]);
		},
	);

	test.each([
		'https://u:p@braze-proxy.example.com',
		'https://braze-proxy.example.com?x=1',
		'https://braze-proxy.example.com/braze#top',
		'https://braze-proxy.example.com/braze',
		'https://braze-proxy.example.com:8443/',
		'http://localhost:4010/braze',
		'http://127.0.0.2:4010',
		'not a url',
	])(
		'the test request goes to %j exactly when the node would use it (one rule for both)',
		async (customUrl) => {
			const node = resolveRestEndpoint('custom', customUrl);
			const base = new URL(
				/^[a-z]+:\/\//i.test(customUrl)
					? customUrl.replace(/^(https?:\/\/)[^@/]*@/, '$1')
					: 'https://unused.example',
			).origin;
			const seen: string[] = [];
			nock(base)
				.get(/\/cdi\/integrations$/)
				.times(2)
				.reply(function () {
					seen.push(this.req.path);
					return [200, { results: [], message: 'success' }];
				});

			const result = await testCredential({ restEndpoint: 'custom', customUrl, apiKey: API_KEY });

			if ('url' in node) {
				expect(result.status).toBe('OK');
				expect(seen).toEqual([`${new URL(node.url).pathname.replace(/\/$/, '')}/cdi/integrations`]);
			} else {
				expect(result.status).toBe('Error');
				expect(seen).toEqual([]);
			}
			nock.cleanAll();
		},
	);

	test('an API key with a line break inside fails the test without a request', async () => {
		const braze = integrationsAnswer(200);

		const result = await testCredential({
			restEndpoint: ENDPOINT,
			apiKey: `${API_KEY.slice(0, 10)}\n${API_KEY.slice(10)}`,
		});

		expect(result.status).toBe('Error');
		expect(braze.seen).toEqual([]);
		nock.cleanAll();
	});
});
