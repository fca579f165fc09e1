/** Runs: opening one under the per-service+environment lock, and reading them back. */

import type { Incident, LockHolder, OpenRunInput, OpenRunResult, Run } from '../domain/records.js';
import { ACTIVE_STATES, type RunState } from '../domain/run-state.js';
import type { StoreContext } from './context.js';
import { createIncident, incidentById } from './incidents.js';
import { decodePlan, encodePlan } from './plan-codec.js';
import { inList, type SqlRunner, UniqueViolation } from './sql/types.js';
import { appendEvent } from './timeline.js';

/** Plans stored from this version on hold secret references and can be executed by any process. */
export const EXECUTABLE_PLAN_VERSION = 2;

export interface RunDbRow {
  id: string;
  incident_id: string;
  service: string;
  env: string;
  level: number;
  drill: number;
  state: RunState;
  plan_hash: string;
  plan_json: string;
  plan_version: number;
  approvals_required: number;
  owner: string | null;
  owner_token: string | null;
  requested_by: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  target_ms: number;
  error: string | null;
  escalated_from: string | null;
}

export interface RunRepo {
  openRun(input: OpenRunInput): Promise<OpenRunResult>;
  getRun(id: string): Promise<Run | undefined>;
  runsOfIncident(incidentId: string): Promise<Run[]>;
  /** Runs holding a lock (pending approval, approved or running), oldest first. */
  activeRuns(): Promise<Run[]>;
}

const ACTIVE = inList(ACTIVE_STATES.length);

/** Thrown inside the transaction so that nothing it wrote (the incident, the key) is kept. */
class Refused extends Error {
  constructor(readonly result: OpenRunResult) {
    super(result.ok ? 'refused' : result.message);
  }
}

export async function runById(sql: SqlRunner, id: string): Promise<Run | undefined> {
  const row = await sql.get<RunDbRow>('SELECT * FROM runs WHERE id = ?', [id]);
  return row ? toRun(row) : undefined;
}

export function runRepo(ctx: StoreContext): RunRepo {
  const { db } = ctx;

  const open = (input: OpenRunInput) =>
    db.transaction('write', async (tx): Promise<OpenRunResult> => {
      if (input.requestKey !== undefined) {
        const seen = await tx.get('SELECT 1 AS one FROM request_keys WHERE key = ?', [input.requestKey]);
        if (seen) return { ok: false, code: 'duplicate', message: 'this request was already submitted' };
      }
      const target = await lockTarget(tx, input);
      if (!target) return notFound(input);
      const holder = await findHolder(tx, target.service, target.env);
      if (holder) return locked(target.service, target.env, holder);
      const incident = 'existing' in target ? target.existing : await createIncident(tx, ctx, target.create);
      const count = await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM runs WHERE incident_id = ?', [
        incident.id,
      ]);
      const id = `${incident.id}-r${(count?.n ?? 0) + 1}`;
      const plan = input.render({ runId: id, incidentId: incident.id });
      const approved = input.approvalsRequired === 0 || input.preApproved === true;
      try {
        await tx.run(
          `INSERT INTO runs (id, incident_id, service, env, level, drill, state, plan_hash, plan_json, params_json,
             plan_version, approvals_required, requested_by, created_at, target_ms, escalated_from, owner, owner_token)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            id,
            incident.id,
            incident.service,
            incident.env,
            input.level,
            input.drill ? 1 : 0,
            approved ? 'approved' : 'pending_approval',
            plan.hash,
            encodePlan(plan),
            JSON.stringify(plan.params),
            EXECUTABLE_PLAN_VERSION,
            input.approvalsRequired,
            input.requestedBy,
            ctx.clock.now(),
            plan.targetMs,
            input.escalatedFrom ?? null,
            approved ? ctx.self.id : null,
            approved ? ctx.self.token : null,
          ],
        );
      } catch (err) {
        // The partial unique index is the last line of defence behind the check above.
        if (err instanceof UniqueViolation) {
          const now = await findHolder(tx, target.service, target.env);
          if (now) throw new Refused(locked(target.service, target.env, now));
        }
        throw err;
      }
      if (input.requestKey !== undefined) {
        await tx.run('INSERT INTO request_keys (key, at, run_id) VALUES (?, ?, ?)', [
          input.requestKey,
          ctx.clock.now(),
          id,
        ]);
      }
      await appendEvent(tx, ctx, {
        type: 'plan.rendered',
        actor: input.requestedBy,
        incidentId: incident.id,
        runId: id,
        data: { hash: plan.hash, level: input.level, approvalsRequired: input.approvalsRequired },
      });
      return { ok: true, run: (await runById(tx, id))!, incident: (await incidentById(tx, incident.id))! };
    });

  return {
    openRun: async (input) => {
      try {
        return await open(input);
      } catch (err) {
        if (err instanceof Refused) return err.result;
        throw err;
      }
    },
    getRun: (id) => runById(db, id),
    runsOfIncident: async (incidentId) =>
      (
        await db.all<RunDbRow>('SELECT * FROM runs WHERE incident_id = ? ORDER BY created_at, id', [
          incidentId,
        ])
      ).map(toRun),
    activeRuns: async () =>
      (
        await db.all<RunDbRow>(
          `SELECT * FROM runs WHERE state IN ${ACTIVE} ORDER BY created_at, id`,
          ACTIVE_STATES,
        )
      ).map(toRun),
  };
}

type LockTarget = { service: string; env: string } & (
  | { existing: Incident }
  | { create: Extract<OpenRunInput['incident'], { kind: string }> }
);

/** Service and environment the run locks: from the existing incident, or the one to create. */
async function lockTarget(tx: SqlRunner, input: OpenRunInput): Promise<LockTarget | undefined> {
  if (!('incidentId' in input.incident)) {
    return { service: input.incident.service, env: input.incident.env, create: input.incident };
  }
  const existing = await incidentById(tx, input.incident.incidentId);
  return existing && { service: existing.service, env: existing.env, existing };
}

async function findHolder(tx: SqlRunner, service: string, env: string): Promise<LockHolder | undefined> {
  const row = await tx.get<RunDbRow>(
    `SELECT * FROM runs WHERE service = ? AND env = ? AND state IN ${ACTIVE}`,
    [service, env, ...ACTIVE_STATES],
  );
  if (!row) return undefined;
  return {
    runId: row.id,
    incidentId: row.incident_id,
    requestedBy: row.requested_by,
    state: row.state,
    createdAt: row.created_at,
  };
}

function notFound(input: OpenRunInput): OpenRunResult {
  const id = 'incidentId' in input.incident ? input.incident.incidentId : '';
  return { ok: false, code: 'not_found', message: `incident ${id} does not exist` };
}

function locked(service: string, env: string, holder: LockHolder): OpenRunResult {
  return {
    ok: false,
    code: 'locked',
    message: `${service} ${env} is locked by run ${holder.runId} (${holder.state.replace('_', ' ')}, requested by ${holder.requestedBy})`,
    holder,
  };
}

export function toRun(r: RunDbRow): Run {
  return {
    id: r.id,
    incidentId: r.incident_id,
    service: r.service,
    env: r.env,
    level: r.level,
    drill: r.drill === 1,
    state: r.state,
    planHash: r.plan_hash,
    plan: decodePlan(r.plan_json, r.plan_hash),
    executable: r.plan_version >= EXECUTABLE_PLAN_VERSION,
    approvalsRequired: r.approvals_required,
    owner: r.owner,
    requestedBy: r.requested_by,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    targetMs: r.target_ms,
    error: r.error,
    escalatedFrom: r.escalated_from,
  };
}
