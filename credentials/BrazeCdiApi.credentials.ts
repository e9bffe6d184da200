import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

import {
	CUSTOM_ENDPOINT,
	CUSTOM_URL_RULE,
	REST_ENDPOINTS,
	TEST_BASE_URL_EXPRESSION,
} from '../nodes/BrazeCdi/helpers/endpoint';

export class BrazeCdiApi implements ICredentialType {
	name = 'brazeCdiApi';

	displayName = 'Braze CDI API';

	icon = {
		light: 'file:../nodes/BrazeCdi/brazeCdi.svg',
		dark: 'file:../nodes/BrazeCdi/brazeCdi.dark.svg',
	} as const;

	documentationUrl = 'https://www.braze.com/docs/api/basics/#creating-rest-api-keys';

	properties: INodeProperties[] = [
		{
			displayName: 'REST Endpoint',
			name: 'restEndpoint',
			type: 'options',
			options: [
				...REST_ENDPOINTS.map(({ instance, url }) => ({
					name: `${instance} (${url.replace('https://', '')})`,
					value: url,
				})),
				{ name: 'Custom URL', value: CUSTOM_ENDPOINT },
			],
			default: REST_ENDPOINTS[0].url,
			description:
				'The REST endpoint of your Braze instance, shown in the dashboard under Settings → APIs and Identifiers',
		},
		{
			displayName: 'Custom URL',
			name: 'customUrl',
			type: 'string',
			default: '',
			placeholder: 'https://rest.iad-01.braze.com',
			description: `A REST endpoint not in the list, such as a proxy in front of Braze. ${CUSTOM_URL_RULE}.`,
			displayOptions: { show: { restEndpoint: [CUSTOM_ENDPOINT] } },
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'A REST API key with the permissions cdi.integration_job_status, cdi.integration_list and cdi.integration_sync',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: { Authorization: '=Bearer {{ String($credentials.apiKey).trim() }}' },
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: TEST_BASE_URL_EXPRESSION,
			url: '/cdi/integrations',
		},
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message:
						"Braze rejected the API key: check the key (pasted whole, without quotes) and that the REST Endpoint is your instance's",
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message:
						'The key works but lacks the cdi.integration_list permission (or the plan lacks CDI); add the CDI permissions to the key',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 404,
					message: 'No Braze REST API at this endpoint: check the REST Endpoint or Custom URL',
				},
			},
		],
	};
}
