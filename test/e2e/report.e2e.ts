/**
 * End-to-end: the example "Daily sync report by email" in real n8n against the simulator, its
 * Send Email node talking to a local SMTP sink; the HTML of the email it sent rendered in
 * headless Chromium, checked for what a reader sees: each integration, unhealthy first, one
 * coloured cell per sync. `REPORT_SCREENSHOT=1` writes the picture to docs/sync-report.png.
 */
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import nock from 'nock';

import type { Simulator } from '../../simulator';
import { makeSyncs, startSimulator } from '../../simulator';
import { STATUS_COLOURS } from '../../nodes/BrazeCdi/helpers/report';
import { launchChromium } from '../../scripts/editor';
import { createN8n, executionError, nodeItems } from '../../scripts/n8n';
import { exampleWorkflow } from './workflows';
import { E2E_VERSIONS } from './versions';
import { packedPackage } from './tarball';

const KEY = 'e2e-report-key-5a8c1e3f-7b9d-4f20-a1c3-e5b7d9f1a3c5';
const HOUR = 3_600_000;
const SUMMARIZE_NODE = 'Report on all integrations';
const EMAIL_NODE = 'Email the report (set your SMTP account and addresses)';
const FAILING_NAME = 'Failing <import> & "co"';

interface Mail {
	from: string;
	to: string[];
	data: string;
}

/** Just enough SMTP for nodemailer without TLS or authentication; keeps every message. */
async function startSmtpSink() {
	const mails: Mail[] = [];
	const waiting: Array<() => void> = [];
	const server = net.createServer((socket) => {
		let buffer = '';
		let mail: Mail = { from: '', to: [], data: '' };
		let inData = false;
		const reply = (line: string) => socket.write(`${line}\r\n`);
		reply('220 sink ESMTP');
		socket.on('data', (chunk) => {
			buffer += chunk.toString('utf8');
			for (;;) {
				if (inData) {
					const end = buffer.indexOf('\r\n.\r\n');
					if (end === -1) return;
					// Undo SMTP's dot-stuffing.
					mail.data = buffer.slice(0, end).replace(/^\.\./gm, '.');
					buffer = buffer.slice(end + 5);
					inData = false;
					mails.push(mail);
					mail = { from: '', to: [], data: '' };
					reply('250 queued');
					for (const resolve of waiting.splice(0)) resolve();
					continue;
				}
				const lineEnd = buffer.indexOf('\r\n');
				if (lineEnd === -1) return;
				const line = buffer.slice(0, lineEnd);
				buffer = buffer.slice(lineEnd + 2);
				const command = line.slice(0, 4).toUpperCase();
				if (command === 'EHLO') reply('250-sink\r\n250 8BITMIME');
				else if (command === 'MAIL') {
					mail.from = line;
					reply('250 ok');
				} else if (command === 'RCPT') {
					mail.to.push(line);
					reply('250 ok');
				} else if (command === 'DATA') {
					inData = true;
					reply('354 go ahead');
				} else if (command === 'QUIT') {
					reply('221 bye');
					socket.end();
					return;
				} else reply('250 ok');
			}
		});
		socket.on('error', () => {});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		port: (server.address() as net.AddressInfo).port,
		mails,
		/** Resolves once `count` messages have arrived. */
		received: (count: number) =>
			new Promise<void>((resolve) => {
				const check = () => (mails.length >= count ? resolve() : waiting.push(check));
				check();
			}),
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

/** The decoded body of a message's text/html part (quoted-printable, base64 or plain). */
function htmlPart(message: string): string {
	const parts = message.split(/\r\n--[^\r\n]+\r\n/);
	const part = parts.find((each) => /^content-type:\s*text\/html/im.test(each));
	if (part === undefined) throw new Error(`No text/html part in:\n${message.slice(0, 2000)}`);
	const split = part.indexOf('\r\n\r\n');
	const headers = part.slice(0, split);
	const body = part.slice(split + 4).replace(/\r\n--[^\r\n]+--\s*$/, '');
	const encoding = /^content-transfer-encoding:\s*(\S+)/im.exec(headers)?.[1].toLowerCase();
	if (encoding === 'base64') return Buffer.from(body, 'base64').toString('utf8');
	if (encoding === 'quoted-printable') {
		// As URI escapes, so that multi-byte characters decode as UTF-8.
		return decodeURIComponent(
			body
				.replace(/=\r\n/g, '')
				.replace(/%/g, '%25')
				.replace(/=([0-9A-F]{2})/gi, '%$1'),
		);
	}
	return body;
}

/** What the page script below uses of the DOM (the tests compile without the DOM's types). */
interface Rendered {
	innerText: string;
}
interface Browser {
	getComputedStyle(element: unknown): { backgroundColor: string };
}

let sim: Simulator;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let tarball: string;

beforeAll(async () => {
	nock.enableNetConnect(/127\.0\.0\.1|localhost/);
	const now = Date.now();
	sim = await startSimulator({
		apiKeys: { [KEY]: ['cdi.integration_job_status', 'cdi.integration_list'] },
		integrations: [
			// Listed first; its newest sync succeeded but 18 of its 24 failed: degraded, after the
			// unhealthy ones.
			{
				integration_id: 'int-orders',
				integration_name: 'Orders',
				syncs: makeSyncs(30, { newest: now - 10 * 60_000 }),
			},
			{
				integration_id: 'int-failing',
				integration_name: FAILING_NAME,
				syncs: makeSyncs(6, { newest: now - 30 * 60_000 }).slice(1), // newest: partial
			},
			{
				integration_id: 'int-quiet',
				integration_name: 'Quiet import',
				syncs: makeSyncs(3, { newest: now - 48 * HOUR }),
			},
		],
	});
	smtp = await startSmtpSink();
	tarball = packedPackage();
}, 120_000);

afterAll(async () => {
	await sim?.close();
	await smtp?.close();
});

describe.each(E2E_VERSIONS)('n8n %s: the daily sync report by email', (version) => {
	let n8n: Awaited<ReturnType<typeof createN8n>>;

	afterAll(() => n8n?.remove());
	beforeAll(async () => {
		n8n = await createN8n({ version, tarball });
		await n8n.importCredentials([
			{
				id: 'braze',
				name: 'braze',
				type: 'brazeCdiApi',
				data: { restEndpoint: 'custom', customUrl: sim.url, apiKey: KEY },
			},
			{
				id: 'smtp-sink',
				name: 'smtp-sink',
				type: 'smtp',
				data: {
					host: '127.0.0.1',
					port: smtp.port,
					secure: false,
					disableStartTls: true,
					user: '',
					password: '',
				},
			},
		]);
		const workflow = exampleWorkflow(
			'daily-sync-report-by-email.json',
			'report-email',
			'unused',
			'braze',
		);
		const email = workflow.nodes.find((node) => node.name === EMAIL_NODE)!;
		email.credentials = { smtp: { id: 'smtp-sink', name: 'smtp-sink' } };
		await n8n.importWorkflows([workflow]);
	}, 30 * 60_000);

	test('one email whose HTML is the report; in Chromium: every integration, unhealthy first, a cell per sync', async () => {
		const before = smtp.mails.length;
		const { execution, output } = await n8n.execute('report-email');
		expect(output).not.toContain(KEY);
		expect(executionError(execution)).toBeUndefined();

		const [report, ...more] = nodeItems(execution, SUMMARIZE_NODE).map((item) => item.json);
		expect(more).toEqual([]);
		await smtp.received(before + 1);
		expect(smtp.mails).toHaveLength(before + 1);
		const mail = smtp.mails[before];
		expect(mail.to).toEqual(['RCPT TO:<data-team@example.com>']);
		expect(mail.data).toMatch(/^Subject: Braze CDI syncs: 2 of 3 integrations need a look$/m);
		const html = htmlPart(mail.data);
		expect(html.replace(/\r\n/g, '\n')).toBe(report.report_html);

		// What the cells should be: the window's syncs of each integration, oldest first.
		const windowStart = Date.parse(String(report.integrations[0].window_start));
		const windowEnd = Date.parse(String(report.integrations[0].window_end));
		const statusesOf = (id: string) =>
			sim
				.integration(id)
				.syncs.filter((sync) => {
					const start = Date.parse(sync.sync_start_time);
					return start >= windowStart && start < windowEnd;
				})
				.reverse()
				.map((sync) => String(sync.job_status));
		expect(statusesOf('int-orders')).toHaveLength(24);
		expect(statusesOf('int-failing')).toHaveLength(5);

		const browser = await launchChromium();
		try {
			const page = await browser.newPage({ viewport: { width: 700, height: 600 } });
			await page.setContent(html, { waitUntil: 'load' });
			const seen = await page.$$eval('[data-integration-id]', (blocks) =>
				blocks.map((block) => ({
					top: block.getBoundingClientRect().top,
					title: (block.firstElementChild as unknown as Rendered).innerText,
					text: (block as unknown as Rendered).innerText,
					cells: [...block.querySelectorAll('td[data-status]')].map((cell) => {
						const box = cell.getBoundingClientRect();
						return {
							status: cell.getAttribute('data-status'),
							colour: (globalThis as unknown as Browser).getComputedStyle(cell).backgroundColor,
							visible: box.width >= 8 && box.height >= 12,
							left: box.left,
							top: box.top,
						};
					}),
				})),
			);

			// Top to bottom: the two unhealthy ones (in the list's order), then the degraded one.
			expect(seen.map((block) => block.top)).toEqual(
				[...seen.map((block) => block.top)].sort((a, b) => a - b),
			);
			expect(seen.map((block) => block.title)).toEqual([
				`${FAILING_NAME} (int-failing) Unhealthy`,
				'Quiet import (int-quiet) Unhealthy',
				'Orders (int-orders) Degraded',
			]);
			expect(seen[2].text).toContain('fails 18 of 24 syncs (75 %)');
			const rgb = (hex: string) =>
				`rgb(${[1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16)).join(', ')})`;
			for (const [index, id] of [
				[0, 'int-failing'],
				[2, 'int-orders'],
			] as const) {
				const { cells } = seen[index];
				expect(cells.map((cell) => cell.status)).toEqual(statusesOf(id));
				expect(cells.map((cell) => cell.colour)).toEqual(
					statusesOf(id).map((status) => rgb(STATUS_COLOURS[status])),
				);
				expect(cells.every((cell) => cell.visible)).toBe(true);
				// One row, left to right.
				expect(cells.every((cell) => cell.top === cells[0].top)).toBe(true);
				expect(cells.map((cell) => cell.left)).toEqual(
					[...cells.map((cell) => cell.left)].sort((a, b) => a - b),
				);
			}
			expect(seen[1].cells).toEqual([]);
			expect(seen[1].text).toContain('No syncs in the window.');
			expect(seen[0].text).toMatch(/Failure rate\s+\d+(\.\d{1,2})? %/);

			const picture = await page.screenshot({ fullPage: true });
			expect(picture.subarray(1, 4).toString()).toBe('PNG');
			if (process.env.REPORT_SCREENSHOT === '1')
				writeFileSync(path.join(__dirname, '..', '..', 'docs', 'sync-report.png'), picture);
		} finally {
			await browser.close();
		}
	}, 180_000);
});
