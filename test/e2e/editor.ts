import { DEMO_OWNER, fetchN8n, setUpOwner } from '../../scripts/n8n';

/**
 * The editor's REST API, as a logged-in owner uses it: to edit an active workflow and save it
 * (n8n 1.x re-activates it on save), then publish it (2.x), the way the editor's buttons do.
 */
export async function editorSession(base: string, version: string) {
	await setUpOwner(base);
	const login = await fetchN8n(`${base}/rest/login`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({
			emailOrLdapLoginId: DEMO_OWNER.email,
			email: DEMO_OWNER.email,
			password: DEMO_OWNER.password,
		}),
	});
	if (!login.ok) throw new Error(`n8n's login failed: ${login.status} ${await login.text()}`);
	const cookie = login.headers
		.getSetCookie()
		.map((entry) => entry.split(';')[0])
		.join('; ');
	const api = async (method: string, route: string, body?: unknown) => {
		const response = await fetchN8n(`${base}/rest${route}`, {
			method,
			headers: { cookie, 'content-type': 'application/json' },
			...(body === undefined ? {} : { body: JSON.stringify(body) }),
		});
		const text = await response.text();
		if (!response.ok) throw new Error(`${method} /rest${route}: ${response.status} ${text}`);
		return (JSON.parse(text) as { data: any }).data;
	};
	return {
		/** The logged-in owner's cookie, for what n8n guards with it (a chat's n8n user auth). */
		cookie,
		/** Changes the parameters of a workflow's node, saves it and publishes it. */
		async editParameters(
			workflowId: string,
			nodeName: string,
			parameters: Record<string, unknown>,
			/** Called just before the save (1.x re-activates on save, 2.x on the publish after it). */
			beforeSave?: () => void,
		) {
			const workflow = await api('GET', `/workflows/${workflowId}`);
			const node = workflow.nodes.find(
				(candidate: { name: string }) => candidate.name === nodeName,
			);
			if (!node) throw new Error(`Workflow ${workflowId} has no node "${nodeName}"`);
			node.parameters = { ...node.parameters, ...parameters };
			beforeSave?.();
			const saved = await api('PATCH', `/workflows/${workflowId}`, {
				nodes: workflow.nodes,
				connections: workflow.connections,
				versionId: workflow.versionId,
			});
			if (!version.startsWith('1.'))
				await api('POST', `/workflows/${workflowId}/activate`, { versionId: saved.versionId });
		},
	};
}
