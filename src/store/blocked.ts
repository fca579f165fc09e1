/** Versions a deploy pipeline must refuse after a rollback, with who blocked or lifted them. */
import type { BlockedVersion } from '../domain/records.js';
import type { StoreContext } from './context.js';
import { appendEvent } from './timeline.js';

interface BlockedDbRow {
  service: string;
  version: string;
  blocked_at: number;
  by: string;
  incident_id: string | null;
}

export interface BlockedRepo {
  /** False (no event) when the version was already blocked. */
  blockVersion(service: string, version: string, by: string, incidentId: string | null): Promise<boolean>;
  /** False (no event) when the version was not blocked. */
  unblockVersion(service: string, version: string, by: string): Promise<boolean>;
  /** Newest first. */
  blockedVersions(service: string): Promise<BlockedVersion[]>;
}

export function blockedRepo(ctx: StoreContext): BlockedRepo {
  const { db, clock } = ctx;
  return {
    blockVersion: (service, version, by, incidentId) =>
      db.transaction('write', async (tx) => {
        const inserted = await tx.run(
          `INSERT INTO blocked_versions (service, version, blocked_at, by, incident_id) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (service, version) DO NOTHING`,
          [service, version, clock.now(), by, incidentId],
        );
        if (inserted === 0) return false;
        const event = { type: 'version.blocked', actor: by, data: { service, version } } as const;
        await appendEvent(tx, ctx, incidentId === null ? event : { ...event, incidentId });
        return true;
      }),
    unblockVersion: (service, version, by) =>
      db.transaction('write', async (tx) => {
        const row = await tx.get<BlockedDbRow>(
          'DELETE FROM blocked_versions WHERE service = ? AND version = ? RETURNING *',
          [service, version],
        );
        if (!row) return false;
        const event = { type: 'version.unblocked', actor: by, data: { service, version } } as const;
        await appendEvent(
          tx,
          ctx,
          row.incident_id === null ? event : { ...event, incidentId: row.incident_id },
        );
        return true;
      }),
    blockedVersions: async (service) =>
      (
        await db.all<BlockedDbRow>(
          'SELECT * FROM blocked_versions WHERE service = ? ORDER BY blocked_at DESC, version DESC',
          [service],
        )
      ).map((r) => ({
        service: r.service,
        version: r.version,
        blockedAt: r.blocked_at,
        by: r.by,
        incidentId: r.incident_id,
      })),
  };
}
