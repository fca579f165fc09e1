/** Versions a deploy pipeline must refuse after a rollback, with who blocked or lifted them. */
import type { Clock } from '../services/ports.js';
import type { Db } from './db.js';
import type { TimelineRepo } from './timeline.js';
import type { BlockedVersion } from './types.js';

interface BlockedDbRow {
  service: string;
  version: string;
  blocked_at: number;
  by: string;
  incident_id: string | null;
}

export interface BlockedRepo {
  /** False (no event) when the version was already blocked. */
  blockVersion(service: string, version: string, by: string, incidentId: string | null): boolean;
  /** False (no event) when the version was not blocked. */
  unblockVersion(service: string, version: string, by: string): boolean;
  /** Newest first. */
  blockedVersions(service: string): BlockedVersion[];
}

export function blockedRepo(db: Db, clock: Clock, tl: TimelineRepo): BlockedRepo {
  const insert = db.prepare(
    `INSERT INTO blocked_versions (service, version, blocked_at, by, incident_id) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (service, version) DO NOTHING`,
  );
  const remove = db.prepare<[string, string], BlockedDbRow>(
    'DELETE FROM blocked_versions WHERE service = ? AND version = ? RETURNING *',
  );
  const ofService = db.prepare<[string], BlockedDbRow>(
    'SELECT * FROM blocked_versions WHERE service = ? ORDER BY blocked_at DESC, rowid DESC',
  );

  const block = db.transaction((service: string, version: string, by: string, incidentId: string | null) => {
    if (insert.run(service, version, clock.now(), by, incidentId).changes === 0) return false;
    const event = { type: 'version.blocked', actor: by, data: { service, version } } as const;
    tl.appendTimeline(incidentId === null ? event : { ...event, incidentId });
    return true;
  });

  const unblock = db.transaction((service: string, version: string, by: string) => {
    const row = remove.get(service, version);
    if (!row) return false;
    const event = { type: 'version.unblocked', actor: by, data: { service, version } } as const;
    tl.appendTimeline(row.incident_id === null ? event : { ...event, incidentId: row.incident_id });
    return true;
  });

  return {
    blockVersion: (service, version, by, incidentId) => block.immediate(service, version, by, incidentId),
    unblockVersion: (service, version, by) => unblock.immediate(service, version, by),
    blockedVersions: (service) =>
      ofService.all(service).map((r) => ({
        service: r.service,
        version: r.version,
        blockedAt: r.blocked_at,
        by: r.by,
        incidentId: r.incident_id,
      })),
  };
}
