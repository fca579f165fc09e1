/** Slack use cases before a run starts: submit a request, decide on it, expire and remind. */
import {
  APPROVAL_TTL_MS,
  approvalExpiresAt,
  checkApproval,
  type PolicyRefusal,
} from '../../domain/policy.js';
import { type Failure, fail, type Result } from '../../domain/result.js';
import type { Severity } from '../../domain/severity.js';
import { approvalsRequired } from '../../runbooks/plan.js';
import type { Opened } from '../rollback.js';
import type { FlowContext } from './context.js';
import type { RunView } from './ports.js';

export interface RequestFields {
  service: string;
  env: string;
  level: number;
  severity: Severity;
  params: Record<string, string>;
  hosts?: string[];
  reason: string;
  /** Affected users / features, as the requester describes them (optional; shown in the incident message). */
  impact?: string;
}

export type SubmitResult = Result<{ incidentId: string; runId: string }> | { ok: true; duplicate: true };

/** Opens the incident for a submitted modal. A repeated submission of the same view does nothing. */
export function submitRequest(
  ctx: FlowContext,
  input: { user: string; viewId: string; fields: RequestFields; commandAt?: number },
  start: (runId: string, actor: string) => void,
): SubmitResult {
  const checked = ctx.rollback.preview(input.fields);
  if (!checked.ok) return checked;
  if (!ctx.store.claimRequestKey(`view:${input.viewId}`)) return { ok: true, duplicate: true };
  const { impact, ...request } = input.fields;
  const opened = ctx.rollback.open({ ...request, requestedBy: input.user, drill: false });
  if (!opened.ok) return opened;
  ctx.store.appendTimeline({
    type: 'request.submitted',
    actor: input.user,
    incidentId: opened.incident.id,
    data: {
      via: 'slack',
      ...(input.commandAt ? { commandReceivedAt: input.commandAt } : {}),
      ...(impact?.trim() ? { impact: impact.trim() } : {}),
    },
  });
  announce(ctx, opened, true, start);
  return { ok: true, incidentId: opened.incident.id, runId: opened.run.id };
}

/** Drills go straight to staging: no approvals, posted as a drill, timed against the level's target. */
export function startDrill(
  ctx: FlowContext,
  input: { user: string; service: string; level: number; env: string; params: Record<string, string> },
  start: (runId: string, actor: string) => void,
): Result<{ incidentId: string; runId: string }> {
  const opened = ctx.rollback.open({
    service: input.service,
    env: input.env,
    level: input.level,
    severity: 'minor',
    reason: `Rollback drill, level ${input.level}`,
    requestedBy: input.user,
    params: input.params,
    drill: true,
  });
  if (!opened.ok) return opened;
  announce(ctx, opened, true, start);
  return { ok: true, incidentId: opened.incident.id, runId: opened.run.id };
}

/** Posts the thread and either asks for approvals or starts the run. */
export function announce(
  ctx: FlowContext,
  opened: Opened,
  firstRun: boolean,
  start: (runId: string, actor: string) => void,
): void {
  const view: RunView = ctx.viewOf(opened.run.id)!;
  void ctx.notifier.opened(view, firstRun);
  if (opened.run.state === 'approved') {
    start(opened.run.id, opened.run.requestedBy);
    return;
  }
  const runbook = ctx.runbookOf(opened.run.service);
  ctx.store.appendTimeline({
    type: 'approval.requested',
    actor: 'rollbot',
    runId: opened.run.id,
    data: {
      required: opened.approvalsNeeded,
      approvers: runbook?.approvers ?? [],
      planHash: opened.plan.hash,
    },
  });
  void ctx.notifier.approval(view, approvalView(ctx, view, { kind: 'pending' }));
  void ctx.notifier.root(view, `Waiting for ${opened.approvalsNeeded} approval(s)`);
}

export function approvalView(
  ctx: FlowContext,
  view: RunView,
  state: Parameters<typeof ctx.notifier.approval>[1]['state'],
) {
  const runbook = ctx.runbookOf(view.run.service);
  return {
    approvers: runbook?.approvers ?? [],
    required: runbook ? approvalsRequired(runbook, view.run.level, view.incident.severity) : 1,
    approvedBy: ctx.store.approversOf(view.run.id),
    expiresAt: approvalExpiresAt(view.run, ctx.approvalTtlMs),
    state,
  };
}

export interface DecisionInput {
  user: string;
  teamId: string;
  runId: string;
  planHash: string;
  decision: 'approve' | 'deny';
}

/** One approver's click. Checked server-side; every refusal is on the timeline. */
export async function decide(
  ctx: FlowContext,
  input: DecisionInput,
  start: (runId: string, actor: string) => void,
): Promise<Result<{ approved: boolean; count: number; required: number }>> {
  const view = ctx.viewOf(input.runId);
  if (!view) return fail('not_found', 'This request no longer exists.');
  const runbook = ctx.runbookOf(view.run.service);
  if (!runbook) return fail('unknown_service', `The runbook for ${view.run.service} is not loaded.`);
  const members = await ctx.directory.members(runbook.approvers);
  const check = checkApproval(
    view.run,
    { user: input.user, teamId: input.teamId, planHash: input.planHash, now: ctx.clock.now() },
    { approvers: { members }, teamId: ctx.teamId() ?? input.teamId, ttlMs: ctx.approvalTtlMs },
  );
  if (!check.ok) return refuse(ctx, view, input, check);
  const recorded = ctx.store.recordApproval(input.runId, input.user, input.planHash, input.decision);
  if (!recorded.ok) {
    const code = recorded.code === 'plan_changed' ? 'plan_changed' : 'already_decided';
    return refuse(ctx, view, input, { ok: false, code, message: recordedMessage(recorded.code) });
  }
  const required = approvalsRequired(runbook, view.run.level, view.incident.severity);
  if (input.decision === 'deny') {
    const denied = ctx.store.transitionRun(input.runId, ['pending_approval'], 'denied', {
      type: 'run.finished',
      actor: input.user,
      runId: input.runId,
      data: { status: 'denied' },
    });
    if (denied) {
      ctx.rollback.discard(input.runId);
      const after = ctx.viewOf(input.runId)!;
      void ctx.notifier.approval(after, approvalView(ctx, after, { kind: 'denied', by: input.user }));
      void ctx.notifier.ended(after, 'denied', 'Denied', input.user);
    }
    return { ok: true, approved: false, count: recorded.count, required };
  }
  if (recorded.count < required) {
    void ctx.notifier.approval(view, approvalView(ctx, view, { kind: 'pending' }));
    return { ok: true, approved: false, count: recorded.count, required };
  }
  // Two approvers at once: the conditional transition lets exactly one of them start the run.
  const approved = ctx.store.transitionRun(input.runId, ['pending_approval'], 'approved', {
    type: 'run.approved',
    actor: input.user,
    runId: input.runId,
    data: { approvedBy: ctx.store.approversOf(input.runId), planHash: input.planHash },
  });
  if (approved) {
    ctx.metrics?.approvalWaited(ctx.clock.now() - view.run.createdAt);
    const after = ctx.viewOf(input.runId)!;
    void ctx.notifier.approval(after, approvalView(ctx, after, { kind: 'approved' }));
    start(input.runId, input.user);
  }
  return { ok: true, approved: true, count: recorded.count, required };
}

function recordedMessage(code: string): string {
  if (code === 'plan_changed')
    return 'The plan changed since this approval was requested; approve the new plan.';
  if (code === 'already_decided') return 'You already decided on this request; each approver counts once.';
  return 'This request is no longer waiting for approval.';
}

function refuse(ctx: FlowContext, view: RunView, input: DecisionInput, refusal: PolicyRefusal): Failure {
  ctx.store.appendTimeline({
    type: 'approval.refused',
    actor: input.user,
    runId: input.runId,
    data: { decision: input.decision, code: refusal.code, teamId: input.teamId },
  });
  if (refusal.code === 'expired') expire(ctx, view);
  return fail(refusal.code, refusal.message);
}

function expire(ctx: FlowContext, view: RunView): void {
  const expired = ctx.store.transitionRun(view.run.id, ['pending_approval'], 'expired', {
    type: 'approval.expired',
    actor: 'rollbot',
    runId: view.run.id,
    data: { createdAt: view.run.createdAt },
  });
  if (!expired) return;
  ctx.rollback.discard(view.run.id);
  const after = ctx.viewOf(view.run.id)!;
  void ctx.notifier.approval(after, approvalView(ctx, after, { kind: 'expired' }));
  void ctx.notifier.ended(after, 'expired', 'No approval in time');
}

/**
 * Called on a timer: expires stale requests, pings the runbook's escalation list once per entry,
 * and starts runs this process opened that another process approved but could not execute.
 */
export function tick(ctx: FlowContext, start: (runId: string, actor: string) => void): void {
  const now = ctx.clock.now();
  for (const run of ctx.store.activeRuns()) {
    if (run.state === 'approved' && ctx.rollback.livePlan(run.id) && !ctx.controllers.has(run.id)) {
      start(run.id, ctx.store.approversOf(run.id).at(-1) ?? 'rollbot');
      continue;
    }
    if (run.state !== 'pending_approval') continue;
    const view = ctx.viewOf(run.id);
    if (!view) continue;
    const expiresAt = approvalExpiresAt(run, ctx.approvalTtlMs);
    if (now > expiresAt) {
      expire(ctx, view);
      continue;
    }
    const runbook = ctx.runbookOf(run.service);
    const pinged = new Set(
      ctx.store
        .timeline(run.incidentId)
        .filter((e) => e.type === 'escalation.pinged' && e.runId === run.id)
        .map((e) => Number(e.data?.after)),
    );
    for (const entry of runbook?.escalation ?? []) {
      if (now - run.createdAt < entry.after || pinged.has(entry.after)) continue;
      ctx.store.appendTimeline({
        type: 'escalation.pinged',
        actor: 'rollbot',
        runId: run.id,
        data: { after: entry.after, notify: entry.notify },
      });
      void ctx.notifier.reminder(view, {
        waitedMs: now - run.createdAt,
        notify: entry.notify,
        expiresInMs: expiresAt - now,
      });
    }
  }
}

export { APPROVAL_TTL_MS };
