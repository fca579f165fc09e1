/** What the listeners get: the use cases and read-only queries. They never touch SSH or the database. */
import type { HistoryRow, MttrRow, Run } from '../src/domain/records.js';
import type { Plan } from '../src/domain/plan.js';
import type { Result } from '../src/domain/result.js';
import type { Logger } from '../src/logger.js';
import type { ApprovalQuestion } from '../src/runbooks/approvals.js';
import type { Runbook } from '../src/runbooks/schema.js';
import type { Services } from '../src/services/index.js';
import type { PreviewInput, RunbookCatalog } from '../src/services/plans.js';
import type { HomeData, HomeView } from '../views/home.js';
import type { ActiveRunSummary } from '../views/status.js';

export interface ListenerDeps {
  services: Services;
  /** Opens a modal for a trigger_id (which Slack honours once, within 3 s). */
  openView(triggerId: string, view: object): Promise<void>;
  /** Re-renders an open modal; `hash` guards against overwriting a newer version. */
  updateView(viewId: string, view: object, hash?: string): Promise<void>;
  /** Publishes a user's App Home tab. */
  publishHome(user: string, view: HomeView): Promise<void>;
  catalog: RunbookCatalog;
  logger: Logger;
  /** The exact plan a request would run (rendered as a submit renders it), for the form's summary. */
  preview(input: PreviewInput): Result<{ plan: Plan }>;
  /**
   * How many approvals a request needs: the one function runs, drills, retries and escalations ask
   * (src/runbooks/approvals.ts), so the form's button says what a submit will do.
   */
  approvalsNeeded(runbook: Runbook, request: ApprovalQuestion): number;
  queries: {
    /** Open incidents (until someone resolves them) and active drills, with their latest run. */
    status(): Promise<ActiveRunSummary[]>;
    history(service?: string): Promise<{ rows: HistoryRow[]; mttr: MttrRow[] }>;
    getRun(runId: string): Promise<Run | undefined>;
    /** What the App Home shows this user. */
    home(user: string): Promise<HomeData>;
    /** A warning when rollbot cannot hear the incident channel (not a member), else undefined. */
    channelNotice(): string | undefined;
  };
}
