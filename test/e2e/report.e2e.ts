/**
 * End-to-end: the examples "Daily sync report by email" and "Each integration's daily report to
 * its owners" in real n8n against the simulator, their Send Email nodes talking to a local SMTP
 * sink. The first's HTML rendered in headless Chromium, checked for what a reader sees: each
 * integration, unhealthy first, one coloured cell per sync (`REPORT_SCREENSHOT=1` writes the
 * picture to docs/sync-report.png). The second: one email per integration that has contact
 * emails, to exactly those, carrying that integration's report alone.
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
const OWNERS_SUMMARIZE_NODE = 'Report on each integration';
const OWNERS_EMAIL_NODE = 'Email its owners (set your SMTP account)';
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
	return mimePart(message, 'html');
}

/** The decoded body of a message's text/`subtype` part (quoted-printable, base64 or plain). */
function mimePart(message: string, subtype: 'html' | 'plain'): string {
	const parts = message.split(/\r\n--[^\r\n]+\r\n/);
	const part = parts.find((each) =>
		new RegExp(`^content-type:\\s*text/${subtype}`, 'im').test(each),
	);
	if (part === undefined) throw new Error(`No text/${subtype} part in:\n${message.slice(0, 2000)}`);
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

/** A message's Subject header, unfolded. */
function subjectOf(message: string): string | undefined {
	const headers = message.slice(0, message.indexOf('\r\n\r\n'));
	const folded = /^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(headers)?.[1];
	return folded === undefined ? undefined : decodeWords(folded.replace(/\r\n[ \t]/g, ' '));
}

/**
 * A header as a mail client shows it: its encoded words (RFC 2047, `=?UTF-8?Q?…?=` or `?B?`, as
 * nodemailer writes a subject with `<`, `&` or quotes) decoded, the space between two dropped.
 */
function decodeWords(value: string): string {
	return value
		.replace(/\?=\s+=\?/g, '?==?')
		.replace(/=\?[^?]+\?([QqBb])\?([^?]*)\?=/g, (_word, encoding: string, text: string) =>
			encoding.toUpperCase() === 'B'
				? Buffer.from(text, 'base64').toString('utf8')
				: Buffer.from(
						text
							.replace(/_/g, ' ')
							.replace(/=([0-9A-Fa-f]{2})/g, (_hex, code: string) =>
								String.fromCharCode(parseInt(code, 16)),
							),
						'latin1',
					).toString('utf8'),
		);
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
				contact_emails: 'orders@example.com, ops@example.com',
				syncs: makeSyncs(30, { newest: now - 10 * 60_000 }),
			},
			{
				integration_id: 'int-failing',
				integration_name: FAILING_NAME,
				contact_emails: 'failing-owner@example.com',
				syncs: makeSyncs(6, { newest: now - 30 * 60_000 }).slice(1), // newest: partial
			},
			{
				integration_id: 'int-quiet',
				integration_name: 'Quiet import',
				contact_emails: null as unknown as string, // none set in Braze
				syncs: makeSyncs(3, { newest: now - 48 * HOUR }),
			},
			// Healthy (every sync succeeded, the newest 15 minutes ago): last in the report, not
			// counted in the subject, and without contact emails.
			{
				integration_id: 'int-fine',
				integration_name: 'Fine',
				contact_emails: '',
				syncs: makeSyncs(6, { newest: now - 15 * 60_000, statuses: ['success'] }),
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
		const owners = exampleWorkflow(
			'daily-report-to-integration-owners.json',
			'report-owners',
			'unused',
			'braze',
		);
		const ownersEmail = owners.nodes.find((node) => node.name === OWNERS_EMAIL_NODE)!;
		ownersEmail.credentials = { smtp: { id: 'smtp-sink', name: 'smtp-sink' } };
		await n8n.importWorkflows([workflow, owners]);
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
		// Failing and Quiet are unhealthy, Orders degraded: three need a look; Fine does not.
		expect(subjectOf(mail.data)).toBe('Braze CDI syncs: 3 of 4 integrations need a look');
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
				'Fine (int-fine) Healthy',
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

	test("each integration's report to its owners: one email per integration with contact emails, to exactly those, with its report alone", async () => {
		const before = smtp.mails.length;
		const { execution, output } = await n8n.execute('report-owners');
		expect(executionError(execution)).toBeUndefined();

		const items = nodeItems(execution, OWNERS_SUMMARIZE_NODE).map((item) => item.json);
		expect(items.map((item) => [item.integration_id, item.contact_emails, item.health])).toEqual([
			['int-orders', 'orders@example.com, ops@example.com', 'degraded'],
			['int-failing', 'failing-owner@example.com', 'unhealthy'],
			['int-quiet', null, 'unhealthy'],
			['int-fine', '', 'healthy'],
		]);
		expect(nodeItems(execution, OWNERS_EMAIL_NODE)).toHaveLength(2);
		// The sink keeps a message before it accepts it, so the run's emails are all here by now.
		const mails = smtp.mails.slice(before);
		expect(mails).toHaveLength(2);
		const byRecipients = new Map(mails.map((mail) => [mail.to.join(' '), mail]));
		const expected = [
			{
				id: 'int-orders',
				to: ['orders@example.com', 'ops@example.com'],
				subject: 'Braze CDI: Orders is degraded (last 24 hours)',
			},
			{
				id: 'int-failing',
				to: ['failing-owner@example.com'],
				subject: `Braze CDI: ${FAILING_NAME} is unhealthy (last 24 hours)`,
			},
		];
		expect([...byRecipients.keys()].sort()).toEqual(
			expected.map(({ to }) => to.map((address) => `RCPT TO:<${address}>`).join(' ')).sort(),
		);
		for (const { id, to, subject } of expected) {
			const mail = byRecipients.get(to.map((address) => `RCPT TO:<${address}>`).join(' '))!;
			const item = items.find((each) => each.integration_id === id)!;
			expect(subjectOf(mail.data)).toBe(subject);
			// Its own report, and only its own: one integration's block, in HTML and in text.
			const html = mimePart(mail.data, 'html').replace(/\r\n/g, '\n');
			expect(html).toBe(item.report_html);
			expect(html.match(/data-integration-id="[^"]*"/g)).toEqual([`data-integration-id="${id}"`]);
			const text = mimePart(mail.data, 'plain').replace(/\r\n/g, '\n');
			expect(text.trimEnd()).toBe(String(item.report_text).trimEnd());
			for (const other of items.filter((each) => each.integration_id !== id))
				expect(text).not.toContain(`(${String(other.integration_id)})`);
		}
		expect(text(output, execution, mails)).not.toContain(KEY);
	}, 180_000);
});

/** Everything a run left to read: the CLI's output, the execution and the emails. */
function text(output: string, execution: unknown, mails: Mail[]): string {
	return [output, JSON.stringify(execution), ...mails.map((mail) => mail.data)].join('\n');
}
