import type { IPollFunctions } from 'n8n-workflow';

/** n8n 1.x gives polls no budget: this much, so that a poll ends before the next minute's. */
const FALLBACK_POLL_BUDGET_MS = 60_000;

/**
 * The budget n8n 2.41 gives a poll its scheduler does not run (PollContext's default): the
 * scheduler's own is bounded by its poll timeout and lease (36 s by default).
 */
const UNSCHEDULED_POLL_BUDGET_MS = 5 * 60_000;

/**
 * Whether n8n 2.41's poll scheduler runs this poll (it reads failure causes, and hands the node
 * a copy of its state that it commits itself): its polls have a budget other than PollContext's
 * default. n8n 1.x has no budget and no scheduler.
 */
export function runByScheduler(context: IPollFunctions): boolean {
	return (
		typeof context.getPollBudgetMs === 'function' &&
		context.getPollBudgetMs() !== UNSCHEDULED_POLL_BUDGET_MS
	);
}

/** When a poll must stop reading: its budget (n8n 2.41+) less a margin to emit what it read. */
export function pollDeadline(context: IPollFunctions): number {
	const budget =
		typeof context.getPollBudgetMs === 'function'
			? context.getPollBudgetMs()
			: FALLBACK_POLL_BUDGET_MS;
	return Date.now() + budget - Math.min(5_000, budget / 10);
}
