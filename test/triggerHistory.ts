import { makeSyncs } from '../simulator';

/** The trigger tests' clock: every fresh simulator history ends at BASE, one sync an hour. */
export const HOUR = 3_600_000;
export const BASE = Date.parse('2026-03-25T12:00:00.000Z');

/** `count` finished syncs newer than everything so far, newest first, the newest at `hoursLater`. */
export const newer = (count: number, hoursLater: number) =>
	makeSyncs(count, { newest: BASE + hoursLater * HOUR });

/** One sync still running, started `hoursLater` after BASE. */
export const running = (hoursLater: number) =>
	makeSyncs(1, { newest: BASE + hoursLater * HOUR, running: true });
