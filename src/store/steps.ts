/** Per-host step results of a run, each change followed by its timeline event (never the tail). */
import type { StepKind } from '../domain/plan.js';
import type { StepRow, StepState } from '../domain/records.js';
import { type MetricSample, outcomeOf, type StepResult } from '../domain/step-result.js';
import type { StoreContext } from './context.js';
import { appendEvent } from './timeline.js';

interface StepDbRow {
  run_id: string;
  step_index: number;
  host: string;
  name: string;
  kind: StepKind;
  state: StepState;
  exit_code: number | null;
  signal: string | null;
  started_at: number | null;
  finished_at: number | null;
  duration_ms: number | null;
  tail: string | null;
  error: string | null;
  log_file: string | null;
  samples_json: string | null;
}

export interface StepRepo {
  /** Records the step as running; a retried step starts over on the same row. */
  stepStarted(runId: string, stepIndex: number, host: string, name: string, kind: StepKind): Promise<void>;
  /**
   * Records the outcome of a running step. Resolves false (no event) when the step already has an
   * outcome, e.g. it was marked unknown because its process was declared gone: the first outcome wins.
   * The result must already be masked (the engine masks every result it returns).
   */
  stepFinished(runId: string, stepIndex: number, host: string, result: StepResult): Promise<boolean>;
  /** In step order, then host order of first start. */
  stepResults(runId: string): Promise<StepRow[]>;
}

export function stepRepo(ctx: StoreContext): StepRepo {
  const { db, clock } = ctx;
  return {
    stepStarted: (runId, stepIndex, host, name, kind) =>
      db.transaction('write', async (tx) => {
        await tx.run(
          `INSERT INTO step_results (run_id, step_index, host, name, kind, state, started_at)
           VALUES (?, ?, ?, ?, ?, 'running', ?)
           ON CONFLICT (run_id, step_index, host) DO UPDATE SET
             name = excluded.name, kind = excluded.kind, state = 'running', started_at = excluded.started_at,
             exit_code = NULL, signal = NULL, finished_at = NULL, duration_ms = NULL, tail = NULL, error = NULL,
             log_file = NULL, samples_json = NULL`,
          [runId, stepIndex, host, name, kind, clock.now()],
        );
        await appendEvent(tx, ctx, {
          type: 'step.started',
          actor: 'rollbot',
          runId,
          data: { step: stepIndex, host, name },
        });
      }),
    stepFinished: (runId, stepIndex, host, result) =>
      db.transaction('write', async (tx) => {
        const outcome = outcomeOf(result);
        const changed = await tx.run(
          `UPDATE step_results SET state = ?, exit_code = ?, signal = ?, finished_at = ?, duration_ms = ?,
             tail = ?, error = ?, log_file = ?, samples_json = ?
           WHERE run_id = ? AND step_index = ? AND host = ? AND state = 'running'`,
          [
            outcome,
            result.exitCode,
            result.signal,
            clock.now(),
            Math.round(result.durationMs),
            result.tail,
            result.error ?? null,
            result.logFile ?? null,
            result.samples ? JSON.stringify(result.samples) : null,
            runId,
            stepIndex,
            host,
          ],
        );
        if (changed === 0) return false;
        const row = await tx.get<{ name: string }>(
          'SELECT name FROM step_results WHERE run_id = ? AND step_index = ? AND host = ?',
          [runId, stepIndex, host],
        );
        const { exitCode, durationMs } = result;
        const data = {
          step: stepIndex,
          host,
          name: row?.name ?? '',
          outcome,
          exitCode,
          durationMs,
          error: result.error ?? null,
          // Query steps: what was measured is part of the record (values and reasons, never output).
          ...(result.samples ? { samples: result.samples } : {}),
        };
        await appendEvent(tx, ctx, { type: 'step.finished', actor: 'rollbot', runId, data });
        return true;
      }),
    stepResults: async (runId) =>
      (
        await db.all<StepDbRow>(
          'SELECT * FROM step_results WHERE run_id = ? ORDER BY step_index, started_at, host',
          [runId],
        )
      ).map(toStep),
  };
}

function toStep(r: StepDbRow): StepRow {
  return {
    runId: r.run_id,
    stepIndex: r.step_index,
    host: r.host,
    name: r.name,
    kind: r.kind,
    state: r.state,
    exitCode: r.exit_code,
    signal: r.signal,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationMs: r.duration_ms,
    tail: r.tail,
    error: r.error,
    logFile: r.log_file,
    ...(r.samples_json ? { samples: JSON.parse(r.samples_json) as MetricSample[] } : {}),
  };
}
