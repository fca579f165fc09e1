/** What every Slack use case shares: dependencies, live runs, and how to rebuild a run's view. */
import type { Plan } from '../../domain/plan.js';
import type { Incident, Run, StepRow } from '../../domain/records.js';
import type { StoredTimelineEvent } from '../../domain/timeline.js';
import type { Logger } from '../../logger.js';
import type { Runbook } from '../../runbooks/schema.js';
import type { Clock, Metrics, RunStore } from '../ports.js';
import type { RollbackService, RunbookCatalog } from '../rollback.js';
import type { Directory, IncidentNotifier, RunView } from './ports.js';

/** The store calls the Slack flow makes, beyond running a rollback. */
export interface FlowStore extends RunStore {
  getIncident(id: string): Incident | undefined;
  runsOfIncident(incidentId: string): Run[];
  activeRuns(): Run[];
  recordApproval(
    runId: string,
    approver: string,
    planHash: string,
    decision: 'approve' | 'deny',
  ): { ok: true; count: number } | { ok: false; code: string; message: string };
  approversOf(runId: string): string[];
  resolveIncident(id: string, by: string): boolean;
  interruptStaleRuns(actor?: string): Run[];
  claimRequestKey(key: string): boolean;
  runHasEvent(runId: string, type: StoredTimelineEvent['type']): boolean;
  blockVersion(service: string, version: string, by: string, incidentId: string | null): boolean;
  unblockVersion(service: string, version: string, by: string): boolean;
  timeline(incidentId: string): StoredTimelineEvent[];
  stepResults(runId: string): StepRow[];
}

export interface FlowDeps {
  rollback: RollbackService;
  catalog: RunbookCatalog;
  store: FlowStore;
  notifier: IncidentNotifier;
  directory: Directory;
  clock: Clock;
  logger: Logger;
  /** The workspace this bot serves; clicks from another team are refused. */
  teamId: () => string | undefined;
  approvalTtlMs: number;
  metrics?: Metrics;
}

export interface FlowContext extends FlowDeps {
  /** Abort handles of runs executing in this process. */
  controllers: Map<string, AbortController>;
  viewOf(runId: string): RunView | undefined;
  runbookOf(service: string): Runbook | undefined;
}

export function createContext(deps: FlowDeps): FlowContext {
  return {
    ...deps,
    controllers: new Map(),
    runbookOf: (service) => deps.catalog.get(service),
    viewOf(runId) {
      const run = deps.store.getRun(runId);
      if (!run) return undefined;
      const incident = deps.store.getIncident(run.incidentId);
      if (!incident) return undefined;
      // The stored plan is the masked display form: exactly what views may show.
      const plan = JSON.parse(run.planJson) as Plan;
      return { incident, run, plan: { ...plan, secrets: [] } };
    },
  };
}
