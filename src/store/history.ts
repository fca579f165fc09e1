/** Execution history and mean time to recovery, read straight from the runs table. */
import type { HistoryQuery, HistoryRow, MttrRow } from '../domain/records.js';
import type { RunState } from '../domain/run-state.js';
import type { StoreContext } from './context.js';

interface HistoryDbRow {
  id: string;
  incident_id: string;
  service: string;
  env: string;
  level: number;
  drill: number;
  requested_by: string;
  state: RunState;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  target_ms: number;
}

export interface HistoryRepo {
  /** Newest first. */
  history(query?: HistoryQuery): Promise<HistoryRow[]>;
  /** Mean started→finished of succeeded non-drill runs, one row per service (just one if given). */
  mttr(service?: string): Promise<MttrRow[]>;
}

export const DEFAULT_HISTORY_LIMIT = 20;

export function historyRepo(ctx: StoreContext): HistoryRepo {
  const { db } = ctx;
  return {
    history: async ({ service, drill, limit = DEFAULT_HISTORY_LIMIT } = {}) => {
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (service !== undefined) {
        where.push('service = ?');
        params.push(service);
      }
      if (drill !== undefined) {
        where.push('drill = ?');
        params.push(drill ? 1 : 0);
      }
      const rows = await db.all<HistoryDbRow>(
        `SELECT id, incident_id, service, env, level, drill, requested_by, state, created_at, started_at,
           finished_at, target_ms
         FROM runs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY created_at DESC, id DESC
         LIMIT ?`,
        [...params, limit],
      );
      return rows.map((r) => ({
        runId: r.id,
        incidentId: r.incident_id,
        service: r.service,
        env: r.env,
        level: r.level,
        drill: r.drill === 1,
        requestedBy: r.requested_by,
        state: r.state,
        createdAt: r.created_at,
        startedAt: r.started_at,
        finishedAt: r.finished_at,
        durationMs: r.started_at !== null && r.finished_at !== null ? r.finished_at - r.started_at : null,
        targetMs: r.target_ms,
      }));
    },
    mttr: async (service) => {
      const rows = await db.all<{ service: string; runs: number; mean_ms: number }>(
        `SELECT service, COUNT(*) AS runs, AVG(finished_at - started_at) AS mean_ms
         FROM runs
         WHERE state = 'succeeded' AND drill = 0 AND started_at IS NOT NULL AND finished_at IS NOT NULL
           ${service !== undefined ? 'AND service = ?' : ''}
         GROUP BY service
         ORDER BY service`,
        service !== undefined ? [service] : [],
      );
      return rows.map((r) => ({ service: r.service, runs: r.runs, meanMs: Math.round(Number(r.mean_ms)) }));
    },
  };
}
