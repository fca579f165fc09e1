/** What the progress message is drawn from: its own file so the message and its parts (failure, facts) share it without importing each other. */
import type { ProgressPhase } from '../src/domain/display.js';
import type { Plan } from '../src/domain/plan.js';
import type { Run, StepRow } from '../src/domain/records.js';

export interface ProgressInput {
  /** The display form of the plan (masked). */
  plan: Plan;
  run: Run;
  /** Every step row of the run so far (tails already masked). */
  steps: StepRow[];
  now: number;
  phase: ProgressPhase;
  /**
   * Step+host pairs an earlier run of the incident did successfully, which this run (a retry)
   * skips: shown as done earlier, not pending. From the earlier run's ok step rows.
   */
  skipped?: readonly { stepIndex: number; host: string }[];
  /** Confirm steps answered Continue (the run's `run.confirmed` events with `confirmed: true`). */
  confirmed?: readonly number[];
  /** Hosts this run never starts, e.g. after a failed canary (`run.finished`'s `notStarted`). */
  notStarted?: readonly string[];
}
