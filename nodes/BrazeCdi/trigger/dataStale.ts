import type { IDataObject } from 'n8n-workflow';

import { dataStaleAlert } from '../helpers/alerts';
import { dataAgeHours, isStale, lastDataSync } from '../helpers/health';
import { judgedItem, nameOf, type Judge } from './judge';

export interface DataStaleEvent {
	kind: 'dataStale';
	staleHours: number;
}

/** What Data Stale keeps of an integration. */
interface Kept {
	/** The newest finished sync with a `last_timestamp_synced` (lastDataSync). */
	data?: IDataObject;
	/** Whether the data was stale at the last judgement (emitted then, or at the watch's start). */
	stale: boolean;
}

/** Emits an integration once when its data becomes stale; again only after fresh data came. */
export const dataStale: Judge<DataStaleEvent> = {
	seedPages: () => 1,
	seed: (_event, history) => ({ data: lastDataSync(history), stale: false }),
	judge: (event, kept, { integration, finished, now, timeZone }) => {
		const before = kept as unknown as Kept;
		const data = lastDataSync([...finished, ...(before.data ? [before.data] : [])]);
		const age = dataAgeHours(data, now);
		const stale = isStale(age, event.staleHours);
		const next: Kept = { ...(data ? { data } : {}), stale };
		const emitted =
			stale && !before.stale
				? [
						{
							...judgedItem(integration, data),
							data_age_hours: age,
							alert: dataStaleAlert(nameOf(integration), data!, now, event.staleHours, timeZone),
						},
					]
				: [];
		return { kept: next as unknown as IDataObject, emitted };
	},
};
