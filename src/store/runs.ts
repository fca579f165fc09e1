/** Runs: opening one under the per-service+environment lock, and reading them back. */
import Database from 'better-sqlite3';
import { ACTIVE_STATES, type RunState } from '../domain/run-state.js';
import type { Clock } from '../services/ports.js';
import type { Db } from './db.js';
import type { IncidentRepo } from './incidents.js';
import type { Owner, OwnerColumns } from './owner.js';
import type { TimelineRepo } from './timeline.js';
import type { Incident, LockHolder, NewIncident, OpenRunInput, OpenRunResult, Run } from './types.js';

export interface RunDbRow extends OwnerColumns {
  id: string;
  incident_id: string;
  service: string;
  env: string;
  level: number;
  drill: number;
  state: RunState;
  plan_hash: string;
  plan_json: string;
  params_json: string;
  requested_by: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  target_ms: number;
  error: string | null;
  escalated_from: string | null;
}

export interface RunRepo {
  openRun(input: OpenRunInput): OpenRunResult;
  getRun(id: string): Run | undefined;
  runsOfIncident(incidentId: string): Run[];
  /** Runs holding a lock (pending approval, approved or running), oldest first. */
  activeRuns(): Run[];
}

const ACTIVE_JSON = JSON.stringify(ACTIVE_STATES);

/** Thrown inside the transaction so a lost race rolls back the incident it may have created. */
class LockLost extends Error {}

export function runRepo(
  db: Db,
  clock: Clock,
  self: Owner,
  tl: TimelineRepo,
  incidents: IncidentRepo,
): RunRepo {
  const byId = db.prepare<[string], RunDbRow>('SELECT * FROM runs WHERE id = ?');
  const ofIncident = db.prepare<[string], RunDbRow>(
    'SELECT * FROM runs WHERE incident_id = ? ORDER BY rowid',
  );
  const countOf = db.prepare<[string], number>('SELECT COUNT(*) FROM runs WHERE incident_id = ?').pluck();
  const active = db.prepare<[string], RunDbRow>(
    'SELECT * FROM runs WHERE state IN (SELECT value FROM json_each(?)) ORDER BY created_at, rowid',
  );
  const holderOf = db.prepare<[string, string, string], RunDbRow>(
    'SELECT * FROM runs WHERE service = ? AND env = ? AND state IN (SELECT value FROM json_each(?))',
  );
  const insert = db.prepare(
    `INSERT INTO runs (id, incident_id, service, env, level, drill, state, plan_hash, plan_json, params_json,
       requested_by, created_at, target_ms, escalated_from, owner_host, owner_pid, owner_token)
     VALUES (@id, @incidentId, @service, @env, @level, @drill, @state, @planHash, @planJson, @paramsJson,
       @requestedBy, @createdAt, @targetMs, @escalatedFrom, @host, @pid, @token)`,
  );

  const getRun = (id: string): Run | undefined => {
    const row = byId.get(id);
    return row ? toRun(row) : undefined;
  };
  const findHolder = (service: string, env: string): LockHolder | undefined => {
    const row = holderOf.get(service, env, ACTIVE_JSON);
    if (!row) return undefined;
    const {
      id: runId,
      incident_id: incidentId,
      requested_by: requestedBy,
      state,
      created_at: createdAt,
    } = row;
    return { runId, incidentId, requestedBy, state, createdAt };
  };

  const open = db.transaction((input: OpenRunInput): OpenRunResult => {
    const target = lockTarget(input, incidents);
    if (!target) return notFound(input);
    const holder = findHolder(target.service, target.env);
    if (holder) return locked(target.service, target.env, holder);
    const incident = 'existing' in target ? target.existing : incidents.createIncident(target.create);
    const id = `${incident.id}-r${countOf.get(incident.id)! + 1}`;
    const plan = 'render' in input ? input.render({ runId: id, incidentId: incident.id }) : input;
    try {
      insert.run({
        id,
        incidentId: incident.id,
        service: incident.service,
        env: incident.env,
        level: input.level,
        drill: input.drill ? 1 : 0,
        state: input.state,
        planHash: plan.planHash,
        planJson: plan.planJson,
        paramsJson: plan.paramsJson,
        requestedBy: input.requestedBy,
        createdAt: clock.now(),
        targetMs: input.targetMs,
        escalatedFrom: input.escalatedFrom ?? null,
        ...self,
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new LockLost('lock taken concurrently', { cause: err });
      throw err;
    }
    tl.appendTimeline({
      type: 'plan.rendered',
      actor: input.requestedBy,
      incidentId: incident.id,
      runId: id,
      data: { hash: plan.planHash, level: input.level },
    });
    return { ok: true, run: getRun(id)!, incident: incidents.getIncident(incident.id)! };
  });

  return {
    // IMMEDIATE takes the write lock before the check, so check-then-insert is atomic across
    // processes; the partial unique index stays the last line of defence.
    openRun: (input) => {
      try {
        return open.immediate(input);
      } catch (err) {
        if (!(err instanceof LockLost)) throw err;
        const target = lockTarget(input, incidents);
        const holder = target && findHolder(target.service, target.env);
        if (!target || !holder) throw err;
        return locked(target.service, target.env, holder);
      }
    },
    getRun,
    runsOfIncident: (incidentId) => ofIncident.all(incidentId).map(toRun),
    activeRuns: () => active.all(ACTIVE_JSON).map(toRun),
  };
}

type LockTarget = { service: string; env: string } & ({ existing: Incident } | { create: NewIncident });

/** Service and environment the run locks: from the existing incident, or the one to create. */
function lockTarget(input: OpenRunInput, incidents: IncidentRepo): LockTarget | undefined {
  if (!('incidentId' in input.incident)) {
    return { service: input.incident.service, env: input.incident.env, create: input.incident };
  }
  const existing = incidents.getIncident(input.incident.incidentId);
  return existing && { service: existing.service, env: existing.env, existing };
}

function notFound(input: OpenRunInput): OpenRunResult {
  const id = 'incidentId' in input.incident ? input.incident.incidentId : '';
  return { ok: false, code: 'not_found', message: `incident ${id} does not exist` };
}

function locked(service: string, env: string, holder: LockHolder): OpenRunResult {
  return {
    ok: false,
    code: 'locked',
    message: `${service} ${env} is locked by run ${holder.runId} (${holder.state}, requested by ${holder.requestedBy})`,
    holder,
  };
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Database.SqliteError && err.code === 'SQLITE_CONSTRAINT_UNIQUE';
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
    planJson: r.plan_json,
    paramsJson: r.params_json,
    requestedBy: r.requested_by,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    targetMs: r.target_ms,
    error: r.error,
    escalatedFrom: r.escalated_from,
  };
}
