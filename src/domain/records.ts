/** Records the store keeps (incidents, runs, steps, approvals, history): shapes shared by services and adapters. */
import type { StepKind } from './plan.js';
import type { RunState } from './run-state.js';
import type { Severity } from './severity.js';
import type { StepOutcome } from './step-result.js';

export type IncidentKind = 'incident' | 'drill';
export type IncidentStatus = 'open' | 'resolved';

export interface NewIncident {
  kind: IncidentKind;
  service: string;
  env: string;
  severity: Severity;
  level: number;
  reason: string;
  requestedBy: string;
}

export interface Incident extends NewIncident {
  /** `INC-<year>-<nnnn>`, or `DRL-<year>-<nnnn>` for drills; the year is UTC from the clock. */
  id: string;
  status: IncidentStatus;
  openedAt: number;
  resolvedAt: number | null;
  slackChannel: string | null;
  /** Thread root of the incident message. */
  slackTs: string | null;
}

export interface Run {
  /** `<incidentId>-r<N>`, N counting the incident's runs from 1. */
  id: string;
  incidentId: string;
  service: string;
  env: string;
  level: number;
  drill: boolean;
  state: RunState;
  planHash: string;
  /** Masked by the caller before it reaches the store. */
  planJson: string;
  paramsJson: string;
  requestedBy: string;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  targetMs: number;
  error: string | null;
  escalatedFrom: string | null;
}

/** What a run's plan is stored as; everything is masked by the caller. */
export interface StoredPlan {
  planHash: string;
  planJson: string;
  paramsJson: string;
}

/** The ids allocated to a new run, for plans that template `{{run.id}}` or `{{incident.id}}`. */
export interface RunIds {
  runId: string;
  incidentId: string;
}

interface OpenRunBase {
  /** A new incident to open with the run, or the id of an existing one (escalation, retry). */
  incident: NewIncident | { incidentId: string };
  level: number;
  targetMs: number;
  requestedBy: string;
  state: 'pending_approval' | 'approved';
  drill: boolean;
  escalatedFrom?: string;
}

/**
 * The plan is given either rendered, or as a synchronous `render` called inside the transaction once
 * the ids are known (it runs only when the lock was won; if it throws, nothing is written).
 */
export type OpenRunInput = OpenRunBase & (StoredPlan | { render(ids: RunIds): StoredPlan });

export interface LockHolder {
  runId: string;
  incidentId: string;
  requestedBy: string;
  state: RunState;
  createdAt: number;
}

export type OpenRunResult =
  | { ok: true; run: Run; incident: Incident }
  | { ok: false; code: 'locked'; message: string; holder: LockHolder }
  | { ok: false; code: 'not_found'; message: string };

export type StepState = 'running' | StepOutcome;

export interface StepRow {
  runId: string;
  stepIndex: number;
  host: string;
  name: string;
  kind: StepKind;
  state: StepState;
  exitCode: number | null;
  signal: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  tail: string | null;
  error: string | null;
  logFile: string | null;
}

export type ApprovalDecision = 'approve' | 'deny';

export type ApprovalResult =
  | { ok: true; count: number }
  | { ok: false; code: 'already_decided' | 'plan_changed' | 'not_pending' | 'not_found'; message: string };

export type TimelineProblem = 'edited' | 'deleted' | 'inserted';

export type VerifyResult =
  | { ok: true; count: number }
  | { ok: false; seq: number; problem: TimelineProblem; message: string };

export interface HistoryQuery {
  service?: string;
  drill?: boolean;
  /** Default 20. */
  limit?: number;
}

export interface HistoryRow {
  runId: string;
  incidentId: string;
  service: string;
  env: string;
  level: number;
  drill: boolean;
  requestedBy: string;
  state: RunState;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** finishedAt - startedAt when both are known. */
  durationMs: number | null;
  targetMs: number;
}

/** Mean time to restore per service: defined with the other figures in figures.ts. */
export type { MttrRow } from './figures.js';

export interface BlockedVersion {
  service: string;
  version: string;
  blockedAt: number;
  by: string;
  incidentId: string | null;
}
