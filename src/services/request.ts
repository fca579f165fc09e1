/**
 * A rollback request, from Slack or the terminal: preview, open the incident (or a new run of an
 * existing one: retry, escalation) under the lock, then post the thread and either ask for
 * approvals or start the run. How many approvals it needs is decided once, here.
 */
import { typedTextProblem } from '../domain/control-chars.js';
import { currentActionOf } from '../domain/display.js';
import { approvalExpiresAt } from '../domain/policy.js';
import type { Incident, Run } from '../domain/records.js';
import { REQUEST_TEXT_MAX } from '../domain/records.js';
import { fail, type Result } from '../domain/result.js';
import type { Severity } from '../domain/severity.js';
import { approvalsNeeded } from '../runbooks/approvals.js';
import { renderPlan } from '../runbooks/plan.js';
import type { ApprovalState, ApprovalView, IncidentNotifier, RunView } from './notifier.js';
import { preview, type RunbookCatalog, runView, type ViewStore } from './plans.js';
import type { TypedSecrets } from './secrets.js';
import type { Store } from './store-port.js';

export interface RollbackRequest {
  service: string;
  env: string;
  level: number;
  severity: Severity;
  reason: string;
  impact?: string;
  requestedBy: string;
  params: Record<string, string>;
  hosts?: string[];
  drill: boolean;
}

export interface RequestOptions {
  via: 'slack' | 'terminal';
  /** A modal's view id: a repeat of a submission that opened something is a duplicate. */
  requestKey?: string;
  /** When Slack received the slash command (time to acknowledge starts there). */
  commandAt?: number;
  /** The terminal's typed confirmation: its user is the approver (break-glass). */
  preApproved?: boolean;
  /** A new run of an existing incident: a retry (same level) or an escalation. */
  reopen?: { incidentId: string; from: Run };
}

export interface RequestDeps {
  catalog: RunbookCatalog;
  store: ViewStore & Pick<Store, 'openRun' | 'appendTimeline' | 'approversOf'>;
  notifier: IncidentNotifier;
  typed: TypedSecrets;
  approvalTtlMs: number;
  /** Starts an approved run in this process (Slack); the terminal executes it itself. */
  start?: (runId: string, actor: string) => void;
  /** ROLLBOT_PROMETHEUS_URL, for query steps that name no Prometheus. */
  prometheusUrl?: string | undefined;
}

export interface Opened {
  incident: Incident;
  run: Run;
  view: RunView;
}

export async function requestRollback(
  deps: RequestDeps,
  request: RollbackRequest,
  options: RequestOptions,
): Promise<Result<Opened>> {
  // Whatever door it came through (form, slash text, terminal), typed text is held to one rule.
  const textProblem =
    typedTextProblem(request.reason, 'reason', REQUEST_TEXT_MAX) ??
    (request.impact === undefined ? undefined : typedTextProblem(request.impact, 'impact', REQUEST_TEXT_MAX));
  if (textProblem) return fail('invalid_input', textProblem);
  const typedSecrets = options.via === 'terminal';
  const checked = preview(deps.catalog, { ...request, typedSecrets, prometheusUrl: deps.prometheusUrl });
  if (!checked.ok) return checked;
  const { runbook } = checked;
  const approvalsRequired = approvalsNeeded(runbook, request);
  const opened = await deps.store.openRun({
    incident: options.reopen
      ? { incidentId: options.reopen.incidentId }
      : {
          kind: request.drill ? 'drill' : 'incident',
          service: request.service,
          env: request.env,
          severity: request.severity,
          level: request.level,
          reason: request.reason,
          requestedBy: request.requestedBy,
          ...(request.impact ? { impact: request.impact } : {}),
        },
    level: request.level,
    requestedBy: request.requestedBy,
    approvalsRequired,
    drill: request.drill,
    ...(options.preApproved ? { preApproved: true } : {}),
    ...(options.reopen ? { escalatedFrom: options.reopen.from.id } : {}),
    ...(options.requestKey ? { requestKey: options.requestKey } : {}),
    render: (ids) => {
      const rendered = renderPlan(runbook, {
        ...request,
        ...ids,
        typedSecrets,
        prometheusUrl: deps.prometheusUrl,
      });
      // The preview rendered; only a different id could fail now, and that is a bug.
      if (!rendered.ok) throw new Error(rendered.message);
      return rendered.plan;
    },
  });
  if (!opened.ok) return fail(opened.code, opened.message);
  const { incident, run } = opened;
  if (Object.keys(checked.typed).length > 0) deps.typed.set(run.id, checked.typed);
  if (!options.reopen) {
    await deps.store.appendTimeline({
      type: 'request.submitted',
      actor: request.requestedBy,
      incidentId: incident.id,
      data: {
        via: options.via,
        ...(options.commandAt ? { commandReceivedAt: options.commandAt } : {}),
        ...(request.impact ? { impact: request.impact } : {}),
      },
    });
  } else if (request.level > options.reopen.from.level) {
    await deps.store.appendTimeline({
      type: 'level.escalated',
      actor: request.requestedBy,
      runId: run.id,
      data: { from: options.reopen.from.level, to: request.level, previousRun: options.reopen.from.id },
    });
  }
  if (options.preApproved) {
    await deps.store.appendTimeline({
      type: 'approval.granted',
      actor: request.requestedBy,
      runId: run.id,
      data: { planHash: run.planHash, via: 'terminal' },
    });
  }
  const view = (await runView(deps.store, run.id))!;
  await announce(deps, view, !options.reopen);
  return { ok: true, incident, run, view };
}

/** Posts the thread, then either asks for approvals or starts the run. */
async function announce(deps: RequestDeps, view: RunView, firstRun: boolean): Promise<void> {
  const { run } = view;
  await deps.notifier.opened(view, firstRun);
  if (run.state === 'approved') {
    deps.start?.(run.id, run.requestedBy);
    return;
  }
  const runbook = deps.catalog.get(run.service);
  await deps.store.appendTimeline({
    type: 'approval.requested',
    actor: 'rollbot',
    runId: run.id,
    data: { required: run.approvalsRequired, approvers: runbook?.approvers ?? [], planHash: run.planHash },
  });
  await deps.notifier.approval(view, await approvalView(deps, view, { kind: 'pending' }));
  await deps.notifier.root(view, currentActionOf(run, false));
}

export async function approvalView(
  deps: { catalog: RunbookCatalog; store: Pick<Store, 'approversOf'>; approvalTtlMs: number },
  view: RunView,
  state: ApprovalState,
): Promise<ApprovalView> {
  return {
    approvers: deps.catalog.get(view.run.service)?.approvers ?? [],
    required: view.run.approvalsRequired,
    approvedBy: await deps.store.approversOf(view.run.id),
    expiresAt: approvalExpiresAt(view.run, deps.approvalTtlMs),
    state,
  };
}
