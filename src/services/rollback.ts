/** Use cases shared by Slack and the terminal: preview a plan, open a run under the lock, execute it. */
import { join } from 'node:path';
import { type Plan, type RunRequest, SECRET_MASK } from '../domain/plan.js';
import type { Incident, Run } from '../domain/records.js';
import { fail, type Result } from '../domain/result.js';
import { outcomeOf } from '../domain/step-result.js';
import { approvalsRequired, maskSecrets, renderPlan } from '../runbooks/plan.js';
import type { Runbook } from '../runbooks/schema.js';
import { type EngineDeps, type ExecuteOutcome, executePlan, type RunObserver } from './execute-plan.js';
import { observeVersions } from './observe-versions.js';
import { type Clock, type Metrics, noMetrics, type RunStore } from './ports.js';

export interface RunbookCatalog {
  get(service: string): Runbook | undefined;
  names(): string[];
}

export interface RollbackDeps {
  store: RunStore;
  catalog: RunbookCatalog;
  engine: EngineDeps;
  clock: Clock;
  /** Step logs go to `<logRoot>/<runId>/`. */
  logRoot: string;
  metrics?: Metrics;
}

export interface PreviewInput {
  service: string;
  env: string;
  level: number;
  params: Record<string, string>;
  hosts?: string[];
}

export interface Opened {
  incident: Incident;
  run: Run;
  plan: Plan;
  approvalsNeeded: number;
}

const PREVIEW_IDS = { runId: 'RUN-ID', incidentId: 'INCIDENT-ID' };

export function createRollbackService(deps: RollbackDeps) {
  // Plans with their secret values live only in memory, keyed by run id, until the run ends.
  const livePlans = new Map<string, Plan>();
  const metrics = deps.metrics ?? noMetrics;

  const runbookOf = (service: string): Result<{ runbook: Runbook }> => {
    const runbook = deps.catalog.get(service);
    if (runbook) return { ok: true, runbook };
    const known = deps.catalog.names();
    return fail(
      'unknown_service',
      `Unknown service "${service}". Known services: ${known.join(', ') || '(none)'}`,
    );
  };

  /** The exact plan, rendered with placeholder ids: for `rollbot plan` and the Slack modal. */
  function preview(input: PreviewInput): Result<{ plan: Plan; runbook: Runbook }> {
    const found = runbookOf(input.service);
    if (!found.ok) return found;
    const rendered = renderPlan(found.runbook, { ...input, ...PREVIEW_IDS });
    return rendered.ok ? { ok: true, plan: rendered.plan, runbook: found.runbook } : rendered;
  }

  /** Opens the incident (or drill) and its run, holding the service+env lock. */
  function open(
    request: RunRequest,
    options: { preApprovedBy?: string; incidentId?: string; escalatedFrom?: string } = {},
  ): Result<Opened> {
    const checked = preview(request);
    if (!checked.ok) return checked;
    const { runbook } = checked;
    const approvalsNeeded = request.drill ? 0 : approvalsRequired(runbook, request.level, request.severity);
    let plan: Plan | undefined;
    const opened = deps.store.openRun({
      incident: options.incidentId
        ? { incidentId: options.incidentId }
        : {
            kind: request.drill ? 'drill' : 'incident',
            service: request.service,
            env: request.env,
            severity: request.severity,
            level: request.level,
            reason: request.reason,
            requestedBy: request.requestedBy,
          },
      ...(options.escalatedFrom ? { escalatedFrom: options.escalatedFrom } : {}),
      level: request.level,
      targetMs: checked.plan.targetMs,
      requestedBy: request.requestedBy,
      state: approvalsNeeded === 0 || options.preApprovedBy ? 'approved' : 'pending_approval',
      drill: request.drill,
      render: (ids) => {
        const rendered = renderPlan(runbook, { ...request, runId: ids.runId, incidentId: ids.incidentId });
        if (!rendered.ok) throw new Error(rendered.message);
        plan = rendered.plan;
        const shown = displayPlan(rendered.plan);
        return {
          planHash: shown.hash,
          planJson: JSON.stringify(shown),
          paramsJson: JSON.stringify(shown.params),
        };
      },
    });
    if (!opened.ok)
      return opened.code === 'locked' ? fail('locked', opened.message) : fail('not_found', opened.message);
    if (!plan) throw new Error('store did not render the plan');
    livePlans.set(opened.run.id, plan);
    if (options.preApprovedBy) {
      deps.store.appendTimeline({
        type: 'approval.granted',
        actor: options.preApprovedBy,
        runId: opened.run.id,
        data: { planHash: plan.hash, via: 'terminal' },
      });
    }
    return { ok: true, incident: opened.incident, run: opened.run, plan, approvalsNeeded };
  }

  /** Runs an approved run to a terminal state. The first terminal write wins (abort vs completion). */
  async function execute(
    runId: string,
    ctx: { actor: string; signal: AbortSignal; observer: RunObserver; resumeFrom?: string },
  ): Promise<Result<{ outcome: ExecuteOutcome; run: Run }>> {
    const plan = livePlans.get(runId) ?? rebuild(runId);
    if (!plan)
      return fail(
        'not_found',
        `Run ${runId} has no plan in this process (the bot restarted?): request it again.`,
      );
    const started = deps.store.transitionRun(runId, ['approved'], 'running', {
      type: 'run.started',
      actor: ctx.actor,
      runId,
      data: { planHash: plan.hash, hosts: plan.hosts.map((h) => h.name) },
    });
    if (!started) return fail('already_decided', `Run ${runId} is not approved or already started.`);
    // What the hosts run now is the version a resolved rollback blocks from being redeployed.
    const versions = await observeVersions(deps.engine.probe, plan, ctx.signal);
    if (Object.keys(versions).length > 0) {
      deps.store.appendTimeline({ type: 'run.observed', actor: 'rollbot', runId, data: { versions } });
    }
    const observer = persistingObserver(deps.store, runId, {
      ...ctx.observer,
      stepFinished(step, host, result) {
        metrics.stepFinished(outcomeOf(result));
        ctx.observer.stepFinished(step, host, result);
      },
    });
    // A retry skips what the earlier run already did successfully, host by host.
    const done = new Set(
      ctx.resumeFrom
        ? deps.store
            .stepResults(ctx.resumeFrom)
            .filter((row) => row.state === 'ok')
            .map((row) => `${row.stepIndex}\u0000${row.host}`)
        : [],
    );
    let outcome: ExecuteOutcome;
    try {
      outcome = await executePlan(deps.engine, {
        plan,
        runId,
        logDir: join(deps.logRoot, runId),
        signal: ctx.signal,
        observer,
        alreadyDone: (stepIndex, host) => done.has(`${stepIndex}\u0000${host}`),
      });
    } finally {
      livePlans.delete(runId);
    }
    const failure = outcome.failures[0];
    const error =
      outcome.abortReason ??
      (failure ? `${failure.step.name} on ${failure.host}: ${failure.result.error ?? 'failed'}` : undefined);
    deps.store.transitionRun(
      runId,
      ['running'],
      outcome.status,
      {
        type: 'run.finished',
        actor: 'rollbot',
        runId,
        data: { status: outcome.status, error, notStarted: outcome.notStarted },
      },
      error ? { error } : undefined,
    );
    const run = deps.store.getRun(runId);
    if (!run) throw new Error(`run ${runId} vanished`);
    metrics.runFinished({
      service: run.service,
      level: run.level,
      outcome: run.state,
      kind: run.drill ? 'drill' : 'incident',
      durationMs: (run.finishedAt ?? deps.clock.now()) - (run.startedAt ?? deps.clock.now()),
    });
    return { ok: true, outcome, run };
  }

  /**
   * A run opened by another process on the same database (two bots behind one Slack app) has its
   * plan only in that process's memory. Rendered again here from the runbook and the stored
   * params, it is the approved plan only if the hash matches; secret values are never stored, so
   * a plan that used one cannot be rebuilt and stays with the process that opened it.
   */
  function rebuild(runId: string): Plan | undefined {
    const run = deps.store.getRun(runId);
    const runbook = run && deps.catalog.get(run.service);
    if (!run || !runbook) return undefined;
    const params = JSON.parse(run.paramsJson) as Record<string, string>;
    if (Object.values(params).includes(SECRET_MASK)) return undefined;
    const stored = JSON.parse(run.planJson) as Pick<Plan, 'hosts'>;
    const rendered = renderPlan(runbook, {
      env: run.env,
      level: run.level,
      params,
      hosts: stored.hosts.map((h) => h.name),
      runId,
      incidentId: run.incidentId,
    });
    if (!rendered.ok || rendered.plan.hash !== run.planHash || rendered.plan.secrets.length > 0)
      return undefined;
    return rendered.plan;
  }

  /** True when this process can execute the run: it holds the plan, or can rebuild it exactly. */
  const canExecute = (runId: string): boolean => {
    if (livePlans.has(runId)) return true;
    const plan = rebuild(runId);
    if (plan) livePlans.set(runId, plan);
    return plan !== undefined;
  };

  /** The in-memory plan of a run that has not finished (with secrets: never store or show it). */
  const livePlan = (runId: string): Plan | undefined => livePlans.get(runId);

  /** Forgets the plan of a run that ended without executing (denied, expired, aborted). */
  const discard = (runId: string): void => {
    livePlans.delete(runId);
  };

  return { preview, open, execute, canExecute, livePlan, discard };
}

export type RollbackService = ReturnType<typeof createRollbackService>;

/** What may be stored and shown: the plan with every secret value masked, and no secrets list. */
export function displayPlan(plan: Plan): Omit<Plan, 'secrets'> {
  const { secrets, ...shown } = plan;
  if (secrets.length === 0) return shown;
  return JSON.parse(
    maskSecrets(
      JSON.stringify(shown),
      secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]),
    ),
  );
}

function persistingObserver(store: RunStore, runId: string, next: RunObserver): RunObserver {
  return {
    stepStarted(step, host) {
      store.stepStarted(runId, step.index, host, step.name, step.kind);
      next.stepStarted(step, host);
    },
    stepFinished(step, host, result) {
      store.stepFinished(runId, step.index, host, result);
      next.stepFinished(step, host, result);
    },
    confirmRequested(step) {
      store.appendTimeline({
        type: 'run.confirm_requested',
        actor: 'rollbot',
        runId,
        data: { step: step.index, question: step.confirm },
      });
      next.confirmRequested(step);
    },
    confirmAnswered(step, answer) {
      store.appendTimeline({
        type: 'run.confirmed',
        actor: answer.by,
        runId,
        data: { step: step.index, question: step.confirm, confirmed: answer.ok },
      });
      next.confirmAnswered(step, answer);
    },
  };
}
