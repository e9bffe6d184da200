/**
 * `until(what, ms, condition)`: waits for `condition` (checked every 500 ms) up to `ms`, else
 * fails saying what was awaited (`what`, or what it answers then: how far the wait got), with the
 * end of `output()` (the running n8n's).
 */
export function waitUntil(output: () => string) {
	return async function until<T>(
		what: string | (() => string),
		ms: number,
		condition: () => Promise<T | undefined> | T | undefined,
	): Promise<T> {
		const deadline = Date.now() + ms;
		for (;;) {
			const value = await condition();
			if (value !== undefined && value !== false) return value;
			if (Date.now() > deadline) {
				throw new Error(
					`Timed out after ${ms / 1000} s waiting for ${typeof what === 'string' ? what : what()}\n--- n8n:\n${output().slice(-4000)}`,
				);
			}
			await new Promise((resolve) => setTimeout(resolve, 500));
		}
	};
}
