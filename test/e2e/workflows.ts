import { readFileSync } from 'node:fs';
import path from 'node:path';

export const BRAZE_NODE = 'Braze';
const NODE_TYPE = 'n8n-nodes-braze-cdi.brazeCdi';

export interface WorkflowJson {
	id: string;
	name: string;
	nodes: Array<
		Record<string, unknown> & { name: string; type: string; parameters: Record<string, unknown> }
	>;
	connections: Record<string, unknown>;
	[key: string]: unknown;
}

/** Manual trigger → one Braze node, as a user would build it in the editor. */
export function brazeWorkflow(
	id: string,
	parameters: Record<string, unknown>,
	credentialId: string,
): WorkflowJson {
	return brazeNodesWorkflow(id, { [BRAZE_NODE]: parameters }, credentialId);
}

/** Manual trigger → one Braze node for each entry of `nodes` (name → parameters), side by side. */
export function brazeNodesWorkflow(
	id: string,
	nodes: Record<string, Record<string, unknown>>,
	credentialId: string,
): WorkflowJson {
	const braze = Object.entries(nodes).map(([name, parameters], index) => ({
		id: index === 0 ? `${id}-braze` : `${id}-braze-${index}`,
		name,
		type: NODE_TYPE,
		typeVersion: 1,
		position: [220, index * 160],
		parameters,
		credentials: { brazeCdiApi: { id: credentialId, name: credentialId } },
	}));
	return {
		id,
		name: id,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{
				id: `${id}-start`,
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			...braze,
		],
		connections: {
			Start: { main: [braze.map(({ name }) => ({ node: name, type: 'main', index: 0 }))] },
		},
	};
}

export const byId = (value: string) => ({ __rl: true, mode: 'id', value });

/**
 * An example workflow from `examples/`, ready for `n8n execute`: its Schedule Trigger becomes a
 * manual one (the CLI only starts from those), and its Braze nodes read `integrationId` through
 * `credentialId`.
 */
export function exampleWorkflow(
	file: string,
	id: string,
	integrationId: string,
	credentialId: string,
): WorkflowJson {
	const workflow = JSON.parse(
		readFileSync(path.join(__dirname, '..', '..', 'examples', file), 'utf8'),
	) as WorkflowJson;
	workflow.id = id;
	for (const node of workflow.nodes) {
		if (node.type === 'n8n-nodes-base.scheduleTrigger') {
			Object.assign(node, { type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, parameters: {} });
		}
		if (node.type === NODE_TYPE) {
			node.parameters.integrationId = byId(integrationId);
			node.credentials = { brazeCdiApi: { id: credentialId, name: credentialId } };
		}
	}
	return workflow;
}
