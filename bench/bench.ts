/**
 * `npm run bench`: the node against the simulator, in n8n's engine (the unit tests' harness).
 * Writes bench/RESULTS.md with each measure beside its target and fails when one is missed.
 * Times are ratios within this one run: these machines are noisy.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

import type { Simulator, SimulatorOptions } from '../simulator';
import { makeSyncs, startSimulator } from '../simulator';
import { API_KEY, runBrazeNode } from '../test/harness';

const ALL = ['cdi.integration_job_status', 'cdi.integration_list', 'cdi.integration_sync'];
const PATH = '/cdi/integrations/int-a/job_sync_status';
const rows: Array<{ measure: string; figure: string; target: string; met: boolean }> = [];

async function simulator(syncs: number, options: SimulatorOptions = {}) {
	return await startSimulator({
		apiKeys: { [API_KEY]: ALL, 'other-client': ALL },
		integrations: [{ integration_id: 'int-a', syncs: makeSyncs(syncs, { spacingMs: 3_600_000 }) }],
		rateLimits: { jobSyncStatus: { limit: 1_000_000, windowMs: 60_000 } },
		...options,
	});
}

async function runNode(sim: Simulator, parameters: Record<string, unknown>) {
	return await runBrazeNode({
		parameters: { resource: 'jobSync', integrationId: { __rl: true, mode: 'id', value: 'int-a' }, ...parameters },
		credentials: { restEndpoint: 'custom', customUrl: sim.url, apiKey: API_KEY },
	});
}

/** Reads every page as a plain client would: fetch, parse, follow the cursor. */
async function bareFetchLoop(sim: Simulator): Promise<number> {
	let cursor: string | undefined;
	let items = 0;
	for (;;) {
		const response = await fetch(`${sim.url}${PATH}${cursor ? `?cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${API_KEY}` } });
		const body = (await response.json()) as { results: unknown[] };
		items += body.results.length;
		cursor = /cursor=([^&>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
		if (!cursor) return items;
	}
}

function checkItems(sim: Simulator, result: Awaited<ReturnType<typeof runNode>>) {
	const expected = sim.integration('int-a').syncs.map((sync) => sync.sync_start_time);
	const got = result.items.map((item) => String(item.json.sync_start_time));
	const duplicates = got.length - new Set(got).size;
	const missing = expected.filter((start) => !got.includes(start)).length;
	return { duplicates, missing, identical: JSON.stringify(got) === JSON.stringify(expected), errors: result.error ? 1 : 0 };
}

function record(measure: string, figure: string, target: string, met: boolean) {
	rows.push({ measure, figure, target, met });
	process.stdout.write(`${met ? 'met   ' : 'MISSED'} ${measure}: ${figure} (target ${target})\n`);
}

/** BENCH_ONLY=memory (or requests, limits, overhead, faults) runs one part while working on it. */
const only = (part: string) => !process.env.BENCH_ONLY || process.env.BENCH_ONLY === part;

test('benchmark', async () => {
	// 1. Requests, against the minimum each answer needs.
	if (only('requests')) {
		const sim = await simulator(1234);
		const count = async (parameters: Record<string, unknown>) => {
			sim.clearLog();
			await runNode(sim, parameters);
			return sim.requestsFor(PATH).length;
		};
		const newest = Date.parse(sim.integration('int-a').syncs[0].sync_start_time);
		const counts = [
			await count({ operation: 'getLatest' }),
			await count({ operation: 'list', limit: 50 }),
			await count({ operation: 'list', returnAll: true }),
			await count({ operation: 'list', returnAll: true, filters: { startedAfter: new Date(newest - 24 * 3_600_000).toISOString() } }),
		];
		record(
			'requests for get latest / list limit 50 / list all of 1,234 syncs / startedAfter covering 25 syncs',
			counts.join(' / '),
			'1 / 5 / 124 / 3',
			counts.join('/') === '1/5/124/3',
		);
		await sim.close();
	}

	// 2. 3,000 syncs under 100 requests per 10 s window, and 3. with another client spending half.
	for (const shared of only('limits') ? [false, true] : []) {
		const windowMs = 10_000;
		const sim = await simulator(3000, { rateLimits: { jobSyncStatus: { limit: 100, windowMs } } });
		let otherClient: Promise<void> | undefined;
		let stop = false;
		if (shared) {
			// Half of each window's budget: 50 requests spread over every 10 s.
			otherClient = (async () => {
				while (!stop) {
					await fetch(`${sim.url}${PATH}`, { headers: { authorization: 'Bearer other-client' } });
					await new Promise((resolve) => setTimeout(resolve, windowMs / 50));
				}
			})();
		}
		const started = performance.now();
		const result = await runNode(sim, { operation: 'list', returnAll: true, options: { maxWait: 600 } });
		const elapsed = performance.now() - started;
		stop = true;
		await otherClient;
		const quality = checkItems(sim, result);
		const pages = 300;
		if (!shared) {
			// The least the limit allows: every window but the last waited out, plus the requests themselves.
			const bare = await simulator(3000);
			const bareStart = performance.now();
			await bareFetchLoop(bare);
			const bareMs = performance.now() - bareStart;
			await bare.close();
			const least = (Math.ceil(pages / 100) - 1) * windowMs + bareMs;
			const ratio = elapsed / least;
			record(
				'list all of 3,000 syncs under 100 requests per 10 s window: elapsed over the least time the limit allows',
				`${(elapsed / 1000).toFixed(1)} s / ${(least / 1000).toFixed(1)} s = ${ratio.toFixed(3)}; ${quality.errors} errors, ${quality.duplicates} duplicates, ${quality.missing} missing`,
				'≤ 1.15, 0 errors, 0 duplicates, 0 missing',
				ratio <= 1.15 && quality.errors === 0 && quality.duplicates === 0 && quality.missing === 0,
			);
		} else {
			const rejected = sim.requestsFor(PATH).filter((request) => request.status === 429).length;
			record(
				'the same with another client spending half of each window\'s budget',
				`completed in ${(elapsed / 1000).toFixed(1)} s (${rejected} answers 429 in all); ${quality.duplicates} duplicates, ${quality.missing} missing`,
				'completes, 0 duplicates, 0 missing',
				quality.errors === 0 && quality.duplicates === 0 && quality.missing === 0,
			);
		}
		await sim.close();
	}

	// 4. Client overhead: the node in n8n's engine over a bare fetch loop, same pages, same server.
	if (only('overhead')) {
		const sim = await simulator(20_000);
		await bareFetchLoop(sim); // warm both paths once
		await runNode(sim, { operation: 'list', limit: 100 });
		const bareStart = performance.now();
		const bareItems = await bareFetchLoop(sim);
		const bareMs = performance.now() - bareStart;
		const nodeStart = performance.now();
		const result = await runNode(sim, { operation: 'list', returnAll: true });
		const nodeMs = performance.now() - nodeStart;
		const ratio = nodeMs / bareMs;
		record(
			'client overhead: the node listing 20,000 syncs (2,000 pages) in n8n\'s engine, over a bare fetch loop',
			`${(nodeMs / 1000).toFixed(2)} s / ${(bareMs / 1000).toFixed(2)} s = ${ratio.toFixed(2)} (${result.items.length} and ${bareItems} items)`,
			'≤ 2.0',
			ratio <= 2 && result.items.length === 20_000 && bareItems === 20_000,
		);
		await sim.close();
	}

	// 5. Peak memory listing 100,000 syncs, over the process baseline.
	if (only('memory')) {
		const sim = await simulator(100_000);
		global.gc?.();
		const baseline = process.memoryUsage().heapUsed;
		let peak = baseline;
		const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
		const result = await runNode(sim, { operation: 'list', returnAll: true });
		peak = Math.max(peak, process.memoryUsage().heapUsed);
		clearInterval(sampler);
		const perItem = (peak - baseline) / result.items.length;
		record(
			'peak memory listing 100,000 syncs, over the process baseline (heap)',
			`${((peak - baseline) / 1024 / 1024).toFixed(1)} MiB = ${Math.round(perItem)} bytes per item (${result.items.length} items)`,
			'≤ 1 KB per item',
			perItem <= 1024 && result.items.length === 100_000,
		);
		await sim.close();
	}

	// 6. Faults: a 5xx on every 7th request, a reset on every 11th.
	if (only('faults')) {
		const faults: SimulatorOptions['faults'] = [];
		for (let request = 1; request <= 400; request++) {
			if (request % 7 === 0) faults.push({ request, kind: 503 });
			else if (request % 11 === 0) faults.push({ request, kind: 'reset' });
		}
		const sim = await simulator(1234, { faults });
		const result = await runNode(sim, { operation: 'list', returnAll: true });
		const quality = checkItems(sim, result);
		const faulted = sim.requests.filter((request) => request.status === null || (request.status ?? 0) >= 500).length;
		record(
			'a 5xx on every 7th request, a reset on every 11th (1,234 syncs)',
			`${quality.identical ? 'items identical' : 'items DIFFER'}; ${faulted} faults retried; ${quality.errors} errors`,
			'completes, items identical',
			quality.identical && quality.errors === 0,
		);
		await sim.close();
	}

	const table = [
		'| measure | measured | target | met |',
		'| --- | --- | --- | --- |',
		...rows.map((row) => `| ${row.measure} | ${row.figure} | ${row.target} | ${row.met ? 'yes' : '**no**'} |`),
	].join('\n');
	if (process.env.BENCH_ONLY) {
		expect(rows.filter((row) => !row.met).map((row) => row.measure)).toEqual([]);
		return;
	}
	writeFileSync(
		path.join(__dirname, 'RESULTS.md'),
		`# Benchmark results\n\nMeasured by \`npm run bench\` (bench/bench.ts) on ${new Date().toISOString().slice(0, 10)}, Node.js ${process.version}, ` +
			`in n8n's engine (n8n-core ${require('n8n-core/package.json').version}) against the local Braze CDI simulator. ` +
			'Times are ratios within this one run (these machines are noisy).\n\n' +
			`${table}\n`,
	);
	process.stdout.write(`\n${table}\n`);
	expect(rows.filter((row) => !row.met).map((row) => row.measure)).toEqual([]);
}, 15 * 60_000);
