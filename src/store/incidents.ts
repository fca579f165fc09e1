/** Incidents: per-year numbering, lookup, Slack thread binding and resolution. */
import type { Severity } from '../domain/severity.js';
import type { Clock } from '../services/ports.js';
import type { Db } from './db.js';
import type { TimelineRepo } from './timeline.js';
import type { Incident, IncidentKind, IncidentStatus, NewIncident } from './types.js';

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
}

export interface IncidentRepo {
  createIncident(input: NewIncident): Incident;
  getIncident(id: string): Incident | undefined;
  /** Binds the incident to its Slack thread root; false when the incident does not exist. */
  setIncidentSlack(id: string, channel: string, ts: string): boolean;
  /** Marks an open incident resolved; false (and no event) when it is unknown or already resolved. */
  resolveIncident(id: string, by: string): boolean;
  /** The incident whose Slack thread root is this message. */
  incidentByThread(channel: string, ts: string): Incident | undefined;
}

export function incidentRepo(db: Db, clock: Clock, tl: TimelineRepo): IncidentRepo {
  const bump = db
    .prepare<[string], number>(
      `INSERT INTO counters (name, value) VALUES (?, 1)
       ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value`,
    )
    .pluck();
  const insert = db.prepare(
    `INSERT INTO incidents (id, kind, service, env, severity, level, reason, requested_by, status, opened_at)
     VALUES (@id, @kind, @service, @env, @severity, @level, @reason, @requestedBy, 'open', @openedAt)`,
  );
  const byId = db.prepare<[string], IncidentDbRow>('SELECT * FROM incidents WHERE id = ?');
  const byThread = db.prepare<[string, string], IncidentDbRow>(
    'SELECT * FROM incidents WHERE slack_channel = ? AND slack_ts = ?',
  );
  const setSlack = db.prepare('UPDATE incidents SET slack_channel = ?, slack_ts = ? WHERE id = ?');
  const resolve = db.prepare(
    "UPDATE incidents SET status = 'resolved', resolved_at = ? WHERE id = ? AND status = 'open'",
  );

  const getIncident = (id: string): Incident | undefined => {
    const row = byId.get(id);
    return row ? toIncident(row) : undefined;
  };

  const create = db.transaction((input: NewIncident): Incident => {
    const openedAt = clock.now();
    const prefix = input.kind === 'drill' ? 'DRL' : 'INC';
    const year = new Date(openedAt).getUTCFullYear();
    const n = bump.get(`${prefix}-${year}`)!;
    const id = `${prefix}-${year}-${String(n).padStart(4, '0')}`;
    insert.run({ ...input, id, openedAt });
    const { kind, service, env, severity, level, reason } = input;
    tl.appendTimeline({
      type: 'incident.opened',
      actor: input.requestedBy,
      incidentId: id,
      data: { kind, service, env, severity, level, reason },
    });
    return getIncident(id)!;
  });

  const resolveTx = db.transaction((id: string, by: string): boolean => {
    if (resolve.run(clock.now(), id).changes === 0) return false;
    tl.appendTimeline({ type: 'incident.resolved', actor: by, incidentId: id });
    return true;
  });

  return {
    createIncident: (input) => create.immediate(input),
    getIncident,
    setIncidentSlack: (id, channel, ts) => setSlack.run(channel, ts, id).changes > 0,
    resolveIncident: (id, by) => resolveTx.immediate(id, by),
    incidentByThread: (channel, ts) => {
      const row = byThread.get(channel, ts);
      return row ? toIncident(row) : undefined;
    },
  };
}

function toIncident(r: IncidentDbRow): Incident {
  return {
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
  };
}
