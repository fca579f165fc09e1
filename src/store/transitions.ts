/** Run state changes: conditional updates so the first writer wins, each with its timeline event. */
import type { Run } from '../domain/records.js';
import { canTransition, isTerminal, type RunState } from '../domain/run-state.js';
import type { TimelineEvent } from '../domain/timeline.js';
import type { StoreContext } from './context.js';
import { OWNER_GONE } from './instances.js';
import { type RunDbRow, runById, toRun } from './runs.js';
import { inList, type SqlRunner } from './sql/types.js';
import { appendEvent } from './timeline.js';

export interface TransitionRepo {
  /**
   * Moves the run to `to` only if it is currently in one of `from`; appends `event` only then.
   * Resolves false (and changes nothing) when another writer got there first. Moving to `approved`
   * makes this process the run's owner. Throws when a `from -> to` pair is not allowed by the run
   * state machine: that is a bug.
   */
  transitionRun(
    runId: string,
    from: RunState[],
    to: RunState,
    event: TimelineEvent,
    fields?: { error?: string },
  ): Promise<boolean>;
  /**
   * approved → running, owned by this process: only when the run is this process's, or its
   * owner's lease has lapsed (the approving process died before starting it). First writer wins.
   */
  startRun(runId: string, event: TimelineEvent): Promise<Run | undefined>;
  /**
   * Runs whose owner's lease lapsed. Running ones become interrupted (running steps: unknown
   * outcome); nothing is re-run. Returned once, to the process whose update won, which tells the
   * thread. Approved ones are left for `startRun` by a live process (`adoptable`).
   */
  interruptOrphans(actor?: string): Promise<Run[]>;
  /** Approved runs whose owner's lease lapsed before it started them: a live process may start them. */
  adoptableRuns(): Promise<Run[]>;
}

const INTERRUPTED_STEP = 'rollbot stopped while the step was running; it may or may not have completed';

export function transitionRepo(ctx: StoreContext): TransitionRepo {
  const { db, clock, self } = ctx;
  const freshSince = () => clock.now() - ctx.leaseTtlMs;

  const apply = async (
    tx: SqlRunner,
    runId: string,
    from: readonly RunState[],
    to: RunState,
    error: string | null,
    extra = '',
    extraParams: (string | number)[] = [],
  ): Promise<boolean> => {
    const now = clock.now();
    const owns = to === 'approved' || to === 'running';
    const changed = await tx.run(
      `UPDATE runs SET
         state = ?,
         started_at = CASE WHEN ? = 'running' THEN ? ELSE started_at END,
         finished_at = CASE WHEN ? = 1 THEN ? ELSE finished_at END,
         error = COALESCE(?, error),
         owner = CASE WHEN ? = 1 THEN ? ELSE owner END,
         owner_token = CASE WHEN ? = 1 THEN ? ELSE owner_token END
       WHERE id = ? AND state IN ${inList(from.length)}${extra}`,
      [
        to,
        to,
        now,
        isTerminal(to) ? 1 : 0,
        now,
        error,
        owns ? 1 : 0,
        self.id,
        owns ? 1 : 0,
        self.token,
        runId,
        ...from,
        ...extraParams,
      ],
    );
    return changed > 0;
  };

  return {
    transitionRun: (runId, from, to, event, fields) => {
      const bad = from.find((f) => !canTransition(f, to));
      if (bad !== undefined || from.length === 0) {
        throw new Error(`run state machine forbids ${bad ?? '(no state)'} -> ${to} (run ${runId})`);
      }
      return db.transaction('write', async (tx) => {
        if (!(await apply(tx, runId, from, to, fields?.error ?? null))) return false;
        // Once a run has ended, no step of it is running: one still marked so never reported back.
        if (isTerminal(to)) {
          await tx.run(
            `UPDATE step_results SET state = 'unknown', finished_at = ?, error = ?
             WHERE run_id = ? AND state = 'running'`,
            [clock.now(), INTERRUPTED_STEP, runId],
          );
        }
        await appendEvent(tx, ctx, { ...event, runId: event.runId ?? runId });
        return true;
      });
    },
    startRun: (runId, event) =>
      db.transaction('write', async (tx) => {
        const mine = ` AND ((owner = ? AND owner_token = ?) OR ${OWNER_GONE})`;
        const started = await apply(tx, runId, ['approved'], 'running', null, mine, [
          self.id,
          self.token,
          freshSince(),
        ]);
        if (!started) return undefined;
        await appendEvent(tx, ctx, { ...event, runId });
        return runById(tx, runId);
      }),
    interruptOrphans: (actor = 'rollbot') =>
      db.transaction('write', async (tx) => {
        const rows = await tx.all<RunDbRow>(
          `SELECT * FROM runs WHERE state = 'running' AND ${OWNER_GONE} ORDER BY created_at, id`,
          [freshSince()],
        );
        const out: Run[] = [];
        for (const row of rows) {
          const changed = await tx.run(
            `UPDATE runs SET state = 'interrupted', finished_at = ?, error = ?
             WHERE id = ? AND state = 'running'`,
            [clock.now(), 'interrupted: the bot process running it stopped', row.id],
          );
          if (changed === 0) continue;
          const steps = await tx.run(
            `UPDATE step_results SET state = 'unknown', finished_at = ?, error = ?
             WHERE run_id = ? AND state = 'running'`,
            [clock.now(), INTERRUPTED_STEP, row.id],
          );
          await appendEvent(tx, ctx, {
            type: 'run.interrupted',
            actor,
            runId: row.id,
            incidentId: row.incident_id,
            data: { from: row.state, unknownSteps: steps, owner: row.owner },
          });
          out.push((await runById(tx, row.id))!);
        }
        return out;
      }),
    adoptableRuns: async () =>
      (
        await db.all<RunDbRow>(
          `SELECT * FROM runs WHERE state = 'approved' AND ${OWNER_GONE} ORDER BY created_at, id`,
          [freshSince()],
        )
      ).map(toRun),
  };
}
