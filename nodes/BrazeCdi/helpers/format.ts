/** How the node writes times, durations and shares for people: in alerts and in reports alike. */

/** `2026-03-25 14:05` in the time zone; undefined for a missing or unparsable time. */
export function formatTime(millis: number | undefined, timeZone: string): string | undefined {
	if (millis === undefined || Number.isNaN(millis)) return undefined;
	const parts = Object.fromEntries(
		new Intl.DateTimeFormat('en-US', {
			timeZone,
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			hourCycle: 'h23',
		})
			.formatToParts(new Date(millis))
			.map((part) => [part.type, part.value]),
	);
	return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** "2026-03-25 12:00 UTC": formatTime, naming the time zone. */
export function timeWithZone(ms: number, timeZone: string): string {
	return `${formatTime(ms, timeZone)} ${timeZone}`;
}

/**
 * "2 h 14 min", "45 min 3 s", "3 h", "5 s", "3 days 5 h": the two largest units, as a person
 * writes a duration, cut (never rounded up) to whole seconds, or to whole minutes with
 * `precision` 'minutes'. Days from two days on: "30 h" reads better than "1 day 6 h".
 */
export function formatDuration(ms: number, precision: 'seconds' | 'minutes' = 'seconds'): string {
	const seconds = Math.max(0, Math.floor(ms / 1000));
	const days = seconds >= 2 * 86_400 ? Math.floor(seconds / 86_400) : 0;
	const hours = Math.floor((seconds - days * 86_400) / 3600);
	const minutes = Math.floor((seconds % 3600) / 60);
	const rest = precision === 'minutes' ? 0 : seconds % 60;
	const [larger, smaller] =
		days > 0
			? [`${days} days`, hours > 0 ? `${hours} h` : '']
			: hours > 0
				? [`${hours} h`, minutes > 0 ? `${minutes} min` : '']
				: minutes > 0 || precision === 'minutes'
					? [`${minutes} min`, rest > 0 ? `${rest} s` : '']
					: [`${rest} s`, ''];
	return smaller === '' ? larger : `${larger} ${smaller}`;
}

/** A share from 0 to 1 as a percentage: up to two decimals, without trailing zeros: 7.5 %, 33.33 %, 5 %. */
export function formatPercent(share: number): string {
	return `${Number((share * 100).toFixed(2))} %`;
}
