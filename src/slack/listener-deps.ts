/** The listeners' dependencies, from the core: use cases, and the read-only queries they answer with. */
import type { ListenerDeps } from '../../commands/deps.js';
import { isTerminal } from '../domain/run-state.js';
import type { Core } from '../main.js';
import { approvalsNeeded } from '../runbooks/approvals.js';
import type { RollbotSlack } from './surface.js';

export function listenerDeps(input: {
  core: Core;
  surface: RollbotSlack;
  home: ListenerDeps['queries']['home'];
  channelNotice: ListenerDeps['queries']['channelNotice'];
}): ListenerDeps {
  const { core, surface } = input;
  const { store } = core;
  return {
    services: core.services,
    openView: surface.openView,
    updateView: surface.updateView,
    publishHome: surface.publishHome,
    catalog: core.catalog,
    logger: core.logger,
    preview: (request) => core.services.preview(request),
    approvalsNeeded,
    queries: {
      async status() {
        const summaries = [];
        for (const incident of await store.openIncidents()) {
          const run = (await store.runsOfIncident(incident.id)).at(-1);
          // A drill has nothing to resolve: it is over when its run is.
          if (!run || (incident.kind === 'drill' && isTerminal(run.state))) continue;
          summaries.push({ incident, run });
        }
        return summaries;
      },
      async history(service) {
        return {
          rows: await store.history({ ...(service ? { service } : {}), limit: 15 }),
          mttr: await store.mttr(service),
        };
      },
      getRun: (runId) => store.getRun(runId),
      home: input.home,
      channelNotice: input.channelNotice,
    },
  };
}
