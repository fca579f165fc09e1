/**
 * The Slack outbox: ordered within an incident, never across incidents. Any process sharing the
 * store may deliver: a worker claims the first pending item of each incident for a short lease,
 * so one incident's stuck call never holds up another's, and a dead worker's claim lapses.
 */
import type { StoreContext } from './context.js';

export interface OutboxItem {
  seq: number;
  incidentId: string;
  runId: string | null;
  payload: unknown;
  /** Delivery attempts including this one: above 1, an earlier attempt may have reached Slack. */
  attempts: number;
  /** Bumped when a coalesced payload replaces this one. */
  revision: number;
}

export interface OutboxRepo {
  /**
   * Queues a delivery. With a `coalesceKey`, a still-pending item with the same key takes the new
   * payload in place (a progress message only needs its latest state), keeping its position.
   */
  enqueueOutbox(item: { incidentId: string; runId?: string; coalesceKey?: string; payload: unknown }): Promise<number>;
  /** Claims the first pending, due, unclaimed item of up to `limit` incidents for `leaseMs`. */
  claimOutbox(worker: string, limit: number, leaseMs: number): Promise<OutboxItem[]>;
  /** False when the payload was replaced meanwhile: the item stays pending with the newer payload. */
  outboxDelivered(seq: number, revision: number): Promise<boolean>;
  outboxRetry(seq: number, delayMs: number, error: string): Promise<void>;
  /** Gives up on one item (a permanent error such as invalid blocks) so the thread is not stuck. */
  outboxFailed(seq: number, error: string): Promise<void>;
  /** Milliseconds until the next pending item is due, or undefined when nothing is pending. */
  outboxNextDueIn(): Promise<number | undefined>;
  /**
   * Frees the claims of workers whose process died (`<instance id>:<token>` with no fresh lease), so
   * their items are delivered now rather than when the claim would have lapsed. Resolves how many.
   */
  releaseDeadClaims(): Promise<number>;
  /** Items never delivered, per incident (for /rollback status and alerts). */
  outboxPending(): Promise<{ incidentId: string; pending: number; failed: number }[]>;
}

interface OutboxRow {
  seq: number;
  incident_id: string;
  run_id: string | null;
  payload_json: string;
  attempts: number;
  revision: number;
}

export function outboxRepo(ctx: StoreContext): OutboxRepo {
  const { db, clock } = ctx;
  // Replicas on PostgreSQL skip the rows another worker is claiming instead of queueing behind it.
  const skipLocked = db.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
  return {
    enqueueOutbox: (item) =>
      db.transaction('write', async (tx) => {
        const json = JSON.stringify(item.payload);
        if (item.coalesceKey) {
          const replaced = await tx.run(
            `UPDATE outbox SET payload_json = ?, revision = revision + 1 WHERE seq = (
               SELECT MAX(seq) FROM outbox WHERE coalesce_key = ? AND state = 'pending')`,
            [json, item.coalesceKey],
          );
          if (replaced > 0) return 0;
        }
        const now = clock.now();
        const row = await tx.get<{ seq: number }>(
          `INSERT INTO outbox (incident_id, run_id, coalesce_key, payload_json, created_at, next_at)
           VALUES (?, ?, ?, ?, ?, ?) RETURNING seq`,
          [item.incidentId, item.runId ?? null, item.coalesceKey ?? null, json, now, now],
        );
        return row!.seq;
      }),
    claimOutbox: async (worker, limit, leaseMs) => {
      const now = clock.now();
      const rows = await db.all<OutboxRow>(
        `UPDATE outbox SET claimed_by = ?, claimed_until = ?, attempts = attempts + 1
         WHERE seq IN (
           SELECT o.seq FROM outbox o
           WHERE o.state = 'pending' AND o.next_at <= ? AND (o.claimed_until IS NULL OR o.claimed_until < ?)
             AND o.seq = (SELECT MIN(p.seq) FROM outbox p WHERE p.incident_id = o.incident_id AND p.state = 'pending')
           ORDER BY o.seq LIMIT ?${skipLocked})
         RETURNING seq, incident_id, run_id, payload_json, attempts, revision`,
        [worker, now + leaseMs, now, now, limit],
      );
      return rows
        .sort((a, b) => a.seq - b.seq)
        .map((r) => ({
          seq: r.seq,
          incidentId: r.incident_id,
          runId: r.run_id,
          payload: JSON.parse(r.payload_json) as unknown,
          attempts: r.attempts,
          revision: r.revision,
        }));
    },
    outboxDelivered: async (seq, revision) => {
      const delivered = await db.run(
        `UPDATE outbox SET state = 'delivered', delivered_at = ?, error = NULL, claimed_by = NULL,
           claimed_until = NULL
         WHERE seq = ? AND revision = ?`,
        [clock.now(), seq, revision],
      );
      if (delivered > 0) return true;
      // Replaced while in flight: free it, so the newer payload goes out next.
      await db.run('UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE seq = ?', [seq]);
      return false;
    },
    outboxRetry: async (seq, delayMs, error) => {
      await db.run(
        'UPDATE outbox SET next_at = ?, error = ?, claimed_by = NULL, claimed_until = NULL WHERE seq = ?',
        [clock.now() + delayMs, error.slice(0, 500), seq],
      );
    },
    outboxFailed: async (seq, error) => {
      await db.run(
        "UPDATE outbox SET state = 'failed', error = ?, claimed_by = NULL, claimed_until = NULL WHERE seq = ?",
        [error.slice(0, 500), seq],
      );
    },
    outboxNextDueIn: async () => {
      const row = await db.get<{ next: number | null }>(
        `SELECT MIN(CASE WHEN claimed_until IS NOT NULL AND claimed_until > next_at THEN claimed_until
                        ELSE next_at END) AS next
         FROM outbox WHERE state = 'pending'`,
      );
      const next = row?.next;
      return next === null || next === undefined ? undefined : Math.max(0, Number(next) - clock.now());
    },
    releaseDeadClaims: () =>
      db.run(
        `UPDATE outbox SET claimed_by = NULL, claimed_until = NULL
         WHERE state = 'pending' AND claimed_by IS NOT NULL AND claimed_until > ?
           AND NOT EXISTS (SELECT 1 FROM instances i
             WHERE i.id || ':' || i.token = outbox.claimed_by AND i.heartbeat_at >= ?)`,
        [clock.now(), clock.now() - ctx.leaseTtlMs],
      ),
    outboxPending: async () =>
      (
        await db.all<{ incident_id: string; pending: number; failed: number }>(
          `SELECT incident_id,
             SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END) AS pending,
             SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END) AS failed
           FROM outbox WHERE state IN ('pending', 'failed') GROUP BY incident_id ORDER BY incident_id`,
        )
      ).map((r) => ({ incidentId: r.incident_id, pending: Number(r.pending), failed: Number(r.failed) })),
  };
}
