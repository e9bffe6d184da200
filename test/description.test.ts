/**
 * What the editor shows, checked on the node descriptions as n8n reads them: the subtitle in
 * words, options shown only where they apply, descriptions that render (n8n shows them as HTML).
 */
import type {
	INode,
	INodeProperties,
	INodePropertyOptions,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeHelpers, Workflow } from 'n8n-workflow';

import { loadPackage } from './harness';

async function descriptions() {
	const loader = await loadPackage();
	return {
		node: loader.getNode('brazeCdi').type.description as INodeTypeDescription,
		trigger: loader.getNode('brazeCdiTrigger').type.description as INodeTypeDescription,
	};
}

/** Every property and option, nested ones included. */
function everyProperty(
	properties: INodeProperties[],
): Array<INodeProperties | INodePropertyOptions> {
	return properties.flatMap((property) => [
		property,
		...((property.options ?? []) as Array<INodeProperties | INodePropertyOptions>).flatMap(
			(option) => ('displayName' in option ? everyProperty([option as INodeProperties]) : [option]),
		),
	]);
}

test('the subtitle names the operation in words, as the Operation list does', async () => {
	const { node } = await descriptions();
	const operations = node.properties.filter((property) => property.name === 'operation');
	const nodeTypes = {
		getByName: () => ({ description: node }),
		getByNameAndVersion: () => ({ description: node }),
		getKnownTypes: () => ({}),
	};
	let checked = 0;
	for (const property of operations) {
		for (const option of property.options as INodePropertyOptions[]) {
			const parameters = {
				resource: property.displayOptions!.show!.resource![0],
				operation: option.value,
			};
			const braze = {
				id: 'b',
				name: 'Braze',
				type: 'brazeCdi',
				typeVersion: 1,
				parameters,
				position: [0, 0],
			} as INode;
			const workflow = new Workflow({
				nodes: [braze],
				connections: {},
				active: false,
				nodeTypes: nodeTypes as never,
			});
			expect(
				workflow.expression.getSimpleParameterValue(braze, node.subtitle!, 'internal', {}),
			).toBe(option.name);
			checked++;
		}
	}
	expect(checked).toBe(5);
});

test("Trigger Sync's Poll Interval, Timeout and Fail on Status apply only when waiting", async () => {
	const { node } = await descriptions();
	const options = {
		pollInterval: 5,
		timeout: 60,
		failOnStatus: ['error'],
		ifAlreadyRunning: 'fail',
	};
	const resolved = (waitForCompletion: boolean) =>
		NodeHelpers.getNodeParameters(
			node.properties,
			{ resource: 'integration', operation: 'triggerSync', waitForCompletion, options },
			true,
			false,
			null,
			node,
		)?.options;

	expect(resolved(true)).toEqual(options);
	expect(resolved(false)).toEqual({ ifAlreadyRunning: 'fail' });
});

test("the trigger's Watch says what it does, each choice too", async () => {
	const { trigger } = await descriptions();
	const watch = trigger.properties.find((property) => property.name === 'watch')!;

	expect(watch.description).toMatch(/\w/);
	expect(
		(watch.options as INodePropertyOptions[]).every((option) =>
			/\w/.test(option.description ?? ''),
		),
	).toBe(true);
});

test('no description holds <text> that n8n would render as an HTML tag (and so show nothing)', async () => {
	const { node, trigger } = await descriptions();
	const texts = [node, trigger].flatMap((description) => [
		description.description,
		...everyProperty(description.properties).map((property) => property.description ?? ''),
	]);

	expect(texts.filter((text) => /<[a-z_][\w-]*>/i.test(text))).toEqual([]);
});
