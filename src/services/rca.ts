/** The RCA draft of an incident, from the store: for `rollbot rca`, the thread, and the resolution. */
import { rcaFileName, rcaMarkdown } from '../../views/rca.js';
import type { RcaFile } from './notifier.js';
import type { Store } from './store-port.js';

export interface RcaDeps {
  store: Pick<Store, 'getIncident' | 'runsOfIncident' | 'stepResults' | 'timeline' | 'timelineHead'>;
  timeZone: string;
  now: () => number;
}

export async function draftRca(deps: RcaDeps, incidentId: string): Promise<RcaFile | undefined> {
  const incident = await deps.store.getIncident(incidentId);
  if (!incident) return undefined;
  const runs = await deps.store.runsOfIncident(incidentId);
  const steps = Object.fromEntries(
    await Promise.all(runs.map(async (run) => [run.id, await deps.store.stepResults(run.id)] as const)),
  );
  const markdown = rcaMarkdown({
    incident,
    runs,
    steps,
    timeline: await deps.store.timeline(incidentId),
    timeZone: deps.timeZone,
    now: deps.now(),
    auditHead: await deps.store.timelineHead(),
  });
  return { fileName: rcaFileName(incident), markdown };
}
