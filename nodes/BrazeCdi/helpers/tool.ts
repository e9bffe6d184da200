import type { INode } from 'n8n-workflow';

/** Whether the node runs as an AI agent's tool: n8n names the tool variant of a type `…Tool`. */
export function runsAsTool(node: INode): boolean {
	return node.type.endsWith('Tool');
}
