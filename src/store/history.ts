/** Execution history, mean time to restore, and step durations of earlier runs, read from the runs tables. */
import type { StepSample } from '../domain/estimates.js';
import { meanTimeToRestore, runDurationMs } from '../domain/figures.js';
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
  /**
   * Mean time to restore (incident opened → its first run that succeeded finished) over restored
   * incidents, drills excluded; one row per service (just one if given). See domain/figures.ts.
   */
  mttr(service?: string): MttrRow[];
  /** Step durations of earlier successful runs: what RCA estimates and the incident's ETA use. */
  stepSamples(query: StepSampleQuery): StepSample[];
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

export function historyRepo(db: Db): HistoryRepo {
  const recent = db.prepare<[{ service: string | null; drill: number | null; limit: number }], HistoryDbRow>(
    `SELECT id, incident_id, service, env, level, drill, requested_by, state, created_at, started_at,
       finished_at, target_ms
     FROM runs
     WHERE (@service IS NULL OR service = @service) AND (@drill IS NULL OR drill = @drill)
     ORDER BY created_at DESC, rowid DESC
     LIMIT @limit`,
  );
  const restores = db.prepare<
    [{ service: string | null }],
    { service: string; opened_at: number; restored_at: number }
  >(
    `SELECT i.service, i.opened_at, MIN(r.finished_at) AS restored_at
     FROM incidents i JOIN runs r ON r.incident_id = i.id
     WHERE i.kind = 'incident' AND r.state = 'succeeded' AND r.finished_at IS NOT NULL
       AND (@service IS NULL OR i.service = @service)
     GROUP BY i.id`,
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
          durationMs: runDurationMs({ startedAt: r.started_at, finishedAt: r.finished_at }),
          targetMs: r.target_ms,
        })),
    mttr: (service) =>
      meanTimeToRestore(
        restores
          .all({ service: service ?? null })
          .map((r) => ({ service: r.service, openedAt: r.opened_at, restoredAt: r.restored_at })),
      ),
    stepSamples: stepSamplesQuery(db),
  };
}

/**
 * Self-contained (one statement, one function) so it converts to the asynchronous store as it is:
 * the ok step rows of the newest succeeded runs of a service and level.
 */
function stepSamplesQuery(db: Db): (query: StepSampleQuery) => StepSample[] {
  const statement = db.prepare<
    [{ service: string; level: number; before: number; runs: number }],
    { run_id: string; step_index: number; duration_ms: number }
  >(
    `SELECT s.run_id, s.step_index, s.duration_ms
     FROM step_results s
     WHERE s.state = 'ok' AND s.duration_ms IS NOT NULL
       AND s.run_id IN (
         SELECT id FROM runs
         WHERE service = @service AND level = @level AND state = 'succeeded'
           AND finished_at IS NOT NULL AND finished_at < @before
         ORDER BY finished_at DESC
         LIMIT @runs)
     ORDER BY s.run_id, s.step_index`,
  );
  return ({ service, level, before, runs = 20 }) =>
    statement
      .all({ service, level, before, runs })
      .map((r) => ({ runId: r.run_id, stepIndex: r.step_index, durationMs: r.duration_ms }));
}
