import { DURABLE_CURSORS, ensureN8n, N8N_VERSIONS } from '../../scripts/n8n';

/** The versions E2E_N8N_VERSIONS names (a, b), when it is set. */
const chosen = process.env.E2E_N8N_VERSIONS?.split(',');

/** The n8n versions the whole suite runs on: both majors, or those of E2E_N8N_VERSIONS. */
export const E2E_VERSIONS = chosen ?? [N8N_VERSIONS.latest, N8N_VERSIONS.v1];

/**
 * Where oldest.e2e.ts checks what the package needs of n8n: the oldest n8n it supports, unless
 * E2E_N8N_VERSIONS leaves it out.
 */
export const OLDEST_VERSIONS = [N8N_VERSIONS.oldest].filter(
	(version) => !chosen || chosen.includes(version),
);

/** Every n8n version a suite uses (queue mode and the demo run the pinned 2.x whatever is chosen). */
export const E2E_INSTALLS = [
	...new Set([N8N_VERSIONS.latest, ...E2E_VERSIONS, ...OLDEST_VERSIONS]),
];

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
