/** Incidents: per-year numbering, lookup, Slack thread binding, ownership and resolution. */
import type { Incident, IncidentKind, IncidentStatus, NewIncident, Resolution } from '../domain/records.js';
import type { Severity } from '../domain/severity.js';
import type { StoreContext } from './context.js';
import type { SqlRunner } from './sql/types.js';
import { appendEvent } from './timeline.js';

interface IncidentDbRow {
  id: string;
  kind: IncidentKind;
  service: string;
  env: string;
  severity: Severity;
  level: number;
  reason: string;
  requested_by: string;
  status: IncidentStatus;
  opened_at: number;
  resolved_at: number | null;
  slack_channel: string | null;
  slack_ts: string | null;
  impact: string | null;
  owner: string | null;
  resolved_by: string | null;
  resolution_json: string | null;
}

export interface IncidentRepo {
  getIncident(id: string): Promise<Incident | undefined>;
  /** Binds the incident to its Slack thread root; false when the incident does not exist. */
  setIncidentSlack(id: string, channel: string, ts: string): Promise<boolean>;
  /** Marks an open incident resolved; false (and no event) when it is unknown or already resolved. */
  resolveIncident(id: string, by: string, resolution?: Resolution): Promise<boolean>;
  /** The incident whose Slack thread root is this message. */
  incidentByThread(channel: string, ts: string): Promise<Incident | undefined>;
  /** Incidents nobody has resolved yet, oldest first: open until a person says otherwise. */
  openIncidents(): Promise<Incident[]>;
  /** Hands the incident to someone else; false when it is unknown, resolved, or theirs already. */
  takeIncident(id: string, by: string): Promise<boolean>;
}

/** Creates the incident inside the caller's write transaction. */
export async function createIncident(
  tx: SqlRunner,
  ctx: StoreContext,
  input: NewIncident,
): Promise<Incident> {
  const openedAt = ctx.clock.now();
  const prefix = input.kind === 'drill' ? 'DRL' : 'INC';
  const year = new Date(openedAt).getUTCFullYear();
  const counter = await tx.get<{ value: number }>(
    `INSERT INTO counters (name, value) VALUES (?, 1)
     ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value`,
    [`${prefix}-${year}`],
  );
  const id = `${prefix}-${year}-${String(counter!.value).padStart(4, '0')}`;
  await tx.run(
    `INSERT INTO incidents (id, kind, service, env, severity, level, reason, requested_by, status, opened_at,
       impact, owner)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)`,
    [
      id,
      input.kind,
      input.service,
      input.env,
      input.severity,
      input.level,
      input.reason,
      input.requestedBy,
      openedAt,
      input.impact ?? null,
      input.requestedBy,
    ],
  );
  const { kind, service, env, severity, level, reason, impact } = input;
  await appendEvent(tx, ctx, {
    type: 'incident.opened',
    actor: input.requestedBy,
    incidentId: id,
    data: { kind, service, env, severity, level, reason, ...(impact ? { impact } : {}) },
  });
  return (await incidentById(tx, id))!;
}

export async function incidentById(sql: SqlRunner, id: string): Promise<Incident | undefined> {
  const row = await sql.get<IncidentDbRow>('SELECT * FROM incidents WHERE id = ?', [id]);
  return row ? toIncident(row) : undefined;
}

export function incidentRepo(ctx: StoreContext): IncidentRepo {
  const { db } = ctx;
  return {
    getIncident: (id) => incidentById(db, id),
    setIncidentSlack: async (id, channel, ts) =>
      (await db.run('UPDATE incidents SET slack_channel = ?, slack_ts = ? WHERE id = ?', [channel, ts, id])) >
      0,
    resolveIncident: (id, by, resolution) =>
      db.transaction('write', async (tx) => {
        const changed = await tx.run(
          `UPDATE incidents SET status = 'resolved', resolved_at = ?, resolved_by = ?, resolution_json = ?
           WHERE id = ? AND status = 'open'`,
          [ctx.clock.now(), by, resolution ? JSON.stringify(resolution) : null, id],
        );
        if (changed === 0) return false;
        await appendEvent(tx, ctx, {
          type: 'incident.resolved',
          actor: by,
          incidentId: id,
          ...(resolution && Object.keys(resolution).length > 0 ? { data: { ...resolution } } : {}),
        });
        return true;
      }),
    incidentByThread: async (channel, ts) => {
      const row = await db.get<IncidentDbRow>(
        'SELECT * FROM incidents WHERE slack_channel = ? AND slack_ts = ?',
        [channel, ts],
      );
      return row ? toIncident(row) : undefined;
    },
    openIncidents: async () =>
      (
        await db.all<IncidentDbRow>("SELECT * FROM incidents WHERE status = 'open' ORDER BY opened_at, id")
      ).map(toIncident),
    takeIncident: (id, by) =>
      db.transaction('write', async (tx) => {
        const before = await incidentById(tx, id);
        if (before?.status !== 'open' || before.owner === by) return false;
        await tx.run('UPDATE incidents SET owner = ? WHERE id = ?', [by, id]);
        await appendEvent(tx, ctx, {
          type: 'incident.owner_changed',
          actor: by,
          incidentId: id,
          data: { from: before.owner, to: by },
        });
        return true;
      }),
  };
}

function toIncident(r: IncidentDbRow): Incident {
  const incident: Incident = {
    id: r.id,
    kind: r.kind,
    service: r.service,
    env: r.env,
    severity: r.severity,
    level: r.level,
    reason: r.reason,
    requestedBy: r.requested_by,
    status: r.status,
    openedAt: r.opened_at,
    resolvedAt: r.resolved_at,
    slackChannel: r.slack_channel,
    slackTs: r.slack_ts,
    owner: r.owner ?? r.requested_by,
    resolvedBy: r.resolved_by,
    resolution: r.resolution_json ? (JSON.parse(r.resolution_json) as Resolution) : null,
  };
  if (r.impact !== null) incident.impact = r.impact;
  return incident;
}
