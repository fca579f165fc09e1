/**
 * The progress message's facts that are not in the run's own step rows, read from records the
 * caller hands over: what an earlier run already did, which confirmations were answered, which
 * hosts never started.
 */
import type { PlannedStep } from '../src/domain/plan.js';
import type { Run, StepRow } from '../src/domain/records.js';
import type { StoredTimelineEvent } from '../src/domain/timeline.js';
import type { ProgressInput } from './progress-input.js';

export interface ProgressFactsInput {
  run: Pick<Run, 'id' | 'level' | 'escalatedFrom'>;
  /** The run this one was reopened from (retry or escalation), when there is one. */
  previous?: Pick<Run, 'id' | 'level'> | undefined;
  /** The previous run's step rows. */
  previousRows?: readonly StepRow[];
  /** The incident's timeline (other runs' events are ignored). */
  events: readonly StoredTimelineEvent[];
  /** The plan's steps, to place confirmations recorded without a step index. */
  steps: readonly Pick<PlannedStep, 'index' | 'kind' | 'confirm'>[];
}

export function progressFacts(
  input: ProgressFactsInput,
): Required<Pick<ProgressInput, 'skipped' | 'confirmed' | 'notStarted'>> {
  const { run, previous } = input;
  // The engine skips exactly the pairs the run it was retried from did (same level only).
  const retryOf = previous && previous.id === run.escalatedFrom && previous.level === run.level;
  const skipped = retryOf
    ? (input.previousRows ?? [])
        .filter((r) => r.state === 'ok')
        .map((r) => ({ stepIndex: r.stepIndex, host: r.host }))
    : [];
  const mine = input.events.filter((e) => e.runId === run.id);
  const confirmed = mine
    .filter((e) => e.type === 'run.confirmed' && e.data?.confirmed === true)
    .flatMap((e) => confirmStepOf(e, input.steps));
  const finished = mine.findLast((e) => e.type === 'run.finished');
  const notStarted = Array.isArray(finished?.data?.notStarted)
    ? finished.data.notStarted.filter((h): h is string => typeof h === 'string')
    : [];
  return { skipped, confirmed, notStarted };
}

function confirmStepOf(event: StoredTimelineEvent, steps: ProgressFactsInput['steps']): number[] {
  const step = event.data?.step;
  if (typeof step === 'number') return [step];
  // Events written before the step index was recorded: the question names the step.
  const match = steps.find((s) => s.kind === 'confirm' && s.confirm === event.data?.question);
  return match ? [match.index] : [];
}
