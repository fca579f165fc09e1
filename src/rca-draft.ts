/** Assembles an incident's RCA draft from the store: used by `rollbot rca` and the Slack thread. */
import { rcaFileName, rcaMarkdown } from '../views/rca.js';
import type { Store } from './store/store.js';

export interface RcaDraft {
  fileName: string;
  markdown: string;
}

export function buildRcaDraft(
  store: Store,
  incidentId: string,
  timeZone: string,
  now: number,
): RcaDraft | undefined {
  const incident = store.getIncident(incidentId);
  if (!incident) return undefined;
  const runs = store.runsOfIncident(incidentId);
  const steps = Object.fromEntries(runs.map((run) => [run.id, store.stepResults(run.id)]));
  const markdown = rcaMarkdown({
    incident,
    runs,
    steps,
    timeline: store.timeline(incidentId),
    timeZone,
    now,
  });
  return { fileName: rcaFileName(incident), markdown };
}
