/** The Slack outbox: ordered per incident, retried with backoff, coalesced where only the last state matters. */
import type { Clock } from '../services/ports.js';
import type { Db } from './db.js';

export interface OutboxItem {
  seq: number;
  incidentId: string;
  runId: string | null;
  payload: unknown;
  attempts: number;
  /** Bumped when a coalesced payload replaces this one. */
  revision: number;
}

export interface OutboxRepo {
  /**
   * Queues a delivery. With a `coalesceKey`, a still-pending item with the same key takes the new
   * payload in place (a progress message only needs its latest state), keeping its position.
   */
  enqueueOutbox(item: { incidentId: string; runId?: string; coalesceKey?: string; payload: unknown }): number;
  /** The first pending item of each incident whose retry time has come. */
  dueOutbox(): OutboxItem[];
  /** False when the payload was replaced meanwhile: the item stays pending with the newer payload. */
  outboxDelivered(seq: number, revision: number): boolean;
  outboxRetry(seq: number, delayMs: number, error: string): void;
  /** Gives up on one item (a permanent error such as invalid blocks) so the thread is not stuck. */
  outboxFailed(seq: number, error: string): void;
  /** Milliseconds until the next pending item is due, or undefined when nothing is pending. */
  outboxNextDueIn(): number | undefined;
}

interface OutboxRow {
  seq: number;
  incident_id: string;
  run_id: string | null;
  payload_json: string;
  attempts: number;
  revision: number;
}

export function outboxRepo(db: Db, clock: Clock): OutboxRepo {
  const insert = db.prepare(
    `INSERT INTO outbox (incident_id, run_id, coalesce_key, payload_json, created_at, next_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const replace = db.prepare(
    `UPDATE outbox SET payload_json = ?, revision = revision + 1 WHERE seq = (
       SELECT seq FROM outbox WHERE coalesce_key = ? AND state = 'pending' ORDER BY seq DESC LIMIT 1)`,
  );
  const due = db.prepare<[number], OutboxRow>(
    `SELECT o.seq, o.incident_id, o.run_id, o.payload_json, o.attempts, o.revision FROM outbox o
     WHERE o.state = 'pending' AND o.next_at <= ?
       AND o.seq = (SELECT MIN(seq) FROM outbox WHERE incident_id = o.incident_id AND state = 'pending')
     ORDER BY o.seq`,
  );
  const delivered = db.prepare(
    "UPDATE outbox SET state = 'delivered', delivered_at = ?, error = NULL WHERE seq = ? AND revision = ?",
  );
  const retry = db.prepare('UPDATE outbox SET attempts = attempts + 1, next_at = ?, error = ? WHERE seq = ?');
  const failed = db.prepare(
    "UPDATE outbox SET state = 'failed', attempts = attempts + 1, error = ? WHERE seq = ?",
  );
  const nextDue = db
    .prepare<[], number | null>("SELECT MIN(next_at) FROM outbox WHERE state = 'pending'")
    .pluck();

  const enqueue = db.transaction(
    (item: { incidentId: string; runId?: string; coalesceKey?: string; payload: unknown }): number => {
      const json = JSON.stringify(item.payload);
      if (item.coalesceKey && replace.run(json, item.coalesceKey).changes > 0) return 0;
      const now = clock.now();
      return Number(
        insert.run(item.incidentId, item.runId ?? null, item.coalesceKey ?? null, json, now, now)
          .lastInsertRowid,
      );
    },
  );

  return {
    enqueueOutbox: (item) => enqueue.immediate(item),
    dueOutbox: () =>
      due.all(clock.now()).map((r) => ({
        seq: r.seq,
        incidentId: r.incident_id,
        runId: r.run_id,
        payload: JSON.parse(r.payload_json) as unknown,
        attempts: r.attempts,
        revision: r.revision,
      })),
    outboxDelivered: (seq, revision) => delivered.run(clock.now(), seq, revision).changes > 0,
    outboxRetry: (seq, delayMs, error) => {
      retry.run(clock.now() + delayMs, error.slice(0, 500), seq);
    },
    outboxFailed: (seq, error) => {
      failed.run(error.slice(0, 500), seq);
    },
    outboxNextDueIn: () => {
      const next = nextDue.get();
      return next === null || next === undefined ? undefined : Math.max(0, next - clock.now());
    },
  };
}
