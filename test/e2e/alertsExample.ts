/**
 * The example "Alert on stuck or missed syncs" as the end-to-end suites run it (watch.e2e.ts,
 * sandbox.e2e.ts): a Braze workspace with a sync running since now and a scheduled run missed,
 * and the example with a key, a poll time and a short limit for each of its two triggers.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { Simulator } from '../../simulator';
import { makeSyncs, startSimulator } from '../../simulator';

export const RUNNING = 'When a sync runs too long';
export const MISSED = 'When a scheduled sync is missed';
const TRIGGER_TYPE = 'n8n-nodes-braze-cdi.brazeCdiTrigger';
const MINUTE = 60_000;

/**
 * A workspace for the example, each trigger's key allowed what it reads: `int-long` has been
 * running since now (past the limit a poll or two after the activation), `int-missed` was due 30 s
 * ago (missed, with a 1 min grace, from the first polls on), `int-ok` is neither.
 */
export async function alertsWorkspace(keys: Record<string, string>): Promise<Simulator> {
	const now = Date.now();
	return await startSimulator({
		apiKeys: Object.fromEntries(
			Object.values(keys).map((key) => [
				key,
				['cdi.integration_job_status', 'cdi.integration_list'],
			]),
		),
		integrations: [
			{
				integration_id: 'int-long',
				integration_name: 'Users from Snowflake',
				syncs: makeSyncs(4, { newest: now, running: true }),
			},
			{
				integration_id: 'int-missed',
				integration_name: 'Orders',
				next_scheduled_run: new Date(now - 30_000).toISOString(),
				syncs: makeSyncs(3, { newest: now - 60 * MINUTE - 30_000 }),
			},
			{ integration_id: 'int-ok', integration_name: 'Events', syncs: makeSyncs(3) },
		],
	});
}

/**
 * The example as workflow `id`, not active: each trigger with the credential named after its key
 * (imported with that ID), polling at its own cron, Running For `runningMinutes`, Grace Period
 * 1 minute.
 */
export function alertsWorkflow(
	id: string,
	{
		keys,
		crons,
		runningMinutes,
	}: { keys: Record<string, string>; crons: Record<string, string>; runningMinutes: number },
) {
	const workflow = JSON.parse(
		readFileSync(
			path.join(__dirname, '..', '..', 'examples', 'alert-on-stuck-or-missed-syncs.json'),
			'utf8',
		),
	);
	const triggers = workflow.nodes.filter((node: { type: string }) => node.type === TRIGGER_TYPE);
	const names = triggers.map((node: { name: string }) => node.name).sort();
	if (names.join() !== [MISSED, RUNNING].join())
		throw new Error(`The example's triggers are not the two expected: ${names.join(', ')}`);
	for (const node of triggers) {
		node.parameters.pollTimes = { item: [{ mode: 'custom', cronExpression: crons[node.name] }] };
		if (node.name === RUNNING) node.parameters.runningMinutes = runningMinutes;
		else node.parameters.graceMinutes = 1;
		node.credentials = { brazeCdiApi: { id: keys[node.name], name: node.name } };
	}
	return { ...workflow, id, active: false };
}
