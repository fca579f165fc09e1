/** Records the store keeps (incidents, runs, steps, approvals, history): shapes shared by services and adapters. */
import type { Plan, StepKind } from './plan.js';
import type { RunState } from './run-state.js';
import type { Severity } from './severity.js';
import type { MetricSample, StepOutcome } from './step-result.js';

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
  /** Who is affected and how (seed 002's "Impact"); the reason stands in when absent. */
  impact?: string;
}

/** The most a request's reason or impact holds (the form's fields say so too). */
export const REQUEST_TEXT_MAX = 500;

/** The most a resolution field (root cause, impact) holds. */
export const RESOLUTION_TEXT_MAX = 1500;

/** What the person who resolved the incident said (seed 002's resolution and RCA). */
export interface Resolution {
  rootCause?: string;
  impact?: string;
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
  /** Whoever runs the incident: the requester until someone takes it. */
  owner: string;
  resolvedBy: string | null;
  resolution: Resolution | null;
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
  /**
   * Everything needed to execute the run, in any process sharing the store: the rendered plan,
   * with secrets as references (never values). Undefined for a run recorded by a rollbot that
   * stored only the display form: it can be shown, never executed.
   */
  plan: Plan;
  executable: boolean;
  /** Approvals this request needs, decided once when it was opened. */
  approvalsRequired: number;
  /** The instance (ROLLBOT_INSTANCE) that holds the run while it is approved or running. */
  owner: string | null;
  requestedBy: string;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  targetMs: number;
  error: string | null;
  escalatedFrom: string | null;
}

/** The ids allocated to a new run, for plans that template `{{run.id}}` or `{{incident.id}}`. */
export interface RunIds {
  runId: string;
  incidentId: string;
}

export interface OpenRunInput {
  /** A new incident to open with the run, or the id of an existing one (escalation, retry). */
  incident: NewIncident | { incidentId: string };
  level: number;
  requestedBy: string;
  approvalsRequired: number;
  /** Approved as it opens (the terminal's typed confirmation); so is a run that needs no approval. */
  preApproved?: boolean;
  drill: boolean;
  escalatedFrom?: string;
  /**
   * An "exactly once" key (a modal's view id) claimed in the same transaction: a repeat of a
   * request that opened something is a duplicate; one that was refused (locked) is not.
   */
  requestKey?: string;
  /** Renders the plan once the ids are known; runs only when the lock was won. */
  render(ids: RunIds): Plan;
}

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
  | { ok: false; code: 'duplicate'; message: string }
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
  /** Query steps: the samples measured (absent for other kinds and unfinished steps). */
  samples?: MetricSample[];
}

export type ApprovalDecision = 'approve' | 'deny';

export type ApprovalResult =
  | { ok: true; count: number }
  | { ok: false; code: 'already_decided' | 'plan_changed' | 'not_pending' | 'not_found'; message: string };

export type VerifyResult =
  | {
      ok: true;
      count: number;
      /** Rows hashed without ROLLBOT_AUDIT_KEY (written before the key was set, or with none set). */
      unkeyed: number;
      /** The chain's newest hash: publish it, and `audit verify --head` proves it still stands. */
      head: string;
      keyed: boolean;
    }
  | { ok: false; seq: number; problem: TimelineProblem; message: string };

export type TimelineProblem =
  | 'edited'
  | 'deleted'
  | 'inserted'
  | 'downgraded'
  | 'unknown_key'
  | 'head_missing';

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

export interface NewDeploy {
  service: string;
  env: string;
  version: string;
  commit?: string;
  /** The pipeline run that deployed it. */
  url?: string;
  /** Who reported it: `pipeline` (POST /deploys) or `cli:<user>`. */
  by: string;
}

export interface Deploy extends NewDeploy {
  at: number;
}
