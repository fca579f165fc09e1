/** What the use cases tell the incident thread, with every piece of data the messages need handed over. */
import type { ApprovalState, ProgressPhase } from '../domain/display.js';
import type { StepSample } from '../domain/estimates.js';
import type { Plan } from '../domain/plan.js';
import type { Deploy, Incident, Run, StepRow } from '../domain/records.js';
import type { StoredTimelineEvent } from '../domain/timeline.js';

export type { ApprovalState, ProgressPhase } from '../domain/display.js';

export type RunEnding = 'failed' | 'aborted' | 'interrupted' | 'denied' | 'expired';

/** Everything a message about a run needs; `plan` is the display form (secrets masked). */
export interface RunView {
  incident: Incident;
  run: Run;
  plan: Plan;
  thread: ThreadData;
}

/** What the thread's messages show beyond the run itself, read by the use case, handed over. */
export interface ThreadData {
  /** This run's step rows. */
  rows: StepRow[];
  /** The run this one was reopened from (retry, escalation), and its rows. */
  previous?: Run;
  previousRows: StepRow[];
  /** The incident's timeline. */
  events: StoredTimelineEvent[];
  /** Step durations of earlier successful runs of this service and level (ETA). */
  samples: StepSample[];
  /** The deploy the incident followed (the last one reported before it opened), when known. */
  deploy?: Deploy;
}

export interface ApprovalView {
  approvers: string[];
  required: number;
  approvedBy: string[];
  expiresAt: number;
  state: ApprovalState;
}

export interface RcaFile {
  fileName: string;
  markdown: string;
}

/**
 * Renders and delivers the incident thread. Called after the timeline is written; never throws;
 * never reads the store: what it shows is what it is handed.
 */
export interface IncidentNotifier {
  /** The incident root message (first run only) and the plan, in the thread. */
  opened(view: RunView, firstRun: boolean): Promise<void>;
  approval(view: RunView, approval: ApprovalView): Promise<void>;
  reminder(
    view: RunView,
    reminder: { waitedMs: number; notify: string[]; expiresInMs: number },
  ): Promise<void>;
  /** Posts the run's progress message the first time, then edits it in place. */
  progress(view: RunView, phase: ProgressPhase): Promise<void>;
  /** Re-renders the thread root with the incident's current status. */
  root(view: RunView, currentAction: string): Promise<void>;
  /** `auditHead`: the timeline's head hash when it was resolved (published so it can be checked later). */
  resolution(view: RunView, resolvedBy: string, rca: RcaFile, auditHead: string): Promise<void>;
  /** `detail` is plain text; `by` is the user who ended it (denied, aborted), shown as a mention. */
  ended(view: RunView, ending: RunEnding, detail?: string, by?: string): Promise<void>;
  /** Uploads the RCA draft (Markdown) into the incident thread. */
  rcaDraft(view: RunView, rca: RcaFile): Promise<void>;
  /** A line in the incident thread (notes, interruptions). */
  threadNote(view: RunView, text: string): Promise<void>;
  /** Someone took the incident over from `from`: the root shows its new owner, the thread says so. */
  ownerChanged(view: RunView, from: string): Promise<void>;
}

export interface Directory {
  /** Expands user ids and user-group ids (S…) to the set of user ids. */
  members(ids: readonly string[]): Promise<Set<string>>;
}

/** The notifier of a process that has no Slack (the terminal): the thread is Slack's to keep. */
export const silentNotifier: IncidentNotifier = {
  opened: async () => {},
  approval: async () => {},
  reminder: async () => {},
  progress: async () => {},
  root: async () => {},
  resolution: async () => {},
  ended: async () => {},
  rcaDraft: async () => {},
  threadNote: async () => {},
  ownerChanged: async () => {},
};
