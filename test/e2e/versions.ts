import { DURABLE_CURSORS, N8N_VERSIONS } from '../../scripts/n8n';

/** The n8n versions the suite runs on: both majors, or those of E2E_N8N_VERSIONS (a, b). */
export const E2E_VERSIONS = (
	process.env.E2E_N8N_VERSIONS ?? `${N8N_VERSIONS.latest},${N8N_VERSIONS.v1}`
).split(',');

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
