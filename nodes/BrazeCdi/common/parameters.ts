import type { IExecuteFunctions, INode, INodeProperties, IPollFunctions } from 'n8n-workflow';
import { NodeOperationError, tryToParseDateTime } from 'n8n-workflow';

import type { SyncFilters } from '../helpers/syncs';
import { JOB_STATUSES } from '../helpers/syncs';
import { DEFAULT_MAX_WAIT_SECONDS } from '../transport';

const WHERE_TO_FIND_THE_ID =
	"In Braze, open Data Settings → Cloud Data Ingestion and the integration: its ID is the last part of the page's URL, …/integrations/cloud_data_ingestion/ followed by the ID.";

/** The dashboard URL of an integration; its ID is the part after `cloud_data_ingestion/`. */
const INTEGRATION_URL =
	'https?://[^/\\s]+/.*integrations/cloud_data_ingestion/([^/?#\\s]+)(?:[/?#].*)?';

export const integrationIdLocator: INodeProperties = {
	displayName: 'Integration',
	name: 'integrationId',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	description: 'The Cloud Data Ingestion integration',
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			placeholder: 'Select an integration...',
			typeOptions: { searchListMethod: 'searchIntegrations', searchable: true },
		},
		{
			displayName: 'By URL',
			name: 'url',
			type: 'string',
			placeholder:
				'https://dashboard-01.braze.com/integrations/cloud_data_ingestion/00000000-0000-0000-0000-000000000000',
			validation: [
				{
					type: 'regex',
					properties: {
						regex: INTEGRATION_URL,
						errorMessage:
							'Not an integration URL: open the integration in Braze and copy the address',
					},
				},
			],
			extractValue: { type: 'regex', regex: INTEGRATION_URL },
		},
		{
			displayName: 'By ID',
			name: 'id',
			type: 'string',
			placeholder: '00000000-0000-0000-0000-000000000000',
			hint: "The last part of the integration's URL in the Braze dashboard",
		},
	],
};

/**
 * What an AI agent is told about an operation used as a tool: what it returns and when to use
 * it. Shown only on the tool (`@tool`). With a `toolDescription` of its own, n8n adds no "Set
 * Automatically" choice, which would tell the model the operation's short action name alone.
 * n8n reads it from 1.94 on; before, the model gets the node's general description.
 */
export function toolDescription(text: string): INodeProperties {
	return {
		displayName: 'Tool Description',
		name: 'toolDescription',
		type: 'string',
		typeOptions: { rows: 4 },
		default: text,
		description:
			'What the AI agent is told this tool returns and when to use it. The default suits most agents.',
		displayOptions: { show: { '@tool': [true] } },
	};
}

/** The statuses Braze documents for a sync (JOB_STATUSES), as options; a test keeps the two alike. */
export const jobStatusOptions = [
	{ name: 'Config Error', value: 'config_error', description: 'The integration is misconfigured' },
	{ name: 'Error', value: 'error', description: 'No rows were synced' },
	{ name: 'Partial', value: 'partial', description: 'Some rows failed with errors' },
	{ name: 'Running', value: 'running', description: 'Still in progress' },
	{ name: 'Success', value: 'success', description: 'All rows were synced' },
];

export const syncFilters: INodeProperties = {
	displayName: 'Filters',
	name: 'filters',
	type: 'collection',
	placeholder: 'Add Filter',
	default: {},
	options: [
		{
			displayName: 'Started After',
			name: 'startedAfter',
			type: 'dateTime',
			default: '',
			description: 'Only syncs that started at or after this time',
		},
		{
			displayName: 'Started Before',
			name: 'startedBefore',
			type: 'dateTime',
			default: '',
			description: 'Only syncs that started before this time',
		},
		{
			displayName: 'Status',
			name: 'status',
			type: 'multiOptions',
			default: [],
			description: 'Only syncs in one of these statuses',
			options: jobStatusOptions,
		},
	],
};

/** Options of every operation that pages through a listing. */
export const listingOptions: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		{
			displayName: 'Max Rate-Limit Wait (Seconds)',
			name: 'maxWait',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: DEFAULT_MAX_WAIT_SECONDS,
			description:
				'Braze allows 100 job status requests a minute per workspace, shared with other clients. When the budget is spent the node waits for it to reset; past this many seconds of waiting in all, it fails instead, saying how far it got.',
		},
	],
};

export function getMaxWait(this: IExecuteFunctions, itemIndex: number): number {
	const { maxWait = DEFAULT_MAX_WAIT_SECONDS } = this.getNodeParameter(
		'options',
		itemIndex,
		{},
	) as { maxWait?: number };
	return checkedNumber(this.getNode(), 'Options → Max Rate-Limit Wait (Seconds)', maxWait, {
		min: 0,
		itemIndex,
	});
}

/** n8n's usual pair: every result, or up to a limit. */
export const returnAllOrLimit: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { returnAll: [false] } },
	},
];

export function getLimit(this: IExecuteFunctions, itemIndex: number): number {
	return checkedNumber(this.getNode(), 'Limit', this.getNodeParameter('limit', itemIndex), {
		min: 1,
		whole: true,
		itemIndex,
		description: 'Set Limit to how many results to return, or turn on Return All.',
	});
}

/**
 * A number parameter, checked before any request: within [min, max], whole when asked. The
 * message names the field as the editor shows it, and what it must be.
 */
export function checkedNumber(
	node: INode,
	field: string,
	value: unknown,
	{
		min,
		max,
		whole = false,
		itemIndex,
		description,
	}: { min: number; max?: number; whole?: boolean; itemIndex?: number; description?: string },
): number {
	const valid =
		typeof value === 'number' &&
		Number.isFinite(value) &&
		value >= min &&
		(max === undefined || value <= max) &&
		(!whole || Number.isInteger(value));
	if (valid) return value;
	const range = max === undefined ? `of ${min} or more` : `from ${min} to ${max}`;
	const given = typeof value === 'string' ? JSON.stringify(value) : String(value);
	throw new NodeOperationError(
		node,
		`${field} must be ${whole ? 'a whole number' : 'a number'} ${range}, not ${given}`,
		{ itemIndex, description },
	);
}

/** The integration ID, trimmed; refused before any request when it cannot be one. */
export function getIntegrationId(this: IExecuteFunctions, itemIndex: number): string {
	return checkIntegrationId.call(
		this,
		this.getNodeParameter('integrationId', itemIndex, '', { extractValue: true }),
		itemIndex,
	);
}

/** The checks behind getIntegrationId, for contexts that read parameters without an item. */
export function checkIntegrationId(
	this: IExecuteFunctions | IPollFunctions,
	value: unknown,
	itemIndex?: number,
): string {
	const id = String(value ?? '').trim();
	if (id === '') {
		throw new NodeOperationError(this.getNode(), 'The Integration ID is empty', {
			itemIndex,
			description: WHERE_TO_FIND_THE_ID,
		});
	}
	const misfit = id.match(/\s|[/?#]/)?.[0];
	if (misfit !== undefined) {
		const what = /\s/.test(misfit) ? 'a space' : `"${misfit}"`;
		throw new NodeOperationError(
			this.getNode(),
			`The Integration ID "${id}" contains ${what}: enter the ID alone, not a URL or a list`,
			{ itemIndex, description: WHERE_TO_FIND_THE_ID },
		);
	}
	return id;
}

export function getSyncFilters(this: IExecuteFunctions, itemIndex: number): SyncFilters {
	const filters = this.getNodeParameter('filters', itemIndex, {}) as {
		status?: string[] | string;
		startedAfter?: unknown;
		startedBefore?: unknown;
	};
	const statuses = (
		Array.isArray(filters.status) ? filters.status : String(filters.status ?? '').split(',')
	)
		.map((status) => status.trim())
		.filter((status) => status !== '');
	// A status Braze does not have would match nothing, after reading the whole history.
	const known: readonly string[] = JOB_STATUSES;
	const unknown = statuses.find((status) => !known.includes(status));
	if (unknown !== undefined) {
		throw new NodeOperationError(
			this.getNode(),
			`Filters → Status: "${unknown}" is not a status of a Braze sync`,
			{
				itemIndex,
				description: `Use one or more of ${known.join(', ')} (comma-separated in an expression).`,
			},
		);
	}

	return { statuses, ...getWindow.call(this, itemIndex, filters, 'Filters → ') };
}

/** A Started After / Started Before pair in epoch milliseconds, checked before any request. */
export function getWindow(
	this: IExecuteFunctions,
	itemIndex: number,
	values: { startedAfter?: unknown; startedBefore?: unknown },
	where = '',
): { startedAfter?: number; startedBefore?: number } {
	const toMillis = (name: string, value: unknown): number | undefined => {
		if (value === undefined || value === null || value === '') return undefined;
		try {
			return tryToParseDateTime(value, this.getTimezone()).toMillis();
		} catch {
			throw new NodeOperationError(
				this.getNode(),
				`${where}${name}: "${String(value)}" is not a date and time`,
				{
					itemIndex,
					description:
						'Use an ISO 8601 date-time such as 2026-03-25T12:00:00Z, or pick one in the date picker.',
				},
			);
		}
	};
	const startedAfter = toMillis('Started After', values.startedAfter);
	const startedBefore = toMillis('Started Before', values.startedBefore);
	if (startedAfter !== undefined && startedBefore !== undefined && startedAfter >= startedBefore) {
		throw new NodeOperationError(
			this.getNode(),
			`${where}Started After must be earlier than Started Before`,
			{
				itemIndex,
				description: 'No sync can match this window; swap or correct the two dates.',
			},
		);
	}
	return { startedAfter, startedBefore };
}
