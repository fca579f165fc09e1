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
  // Estimates come from runs before this incident, so its own (slow or failed) runs never set them.
  const levels = [...new Set(runs.map((run) => run.level))];
  const stepSamples = Object.fromEntries(
    levels.map((level) => [
      level,
      store.stepSamples({ service: incident.service, level, before: incident.openedAt }),
    ]),
  );
  const markdown = rcaMarkdown({
    incident,
    runs,
    steps,
    stepSamples,
    timeline: store.timeline(incidentId),
    timeZone,
    now,
  });
  return { fileName: rcaFileName(incident), markdown };
}
