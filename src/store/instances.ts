/**
 * Leases: each bot process (an instance: ROLLBOT_INSTANCE) renews a heartbeat, and holds its runs
 * while the heartbeat is fresh. A restarted process with the same id is a new incarnation (token),
 * so runs of its previous life are not mistaken for its own.
 */
import type { StoreContext } from './context.js';
import type { SqlRunner } from './sql/types.js';

export interface Instance {
  id: string;
  /** Random per process start. */
  token: string;
  host: string;
  pid: number;
}

export interface InstanceRepo {
  /** Registers or renews this process's lease. */
  heartbeat(instance: Instance): Promise<void>;
  /** Drops this process's lease at a clean shutdown, so its runs need not wait for the TTL. */
  retire(instance: Instance): Promise<void>;
}

/** SQL condition, true when the run's owner (columns owner, owner_token) no longer holds a lease. */
export const OWNER_GONE = `(owner IS NULL OR NOT EXISTS (
  SELECT 1 FROM instances i WHERE i.id = runs.owner AND i.token = runs.owner_token AND i.heartbeat_at >= ?))`;

export function instanceRepo(ctx: StoreContext): InstanceRepo {
  const { db } = ctx;
  return {
    heartbeat: async (me) => {
      const now = ctx.clock.now();
      await db.run(
        `INSERT INTO instances (id, token, host, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET token = excluded.token, host = excluded.host, pid = excluded.pid,
           started_at = CASE WHEN instances.token = excluded.token THEN instances.started_at ELSE excluded.started_at END,
           heartbeat_at = excluded.heartbeat_at`,
        [me.id, me.token, me.host, me.pid, now, now],
      );
    },
    retire: async (me) => {
      await db.run('DELETE FROM instances WHERE id = ? AND token = ?', [me.id, me.token]);
    },
  };
}

/** Whether `owner`/`token` holds a fresh lease, inside the caller's transaction. */
export async function leaseHeld(
  tx: SqlRunner,
  owner: string,
  token: string,
  freshSince: number,
): Promise<boolean> {
  const row = await tx.get(
    'SELECT 1 AS one FROM instances WHERE id = ? AND token = ? AND heartbeat_at >= ?',
    [owner, token, freshSince],
  );
  return row !== undefined;
}
