/** How long to wait before trying Braze again. */

/** Tries at a page that fails with a 5xx, a reset connection or a timeout. */
export const MAX_ATTEMPTS = 4;

/**
 * The wait after the n-th failure in a row: 0.5 s, 1 s, 2 s, … at most 8 s, less up to half of it
 * at random, so that clients that failed together do not all come back at the same moment.
 */
export function backoffMs(failures: number, random: () => number = Math.random): number {
	return Math.min(500 * 2 ** (failures - 1), 8_000) * (0.5 + random() / 2);
}

/** A `retry-after` header (seconds, or an HTTP date) as milliseconds from `now`; undefined if unreadable. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
	if (value === undefined || value.trim() === '') return undefined;
	const seconds = Number(value);
	if (Number.isFinite(seconds)) return seconds * 1000;
	const date = Date.parse(value);
	return Number.isNaN(date) ? undefined : date - now;
}
