/** Approvals: checked and counted in one transaction so double clicks and races count once. */
import type { RunState } from '../domain/run-state.js';
import type { Clock } from '../services/ports.js';
import type { Db } from './db.js';
import type { TimelineRepo } from './timeline.js';
import type { ApprovalDecision, ApprovalResult } from './types.js';

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
  ): ApprovalResult;
  /** Who approved this run's current plan, in order. */
  approversOf(runId: string): string[];
}

export function approvalRepo(db: Db, clock: Clock, tl: TimelineRepo): ApprovalRepo {
  const runOf = db.prepare<[string], { state: RunState; plan_hash: string; incident_id: string }>(
    'SELECT state, plan_hash, incident_id FROM runs WHERE id = ?',
  );
  const insert = db.prepare(
    `INSERT INTO approvals (run_id, approver, plan_hash, decision, at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (run_id, approver) DO NOTHING`,
  );
  const approvals = db
    .prepare<[string, string], number>(
      "SELECT COUNT(*) FROM approvals WHERE run_id = ? AND plan_hash = ? AND decision = 'approve'",
    )
    .pluck();

  const record = db.transaction(
    (runId: string, approver: string, planHash: string, decision: ApprovalDecision): ApprovalResult => {
      const run = runOf.get(runId);
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
      if (insert.run(runId, approver, planHash, decision, clock.now()).changes === 0) {
        return { ok: false, code: 'already_decided', message: `${approver} already decided on run ${runId}` };
      }
      const count = approvals.get(runId, planHash)!;
      tl.appendTimeline({
        type: decision === 'approve' ? 'approval.granted' : 'approval.denied',
        actor: approver,
        incidentId: run.incident_id,
        runId,
        data: { planHash, count },
      });
      return { ok: true, count };
    },
  );

  const approvedBy = db
    .prepare<[string], string>(
      `SELECT approver FROM approvals
       WHERE run_id = ? AND decision = 'approve' AND plan_hash = (SELECT plan_hash FROM runs WHERE id = approvals.run_id)
       ORDER BY at, rowid`,
    )
    .pluck();

  return {
    recordApproval: (runId, approver, planHash, decision) =>
      record.immediate(runId, approver, planHash, decision),
    approversOf: (runId) => approvedBy.all(runId),
  };
}
