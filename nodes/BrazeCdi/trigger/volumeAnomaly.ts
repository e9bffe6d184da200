import type { IDataObject } from 'n8n-workflow';

import { unusualRowsAlert } from '../helpers/alerts';
import {
	unusualRows,
	volumeHistory,
	volumeRows,
	withVolume,
	type UnusualRows,
	type VolumeOptions,
} from '../helpers/health';
import { PAGE_SIZE } from '../transport';
import { judgedItem, nameOf, type Judge } from './judge';

export interface VolumeAnomalyEvent extends VolumeOptions {
	kind: 'volumeAnomaly';
}

/** What Rows Synced Unusual keeps of an integration: its normal. */
interface Kept {
	/** The rows of its newest finished success/partial syncs, newest first, at most historySize. */
	rows: number[];
}

/** Enough pages of history to seed `historySize` volumes, with a page to spare for failed syncs. */
export const volumeSeedPages = (historySize: number) => Math.ceil(historySize / PAGE_SIZE) + 1;

/**
 * Each finished sync judged against the rows before it, in the order the syncs started: the
 * items of those that are unusual, and the normal with every sync that counts added.
 */
export function judgeVolumes(
	options: VolumeOptions,
	rows: number[],
	finished: IDataObject[],
): { rows: number[]; unusual: Array<{ sync: IDataObject } & UnusualRows> } {
	const unusual: Array<{ sync: IDataObject } & UnusualRows> = [];
	let normal = rows;
	for (const sync of finished) {
		const count = volumeRows(sync);
		if (count === undefined) continue;
		const judged = unusualRows(count, normal, options);
		if (judged) unusual.push({ sync, ...judged });
		normal = withVolume(normal, count, options.historySize);
	}
	return { rows: normal, unusual };
}

/** Emits a finished sync, once, whose rows are far from its integration's own normal. */
export const volumeAnomaly: Judge<VolumeAnomalyEvent> = {
	seedPages: (event) => volumeSeedPages(event.historySize),
	seed: (event, history) => ({ rows: volumeHistory(history, event.historySize) }),
	judge: (event, kept, { integration, finished }) => {
		const { rows, unusual } = judgeVolumes(event, (kept as unknown as Kept).rows, finished);
		return {
			kept: { rows },
			emitted: unusual.map(({ sync, ...judged }) => ({
				...judgedItem(integration, sync),
				...judged,
				alert: unusualRowsAlert(nameOf(integration), sync, judged),
			})),
		};
	},
};
