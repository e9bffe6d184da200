/**
 * The node as an AI agent's tool (n8n's `brazeCdiTool` variant): what the model is told of each
 * operation, and what List and Summarize answer it. The tool in a real agent and behind n8n's MCP
 * Server Trigger is tested end to end in test/e2e/ai.e2e.ts.
 */
import type { INode, INodeParameters, INodeType } from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';

import nock from 'nock';

import { asToolType, ENDPOINT, loadPackage, NODE_TYPE, runBrazeNode, TOOL_TYPE } from './harness';
import {
	byId,
	INTEGRATION_ID,
	listParameters,
	makeSyncs,
	serveHistory,
	syncItem as asItem,
} from './fixtures';

const OPERATIONS = [
	['integration', 'list', /find an integration's ID from its name/],
	['integration', 'triggerSync', /side effects.*only when the user asks/],
	['jobSync', 'getLatest', /whether the last sync worked/],
	['jobSync', 'list', /\{ syncs, more \}.*more is true when further syncs match.*Started Before/],
	['jobSync', 'summarize', /report_text is a ready summary/],
] as const;

async function brazeType(): Promise<INodeType> {
	return (await loadPackage()).getNode('brazeCdi').type as INodeType;
}

/** The node's parameters as n8n fills them in when it loads a workflow, as tool or not. */
function resolvedParameters(nodeType: INodeType, parameters: INodeParameters, asTool: boolean) {
	const { description } = asTool ? asToolType(nodeType) : nodeType;
	const node = {
		name: 'Braze',
		type: asTool ? TOOL_TYPE : NODE_TYPE,
		typeVersion: 1,
		parameters,
	} as unknown as INode;
	node.parameters = NodeHelpers.getNodeParameters(
		description.properties,
		parameters,
		true,
		false,
		node,
		description,
	)!;
	return { node, description };
}

describe('tool descriptions', () => {
	test.each(OPERATIONS)(
		'%s → %s: the model is told what it returns and when to use it',
		async (resource, operation, says) => {
			const nodeType = await brazeType();
			const { node, description } = resolvedParameters(nodeType, { resource, operation }, true);

			const told = NodeHelpers.getToolDescriptionForNode(node, { description } as INodeType);

			expect(told).toMatch(says);
			expect(told).toMatch(/Braze Cloud Data Ingestion/);
		},
	);

	test('each operation has its own description, on the tool only', async () => {
		const nodeType = await brazeType();
		const told = new Set<unknown>();
		for (const [resource, operation] of OPERATIONS) {
			const asNode = resolvedParameters(nodeType, { resource, operation }, false);
			expect(asNode.node.parameters).not.toHaveProperty('toolDescription');
			told.add(
				resolvedParameters(nodeType, { resource, operation }, true).node.parameters.toolDescription,
			);
		}
		expect(told.size).toBe(OPERATIONS.length);
	});

	test('a description the workflow author wrote is the one the model gets', async () => {
		const nodeType = await brazeType();
		const { node, description } = resolvedParameters(
			nodeType,
			{ resource: 'jobSync', operation: 'list', toolDescription: 'Orders syncs only' },
			true,
		);
		expect(NodeHelpers.getToolDescriptionForNode(node, { description } as INodeType)).toBe(
			'Orders syncs only',
		);
	});
});

describe('List Job Sync Status as a tool', () => {
	test.each([
		// syncs, limit, more, pages requested (offsets): without filters, Braze's next link says
		// whether older syncs exist, so a limit of whole pages reads no page past them.
		[37, 10, true, [0]],
		[37, 30, true, [0, 10, 20]],
		[37, 35, true, [0, 10, 20, 30]],
		[37, 37, false, [0, 10, 20, 30]],
		[37, 50, false, [0, 10, 20, 30]],
		[40, 40, false, [0, 10, 20, 30]],
		[50, 50, false, [0, 10, 20, 30, 40]],
		[51, 50, true, [0, 10, 20, 30, 40]],
		[9, 9, false, [0]],
		[0, 50, false, [0]],
	])(
		'%i syncs, limit %i: one answer, the newest up to the limit, more = %s, pages %j',
		async (count, limit, more, pages) => {
			const syncs = makeSyncs(count);
			const history = serveHistory(syncs);

			const result = await runBrazeNode({ parameters: listParameters({ limit }), asTool: true });

			expect(result.error).toBeUndefined();
			expect(result.items.map((item) => item.json)).toEqual([
				{ syncs: syncs.slice(0, limit).map(asItem), more },
			]);
			expect(history.requests).toEqual(pages);
		},
	);

	test('a next link the node will not follow is not taken for the end: more, and the next call fails saying why', async () => {
		const syncs = makeSyncs(10);
		const path = `/cdi/integrations/${INTEGRATION_ID}/job_sync_status`;
		nock(ENDPOINT)
			.get(path)
			.twice()
			.reply(200, { results: syncs, message: 'success' }, { link: `<${path}>; rel="next"` });

		const first = await runBrazeNode({ parameters: listParameters({ limit: 10 }), asTool: true });
		expect(first.items.map((item) => item.json)).toEqual([
			{ syncs: syncs.map(asItem), more: true },
		]);
		const second = await runBrazeNode({ parameters: listParameters({ limit: 11 }), asTool: true });
		expect(second.error?.message).toBe('Refused to follow Braze pagination link');
	});

	test('more counts only the syncs the filters keep', async () => {
		const syncs = makeSyncs(30);
		const errors = syncs.filter((sync) => sync.job_status === 'error');
		expect(errors.length).toBeGreaterThan(2);
		serveHistory(syncs);

		const answer = async (limit: number) =>
			(
				await runBrazeNode({
					parameters: listParameters({ limit, filters: { status: ['error'] } }),
					asTool: true,
				})
			).items[0].json;

		expect(await answer(2)).toEqual({ syncs: errors.slice(0, 2).map(asItem), more: true });
		serveHistory(syncs);
		expect(await answer(errors.length)).toEqual({ syncs: errors.map(asItem), more: false });
	});

	test('Return All, set by the workflow author, answers every sync', async () => {
		const syncs = makeSyncs(23);
		const history = serveHistory(syncs);

		const result = await runBrazeNode({
			parameters: listParameters({ returnAll: true }),
			asTool: true,
		});

		expect(result.items.map((item) => item.json)).toEqual([
			{ syncs: syncs.map(asItem), more: false },
		]);
		expect(history.requests).toEqual([0, 10, 20]);
	});
});

describe('Summarize as a tool', () => {
	const summarize = {
		resource: 'jobSync',
		operation: 'summarize',
		integrationId: byId(INTEGRATION_ID),
		// A fixed window: figures such as the data's age are measured to its end.
		startedAfter: '2026-03-24T00:00:00Z',
		startedBefore: '2026-03-26T00:00:00Z',
		options: { report: true },
	};

	test('answers the text report and the figures, without the HTML', async () => {
		const syncs = makeSyncs(12);
		serveHistory(syncs);
		const asNode = await runBrazeNode({ parameters: summarize });
		serveHistory(syncs);
		const asTool = await runBrazeNode({ parameters: summarize, asTool: true });

		expect(asTool.error).toBeUndefined();
		const [node] = asNode.items.map((item) => item.json);
		expect(node.report_html).toEqual(expect.stringContaining('<'));
		const { report_html: _html, ...withoutHtml } = node;
		expect(asTool.items.map((item) => item.json)).toEqual([withoutHtml]);
		expect(withoutHtml.report_text).toEqual(expect.stringContaining(INTEGRATION_ID));
	});
});
