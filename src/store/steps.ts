/** Per-host step results of a run, each change followed by its timeline event (never the tail). */
import type { StepKind } from '../domain/plan.js';
import { type MetricSample, outcomeOf, type StepResult } from '../domain/step-result.js';
import type { Clock } from '../services/ports.js';
import type { Db } from './db.js';
import type { TimelineRepo } from './timeline.js';
import type { StepRow, StepState } from './types.js';

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
  stepStarted(runId: string, stepIndex: number, host: string, name: string, kind: StepKind): void;
  /**
   * Records the outcome of a running step. Returns false (no event) when the step already has an
   * outcome, e.g. it was marked unknown by a restart: the first outcome wins.
   */
  stepFinished(runId: string, stepIndex: number, host: string, result: StepResult): boolean;
  /** In step order, then host order of first start. */
  stepResults(runId: string): StepRow[];
}

export function stepRepo(db: Db, clock: Clock, tl: TimelineRepo): StepRepo {
  const start = db.prepare(
    `INSERT INTO step_results (run_id, step_index, host, name, kind, state, started_at)
     VALUES (@runId, @stepIndex, @host, @name, @kind, 'running', @now)
     ON CONFLICT (run_id, step_index, host) DO UPDATE SET
       name = excluded.name, kind = excluded.kind, state = 'running', started_at = excluded.started_at,
       exit_code = NULL, signal = NULL, finished_at = NULL, duration_ms = NULL, tail = NULL, error = NULL,
       log_file = NULL, samples_json = NULL`,
  );
  const finish = db.prepare(
    `UPDATE step_results SET state = @state, exit_code = @exitCode, signal = @signal, finished_at = @now,
       duration_ms = @durationMs, tail = @tail, error = @error, log_file = @logFile, samples_json = @samples
     WHERE run_id = @runId AND step_index = @stepIndex AND host = @host AND state = 'running'`,
  );
  const one = db.prepare<[string, number, string], StepDbRow>(
    'SELECT * FROM step_results WHERE run_id = ? AND step_index = ? AND host = ?',
  );
  const ofRun = db.prepare<[string], StepDbRow>(
    'SELECT * FROM step_results WHERE run_id = ? ORDER BY step_index, rowid',
  );

  const started = db.transaction(
    (runId: string, stepIndex: number, host: string, name: string, kind: StepKind) => {
      start.run({ runId, stepIndex, host, name, kind, now: clock.now() });
      tl.appendTimeline({
        type: 'step.started',
        actor: 'rollbot',
        runId,
        data: { step: stepIndex, host, name },
      });
    },
  );

  const finished = db.transaction((runId: string, stepIndex: number, host: string, result: StepResult) => {
    const outcome = outcomeOf(result);
    const changed = finish.run({
      runId,
      stepIndex,
      host,
      state: outcome,
      exitCode: result.exitCode,
      signal: result.signal,
      now: clock.now(),
      durationMs: Math.round(result.durationMs),
      tail: result.tail,
      error: result.error ?? null,
      logFile: result.logFile ?? null,
      samples: result.samples ? JSON.stringify(result.samples) : null,
    }).changes;
    if (changed === 0) return false;
    const name = one.get(runId, stepIndex, host)!.name;
    const { exitCode, durationMs } = result;
    const data = {
      step: stepIndex,
      host,
      name,
      outcome,
      exitCode,
      durationMs,
      error: result.error ?? null,
      // Query steps: what was measured is part of the record (values and reasons, never output).
      ...(result.samples ? { samples: result.samples } : {}),
    };
    tl.appendTimeline({ type: 'step.finished', actor: 'rollbot', runId, data });
    return true;
  });

  return {
    stepStarted: (runId, stepIndex, host, name, kind) =>
      started.immediate(runId, stepIndex, host, name, kind),
    stepFinished: (runId, stepIndex, host, result) => finished.immediate(runId, stepIndex, host, result),
    stepResults: (runId) => ofRun.all(runId).map(toStep),
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
