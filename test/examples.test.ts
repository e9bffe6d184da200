/**
 * The example workflows (examples/*.json): each says in sticky notes what a user sets after
 * importing it (the credential and integration of each node that needs them, and where the
 * workflow's result goes), without covering any node on the canvas.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

type Node = {
	name: string;
	type: string;
	typeVersion: number;
	position: [number, number];
	parameters: Record<string, any>;
	credentials?: Record<string, unknown>;
};
type Workflow = { nodes: Node[]; connections: Record<string, { main: unknown[][] }> };

const EXAMPLES = path.join(__dirname, '..', 'examples');
const STICKY = 'n8n-nodes-base.stickyNote';
/**
 * What a node covers on the canvas, from its position (its top-left corner): the 100 × 100 box,
 * and the name under it, which can be wider than the box and run to three lines.
 */
const NODE_AREA = { left: -60, top: 0, right: 160, bottom: 170 };

type Box = { left: number; top: number; right: number; bottom: number };
const overlap = (a: Box, b: Box) =>
	a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
const areaOf = ({ position: [x, y] }: Node): Box => ({
	left: x + NODE_AREA.left,
	top: y + NODE_AREA.top,
	right: x + NODE_AREA.right,
	bottom: y + NODE_AREA.bottom,
});
const noteOf = ({ position: [x, y], parameters }: Node): Box => ({
	left: x,
	top: y,
	right: x + parameters.width,
	bottom: y + parameters.height,
});
/** How a note names a node: its name without a trailing "(…)", in bold. */
const mention = (node: Node) => `**${node.name.replace(/ \(.*\)$/, '')}**`;

const files = readdirSync(EXAMPLES).filter((file) => file.endsWith('.json'));

test('there are examples', () => {
	expect(files.length).toBeGreaterThanOrEqual(6);
});

describe.each(files)('%s', (file) => {
	const workflow = JSON.parse(readFileSync(path.join(EXAMPLES, file), 'utf8')) as Workflow;
	const notes = workflow.nodes.filter((node) => node.type === STICKY);
	const nodes = workflow.nodes.filter((node) => node.type !== STICKY);
	const text = notes.map((note) => note.parameters.content as string).join('\n');

	test('sticky notes (version 1) with a content and a size', () => {
		expect(notes.length).toBeGreaterThanOrEqual(2);
		for (const note of notes) {
			expect(note.typeVersion).toBe(1);
			expect(note.parameters.content).toMatch(/^#{2,3} \S/);
			expect(note.parameters.width).toBeGreaterThanOrEqual(200);
			expect(note.parameters.height).toBeGreaterThanOrEqual(160);
			expect(note.position).toEqual([expect.any(Number), expect.any(Number)]);
		}
	});

	test('no note covers a node or another note', () => {
		for (const note of notes) {
			for (const node of nodes)
				expect([note.name, node.name, overlap(noteOf(note), areaOf(node))]).toEqual([
					note.name,
					node.name,
					false,
				]);
			for (const other of notes)
				if (other !== note)
					expect([note.name, other.name, overlap(noteOf(note), noteOf(other))]).toEqual([
						note.name,
						other.name,
						false,
					]);
		}
	});

	test('the notes name each node to set up (a credential) and where the result goes (the last nodes)', () => {
		const withCredentials = nodes.filter((node) => node.credentials);
		const last = nodes.filter((node) =>
			(workflow.connections[node.name]?.main ?? []).every((outputs) => outputs.length === 0),
		);
		expect(withCredentials.length).toBeGreaterThan(0);
		expect(last.length).toBeGreaterThan(0);
		for (const node of [...withCredentials, ...last]) expect(text).toContain(mention(node));
		expect(text).toMatch(/credential/);
		// An AI agent's tool leaves the integration to the model ($fromAI): nothing to set.
		const picksIntegration = nodes.some(
			(node) =>
				node.parameters.integrationId !== undefined &&
				!node.parameters.allIntegrations &&
				!/\$fromAI\(/.test(JSON.stringify(node.parameters.integrationId)),
		);
		if (picksIntegration) expect(text).toMatch(/\*\*integration\*\*/);
	});
	// n8n gives the polls of one workflow one expression sandbox, freed when a poll ends: of
	// two triggers polling at once, one fails.
	test('its triggers never poll in the same minute', () => {
		const minutes = nodes
			.filter((node) => node.parameters.pollTimes !== undefined)
			.map((node) => node.parameters.pollTimes.item.flatMap(pollMinutes));
		const all = minutes.flat();
		expect(new Set(all).size).toBe(all.length);
	});
});

/**
 * The minutes of the hour a poll time fires in: Every X Minutes, or the minute field of a Custom
 * cron (a range with a step, every minute with a step, or one minute). The examples use no other.
 */
function pollMinutes(item: Record<string, any>): number[] {
	const every = (first: number, last: number, step: number) =>
		Array.from(
			{ length: Math.floor((last - first) / step) + 1 },
			(_, index) => first + index * step,
		);
	if (item.mode === 'everyX' && item.unit === 'minutes') return every(0, 59, item.value);
	if (item.mode === 'custom') {
		const fields = String(item.cronExpression).trim().split(/\s+/);
		const minute = fields.length === 6 ? fields[1] : fields[0];
		const [, range, step = '1'] = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(minute) ?? [];
		if (range === '*') return every(0, 59, Number(step));
		if (range !== undefined) {
			const [first, last = minute.includes('/') ? 59 : first] = range.split('-').map(Number);
			return every(first, last, Number(step));
		}
	}
	throw new Error(`A poll time this test cannot place: ${JSON.stringify(item)}`);
}
