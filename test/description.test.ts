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

/** The subtitle the editor shows under a node with these parameters. */
function subtitleOf(description: INodeTypeDescription, parameters: INode['parameters']): unknown {
	const nodeTypes = {
		getByName: () => ({ description }),
		getByNameAndVersion: () => ({ description }),
		getKnownTypes: () => ({}),
	};
	const node = {
		id: 'n',
		name: 'Node',
		type: description.name,
		typeVersion: 1,
		parameters,
		position: [0, 0],
	} as INode;
	const workflow = new Workflow({
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: nodeTypes as never,
	});
	return workflow.expression.getSimpleParameterValue(node, description.subtitle!, 'internal', {});
}

// "list" is an operation of both resources, under two names: the subtitle tells them apart.
test('the subtitle names the operation in words, as its Operation list does', async () => {
	const { node } = await descriptions();
	const shown = node.properties
		.filter((property) => property.name === 'operation')
		.flatMap((property) =>
			(property.options as INodePropertyOptions[]).map((option) => {
				const resource = property.displayOptions!.show!.resource![0] as string;
				const operation = option.value as string;
				return [subtitleOf(node, { resource, operation }), option.name];
			}),
		);

	expect(shown).toHaveLength(5);
	for (const [subtitle, name] of shown) expect(subtitle).toBe(name);
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

test('every field and every choice the editor shows says what it does, beyond its name', async () => {
	const { node, trigger } = await descriptions();
	// Resource, Operation and Event are lists of names whose choices explain themselves (the
	// operations' and events' descriptions are checked below); a collection's options are fields.
	const headings = ['resource', 'operation', 'event'];
	const unexplained = [node, trigger].flatMap((description) =>
		everyProperty(description.properties)
			// n8n's own Poll Times (a fixed collection's entries hold values, not a field) aside.
			.filter((property) => 'displayName' in property && !('values' in property))
			.flatMap((property) => {
				const field = property as INodeProperties;
				if (headings.includes(field.name)) return [];
				const choices =
					field.type === 'options' || field.type === 'multiOptions'
						? (field.options as INodePropertyOptions[])
						: [];
				return [
					...(field.type === 'collection' || explains(field.description, field.displayName)
						? []
						: [`${description.name}.${field.name}`]),
					...choices
						.filter((choice) => !explains(choice.description, choice.name))
						.map((choice) => `${description.name}.${field.name}=${String(choice.value)}`),
				];
			}),
	);

	expect(unexplained).toEqual([]);
});

/** A description that says more than the name: at least three words, and not the name again. */
function explains(description: string | undefined, name: string): boolean {
	const text = (description ?? '').trim();
	return text.split(/\s+/).length >= 3 && text.toLowerCase() !== name.toLowerCase();
}

test("the trigger's Watch choices say what each costs in requests and permissions", async () => {
	const { trigger } = await descriptions();
	const watch = trigger.properties.find((property) => property.name === 'watch')!;
	const choice = (value: string) =>
		(watch.options as INodePropertyOptions[]).find((option) => option.value === value)!.description;

	expect(choice('integration')).toMatch(/one request a poll/);
	expect(choice('allIntegrations')).toMatch(/cdi\.integration_list/);
	expect(choice('integration')).not.toMatch(/cdi\.integration_list/);
});

test('no description holds <text> that n8n would render as an HTML tag (and so show nothing)', async () => {
	const { node, trigger } = await descriptions();
	const texts = [node, trigger].flatMap((description) => [
		description.description,
		...everyProperty(description.properties).map((property) => property.description ?? ''),
	]);

	expect(texts.filter((text) => /<[a-z_][\w-]*>/i.test(text))).toEqual([]);
});

// Widths measured in n8n 2.41.1's editor: a collection option's label has 184 px (a label of 33
// characters needed 192 px, and was cut), and an option's description two lines of 358 px, cut
// with "…" beyond (about 120 characters fit).
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
	// What each event's description must say it emits.
	const emits: Record<string, RegExp> = {
		dataStale: /newest data synced is older than the chosen hours/,
		healthChanged: /became unhealthy .*or it recovered/,
		volumeAnomaly: /far fewer or far more rows than the integration's recent syncs/,
		rowErrorRate: /share of its rows failed/,
		scheduledSyncMissed: /did not start within the grace period/,
		syncFailed: /finished with one of the chosen statuses/,
		syncFinished: /finished, whatever its status/,
		syncRunningTooLong: /still running the chosen number of minutes/,
	};
	for (const option of options) {
		expect(subtitleOf(trigger, { event: option.value })).toBe(option.name);
		expect(option.description).toMatch(emits[String(option.value)]);
		expect(option.description!.length).toBeLessThanOrEqual(121);
	}
	expect(options.map((option) => option.value).sort()).toEqual([
		'dataStale',
		'healthChanged',
		'rowErrorRate',
		'scheduledSyncMissed',
		'syncFailed',
		'syncFinished',
		'syncRunningTooLong',
		'volumeAnomaly',
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
