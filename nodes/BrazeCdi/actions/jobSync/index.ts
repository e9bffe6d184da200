import type { INodeProperties } from 'n8n-workflow';

import * as getLatest from './getLatest.operation';
import * as list from './list.operation';
import * as summarize from './summarize.operation';

export { getLatest, list, summarize };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['jobSync'] } },
		options: [
			{
				name: 'Get Latest',
				value: 'getLatest',
				description:
					'Get the most recent sync of a Braze CDI integration (status, times, rows), or the most recent with a given status',
				action: 'Get the latest sync of an integration',
			},
			{
				name: 'List Job Sync Status',
				value: 'list',
				description:
					"List a Braze CDI integration's sync history, newest first, one item per sync, optionally by status and start time",
				action: 'List the sync history of an integration',
			},
			{
				name: 'Summarize',
				value: 'summarize',
				description:
					'Report per integration on a time window of syncs: counts, rows, failure rate, durations, health; text and email reports',
				action: 'Summarize the syncs of integrations',
			},
		],
		default: 'list',
	},
	...list.description,
	...getLatest.description,
	...summarize.description,
];
