import { DURABLE_CURSORS, E2E_VERSIONS, ensureN8n, N8N_VERSIONS } from '../../scripts/n8n';

// Which versions the suites use, and so install (E2E_N8N_VERSIONS narrows them), is defined in
// scripts/n8n.js, where npm run test:all starts installing them while the unit suite runs.
export { E2E_INSTALLS, E2E_VERSIONS, OLDEST_VERSIONS } from '../../scripts/n8n';

/**
 * Where an active trigger is run: each version on SQLite, and 2.x with its durable poll cursors
 * too; as [version, label, extra environment].
 */
export const SERVER_RUNS = (
	[
		[N8N_VERSIONS.latest, 'SQLite', {}],
		[N8N_VERSIONS.latest, 'durable poll cursors', DURABLE_CURSORS],
		[N8N_VERSIONS.v1, 'SQLite', {}],
	] as Array<[string, string, Record<string, string>]>
).filter(([version]) => E2E_VERSIONS.includes(version));

/**
 * One test that runs `scenario` on every server of SERVER_RUNS at the same time, and fails naming
 * each server whose run failed. A trigger polls once a minute at best: side by side, the servers
 * wait for their polls together instead of one after another. Each version is made sure of first
 * (globalSetup installed them all already, side by side), so that two runs of one version never
 * both install it.
 */
export function testOnEveryServer(
	name: string,
	scenario: (version: string, extraEnv: Record<string, string>) => Promise<void>,
	timeoutMs: number,
) {
	beforeAll(async () => {
		for (const version of new Set(SERVER_RUNS.map(([version]) => version)))
			await ensureN8n(version);
	}, timeoutMs);
	test(
		name,
		async () => {
			const results = await Promise.allSettled(
				SERVER_RUNS.map(([version, , extraEnv]) => scenario(version, extraEnv)),
			);
			const failures = results.flatMap((result, index) =>
				result.status === 'rejected'
					? [`n8n ${SERVER_RUNS[index][0]} (${SERVER_RUNS[index][1]}): ${errorText(result.reason)}`]
					: [],
			);
			if (failures.length) throw new Error(failures.join('\n\n'));
		},
		timeoutMs,
	);
}

const errorText = (error: unknown) =>
	error instanceof Error ? (error.stack ?? error.message) : String(error);
