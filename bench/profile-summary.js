#!/usr/bin/env node
/**
 * Summarizes the CPU profiles `BENCH_PROFILE=<folder> BENCH_ONLY=overhead npm run bench` writes:
 * for each path, the sampled CPU time, the functions with the most self time, and the inclusive
 * time of the parts a page goes through, per page (each profile holds three runs of 500 pages).
 *
 *   node bench/profile-summary.js <folder> [top=25]
 */
const fs = require('node:fs');
const path = require('node:path');

const [folder, topArgument] = process.argv.slice(2);
if (!folder) {
	console.error('usage: node bench/profile-summary.js <folder> [top]');
	process.exit(2);
}
const top = Number(topArgument ?? 25);
const PAGES = 3 * 500;

/** Where a function comes from, short: the package below node_modules, or the file. */
function where({ url, lineNumber }) {
	if (!url) return '';
	const file = url.replace(/^file:\/\//, '');
	const inModules = file.lastIndexOf('node_modules/');
	const short =
		inModules >= 0 ? file.slice(inModules + 'node_modules/'.length) : path.basename(file);
	return `${short}:${lineNumber + 1}`;
}

/** Inclusive time of every sample whose stack passes through a frame `test` accepts. */
const GROUPS = {
	"pagination helper's expressions (resolveValue)": (frame) =>
		frame.functionName === 'resolveValue' || frame.functionName === 'getResolvedValue',
	'lodash merge of the request (applyPaginationRequestData)': (frame) =>
		frame.functionName === 'applyPaginationRequestData',
	'md5 of identical-page guard': (frame) =>
		frame.functionName === 'createHash' || frame.functionName === 'digest',
	"n8n's requestWithAuthentication": (frame) => frame.functionName === 'requestWithAuthentication',
	'the package (dist/nodes)': (frame) => /\/dist\/nodes\//.test(frame.url),
	'garbage collector': (frame) => frame.functionName === '(garbage collector)',
	'JSON.parse': (frame) => frame.functionName === 'parse' && frame.url === '',
};

for (const file of fs
	.readdirSync(folder)
	.filter((name) => name.endsWith('.cpuprofile'))
	.sort()) {
	const profile = JSON.parse(fs.readFileSync(path.join(folder, file), 'utf8'));
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	const parent = new Map();
	for (const node of profile.nodes)
		for (const child of node.children ?? []) parent.set(child, node.id);
	const self = new Map();
	const count = new Map();
	for (const [index, id] of profile.samples.entries())
		count.set(id, (count.get(id) ?? 0) + (profile.timeDeltas[index + 1] ?? 0));
	let total = 0;
	const groups = Object.fromEntries(Object.keys(GROUPS).map((name) => [name, 0]));
	for (const [id, micros] of count) {
		const node = byId.get(id);
		if (node.callFrame.functionName === '(idle)' || node.callFrame.functionName === '(program)')
			continue;
		total += micros;
		const key = `${node.callFrame.functionName || '(anonymous)'} ${where(node.callFrame)}`;
		self.set(key, (self.get(key) ?? 0) + micros);
		const hit = new Set();
		for (let at = id; at !== undefined; at = parent.get(at)) {
			for (const [name, test] of Object.entries(GROUPS))
				if (test(byId.get(at).callFrame)) hit.add(name);
		}
		for (const name of hit) groups[name] += micros;
	}
	const ms = (micros) => (micros / 1000).toFixed(0).padStart(6);
	const perPage = (micros) => (micros / 1000 / PAGES).toFixed(3);
	console.log(
		`\n== ${file}: ${ms(total)} ms sampled (idle and "(program)" excluded), ${perPage(total)} ms a page`,
	);
	for (const [name, micros] of Object.entries(groups)) {
		if (micros) console.log(`   incl ${ms(micros)} ms  ${perPage(micros)} ms/page  ${name}`);
	}
	console.log('   self time:');
	for (const [key, micros] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
		console.log(`   ${ms(micros)} ms  ${perPage(micros)} ms/page  ${key}`);
	}
}
