/** The store: one object over one SQLite file, composed from the per-noun repositories. */
import type { Clock } from '../services/ports.js';
import { type ApprovalRepo, approvalRepo } from './approvals.js';
import { type BlockedRepo, blockedRepo } from './blocked.js';
import { openDatabase } from './db.js';
import { type HistoryRepo, historyRepo } from './history.js';
import { type IncidentRepo, incidentRepo } from './incidents.js';
import { type MessageRepo, messageRepo } from './messages.js';
import { type OutboxRepo, outboxRepo } from './outbox.js';
import { currentOwner } from './owner.js';
import { type RunRepo, runRepo } from './runs.js';
import { type StepRepo, stepRepo } from './steps.js';
import { type TimelineRepo, timelineRepo } from './timeline.js';
import { type TransitionRepo, transitionRepo } from './transitions.js';

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
    OutboxRepo {
  close(): void;
}

export interface StoreOptions {
  /** SQLite file; its directory is created. */
  file: string;
  clock: Clock;
}

export function createStore({ file, clock }: StoreOptions): Store {
  const db = openDatabase(file);
  const self = currentOwner();
  const timeline = timelineRepo(db, clock);
  const incidents = incidentRepo(db, clock, timeline);
  return {
    ...timeline,
    ...incidents,
    ...runRepo(db, clock, self, timeline, incidents),
    ...transitionRepo(db, clock, self, timeline),
    ...stepRepo(db, clock, timeline),
    ...approvalRepo(db, clock, timeline),
    ...blockedRepo(db, clock, timeline),
    ...historyRepo(db),
    ...messageRepo(db, clock),
    ...outboxRepo(db, clock),
    close: () => db.close(),
  };
}
