/** What the listeners get: the Slack flow and read-only queries. They never touch SSH or SQLite. */

import type { HistoryRow, Incident, MttrRow, Run } from '../src/domain/records.js';
import type { Logger } from '../src/logger.js';
import type { RunbookCatalog } from '../src/services/rollback.js';
import type { SlackFlow } from '../src/services/slack/flow.js';
import type { HomeData, HomeView } from '../views/home.js';

export interface ListenerDeps {
  flow: SlackFlow;
  /** Opens a modal for a trigger_id (which Slack honours once, within 3 s). */
  openView(triggerId: string, view: object): Promise<void>;
  /** Re-renders an open modal; `hash` guards against overwriting a newer version. */
  updateView(viewId: string, view: object, hash?: string): Promise<void>;
  /** Publishes a user's App Home tab. */
  publishHome(user: string, view: HomeView): Promise<void>;
  catalog: RunbookCatalog;
  logger: Logger;
  queries: {
    activeRuns(): { incident: Incident; run: Run }[];
    history(service?: string): { rows: HistoryRow[]; mttr: MttrRow[] };
    note(incidentId: string, user: string, text: string): { ok: boolean; message: string };
    /** A reply in some thread; recorded only when the thread is an incident's. */
    threadReply(reply: { channel: string; user: string; text: string; ts: string; thread_ts: string }): void;
    /** What the App Home shows this user. */
    home(user: string): Promise<HomeData>;
    /** A warning when rollbot cannot hear the incident channel (not a member), else undefined. */
    channelNotice(): string | undefined;
  };
}
