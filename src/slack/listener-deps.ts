/** The listeners' dependencies, from the core: use cases, and the read-only queries they answer with. */
import type { ListenerDeps } from '../../commands/deps.js';
import { isTerminal } from '../domain/run-state.js';
import type { Core } from '../main.js';

export function listenerDeps(input: { core: Core; openView: ListenerDeps['openView'] }): ListenerDeps {
  const { core } = input;
  const { store } = core;
  return {
    services: core.services,
    openView: input.openView,
    catalog: core.catalog,
    logger: core.logger,
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
    },
  };
}
