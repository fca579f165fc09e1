/** The store: one object over one database, composed from the per-noun repositories. */
import type { Clock } from '../services/ports.js';
import { type ApprovalRepo, approvalRepo } from './approvals.js';
import { type BlockedRepo, blockedRepo } from './blocked.js';
import type { StoreContext } from './context.js';
import { type DatabaseTarget, openStoreDatabase } from './db.js';
import { type HistoryRepo, historyRepo } from './history.js';
import { type IncidentRepo, incidentRepo } from './incidents.js';
import { type Instance, type InstanceRepo, instanceRepo } from './instances.js';
import { type MessageRepo, messageRepo } from './messages.js';
import { type OutboxRepo, outboxRepo } from './outbox.js';
import { type RunRepo, runRepo } from './runs.js';
import type { Dialect } from './sql/types.js';
import { type StepRepo, stepRepo } from './steps.js';
import { type TimelineRepo, timelineRepo } from './timeline.js';
import { type TransitionRepo, transitionRepo } from './transitions.js';

export type { Instance } from './instances.js';

export interface Store
  extends TimelineRepo,
    IncidentRepo,
    RunRepo,
    TransitionRepo,
    StepRepo,
    ApprovalRepo,
    BlockedRepo,
    HistoryRepo,
    MessageRepo,
    OutboxRepo,
    InstanceRepo {
  readonly dialect: Dialect;
  /** This process's identity in the store (leases, run ownership). */
  readonly self: Instance;
  /** How long a heartbeat keeps this process's runs its own. */
  readonly leaseTtlMs: number;
  /** Wakes other processes sharing the store (PostgreSQL NOTIFY; SQLite: this process only). */
  notify(channel: WakeChannel, payload: string): Promise<void>;
  listen(channel: WakeChannel, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Cross-process wake-ups: an abort or a confirm answered elsewhere, a new outbox item, a run approved. */
export type WakeChannel = 'rollbot_abort' | 'rollbot_confirm' | 'rollbot_outbox' | 'rollbot_run';

export interface StoreOptions extends DatabaseTarget {
  clock: Clock;
  self: Instance;
  /** Default 20 s: a run whose owner has not renewed its heartbeat for this long is interrupted. */
  leaseTtlMs?: number;
  auditKey?: string;
}

export const DEFAULT_LEASE_TTL_MS = 20_000;

export async function createStore(options: StoreOptions): Promise<Store> {
  const db = await openStoreDatabase(options);
  const ctx: StoreContext = {
    db,
    clock: options.clock,
    self: options.self,
    leaseTtlMs: options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
    ...(options.auditKey !== undefined ? { auditKey: options.auditKey } : {}),
  };
  return {
    dialect: db.dialect,
    self: options.self,
    leaseTtlMs: ctx.leaseTtlMs,
    ...timelineRepo(ctx),
    ...incidentRepo(ctx),
    ...runRepo(ctx),
    ...transitionRepo(ctx),
    ...stepRepo(ctx),
    ...approvalRepo(ctx),
    ...blockedRepo(ctx),
    ...historyRepo(ctx),
    ...messageRepo(ctx),
    ...outboxRepo(ctx),
    ...instanceRepo(ctx),
    notify: (channel, payload) => db.notify(channel, payload),
    listen: (channel, onNotify) => db.listen(channel, onNotify),
    close: () => db.close(),
  };
}
