/** Who may approve, abort or continue a run: pure rules, checked server-side on every click. */
import type { Run } from './records.js';

export const APPROVAL_TTL_MS = 15 * 60_000;

export type PolicyRefusal = {
  ok: false;
  code: 'not_authorized' | 'already_decided' | 'expired' | 'plan_changed';
  message: string;
};
export type PolicyCheck = { ok: true } | PolicyRefusal;

export interface Approvers {
  /** Runbook approvers (users and user groups) with groups expanded to their members. */
  members: ReadonlySet<string>;
}

export interface ApprovalClick {
  user: string;
  teamId: string;
  planHash: string;
  now: number;
}

/** The approval rules of DESIGN §4, in the order a person would want to hear them. */
export function checkApproval(
  run: Run,
  click: ApprovalClick,
  ctx: { approvers: Approvers; teamId: string; ttlMs?: number },
): PolicyCheck {
  if (click.teamId !== ctx.teamId) {
    return refuse('not_authorized', 'Approvals must come from this workspace.');
  }
  if (click.user === run.requestedBy) {
    return refuse(
      'not_authorized',
      'You requested this rollback, so you cannot approve it. Ask another approver.',
    );
  }
  if (!ctx.approvers.members.has(click.user)) {
    return refuse('not_authorized', `You are not an approver for ${run.service}.`);
  }
  if (run.state !== 'pending_approval') {
    return refuse('already_decided', `This request is already ${run.state.replace('_', ' ')}.`);
  }
  if (click.planHash !== run.planHash) {
    return refuse(
      'plan_changed',
      'The plan changed since this approval was requested; approve the new plan.',
    );
  }
  if (click.now > approvalExpiresAt(run, ctx.ttlMs)) {
    return refuse('expired', 'This approval request has expired. Request the rollback again.');
  }
  return { ok: true };
}

export function approvalExpiresAt(run: Run, ttlMs = APPROVAL_TTL_MS): number {
  return run.createdAt + ttlMs;
}

/** Abort, retry and escalate: the requester or an approver. */
export function checkOperator(
  run: Run,
  click: { user: string; teamId?: string },
  ctx: { approvers: Approvers; teamId?: string },
): PolicyCheck {
  if (click.teamId !== undefined && ctx.teamId !== undefined && click.teamId !== ctx.teamId) {
    return refuse('not_authorized', 'Buttons must be used from this workspace.');
  }
  const { user } = click;
  if (user === run.requestedBy || ctx.approvers.members.has(user)) return { ok: true };
  return refuse('not_authorized', `Only the requester or an approver of ${run.service} can do that.`);
}

function refuse(code: PolicyRefusal['code'], message: string): PolicyRefusal {
  return { ok: false, code, message };
}
