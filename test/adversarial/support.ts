/** Shared by the adversarial Slack tests: what "nothing was executed" means, read from the database and the fake. */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Harness } from '../support/rollbot-harness.js';

const TABLES = ['incidents', 'runs', 'step_results', 'approvals', 'timeline'] as const;

/** Row counts straight from the bot's SQLite file (a second, read-only connection; WAL lets it read). */
export function openCounts(h: Harness) {
  const db = new Database(join(h.dir, 'data', 'rollbot.db'), { readonly: true, fileMustExist: true });
  const counts = () =>
    Object.fromEntries(
      TABLES.map((t) => [t, db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).pluck().get() as number]),
    ) as Record<(typeof TABLES)[number], number>;
  /** Every run.started, with whether the same run was approved before it (timeline order is seq order). */
  const starts = () =>
    db
      .prepare(
        `SELECT s.run_id AS runId, r.level AS level, i.severity AS severity,
           EXISTS (SELECT 1 FROM timeline a WHERE a.run_id = s.run_id AND a.type = 'run.approved'
                   AND a.seq < s.seq) AS approvedBefore
         FROM timeline s JOIN runs r ON r.id = s.run_id JOIN incidents i ON i.id = r.incident_id
         WHERE s.type = 'run.started'`,
      )
      .all() as { runId: string; level: number; severity: string; approvedBefore: number }[];
  return { counts, starts, close: () => db.close() };
}

/** The Slack side effects a request could cause: a modal, a message, an ephemeral or a response_url post. */
export function slackEffects(h: Harness) {
  return {
    viewsOpened: h.slack.callsTo('views.open').length,
    posted: h.slack.callsTo('chat.postMessage').length,
    ephemerals: h.slack.ephemerals.length,
    responses: h.slack.responses.length,
  };
}

export const FORM = 'application/x-www-form-urlencoded';

export function formOf(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

export function payloadForm(payload: unknown): string {
  return formOf({ payload: JSON.stringify(payload) });
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
