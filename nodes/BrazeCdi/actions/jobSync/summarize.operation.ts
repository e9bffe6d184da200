import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { ReportEntry } from '../../helpers/report';
import { reportHtml, reportText } from '../../helpers/report';
import { summarizeSyncs } from '../../helpers/summary';
import { matchesFilters } from '../../helpers/syncs';
import { readIntegrations, readSyncs } from '../../reader/readSyncs';
import {
	getIntegrationId,
	getMaxWait,
	getWindow,
	integrationIdLocator,
	listingOptions,
} from '../../shared/parameters';

const properties: INodeProperties[] = [
	{
		displayName: 'All Integrations',
		name: 'allIntegrations',
		type: 'boolean',
		default: false,
		description:
			'Whether to report on every integration of the workspace (one item each) instead of one',
	},
	{ ...integrationIdLocator, displayOptions: { show: { allIntegrations: [false] } } },
	{
		displayName: 'Started After',
		name: 'startedAfter',
		type: 'dateTime',
		default: '={{ $now.minus({ hours: 24 }).toISO() }}',
		description: 'The window starts here (inclusive): by default, the last 24 hours',
	},
	{
		displayName: 'Started Before',
		name: 'startedBefore',
		type: 'dateTime',
		default: '',
		description: 'The window ends here (exclusive); leave empty for now',
	},
	{
		...listingOptions,
		// Sorted by name, as the editor lists them.
		options: [
			{
				displayName: 'Add Report',
				name: 'report',
				type: 'boolean',
				default: false,
				description:
					'Whether to add a ready-made report beside the figures: report_text (plain text, one line per integration, for Slack or Teams) and report_html (an email-ready page with a coloured cell per sync); unhealthy integrations first',
			},
			...(listingOptions.options as INodeProperties[]),
			{
				displayName: 'One Item for All Integrations',
				name: 'combine',
				type: 'boolean',
				default: false,
				description:
					'Whether to output a single item holding the per-integration figures in integrations (and, with Add Report, one report of them all) instead of one item per integration',
			},
		],
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['jobSync'], operation: ['summarize'] } },
	properties,
);

/**
 * One item of figures per integration over the window, or one item for all with `combine`; with
 * `report`, the report of those figures beside them. Only the pages the window needs are read.
 */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const window = getWindow.call(this, itemIndex, {
		startedAfter: this.getNodeParameter('startedAfter', itemIndex, ''),
		startedBefore: this.getNodeParameter('startedBefore', itemIndex, ''),
	});
	const maxWaitSeconds = getMaxWait.call(this, itemIndex);
	const integrations: Array<{ id: string; name: string | null }> = [];
	if (this.getNodeParameter('allIntegrations', itemIndex, false)) {
		const listed = await readIntegrations.call(this, itemIndex, { maxWaitSeconds });
		for (const integration of listed.integrations) {
			integrations.push({
				id: String(integration.integration_id),
				name: (integration.integration_name as string) ?? null,
			});
		}
	} else {
		integrations.push({ id: getIntegrationId.call(this, itemIndex), name: null });
	}

	const entries: ReportEntry[] = [];
	for (const { id, name } of integrations) {
		const { syncs } = await readSyncs.call(this, itemIndex, id, {
			keep: (sync) => matchesFilters(sync, { statuses: [], ...window }),
			startedAfter: window.startedAfter,
			maxWaitSeconds,
		});
		const figures = {
			integration_id: id,
			integration_name: name,
			window_start:
				window.startedAfter === undefined ? null : new Date(window.startedAfter).toISOString(),
			window_end: new Date(window.startedBefore ?? Date.now()).toISOString(),
			...summarizeSyncs(syncs),
		};
		entries.push({ figures, syncs });
	}

	const { report = false, combine = false } = this.getNodeParameter('options', itemIndex, {}) as {
		report?: boolean;
		combine?: boolean;
	};
	const timeZone = this.getTimezone();
	const withReport = (json: IDataObject, of: ReportEntry[]): IDataObject =>
		report
			? { ...json, report_text: reportText(of, timeZone), report_html: reportHtml(of, timeZone) }
			: json;
	if (combine)
		return [withReport({ integrations: entries.map((entry) => entry.figures) }, entries)];
	return entries.map((entry) => withReport(entry.figures, [entry]));
}
