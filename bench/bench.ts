/**
 * `npm run bench`: the node against the simulator, in n8n's engine (the unit tests' harness).
 * Writes bench/RESULTS.md with each measure beside its target and fails when one is missed.
 * Times are ratios within this one run: these machines are noisy.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import type { IExecuteFunctions, IN8nHttpFullResponse } from 'n8n-workflow';

import type { Simulator, SimulatorOptions } from '../simulator';
import { makeSyncs, startSimulator, startSimulatorProcess } from '../simulator';
import { API_KEY, brazeExecuteContext, runBrazeNode } from '../test/harness';

const ALL = ['cdi.integration_job_status', 'cdi.integration_list', 'cdi.integration_sync'];
const PATH = '/cdi/integrations/int-a/job_sync_status';
/** Where RESULTS.md's hand-kept notes begin. */
const KEPT = '\n## Spread over runs\n';
const rows: Array<{ measure: string; figure: string; target: string; met: boolean }> = [];

async function simulator(syncs: number, options: SimulatorOptions = {}) {
	return await startSimulator({
		apiKeys: { [API_KEY]: ALL, 'other-client': ALL },
		integrations: [{ integration_id: 'int-a', syncs: makeSyncs(syncs, { spacingMs: 3_600_000 }) }],
		rateLimits: { jobSyncStatus: { limit: 1_000_000, windowMs: 60_000 } },
		...options,
	});
}

async function runNode(
	sim: { url: string },
	parameters: Record<string, unknown>,
	integrationId = 'int-a',
) {
	return await runBrazeNode({
		parameters: {
			resource: 'jobSync',
			integrationId: { __rl: true, mode: 'id', value: integrationId },
			...parameters,
		},
		credentials: { restEndpoint: 'custom', customUrl: sim.url, apiKey: API_KEY },
	});
}

/** Reads every page as a plain client would: fetch, parse, follow the cursor. */
async function bareFetchLoop(sim: { url: string }, pagesPath = PATH): Promise<number> {
	let cursor: string | undefined;
	let items = 0;
	for (;;) {
		const response = await fetch(`${sim.url}${pagesPath}${cursor ? `?cursor=${cursor}` : ''}`, {
			headers: { authorization: `Bearer ${API_KEY}` },
		});
		const body = (await response.json()) as { results: unknown[] };
		items += body.results.length;
		cursor = /cursor=([^&>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
		if (!cursor) return items;
	}
}

/**
 * Reads every page through n8n's own request helper (the one the pagination helper calls, with
 * the credential's authentication), a page a request, cursor taken in plain code: the least any
 * node reading these pages through n8n pays, with no pagination helper and no expressions of its own.
 */
async function n8nRequestLoop(
	context: IExecuteFunctions,
	sim: { url: string },
	pagesPath = PATH,
): Promise<number> {
	let cursor: string | undefined;
	let items = 0;
	for (;;) {
		const response = (await context.helpers.requestWithAuthentication.call(context, 'brazeCdiApi', {
			method: 'GET',
			uri: `${sim.url}${pagesPath}${cursor ? `?cursor=${cursor}` : ''}`,
			json: true,
			resolveWithFullResponse: true,
		})) as IN8nHttpFullResponse & { body: { results: unknown[] } };
		items += response.body.results.length;
		cursor = /cursor=([^&>]+)>;\s*rel="next"/.exec(String(response.headers.link ?? ''))?.[1];
		if (!cursor) return items;
	}
}

/**
 * Reads every page through n8n's pagination helper following the Link header with the simplest
 * expressions that do it, three pages a call as the transport asks for them: what any node pays
 * for using the helper (expressions evaluated per page, the request merged per page, the
 * identical-page guard), with none of this package's code.
 */
async function paginationHelperLoop(
	context: IExecuteFunctions,
	sim: { url: string },
	pagesPath = PATH,
): Promise<number> {
	const nextCursor = /cursor=([^&>]+)>;\s*rel="next"/;
	const pagination = {
		request: {
			url: `={{ $request.uri.split('?')[0] + '?cursor=' + $response.headers.link.match(${nextCursor})[1] }}`,
		},
		continue: `={{ ${nextCursor}.test($response.headers.link) }}`,
		requestInterval: 0,
		maxRequests: 3, // the transport's MAX_PAGES_PER_CALL
	};
	let cursor: string | undefined;
	let items = 0;
	for (;;) {
		const responses = (await context.helpers.requestWithAuthenticationPaginated.call(
			context,
			{
				method: 'GET',
				uri: `${sim.url}${pagesPath}${cursor ? `?cursor=${cursor}` : ''}`,
				json: true,
				timeout: 60_000,
			},
			0,
			pagination,
			'brazeCdiApi',
		)) as Array<IN8nHttpFullResponse & { body: { results: unknown[] } }>;
		for (const response of responses) items += response.body.results.length;
		cursor = nextCursor.exec(String(responses[responses.length - 1].headers.link ?? ''))?.[1];
		if (!cursor) return items;
	}
}

/**
 * What one path costs: the CPU time of this process (user + system, every thread: JavaScript,
 * garbage collection, the kernel's socket work) and, for comparison, the wall-clock time. The
 * heap is collected first, so that no path pays for another's garbage.
 */
async function measured<T>(
	run: () => Promise<T>,
): Promise<{ cpuMs: number; wallMs: number; result: T }> {
	global.gc?.();
	const cpu = process.cpuUsage();
	const started = performance.now();
	const result = await run();
	const wallMs = performance.now() - started;
	const { user, system } = process.cpuUsage(cpu);
	return { cpuMs: (user + system) / 1000, wallMs, result };
}

/**
 * BENCH_PROFILE=<folder>: after the measured rounds, three more runs of each path under V8's sampling
 * profiler, written as <path>.cpuprofile (open in Chrome's DevTools, or summarize with
 * `node bench/profile-summary.js <folder>`). Never part of the measured rounds.
 */
const PROFILED_RUNS = 3;
async function profiled(folder: string, name: string, run: () => Promise<unknown>) {
	const session = new Session();
	session.connect();
	await session.post('Profiler.enable');
	await session.post('Profiler.setSamplingInterval', { interval: 100 });
	global.gc?.();
	await session.post('Profiler.start');
	for (let count = 0; count < PROFILED_RUNS; count++) await run();
	const { profile } = await session.post('Profiler.stop');
	session.disconnect();
	mkdirSync(folder, { recursive: true });
	writeFileSync(path.join(folder, `${name}.cpuprofile`), JSON.stringify(profile));
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function checkItems(sim: Simulator, result: Awaited<ReturnType<typeof runNode>>) {
	const expected = sim.integration('int-a').syncs.map((sync) => sync.sync_start_time);
	const got = result.items.map((item) => String(item.json.sync_start_time));
	const duplicates = got.length - new Set(got).size;
	const missing = expected.filter((start) => !got.includes(start)).length;
	return {
		duplicates,
		missing,
		identical: JSON.stringify(got) === JSON.stringify(expected),
		errors: result.error ? 1 : 0,
	};
}

function record(measure: string, figure: string, target: string, met: boolean) {
	rows.push({ measure, figure, target, met });
	process.stdout.write(`${met ? 'met   ' : 'MISSED'} ${measure}: ${figure} (target ${target})\n`);
}

/** BENCH_ONLY=memory (or requests, limits, overhead, faults) runs one part while working on it. */
const only = (part: string) => !process.env.BENCH_ONLY || process.env.BENCH_ONLY === part;

test(
	'benchmark',
	async () => {
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
				await count({
					operation: 'list',
					returnAll: true,
					filters: { startedAfter: new Date(newest - 24 * 3_600_000).toISOString() },
				}),
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
			const sim = await simulator(3000, {
				rateLimits: { jobSyncStatus: { limit: 100, windowMs } },
			});
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
			const result = await runNode(sim, {
				operation: 'list',
				returnAll: true,
				options: { maxWait: 600 },
			});
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
					ratio <= 1.15 &&
						quality.errors === 0 &&
						quality.duplicates === 0 &&
						quality.missing === 0,
				);
			} else {
				const rejected = sim.requestsFor(PATH).filter((request) => request.status === 429).length;
				record(
					"the same with another client spending half of each window's budget",
					`completed in ${(elapsed / 1000).toFixed(1)} s (${rejected} answers 429 in all); ${quality.duplicates} duplicates, ${quality.missing} missing`,
					'completes, 0 duplicates, 0 missing',
					quality.errors === 0 && quality.duplicates === 0 && quality.missing === 0,
				);
			}
			await sim.close();
		}

		// 4. Client overhead: the node in n8n's engine over n8n's own request helper reading the same
		// pages (the floor under any node), and over a bare fetch loop for scale. Measured as CPU time
		// of this process, which the scheduler cannot inflate: a path waiting for a core, or for the
		// simulator, spends none. The simulator runs in a process of its own, so its work on the
		// answers is in neither figure. Rounds interleave the paths (the order reversed every other
		// round); each round gives the node's ratio over the floor, and the median of the rounds counts.
		if (only('overhead')) {
			const syncs = 5_000;
			const rounds = 7;
			const sim = await startSimulatorProcess([
				'--api-key',
				API_KEY,
				'--rate-limit-job-status',
				'1000000000',
				'--history',
				String(syncs),
			]);
			const historyPath = '/cdi/integrations/cdi-history/job_sync_status';
			const context = await brazeExecuteContext({
				restEndpoint: 'custom',
				customUrl: sim.url,
				apiKey: API_KEY,
			});
			const paths = {
				bare: () => bareFetchLoop(sim, historyPath),
				n8n: () => n8nRequestLoop(context, sim, historyPath),
				helper: () => paginationHelperLoop(context, sim, historyPath),
				node: async () =>
					(await runNode(sim, { operation: 'list', returnAll: true }, 'cdi-history')).items.length,
			};
			const names = ['bare', 'n8n', 'helper', 'node'] as const;
			for (const name of names) await paths[name](); // warm every path once
			const cpu = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<
				(typeof names)[number],
				number[]
			>;
			const wall = structuredClone(cpu);
			const items = { bare: 0, n8n: 0, helper: 0, node: 0 };
			for (let round = 0; round < rounds; round++) {
				for (const name of round % 2 ? [...names].reverse() : names) {
					const { cpuMs, wallMs, result } = await measured(paths[name]);
					cpu[name].push(cpuMs);
					wall[name].push(wallMs);
					items[name] = result;
				}
			}
			const perRound = (a: number[], b: number[]) => a.map((value, round) => value / b[round]);
			const overFloor = perRound(cpu.node, cpu.n8n);
			const ratio = median(overFloor);
			const ms = (values: number[]) => `${Math.round(median(values))} ms`;
			// The former measure, from the same rounds: the best wall-clock time of each path.
			const wallRatio = Math.min(...wall.node) / Math.min(...wall.n8n);
			record(
				`client overhead: CPU time of the node listing ${syncs.toLocaleString('en')} syncs (${syncs / 10} pages) in n8n's engine, over n8n's own request helper reading the same pages (the floor under any node); median of ${rounds} interleaved rounds`,
				`${ms(cpu.node)} / ${ms(cpu.n8n)}: ${ratio.toFixed(3)} (rounds ${Math.min(...overFloor).toFixed(3)}–${Math.max(...overFloor).toFixed(3)}; ${items.node} and ${items.n8n} items). ` +
					`Over a bare fetch loop (${ms(cpu.bare)}): the node ${median(perRound(cpu.node, cpu.bare)).toFixed(2)}, n8n's request helper alone ${median(perRound(cpu.n8n, cpu.bare)).toFixed(2)}. ` +
					`n8n's pagination helper with trivial expressions (${ms(cpu.helper)}) over the request helper: ${median(perRound(cpu.helper, cpu.n8n)).toFixed(3)}; the node over it: ${median(perRound(cpu.node, cpu.helper)).toFixed(3)}. ` +
					`Wall clock, best of each path, for comparison: ${wallRatio.toFixed(2)}`,
				'≤ 1.10',
				ratio <= 1.1 && Object.values(items).every((count) => count === syncs),
			);
			const profileFolder = process.env.BENCH_PROFILE;
			if (profileFolder) {
				for (const name of names) await profiled(path.resolve(profileFolder), name, paths[name]);
			}
			await sim.close();
		}

		// 5. Peak memory listing 100,000 syncs, over the process baseline: what the node holds (the live
		// heap, with a full GC every second), and how far V8 lets the heap grow before collecting.
		if (only('memory')) {
			const syncs = 100_000;
			// In a process of its own, so that its data and garbage stay out of the heap measured.
			const sim = await startSimulatorProcess([
				'--api-key',
				API_KEY,
				'--rate-limit-job-status',
				'1000000000',
				'--history',
				String(syncs),
			]);
			const expected = makeSyncs(syncs).map((sync) => sync.sync_start_time);
			await runNode(sim, { operation: 'list', limit: 20 }, 'cdi-history');
			// Only numbers come back: an awaited result left in a caller's frame would stay on the heap.
			const heapDuring = async (sampleEveryMs: number, collect: boolean) => {
				global.gc?.();
				const baseline = process.memoryUsage().heapUsed;
				let peak = baseline;
				const sample = () => {
					if (collect) global.gc?.();
					peak = Math.max(peak, process.memoryUsage().heapUsed);
				};
				const sampler = setInterval(sample, sampleEveryMs);
				const { items } = await runNode(sim, { operation: 'list', returnAll: true }, 'cdi-history');
				clearInterval(sampler);
				sample(); // with every item still held
				const identical =
					items.length === syncs &&
					items.every((item, index) => item.json.sync_start_time === expected[index]);
				return { perItem: (peak - baseline) / syncs, identical };
			};
			const grown = (await heapDuring(5, false)).perItem;
			const { perItem, identical } = await heapDuring(1000, true);
			record(
				'peak memory listing 100,000 syncs, over the process baseline (heap)',
				`${Math.round(perItem)} bytes per item held at the peak (${((perItem * syncs) / 1024 / 1024).toFixed(1)} MiB live, ${identical ? 'items identical' : 'items DIFFER'}); ` +
					`without forced GCs, heap use peaked at ${Math.round(grown)} bytes per item (garbage V8 had not yet collected included)`,
				'≤ 1 KB per item',
				perItem <= 1024 && identical,
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
			const faulted = sim.requests.filter(
				(request) => request.status === null || (request.status ?? 0) >= 500,
			).length;
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
			...rows.map(
				(row) =>
					`| ${row.measure} | ${row.figure} | ${row.target} | ${row.met ? 'yes' : '**no**'} |`,
			),
		].join('\n');
		if (process.env.BENCH_ONLY) {
			expect(rows.filter((row) => !row.met).map((row) => row.measure)).toEqual([]);
			return;
		}
		// Notes kept by hand below the generated part (the spread over several runs) survive a new run.
		const resultsFile = path.join(__dirname, 'RESULTS.md');
		const kept = existsSync(resultsFile)
			? readFileSync(resultsFile, 'utf8').split(KEPT)[1]
			: undefined;
		writeFileSync(
			resultsFile,
			`# Benchmark results\n\nMeasured by \`npm run bench\` (bench/bench.ts) on ${new Date().toISOString().slice(0, 10)}, Node.js ${process.version}, ` +
				`in n8n's engine (n8n-core ${require('n8n-core/package.json').version}) against the local Braze CDI simulator. ` +
				'Times are ratios within this one run (these machines are noisy).\n\n' +
				`${table}\n\n` +
				'- Overhead: "n8n\'s request helper alone" is n8n\'s own HTTP path (a new connection and axios for every request) reading the same pages with no pagination helper, ' +
				'the least any node reading through n8n can spend, so the target is set over it; the bare fetch loop is shown for scale. ' +
				"\"n8n's pagination helper with trivial expressions\" follows the same Link header through n8n's pagination helper, three pages a call as the node does, with the simplest expressions that do it: what any node pays for using the helper, which the package's design requires. " +
				"The figure against the target is CPU time of the benchmark's process (user + system, `process.cpuUsage()`), with the simulator in a process of its own: " +
				'time spent waiting for a core or for the simulator is in no figure, so a busy machine cannot add to one path what it spares the other. ' +
				"Each round runs the three paths one after another (reversed every other round, the heap collected before each); the node's ratio is taken per round and the median counts. " +
				'The wall-clock ratio (best of each path, the measure used before) is shown from the same rounds for comparison.\n' +
				'- Memory: the figure against the target is the heap the node holds (after a full GC, sampled every second; the simulator runs in its own process). ' +
				"Without forced GCs the heap also holds garbage from n8n's HTTP client until V8 collects it; that figure is shown beside it.\n" +
				(kept === undefined ? '' : `${KEPT}${kept}`),
		);
		process.stdout.write(`\n${table}\n`);
		expect(rows.filter((row) => !row.met).map((row) => row.measure)).toEqual([]);
	},
	15 * 60_000,
);
