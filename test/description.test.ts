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

// Widths measured in n8n 2.41.1's editor: a collection option's label has 184 px (33 characters
// needed 192 px, "Max Wait for Rate Limit (Seconds)"), and an option's description two lines of
// 358 px, cut with "…" beyond (about 120 characters fit).
test('no label or operation description is longer than the editor shows', async () => {
	const { node, trigger } = await descriptions();
	const properties = [...node.properties, ...trigger.properties];
	const collectionLabels = properties
		.filter((property) => property.type === 'collection')
		.flatMap((property) =>
			(property.options as INodeProperties[]).map((option) => option.displayName),
		);
	const operationDescriptions = properties
		.filter((property) => property.name === 'operation')
		.flatMap((property) =>
			(property.options as INodePropertyOptions[]).map((option) => option.description ?? ''),
		);

	expect(collectionLabels.filter((label) => label.length > 30)).toEqual([]);
	expect(operationDescriptions.filter((text) => text.length > 121)).toEqual([]);
	expect(collectionLabels.length).toBeGreaterThan(4);
	expect(operationDescriptions).toHaveLength(5);
});

test("the trigger's subtitle names its event in words; each event says what it emits, within two lines", async () => {
	const { trigger } = await descriptions();
	const event = trigger.properties.find((property) => property.name === 'event')!;
	const options = event.options as INodePropertyOptions[];
	const nodeTypes = {
		getByName: () => ({ description: trigger }),
		getByNameAndVersion: () => ({ description: trigger }),
		getKnownTypes: () => ({}),
	};
	for (const option of options) {
		const node = {
			id: 't',
			name: 'Trigger',
			type: 'brazeCdiTrigger',
			typeVersion: 1,
			parameters: { event: option.value },
			position: [0, 0],
		} as INode;
		const workflow = new Workflow({
			nodes: [node],
			connections: {},
			active: false,
			nodeTypes: nodeTypes as never,
		});
		expect(
			workflow.expression.getSimpleParameterValue(node, trigger.subtitle!, 'internal', {}),
		).toBe(option.name);
		expect(option.description).toMatch(/\w/);
		expect(option.description!.length).toBeLessThanOrEqual(121);
	}
	expect(options.map((option) => option.value).sort()).toEqual([
		'rowErrorRate',
		'scheduledSyncMissed',
		'syncFailed',
		'syncFinished',
		'syncRunningTooLong',
	]);
	expect(options.find((option) => option.value === 'scheduledSyncMissed')!.description).toContain(
		'cdi.integration_list',
	);
});

test("each alert's parameter shows only for its event, with Braze's defaults", async () => {
	const { trigger } = await descriptions();
	const shown = (event: string) =>
		Object.keys(
			NodeHelpers.getNodeParameters(
				trigger.properties,
				{ watch: 'allIntegrations', event },
				true,
				false,
				null,
				trigger,
			) ?? {},
		).filter((name) => !['pollTimes', 'watch', 'event'].includes(name));

	expect(shown('rowErrorRate')).toEqual(['rowErrorRateThreshold']);
	expect(shown('syncRunningTooLong')).toEqual(['runningMinutes']);
	expect(shown('scheduledSyncMissed')).toEqual(['graceMinutes']);
	expect(shown('syncFinished')).toEqual([]);
	const defaults = Object.fromEntries(
		trigger.properties.map((property) => [property.name, property.default]),
	);
	expect(defaults).toMatchObject({
		rowErrorRateThreshold: 5,
		runningMinutes: 120,
		graceMinutes: 30,
	});
});
