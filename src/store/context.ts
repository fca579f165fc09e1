/** What every repository shares: the database, the injected clock, and the audit key. */
import type { Clock } from '../services/ports.js';
import type { Instance } from './instances.js';
import type { Database } from './sql/types.js';

export interface StoreContext {
  db: Database;
  clock: Clock;
  /** ROLLBOT_AUDIT_KEY: timeline rows are HMACs under it; unkeyed sha256 without it. */
  auditKey?: string;
  /** This process: it owns the runs it approves or starts. */
  self: Instance;
  /** How long a heartbeat keeps an instance's runs its own. */
  leaseTtlMs: number;
}
