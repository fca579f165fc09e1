/** Approvals: checked and counted in one transaction so double clicks and races count once. */
import type { ApprovalDecision, ApprovalResult } from '../domain/records.js';
import type { RunState } from '../domain/run-state.js';
import type { StoreContext } from './context.js';
import { appendEvent } from './timeline.js';

export interface ApprovalRepo {
  /**
   * Records one person's decision on a pending run's plan, with an `approval.granted` or
   * `approval.denied` event. `count` is the number of distinct approvals of that plan so far.
   * Who may approve (runbook approvers, not the requester) is the caller's check.
   */
  recordApproval(
    runId: string,
    approver: string,
    planHash: string,
    decision: ApprovalDecision,
  ): Promise<ApprovalResult>;
  /** Who approved this run's current plan, in order. */
  approversOf(runId: string): Promise<string[]>;
}

export function approvalRepo(ctx: StoreContext): ApprovalRepo {
  const { db, clock } = ctx;
  return {
    // The write lock serialises the check, the insert and the count: two approvers clicking at
    // once on two replicas each see the other's approval, and exactly one reaches the required count.
    recordApproval: (runId, approver, planHash, decision) =>
      db.transaction('write', async (tx): Promise<ApprovalResult> => {
        const run = await tx.get<{ state: RunState; plan_hash: string; incident_id: string }>(
          'SELECT state, plan_hash, incident_id FROM runs WHERE id = ?',
          [runId],
        );
        if (!run) return { ok: false, code: 'not_found', message: `run ${runId} does not exist` };
        if (run.state !== 'pending_approval') {
          return {
            ok: false,
            code: 'not_pending',
            message: `run ${runId} is ${run.state}, not waiting for approval`,
          };
        }
        if (run.plan_hash !== planHash) {
          return {
            ok: false,
            code: 'plan_changed',
            message: `the plan of run ${runId} changed since it was shown`,
          };
        }
        const inserted = await tx.run(
          `INSERT INTO approvals (run_id, approver, plan_hash, decision, at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (run_id, approver) DO NOTHING`,
          [runId, approver, planHash, decision, clock.now()],
        );
        if (inserted === 0) {
          return {
            ok: false,
            code: 'already_decided',
            message: `${approver} already decided on run ${runId}`,
          };
        }
        const row = await tx.get<{ n: number }>(
          "SELECT COUNT(*) AS n FROM approvals WHERE run_id = ? AND plan_hash = ? AND decision = 'approve'",
          [runId, planHash],
        );
        const count = row?.n ?? 0;
        await appendEvent(tx, ctx, {
          type: decision === 'approve' ? 'approval.granted' : 'approval.denied',
          actor: approver,
          incidentId: run.incident_id,
          runId,
          data: { planHash, count },
        });
        return { ok: true, count };
      }),
    approversOf: async (runId) =>
      (
        await db.all<{ approver: string }>(
          `SELECT approver FROM approvals
           WHERE run_id = ? AND decision = 'approve' AND plan_hash = (SELECT plan_hash FROM runs WHERE id = ?)
           ORDER BY at, approver`,
          [runId, runId],
        )
      ).map((r) => r.approver),
  };
}
