/** Execution history and mean time to recovery, read straight from the runs table. */
import type { RunState } from '../domain/run-state.js';
import type { Db } from './db.js';
import type { HistoryQuery, HistoryRow, MttrRow } from './types.js';

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
  history(query?: HistoryQuery): HistoryRow[];
  /** Mean started→finished of succeeded non-drill runs, one row per service (just one if given). */
  mttr(service?: string): MttrRow[];
}

export const DEFAULT_HISTORY_LIMIT = 20;

export function historyRepo(db: Db): HistoryRepo {
  const recent = db.prepare<[{ service: string | null; drill: number | null; limit: number }], HistoryDbRow>(
    `SELECT id, incident_id, service, env, level, drill, requested_by, state, created_at, started_at,
       finished_at, target_ms
     FROM runs
     WHERE (@service IS NULL OR service = @service) AND (@drill IS NULL OR drill = @drill)
     ORDER BY created_at DESC, rowid DESC
     LIMIT @limit`,
  );
  const mean = db.prepare<[{ service: string | null }], { service: string; runs: number; mean_ms: number }>(
    `SELECT service, COUNT(*) AS runs, AVG(finished_at - started_at) AS mean_ms
     FROM runs
     WHERE state = 'succeeded' AND drill = 0 AND started_at IS NOT NULL AND finished_at IS NOT NULL
       AND (@service IS NULL OR service = @service)
     GROUP BY service
     ORDER BY service`,
  );

  return {
    history: ({ service, drill, limit = DEFAULT_HISTORY_LIMIT } = {}) =>
      recent
        .all({ service: service ?? null, drill: drill === undefined ? null : drill ? 1 : 0, limit })
        .map((r) => ({
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
        })),
    mttr: (service) =>
      mean
        .all({ service: service ?? null })
        .map((r) => ({ service: r.service, runs: r.runs, meanMs: Math.round(r.mean_ms) })),
  };
}
