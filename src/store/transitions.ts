/** Run state changes: conditional updates so the first writer wins, each with its timeline event. */
import { canTransition, isTerminal, type RunState } from '../domain/run-state.js';
import type { TimelineEvent } from '../domain/timeline.js';
import type { Clock } from '../services/ports.js';
import type { Db } from './db.js';
import { type Owner, ownerIsGone } from './owner.js';
import { type RunDbRow, toRun } from './runs.js';
import type { TimelineRepo } from './timeline.js';
import type { Run } from './types.js';

export interface TransitionRepo {
  /**
   * Moves the run to `to` only if it is currently in one of `from`; appends `event` only then.
   * Returns false (and changes nothing) when another writer got there first.
   * Throws when a `from -> to` pair is not allowed by the run state machine: that is a bug.
   */
  transitionRun(
    runId: string,
    from: RunState[],
    to: RunState,
    event: TimelineEvent,
    fields?: { error?: string },
  ): boolean;
  /**
   * At start-up: runs left running or approved by a process that is gone become interrupted; their
   * running steps become unknown. Nothing is re-run. Runs driven by a live process are left alone.
   */
  interruptStaleRuns(actor?: string): Run[];
}

const STALE_STATES: readonly RunState[] = ['running', 'approved'];
const INTERRUPTED_STEP = 'rollbot stopped while the step was running; it may or may not have completed';

export function transitionRepo(db: Db, clock: Clock, self: Owner, tl: TimelineRepo): TransitionRepo {
  const update = db.prepare(
    `UPDATE runs SET
       state = @to,
       started_at = CASE WHEN @to = 'running' THEN @now ELSE started_at END,
       finished_at = CASE WHEN @terminal THEN @now ELSE finished_at END,
       error = COALESCE(@error, error),
       owner_host = @host, owner_pid = @pid, owner_token = @token
     WHERE id = @runId AND state IN (SELECT value FROM json_each(@from))`,
  );
  const stale = db.prepare<[string], RunDbRow>(
    'SELECT * FROM runs WHERE state IN (SELECT value FROM json_each(?)) ORDER BY created_at, rowid',
  );
  const byId = db.prepare<[string], RunDbRow>('SELECT * FROM runs WHERE id = ?');
  const orphanSteps = db.prepare(
    `UPDATE step_results SET state = 'unknown', finished_at = ?, error = ?
     WHERE run_id = ? AND state = 'running'`,
  );

  const apply = (runId: string, from: readonly RunState[], to: RunState, error: string | null): boolean => {
    const params = {
      runId,
      from: JSON.stringify(from),
      to,
      now: clock.now(),
      terminal: isTerminal(to) ? 1 : 0,
      error,
      ...self,
    };
    return update.run(params).changes > 0;
  };

  const transition = db.transaction(
    (runId: string, from: RunState[], to: RunState, event: TimelineEvent, error: string | null): boolean => {
      if (!apply(runId, from, to, error)) return false;
      tl.appendTimeline({ ...event, runId: event.runId ?? runId });
      return true;
    },
  );

  const interrupt = db.transaction((actor: string): Run[] => {
    const out: Run[] = [];
    for (const row of stale.all(JSON.stringify(STALE_STATES))) {
      if (!ownerIsGone(row, self)) continue;
      if (!apply(row.id, [row.state], 'interrupted', 'interrupted: rollbot restarted')) continue;
      const steps = orphanSteps.run(clock.now(), INTERRUPTED_STEP, row.id).changes;
      tl.appendTimeline({
        type: 'run.interrupted',
        actor,
        runId: row.id,
        incidentId: row.incident_id,
        data: { from: row.state, unknownSteps: steps },
      });
      out.push(toRun(byId.get(row.id)!));
    }
    return out;
  });

  return {
    transitionRun: (runId, from, to, event, fields) => {
      const bad = from.find((f) => !canTransition(f, to));
      if (bad !== undefined || from.length === 0) {
        throw new Error(`run state machine forbids ${bad ?? '(no state)'} -> ${to} (run ${runId})`);
      }
      return transition.immediate(runId, from, to, event, fields?.error ?? null);
    },
    interruptStaleRuns: (actor = 'rollbot') => interrupt.immediate(actor),
  };
}
