/**
 * Every use case, bound to its dependencies: what the Slack listeners and the terminal call. Each
 * use case takes only the ports it uses; this file hands them over.
 */

import type { Resolution } from '../domain/records.js';
import { fail, type Result } from '../domain/result.js';
import type { Logger } from '../logger.js';
import { abortRun } from './abort.js';
import { type DecisionInput, decide } from './approve.js';
import { answerConfirm } from './confirm.js';
import { checkDeploy, type DeployReport, lastKnownGood, recordDeploy } from './deploys.js';
import type { EngineDeps } from './execute-plan.js';
import { createRunExecutor } from './executor.js';
import { loggedNotifier } from './lifecycle-log.js';
import { addNote, recordThreadReply } from './note.js';
import type { Directory, IncidentNotifier } from './notifier.js';
import type { RunAction } from './operator.js';
import { type PreviewInput, preview, type RunbookCatalog, runView } from './plans.js';
import type { Clock, Metrics, SecretReader } from './ports.js';
import { draftRca } from './rca.js';
import { type ReopenAction, reopenPrefill, reopenRun } from './reopen.js';
import { type RequestOptions, type RollbackRequest, requestRollback } from './request.js';
import { resolveIncident, resolvePrefill } from './resolve.js';
import type { TypedSecrets } from './secrets.js';
import type { Store } from './store-port.js';
import { sweep } from './sweep.js';
import { takeOwnership } from './take.js';
import { unblockVersion } from './unblock.js';

export interface ServiceDeps {
  store: Store;
  catalog: RunbookCatalog;
  notifier: IncidentNotifier;
  directory: Directory;
  engine: EngineDeps;
  secrets: SecretReader;
  clock: Clock;
  logger: Logger;
  metrics?: Metrics;
  /** Step logs go to `<logRoot>/<runId>/`. */
  logRoot: string;
  /** ROLLBOT_PROMETHEUS_URL, for query steps that name no Prometheus. */
  prometheusUrl?: string | undefined;
  approvalTtlMs: number;
  timeZone: string;
  /** The Slack workspace this bot serves (clicks from another are refused); none at the terminal. */
  teamId: () => string | undefined;
  /** How often waits (aborts, confirms) look at the store besides notifications. */
  pollMs: number;
  onStorageFailure?: (err: unknown, runId: string) => void;
}

export function createServices(given: ServiceDeps) {
  // Every use case tells the thread through this notifier, so each lifecycle change is logged once.
  const deps = { ...given, notifier: loggedNotifier(given.notifier, given.logger) };
  const typed: TypedSecrets = new Map();
  const executeDeps = {
    store: deps.store,
    engine: deps.engine,
    secrets: deps.secrets,
    typed,
    clock: deps.clock,
    logRoot: deps.logRoot,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.onStorageFailure ? { onStorageFailure: deps.onStorageFailure } : {}),
  };
  const executor = createRunExecutor({
    ...executeDeps,
    notifier: deps.notifier,
    logger: deps.logger,
    pollMs: deps.pollMs,
  });
  const start = (runId: string, actor: string) => void executor.start(runId, actor);
  const base = {
    ...deps,
    typed,
    start,
    abortLocal: executor.abortLocal,
    now: () => deps.clock.now(),
  };
  return {
    typed,
    executeDeps,
    preview: (input: PreviewInput) => preview(deps.catalog, { ...input, prometheusUrl: deps.prometheusUrl }),
    request: (request: RollbackRequest, options: RequestOptions) => requestRollback(base, request, options),
    decide: (input: DecisionInput) => decide(base, input),
    abort: (action: RunAction, options: { trusted?: boolean } = {}) =>
      abortRun({ ...base, ...options }, action),
    reopen: (action: ReopenAction) => reopenRun(base, action),
    reopenPrefill: (action: ReopenAction) => reopenPrefill(base, action),
    resolve: (action: RunAction & { resolution?: Resolution }) => resolveIncident(base, action),
    resolvePrefill: (action: RunAction) => resolvePrefill(base, action),
    confirm: (action: RunAction & { ok: boolean }) => answerConfirm(base, action),
    note: (input: { incidentId: string; user: string; text: string }) => addNote(base, input),
    threadReply: (reply: { channel: string; user: string; text: string; ts: string; threadTs: string }) =>
      recordThreadReply(base, reply),
    take: (action: RunAction) => takeOwnership(base, action),
    unblock: (input: { user: string; service: string; version: string }) => unblockVersion(base, input),
    draftRca: (incidentId: string) => draftRca(base, incidentId),
    /** `/rollback rca <INC>`: the RCA draft, from the timeline so far, into the incident thread. */
    async postRca(incidentId: string): Promise<Result<{ message: string }>> {
      const last = (await deps.store.runsOfIncident(incidentId)).at(-1);
      const view = last ? await runView(deps.store, last.id) : undefined;
      if (!view) return fail('not_found', `No incident ${incidentId}.`);
      if (!view.incident.slackTs)
        return fail('not_found', `${incidentId} has no Slack thread; use \`rollbot rca\`.`);
      const rca = await draftRca(base, incidentId);
      if (rca) await deps.notifier.rcaDraft(view, rca);
      return { ok: true, message: `Posting the RCA draft for ${incidentId} in its thread.` };
    },
    sweep: () => sweep(base),
    recordDeploy: (report: DeployReport) => recordDeploy(base, report),
    lastKnownGood: (service: string, env: string) => lastKnownGood(base, service, env),
    checkDeploy: (service: string, version: string) => checkDeploy(base, service, version),
    idle: () => executor.idle(),
  };
}

export type Services = ReturnType<typeof createServices>;
