import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { DEFAULT_DEGRADED_PERCENT, DEFAULT_STALE_HOURS } from '../../helpers/health';
import type { ReportEntry } from '../../helpers/report';
import { reportHtml, reportText } from '../../helpers/report';
import type { HealthLimits } from '../../helpers/summary';
import { DEFAULT_HEALTH_LIMITS, summarizeSyncs } from '../../helpers/summary';
import { matchesFilters } from '../../helpers/syncs';
import { runsAsTool } from '../../helpers/tool';
import { readIntegrations, readSyncs } from '../../reader/readSyncs';
import type { RateLimitWaits } from '../../transport';
import {
	checkedNumber,
	getIntegrationId,
	getMaxWait,
	getWindow,
	integrationIdLocator,
	listingOptions,
	toolDescription,
} from '../../common/parameters';

const properties: INodeProperties[] = [
	toolDescription(
		"Reports on the syncs of Braze Cloud Data Ingestion integrations over a time window (one integration, or all of them): counts by status, rows synced and failed, failure rate, durations, data age, and health (healthy, degraded or unhealthy, with the reasons in words). With the report on, report_text is a ready summary to answer 'how are my syncs?'. It reads every sync in the window, so it costs more requests than the other tools.",
	),
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
					'Whether to add a ready-made report beside the figures: report_text (plain text, one line per integration, for Slack or Teams) and report_html (an email-ready page with a coloured cell per sync); unhealthy integrations first, then degraded ones, each saying why in words',
			},
			{
				displayName: 'Degraded at Failed Syncs (%)',
				name: 'degradedPercent',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 100 },
				default: DEFAULT_DEGRADED_PERCENT,
				description:
					"An integration whose newest sync succeeded but which failed at least this share of the window's finished syncs (error, partial or config error) shows as degraded: health is degraded, amber in the report. 100 turns it off.",
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
			{
				displayName: 'Stale After (Hours)',
				name: 'staleHours',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: DEFAULT_STALE_HOURS,
				description:
					"An integration is unhealthy when the data Braze holds is older than this: the newest finished sync's Last Timestamp Synced (the warehouse's update time it read up to), measured to the end of the window. Syncs that succeed while the table stopped changing upstream look fine otherwise.",
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
 * An AI agent's tool gets the text report without the HTML: a model cannot show the one, and
 * would spend its context on it.
 */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const window = getWindow.call(this, itemIndex, {
		startedAfter: this.getNodeParameter('startedAfter', itemIndex, ''),
		startedBefore: this.getNodeParameter('startedBefore', itemIndex, ''),
	});
	const maxWaitSeconds = getMaxWait.call(this, itemIndex);
	// Max Rate-Limit Wait bounds the waiting of all this item's reads together.
	const waits: RateLimitWaits = { waitedMs: 0 };
	const limits = getHealthLimits.call(this, itemIndex);
	// The leading fields of each item: which integration, and with All Integrations its contact
	// emails as Braze gives them, so that a report per integration can go to its owners.
	const integrations: Array<{ integration_id: string } & IDataObject> = [];
	if (this.getNodeParameter('allIntegrations', itemIndex, false)) {
		const listed = await readIntegrations.call(this, itemIndex, { maxWaitSeconds, waits });
		for (const integration of listed.integrations) {
			integrations.push({
				integration_id: String(integration.integration_id),
				integration_name: (integration.integration_name as string) ?? null,
				contact_emails: integration.contact_emails ?? null,
			});
		}
	} else {
		integrations.push({
			integration_id: getIntegrationId.call(this, itemIndex),
			integration_name: null,
		});
	}

	const windowEnd = window.startedBefore ?? Date.now();
	const entries: ReportEntry[] = [];
	for (const integration of integrations) {
		const { syncs } = await readSyncs.call(this, itemIndex, integration.integration_id, {
			keep: (sync) => matchesFilters(sync, { statuses: [], ...window }),
			startedAfter: window.startedAfter,
			maxWaitSeconds,
			waits,
		});
		const figures = {
			...integration,
			window_start:
				window.startedAfter === undefined ? null : new Date(window.startedAfter).toISOString(),
			window_end: new Date(windowEnd).toISOString(),
			...summarizeSyncs(syncs, { at: windowEnd, ...limits }),
		};
		entries.push({ figures, syncs });
	}

	const { report = false, combine = false } = this.getNodeParameter('options', itemIndex, {}) as {
		report?: boolean;
		combine?: boolean;
	};
	const timeZone = this.getTimezone();
	const html = !runsAsTool(this.getNode());
	const withReport = (json: IDataObject, of: ReportEntry[]): IDataObject =>
		report
			? {
					...json,
					report_text: reportText(of, timeZone, limits),
					...(html ? { report_html: reportHtml(of, timeZone, limits) } : {}),
				}
			: json;
	if (combine)
		return [withReport({ integrations: entries.map((entry) => entry.figures) }, entries)];
	return entries.map((entry) => withReport(entry.figures, [entry]));
}

/** Options → Stale After and Degraded at Failed Syncs, checked before any request. */
function getHealthLimits(this: IExecuteFunctions, itemIndex: number): HealthLimits {
	const {
		staleHours = DEFAULT_HEALTH_LIMITS.staleHours,
		degradedPercent = DEFAULT_HEALTH_LIMITS.degradedPercent,
	} = this.getNodeParameter('options', itemIndex, {}) as Partial<HealthLimits>;
	return {
		staleHours: checkedNumber(this.getNode(), 'Options → Stale After (Hours)', staleHours, {
			min: 0,
			itemIndex,
		}),
		degradedPercent: checkedNumber(
			this.getNode(),
			'Options → Degraded at Failed Syncs (%)',
			degradedPercent,
			{ min: 1, max: 100, itemIndex },
		),
	};
}
