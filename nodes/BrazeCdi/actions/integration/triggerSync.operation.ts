import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { latestSync, rowCounts, startTime, toSyncItem } from '../../helpers/syncs';
import { readSyncs } from '../../reader/readSyncs';
import {
	checkedNumber,
	getIntegrationId,
	integrationIdLocator,
	jobStatusOptions,
	toolDescription,
} from '../../common/parameters';
import { startSync, waitUnlessStopped } from '../../transport';

/** How far Braze's clock may be behind ours when it records the sync we started. */
const CLOCK_SKEW_MS = 60_000;

/** Waiting, the node fails on these statuses unless Options → Fail on Status says otherwise. */
const FAIL_ON_STATUS_DEFAULT = ['error', 'config_error'];

const properties: INodeProperties[] = [
	toolDescription(
		'Starts a sync of one Braze Cloud Data Ingestion integration now, given its integration_id. An action with side effects: Braze reads the warehouse and updates user profiles, and allows 20 starts a minute. Use it only when the user asks to run a sync. Returns integration_id, message and triggered_at once Braze accepts; when the tool waits for completion, the finished sync instead.',
	),
	integrationIdLocator,
	{
		displayName: 'Wait for Completion',
		name: 'waitForCompletion',
		type: 'boolean',
		default: false,
		description:
			'Whether to wait until the sync has finished and output it, instead of continuing as soon as Braze accepted the request',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Fail on Status',
				name: 'failOnStatus',
				displayOptions: { show: { '/waitForCompletion': [true] } },
				type: 'multiOptions',
				options: jobStatusOptions.filter((option) => option.value !== 'running'),
				default: [...FAIL_ON_STATUS_DEFAULT],
				description:
					'When waiting: the node fails when the finished sync has one of these statuses',
			},
			{
				displayName: 'If Already Running',
				name: 'ifAlreadyRunning',
				type: 'options',
				options: [
					{ name: 'Fail', value: 'fail', description: 'Fail with "a sync is already running"' },
					{
						name: 'Wait for the Running Sync',
						value: 'waitForRunning',
						description: 'Wait for the sync already running to finish, and output it',
					},
				],
				default: 'fail',
				description:
					'What to do when Braze answers that a sync of the integration is already running',
			},
			{
				displayName: 'Poll Interval (Seconds)',
				name: 'pollInterval',
				displayOptions: { show: { '/waitForCompletion': [true] } },
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 30,
				description: 'When waiting: how often to check the sync (each check is one request)',
			},
			{
				displayName: 'Timeout (Seconds)',
				name: 'timeout',
				displayOptions: { show: { '/waitForCompletion': [true] } },
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 3600,
				description: 'When waiting: fail if the sync has not finished by then',
			},
		],
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['integration'], operation: ['triggerSync'] } },
	properties,
);

interface Options {
	failOnStatus?: string[];
	ifAlreadyRunning?: 'fail' | 'waitForRunning';
	pollInterval?: number;
	timeout?: number;
}

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const integrationId = getIntegrationId.call(this, itemIndex);
	const waitForCompletion = this.getNodeParameter('waitForCompletion', itemIndex, false) as boolean;
	const options = this.getNodeParameter('options', itemIndex, {}) as Options;
	// As the editor allows: at least 1 s each.
	const seconds = (field: string, value: unknown) =>
		checkedNumber(this.getNode(), `Options → ${field} (Seconds)`, value, { min: 1, itemIndex });
	const waiting = {
		pollInterval: seconds('Poll Interval', options.pollInterval ?? 30),
		timeout: seconds('Timeout', options.timeout ?? 3600),
	};

	const triggeredAt = Date.now();
	const { outcome, message } = await startSync.call(this, itemIndex, integrationId);

	let sync: IDataObject;
	if (outcome === 'alreadyRunning') {
		if (options.ifAlreadyRunning !== 'waitForRunning') {
			throw new NodeOperationError(
				this.getNode(),
				`A sync of integration ${integrationId} is already running`,
				{
					itemIndex,
					description: `Braze answered 429 "${message}": it runs one sync of an integration at a time. Run again when it has finished, or set Options → If Already Running to "Wait for the Running Sync".`,
				},
			);
		}
		// The running sync is the newest one; follow it by its start time.
		let runningStart: number | undefined;
		sync = await waitForSync.call(this, itemIndex, integrationId, waiting, (syncs) => {
			runningStart ??= startTime(
				syncs.find((candidate) => candidate.job_status === 'running') ?? syncs[0] ?? {},
			);
			return syncs.find(
				(candidate) => runningStart !== undefined && startTime(candidate) === runningStart,
			);
		});
	} else if (!waitForCompletion) {
		return [
			{ integration_id: integrationId, message, triggered_at: new Date(triggeredAt).toISOString() },
		];
	} else {
		// The sync this request started: the newest one that started after it was sent.
		sync = await waitForSync.call(this, itemIndex, integrationId, waiting, (syncs) =>
			latestSync(
				syncs.filter(
					(candidate) => (startTime(candidate) ?? -Infinity) >= triggeredAt - CLOCK_SKEW_MS,
				),
			),
		);
	}

	const status = String(sync.job_status);
	if ((options.failOnStatus ?? FAIL_ON_STATUS_DEFAULT).includes(status)) {
		const rows = rowCounts(sync);
		throw new NodeOperationError(
			this.getNode(),
			`The sync of integration ${integrationId} ended with status "${status}": ${rows.synced} rows synced, ${rows.failed} rows failed`,
			{
				itemIndex,
				description: `It started at ${sync.sync_start_time} and finished at ${sync.sync_finish_time}. Check the integration's sync log in Braze; Options → Fail on Status sets which statuses fail the node.`,
			},
		);
	}
	return [toSyncItem(sync, integrationId)];
}

/**
 * Reads the newest page of the integration's history every poll interval until `pick` finds the
 * sync and it is no longer running; one request a poll.
 */
async function waitForSync(
	this: IExecuteFunctions,
	itemIndex: number,
	integrationId: string,
	{ pollInterval, timeout }: { pollInterval: number; timeout: number },
	pick: (syncs: IDataObject[]) => IDataObject | undefined,
): Promise<IDataObject> {
	const deadline = Date.now() + timeout * 1000;
	for (;;) {
		const { syncs: newest } = await readSyncs.call(this, itemIndex, integrationId, {
			firstPageOnly: true,
		});
		const sync = pick(newest);
		if (sync !== undefined && sync.job_status !== 'running') return sync;

		if (Date.now() + pollInterval * 1000 > deadline) {
			throw new NodeOperationError(
				this.getNode(),
				sync === undefined
					? `The sync of integration ${integrationId} did not appear in its history within ${timeout} seconds`
					: `The sync of integration ${integrationId} was still running after ${timeout} seconds`,
				{
					itemIndex,
					description:
						sync === undefined
							? 'Braze accepted the request, but no sync started since then is listed yet. Check the integration in Braze, or raise Options → Timeout.'
							: `It started at ${sync.sync_start_time}. Raise Options → Timeout to wait longer; the sync goes on in Braze either way.`,
				},
			);
		}
		await waitUnlessStopped.call(this, pollInterval * 1000, 'the sync', itemIndex);
	}
}
