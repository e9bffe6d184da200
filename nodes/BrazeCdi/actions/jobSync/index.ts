import type { INodeProperties } from 'n8n-workflow';

import * as getLatest from './getLatest.operation';
import * as list from './list.operation';

export { getLatest, list };

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
				description: 'Get the most recent sync of an integration, optionally the most recent with a given status',
				action: 'Get the latest sync of an integration',
			},
			{
				name: 'List Job Sync Status',
				value: 'list',
				description: "List an integration's sync history, newest first, one item per sync",
				action: 'List the sync history of an integration',
			},
		],
		default: 'list',
	},
	...list.description,
	...getLatest.description,
];
