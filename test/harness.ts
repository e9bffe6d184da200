/**
 * Runs the package inside n8n's real execution engine: the package is loaded from `dist/` by
 * n8n-core's PackageDirectoryLoader (as n8n loads a community package), a start node feeds
 * items to the Braze node, and n8n-core's WorkflowExecute runs the workflow with the real
 * request helpers, pagination helper and expression engine. Only the stored-credentials
 * database is replaced (by `TestCredentialsHelper`), and HTTP goes to nock.
 */
import {
	ExecuteContext,
	ExecutionLifecycleHooks,
	LoadOptionsContext,
	PackageDirectoryLoader,
	PollContext,
	RoutingNode,
	WorkflowExecute,
} from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	INode,
	INodeExecutionData,
	INodeType,
	INodeTypes,
	IRun,
	IRunExecutionData,
	IVersionedNodeType,
	IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';
import {
	createEmptyRunExecutionData,
	createRunExecutionData,
	ICredentialsHelper,
	NodeHelpers,
	Workflow,
} from 'n8n-workflow';
import path from 'node:path';

export const PACKAGE_DIR = path.resolve(__dirname, '..');
export const NODE_TYPE = 'n8n-nodes-braze-cdi.brazeCdi';
/** The node as an AI agent's tool: n8n's `…Tool` variant of the type. */
export const TOOL_TYPE = `${NODE_TYPE}Tool`;
export const CREDENTIAL_TYPE = 'brazeCdiApi';
export const API_KEY = 'test-key-7f3a9c2e-5b1d-4e8f-a6c0-d2b4e6f8a1c3';
export const ENDPOINT = 'https://rest.iad-01.braze.com';
const CREDENTIALS = { restEndpoint: ENDPOINT, apiKey: API_KEY };

let loaded: Promise<PackageDirectoryLoader> | undefined;

/** The package as n8n sees it: loaded from `package.json`'s `n8n` section, out of `dist/`. */
export async function loadPackage(): Promise<PackageDirectoryLoader> {
	loaded ??= (async () => {
		const loader = new PackageDirectoryLoader(PACKAGE_DIR);
		await loader.loadAll();
		return loader;
	})();
	return await loaded;
}

/** A start node that passes on the items it is given, like a manual trigger with test data. */
const startNodeType: INodeType = {
	description: {
		displayName: 'Start',
		name: 'start',
		group: ['trigger'],
		version: 1,
		description: 'Emits the test items',
		defaults: { name: 'Start' },
		inputs: [],
		outputs: ['main'],
		properties: [],
	},
	async execute(this: IExecuteFunctions) {
		return [this.getInputData()];
	},
};

class TestNodeTypes implements INodeTypes {
	constructor(private readonly types: Record<string, INodeType | IVersionedNodeType>) {}

	getByName(name: string) {
		return this.types[name];
	}

	getByNameAndVersion(name: string, version?: number) {
		return NodeHelpers.getVersionedNodeType(this.types[name], version);
	}

	getKnownTypes() {
		return {};
	}
}

/**
 * Stands in for n8n's credential store: hands out the given decrypted data, and applies the
 * credential type's own `authenticate` the way n8n's CredentialsHelper does, resolving its
 * expressions with the workflow's expression engine.
 */
class TestCredentialsHelper extends ICredentialsHelper {
	constructor(
		private readonly credentialTypes: Record<string, ICredentialType>,
		private readonly data: Record<string, ICredentialDataDecryptedObject>,
	) {
		super();
	}

	getParentTypes() {
		return [];
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions,
		workflow: Workflow,
		node: INode,
	): Promise<IHttpRequestOptions> {
		const { authenticate } = this.credentialTypes[typeName];
		if (typeof authenticate === 'function') return await authenticate(credentials, requestOptions);
		if (authenticate?.type !== 'generic') return requestOptions;
		const resolve = (value: string) =>
			String(
				workflow.expression.getSimpleParameterValue(
					node,
					value,
					'internal',
					{ $credentials: credentials },
					undefined,
					'',
				) ?? '',
			);
		const target = requestOptions as unknown as Record<string, Record<string, string>>;
		for (const [outerKey, entries] of Object.entries(authenticate.properties)) {
			target[outerKey] ??= {};
			for (const [key, value] of Object.entries(entries as Record<string, string>)) {
				target[outerKey][resolve(key)] = resolve(value);
			}
		}
		return requestOptions;
	}

	async preAuthentication() {
		return undefined;
	}

	async runPreAuthentication() {
		return undefined;
	}

	getCredentialsProperties() {
		return [];
	}

	async getDecrypted(_additionalData: unknown, _nodeCredentials: unknown, type: string) {
		return this.data[type] ?? {};
	}

	async getCredentials(): Promise<never> {
		throw new Error('not used by the engine for this package');
	}

	async updateCredentials() {}

	async updateCredentialsOauthTokenData() {}

	getOAuth2Options() {
		return undefined;
	}

	isCredentialUsableByNode() {
		return true;
	}
}

/**
 * The node type as n8n makes its tool variant, for what depends on it (`@tool` parameters, the
 * node's own checks): the same node, its description named `…Tool`.
 */
export function asToolType(nodeType: INodeType): INodeType {
	return Object.create(nodeType, {
		description: {
			value: { ...nodeType.description, name: `${nodeType.description.name}Tool` },
		},
	}) as INodeType;
}

async function engineParts(credentials: ICredentialDataDecryptedObject | undefined) {
	const loader = await loadPackage();
	const brazeType = loader.getNode('brazeCdi').type as INodeType;
	const nodeTypes = new TestNodeTypes({
		[NODE_TYPE]: brazeType,
		[TOOL_TYPE]: asToolType(brazeType),
		'test.start': startNodeType,
	});
	const credentialsHelper = new TestCredentialsHelper(
		{ [CREDENTIAL_TYPE]: loader.getCredential(CREDENTIAL_TYPE).type },
		credentials ? { [CREDENTIAL_TYPE]: credentials } : {},
	);
	return { loader, nodeTypes, credentialsHelper };
}

function additionalDataFor(
	credentialsHelper: ICredentialsHelper,
	hooks?: ExecutionLifecycleHooks,
): IWorkflowExecuteAdditionalData {
	return {
		credentialsHelper,
		hooks,
		executionId: 'test',
		restApiUrl: 'http://localhost:5678/rest',
		instanceBaseUrl: 'http://localhost:5678',
		formWaitingBaseUrl: 'http://localhost:5678/form-waiting',
		webhookBaseUrl: 'http://localhost:5678/webhook',
		webhookWaitingBaseUrl: 'http://localhost:5678/webhook-waiting',
		webhookTestBaseUrl: 'http://localhost:5678/webhook-test',
		variables: {},
		currentNodeParameters: undefined,
		executeWorkflow: async () => {
			throw new Error('not used');
		},
		getRunExecutionData: async () => undefined,
		logAiEvent: async () => {},
		startRunnerTask: async () => {
			throw new Error('not used');
		},
	} as unknown as IWorkflowExecuteAdditionalData;
}

export interface RunOptions {
	/** The Braze node's parameters (resource, operation, integrationId, …). */
	parameters: IDataObject;
	/** Decrypted credential data; CREDENTIALS by default. */
	credentials?: ICredentialDataDecryptedObject;
	/** The items the start node feeds the Braze node; one empty item by default. */
	input?: IDataObject[];
	continueOnFail?: boolean;
	timezone?: string;
	/** Cancels the execution when this settles, as n8n's Stop button and execution timeout do. */
	cancelWhen?: Promise<unknown>;
	/** Runs the node as an AI agent's tool (its `…Tool` type). */
	asTool?: boolean;
}

interface RunResult {
	/** The Braze node's output items (json and pairedItem). */
	items: INodeExecutionData[];
	/** The Braze node's error, when it failed. */
	error?: Error & { description?: string; httpCode?: string | null; context?: IDataObject };
	run: IRun;
}

export const BRAZE_NODE = 'Braze CDI';

/** Runs Start → Braze CDI in n8n's WorkflowExecute and returns what the Braze node produced. */
export async function runBrazeNode(options: RunOptions): Promise<RunResult> {
	const { nodeTypes, credentialsHelper } = await engineParts(options.credentials ?? CREDENTIALS);
	const nodes: INode[] = [
		{
			id: 'start',
			name: 'Start',
			type: 'test.start',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		},
		{
			id: 'braze',
			name: BRAZE_NODE,
			type: options.asTool ? TOOL_TYPE : NODE_TYPE,
			typeVersion: 1,
			position: [200, 0],
			parameters: options.parameters as INode['parameters'],
			credentials: { [CREDENTIAL_TYPE]: { id: '1', name: 'Braze CDI account' } },
			...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
		},
	];
	const workflow = new Workflow({
		id: 'test',
		nodes,
		connections: { Start: { main: [[{ node: BRAZE_NODE, type: 'main', index: 0 }]] } },
		nodeTypes,
		active: false,
		settings: { timezone: options.timezone ?? 'UTC' },
	});

	const hooks = new ExecutionLifecycleHooks('manual', 'test', {
		id: 'test',
		name: 'test',
		nodes,
		connections: {},
		active: false,
		activeVersionId: null,
		settings: {},
		createdAt: new Date(),
		updatedAt: new Date(),
		isArchived: false,
	} as never);
	let finished!: (run: IRun) => void;
	const done = new Promise<IRun>((resolve) => (finished = resolve));
	hooks.addHandler('workflowExecuteAfter', (run) => finished(run));

	const input = (options.input ?? [{}]).map((json) => ({ json }));
	const runExecutionData: IRunExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [
				{ node: workflow.getNode('Start')!, data: { main: [input] }, source: null },
			],
		},
	});
	const execution = new WorkflowExecute(
		additionalDataFor(credentialsHelper, hooks),
		'manual',
		runExecutionData,
	);
	const running = execution.processRunExecutionData(workflow);
	void options.cancelWhen?.then(() => running.cancel());
	await running; // settles once the nodes have returned, cancelled or not
	const run = await done;

	const taskData = run.data.resultData.runData[BRAZE_NODE]?.[0];
	return {
		items: taskData?.data?.main?.[0] ?? [],
		error: (taskData?.error ?? run.data.resultData.error) as RunResult['error'],
		run,
	};
}

interface CredentialTestResult {
	status: 'OK' | 'Error';
	message: string;
}

/**
 * Runs the credential's `test` request as n8n's "Test" button does (n8n's CredentialsTester):
 * through n8n-core's RoutingNode with the credential's authentication, mapping a failure to
 * the credential's rules.
 */
export async function testCredential(
	credentials: ICredentialDataDecryptedObject,
): Promise<CredentialTestResult> {
	const { loader, credentialsHelper } = await engineParts(credentials);
	const { test } = loader.getCredential(CREDENTIAL_TYPE).type;
	if (!test) throw new Error('the credential has no test request');

	const probeType: INodeType = {
		description: {
			...startNodeType.description,
			name: 'credentialTest',
			credentials: [{ name: CREDENTIAL_TYPE, required: true }],
			properties: [
				{
					displayName: 'Temp',
					name: 'temp',
					type: 'string',
					default: '',
					routing: { request: test.request },
				},
			],
		},
	};
	const node: INode = {
		id: 'temp',
		name: 'Temp-Node',
		type: 'credentialTest',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		credentials: { [CREDENTIAL_TYPE]: { id: '1', name: 'Braze CDI account' } },
	};
	const workflow = new Workflow({
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: new TestNodeTypes({ credentialTest: probeType }),
	});
	const context = new ExecuteContext(
		workflow,
		node,
		additionalDataFor(credentialsHelper),
		'internal',
		createEmptyRunExecutionData(),
		0,
		[],
		{ main: [[{ json: {} }]] },
		{ node, data: {}, source: null },
		[],
	);
	try {
		await new RoutingNode(context, probeType, {
			id: '1',
			name: 'Braze CDI account',
			type: CREDENTIAL_TYPE,
			data: credentials,
		}).runNode();
	} catch (error) {
		const status = (error as { cause?: { response?: { status?: number } } }).cause?.response
			?.status;
		const rule = test.rules?.find(
			(r) => r.type === 'responseCode' && r.properties.value === status,
		);
		if (rule && rule.type === 'responseCode')
			return { status: 'Error', message: rule.properties.message };
		return { status: 'Error', message: (error as Error).message };
	}
	return { status: 'OK', message: 'Connection successful!' };
}

const TRIGGER_TYPE = 'n8n-nodes-braze-cdi.brazeCdiTrigger';

/** How a test poll runs: n8n 2.41's poll budget, or none as on n8n 1.x. */
interface PollOptions {
	budgetMs?: number;
	noBudget?: boolean;
}

/**
 * The trigger node in a workflow that lives across polls, polled the way n8n polls it: through
 * n8n-core's PollContext, whose static data is the workflow's observable static data (n8n-workflow's
 * `Workflow`), so the state carries over exactly as n8n keeps it in memory. What n8n would write
 * to its database is tracked too: n8n saves the static data after activation and when a poll
 * emits, and only when n8n's change tracking flags it as changed.
 */
export async function createTrigger(
	parameters: IDataObject,
	credentials: ICredentialDataDecryptedObject = CREDENTIALS,
	staticData: IDataObject = {},
	/** The workflow's time zone (Workflow settings → Timezone), which alerts word times in. */
	timezone = 'UTC',
	/** The ID of the credential the node uses (another one may be another workspace). */
	credentialId = '1',
) {
	const loader = await loadPackage();
	const credentialsHelper = new TestCredentialsHelper(
		{ [CREDENTIAL_TYPE]: loader.getCredential(CREDENTIAL_TYPE).type },
		{ [CREDENTIAL_TYPE]: credentials },
	);
	const nodeTypes = new TestNodeTypes({ [TRIGGER_TYPE]: loader.getNode('brazeCdiTrigger').type });
	const node: INode = {
		id: 'trigger',
		name: 'Braze CDI Trigger',
		type: TRIGGER_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: parameters as INode['parameters'],
		credentials: { [CREDENTIAL_TYPE]: { id: credentialId, name: 'Braze CDI account' } },
	};
	const workflow = new Workflow({
		id: 'trigger-test',
		nodes: [node],
		connections: {},
		nodeTypes,
		active: true,
		staticData,
		settings: { timezone },
	});
	const nodeType = nodeTypes.getByNameAndVersion(TRIGGER_TYPE, 1);
	const flags = workflow.staticData as IDataObject & { __dataChanged?: boolean };
	let saved: IDataObject = JSON.parse(JSON.stringify(staticData));
	let polls = 0;
	const trigger = {
		workflow,
		/** One poll; `manual` is the editor's "Fetch Test Event". Returns the emitted items' json. */
		async poll(
			mode: 'trigger' | 'manual' = 'trigger',
			options: PollOptions = {},
		): Promise<IDataObject[]> {
			const activation = mode === 'manual' ? 'manual' : 'activate';
			const budget = options.budgetMs === undefined ? undefined : () => options.budgetMs!;
			const context = new PollContext(
				workflow,
				workflow.getNode(node.name)!,
				additionalDataFor(credentialsHelper),
				mode,
				activation,
				undefined,
				undefined,
				undefined,
				undefined,
				undefined,
				budget,
			);
			if (options.noBudget) Object.assign(context, { getPollBudgetMs: undefined });
			const output = await nodeType.poll!.call(context);
			if (
				mode === 'trigger' &&
				(polls++ === 0 || output !== null) &&
				flags.__dataChanged === true
			) {
				saved = JSON.parse(JSON.stringify(workflow.staticData));
				flags.__dataChanged = false;
			}
			return output?.[0]?.map((item) => item.json) ?? [];
		},
		staticData: () => workflow.getStaticData('node', node),
		/** Whether n8n's change tracking flags the static data as changed since n8n last saved it. */
		changed: () => flags.__dataChanged === true,
		/** What n8n's database holds for the workflow's static data. */
		saved: () => saved,
		/** The same trigger after n8n restarts (or the workflow is re-activated): from what was saved. */
		restarted: async (changes: IDataObject = {}, otherCredentialId = credentialId) =>
			await createTrigger(
				{ ...parameters, ...changes },
				credentials,
				saved,
				timezone,
				otherCredentialId,
			),
	};
	return trigger;
}

/** The Braze node alone in a workflow, with the credential. */
async function brazeNodeAlone(credentials: ICredentialDataDecryptedObject) {
	const { nodeTypes, credentialsHelper } = await engineParts(credentials);
	const node: INode = {
		id: 'braze',
		name: BRAZE_NODE,
		type: NODE_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		credentials: { [CREDENTIAL_TYPE]: { id: '1', name: 'Braze CDI account' } },
	};
	const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
	return { node, workflow, nodeTypes, additionalData: additionalDataFor(credentialsHelper) };
}

/**
 * The context n8n hands the Braze node when it runs, to call n8n's request helpers directly (the
 * benchmark's floor: what any node using this credential pays per request).
 */
export async function brazeExecuteContext(
	credentials: ICredentialDataDecryptedObject = CREDENTIALS,
): Promise<IExecuteFunctions> {
	const { node, workflow, additionalData } = await brazeNodeAlone(credentials);
	return new ExecuteContext(
		workflow,
		node,
		additionalData,
		'manual',
		createEmptyRunExecutionData(),
		0,
		[],
		{ main: [[{ json: {} }]] },
		{ node, data: {}, source: null },
		[],
	);
}

/** Calls the node's list search (the resource locator's "From List" mode) as the editor does. */
export async function searchIntegrationsList(
	filter?: string,
	paginationToken?: string,
	credentials = CREDENTIALS,
) {
	const { node, workflow, nodeTypes, additionalData } = await brazeNodeAlone(credentials);
	const context = new LoadOptionsContext(workflow, node, additionalData, 'integrationId');
	const nodeType = nodeTypes.getByNameAndVersion(NODE_TYPE, 1);
	return await nodeType.methods!.listSearch!.searchIntegrations.call(
		context,
		filter,
		paginationToken,
	);
}
