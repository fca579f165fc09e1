/** Slack message references per run, and "exactly once" keys for retried or repeated requests. */
import type { StoreContext } from './context.js';

export interface MessageRef {
  channel: string;
  ts: string;
}

export interface MessageRepo {
  setRunMessage(runId: string, kind: string, ref: MessageRef): Promise<void>;
  runMessage(runId: string, kind: string): Promise<MessageRef | undefined>;
  /**
   * True the first time a key is claimed, by any process sharing the store; false for every repeat
   * (first writer wins). With `ttlMs` the claim lapses (replayed Slack requests older than Slack's
   * own 5-minute window are refused anyway) and expired keys are swept.
   */
  claimKey(key: string, ttlMs?: number): Promise<boolean>;
}

/** Expired keys are swept at most this often: the sweep is off the path of every claim. */
const SWEEP_EVERY_MS = 60_000;

export function messageRepo(ctx: StoreContext): MessageRepo {
  const { db, clock } = ctx;
  let sweptAt = 0;
  return {
    async setRunMessage(runId, kind, ref) {
      await db.run(
        `INSERT INTO run_messages (run_id, kind, channel, ts) VALUES (?, ?, ?, ?)
         ON CONFLICT (run_id, kind) DO UPDATE SET channel = excluded.channel, ts = excluded.ts`,
        [runId, kind, ref.channel, ref.ts],
      );
    },
    runMessage: (runId, kind) =>
      db.get<MessageRef>('SELECT channel, ts FROM run_messages WHERE run_id = ? AND kind = ?', [runId, kind]),
    // One statement, no write lock: the insert is atomic in both dialects, and it is on the ack path.
    async claimKey(key, ttlMs) {
      const now = clock.now();
      if (ttlMs !== undefined && now - sweptAt > SWEEP_EVERY_MS) {
        sweptAt = now;
        await db.run('DELETE FROM request_keys WHERE expires_at IS NOT NULL AND expires_at < ?', [now]);
      }
      const inserted = await db.run(
        'INSERT INTO request_keys (key, at, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING',
        [key, now, ttlMs === undefined ? null : now + ttlMs],
      );
      return inserted === 1;
    },
  };
}
