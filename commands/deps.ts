/** What the listeners get: the Slack flow and read-only queries. They never touch SSH or SQLite. */

import type { Plan } from '../src/domain/plan.js';
import type { HistoryRow, Incident, MttrRow, Run } from '../src/domain/records.js';
import type { Result } from '../src/domain/result.js';
import type { Logger } from '../src/logger.js';
import type { ApprovalQuestion } from '../src/runbooks/approvals.js';
import type { Runbook } from '../src/runbooks/schema.js';
import type { PreviewInput, RunbookCatalog } from '../src/services/rollback.js';
import type { SlackFlow } from '../src/services/slack/flow.js';

export interface ListenerDeps {
  flow: SlackFlow;
  /** Opens a modal for a trigger_id (which Slack honours once, within 3 s). */
  openView(triggerId: string, view: object): Promise<void>;
  catalog: RunbookCatalog;
  logger: Logger;
  /** The exact plan a request would run (rendered as a submit renders it), for the form's summary. */
  preview(input: PreviewInput): Result<{ plan: Plan }>;
  /**
   * How many approvals a request needs. One function for every kind of request; today the stand-in
   * in src/runbooks/approvals.ts, to be replaced by the coordinator's.
   */
  approvalsNeeded(runbook: Runbook, request: ApprovalQuestion): number;
  queries: {
    activeRuns(): { incident: Incident; run: Run }[];
    history(service?: string): { rows: HistoryRow[]; mttr: MttrRow[] };
    note(incidentId: string, user: string, text: string): { ok: boolean; message: string };
    /** A reply in some thread; recorded only when the thread is an incident's. */
    threadReply(reply: { channel: string; user: string; text: string; ts: string; thread_ts: string }): void;
  };
}
