/** Execution history, mean time to restore, and step durations of earlier runs, read from the runs tables. */
import type { StepSample } from '../domain/estimates.js';
import { meanTimeToRestore, runDurationMs } from '../domain/figures.js';
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
  /**
   * Mean time to restore (incident opened → its first run that succeeded finished) over restored
   * incidents, drills excluded; one row per service (just one if given). See domain/figures.ts.
   */
  mttr(service?: string): Promise<MttrRow[]>;
  /** Step durations of earlier successful runs: what RCA estimates and the incident's ETA use. */
  stepSamples(query: StepSampleQuery): Promise<StepSample[]>;
}

export interface StepSampleQuery {
  service: string;
  level: number;
  /** Only runs that finished before this time (epoch ms): "earlier" runs. */
  before: number;
  /** The newest this many runs (default 20): recent runs say most about how long steps take now. */
  runs?: number;
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
        durationMs: runDurationMs({ startedAt: r.started_at, finishedAt: r.finished_at }),
        targetMs: r.target_ms,
      }));
    },
    mttr: async (service) => {
      const rows = await db.all<{ service: string; opened_at: number; restored_at: number }>(
        `SELECT i.service, i.opened_at, MIN(r.finished_at) AS restored_at
         FROM incidents i JOIN runs r ON r.incident_id = i.id
         WHERE i.kind = 'incident' AND r.state = 'succeeded' AND r.finished_at IS NOT NULL
           ${service !== undefined ? 'AND i.service = ?' : ''}
         GROUP BY i.id, i.service, i.opened_at`,
        service !== undefined ? [service] : [],
      );
      return meanTimeToRestore(
        rows.map((r) => ({ service: r.service, openedAt: r.opened_at, restoredAt: Number(r.restored_at) })),
      );
    },
    stepSamples: async ({ service, level, before, runs = 20 }) =>
      (
        await db.all<{ run_id: string; step_index: number; duration_ms: number }>(
          `SELECT s.run_id, s.step_index, s.duration_ms
           FROM step_results s
           WHERE s.state = 'ok' AND s.duration_ms IS NOT NULL
             AND s.run_id IN (
               SELECT id FROM runs
               WHERE service = ? AND level = ? AND state = 'succeeded'
                 AND finished_at IS NOT NULL AND finished_at < ?
               ORDER BY finished_at DESC
               LIMIT ?)
           ORDER BY s.run_id, s.step_index`,
          [service, level, before, runs],
        )
      ).map((r) => ({ runId: r.run_id, stepIndex: r.step_index, durationMs: r.duration_ms })),
  };
}
