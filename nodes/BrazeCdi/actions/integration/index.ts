import type { INodeProperties } from 'n8n-workflow';

import * as list from './list.operation';
import * as triggerSync from './triggerSync.operation';

export { list, triggerSync };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['integration'] } },
		options: [
			{
				name: 'List Integrations',
				value: 'list',
				description:
					"List the workspace's Braze Cloud Data Ingestion integrations with their IDs, names, status and last sync, one item each",
				action: 'List integrations',
			},
			{
				name: 'Trigger Sync',
				value: 'triggerSync',
				description:
					'Start a sync of an integration now, and optionally wait until it has finished',
				action: 'Trigger a sync of an integration',
			},
		],
		default: 'list',
	},
	...list.description,
	...triggerSync.description,
];
