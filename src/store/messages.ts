/** Slack message references per run, and idempotency keys for retried or repeated Slack requests. */
import type { Clock } from '../services/ports.js';
import type { Db } from './db.js';

export interface MessageRef {
  channel: string;
  ts: string;
}

export interface MessageRepo {
  setRunMessage(runId: string, kind: string, ref: MessageRef): void;
  runMessage(runId: string, kind: string): MessageRef | undefined;
  /** True the first time a key is claimed; false for every repeat (first writer wins). */
  claimRequestKey(key: string): boolean;
}

export function messageRepo(db: Db, clock: Clock): MessageRepo {
  const upsert = db.prepare(
    `INSERT INTO run_messages (run_id, kind, channel, ts) VALUES (?, ?, ?, ?)
     ON CONFLICT (run_id, kind) DO UPDATE SET channel = excluded.channel, ts = excluded.ts`,
  );
  const select = db.prepare<[string, string], MessageRef>(
    'SELECT channel, ts FROM run_messages WHERE run_id = ? AND kind = ?',
  );
  const claim = db.prepare('INSERT OR IGNORE INTO request_keys (key, at) VALUES (?, ?)');
  return {
    setRunMessage(runId, kind, ref) {
      upsert.run(runId, kind, ref.channel, ref.ts);
    },
    runMessage(runId, kind) {
      return select.get(runId, kind);
    },
    claimRequestKey(key) {
      return claim.run(key, clock.now()).changes === 1;
    },
  };
}
