/** The RCA draft of an incident, from the store: for `rollbot rca`, the thread, and the resolution. */
import { rcaFileName, rcaMarkdown } from '../../views/rca/draft.js';
import type { RcaFile } from './notifier.js';
import { deployBefore } from './plans.js';
import type { Store } from './store-port.js';

export interface RcaDeps {
  store: Pick<
    Store,
    'getIncident' | 'runsOfIncident' | 'stepResults' | 'timeline' | 'timelineHead' | 'stepSamples' | 'deploys'
  >;
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
  // Estimates come from runs before this incident, so its own (slow or failed) runs never set them.
  const levels = [...new Set(runs.map((run) => run.level))];
  const stepSamples = Object.fromEntries(
    await Promise.all(
      levels.map(
        async (level) =>
          [
            level,
            await deps.store.stepSamples({ service: incident.service, level, before: incident.openedAt }),
          ] as const,
      ),
    ),
  );
  const deploy = await deployBefore(deps.store, incident);
  const markdown = rcaMarkdown({
    incident,
    runs,
    steps,
    stepSamples,
    timeline: await deps.store.timeline(incidentId),
    timeZone: deps.timeZone,
    now: deps.now(),
    auditHead: await deps.store.timelineHead(),
    ...(deploy ? { deploy } : {}),
  });
  return { fileName: rcaFileName(incident), markdown };
}
