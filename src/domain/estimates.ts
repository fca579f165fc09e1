/**
 * How long steps take, learnt from earlier successful runs of the same service and level (seed
 * 003's "estimated vs actual"), and the ETA of a run in progress built from it.
 */

/** One step on one host in an earlier run that succeeded. */
export interface StepSample {
  runId: string;
  stepIndex: number;
  durationMs: number;
}

export interface StepEstimate {
  medianMs: number;
  /** Earlier runs the median is taken over. */
  runs: number;
}

/** The middle value (mean of the two middle ones for an even count); undefined for none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}

/**
 * Per step index: the median, over earlier runs, of the step's slowest host in that run (hosts of
 * one batch run a step side by side, so the slowest one is how long the step held the run up).
 */
export function stepEstimates(samples: readonly StepSample[]): Map<number, StepEstimate> {
  const slowest = new Map<number, Map<string, number>>();
  for (const s of samples) {
    const runs = slowest.get(s.stepIndex) ?? new Map<string, number>();
    runs.set(s.runId, Math.max(runs.get(s.runId) ?? 0, s.durationMs));
    slowest.set(s.stepIndex, runs);
  }
  const estimates = new Map<number, StepEstimate>();
  for (const [index, runs] of slowest) {
    estimates.set(index, { medianMs: median([...runs.values()])!, runs: runs.size });
  }
  return estimates;
}

/** What a run still has to do: its steps, the host batches in order, and which pairs are done. */
export interface RemainingWork {
  steps: readonly { index: number; kind: string; hosts: readonly string[] }[];
  batches: readonly (readonly string[])[];
  /** True when this step+host pair needs no more time (done now or by an earlier run). */
  finished(stepIndex: number, host: string): boolean;
}

export interface Eta {
  elapsedMs: number;
  remainingMs: number;
  /** `history`: medians of earlier runs; `target`: none for some remaining step, so the level's target minus elapsed. */
  basis: 'history' | 'target';
  /** With `history`: the fewest earlier runs behind any estimate used. */
  runs: number;
}

/**
 * Elapsed plus the remaining estimate: batches run one after the other and steps one after the
 * other within a batch, so every (batch, step) still to do adds that step's median. Confirm steps
 * wait for a person and add nothing. Without history for a step still to do, the estimate falls
 * back to the level's target minus elapsed (never below zero).
 */
export function estimateEta(input: {
  elapsedMs: number;
  targetMs: number;
  work: RemainingWork;
  estimates: ReadonlyMap<number, StepEstimate>;
}): Eta {
  const { work, estimates, elapsedMs } = input;
  let remainingMs = 0;
  let runs = Number.POSITIVE_INFINITY;
  for (const batch of work.batches) {
    for (const step of work.steps) {
      if (step.kind === 'confirm') continue;
      const todo = batch.some((h) => step.hosts.includes(h) && !work.finished(step.index, h));
      if (!todo) continue;
      const estimate = estimates.get(step.index);
      if (!estimate) {
        return { elapsedMs, remainingMs: Math.max(input.targetMs - elapsedMs, 0), basis: 'target', runs: 0 };
      }
      remainingMs += estimate.medianMs;
      runs = Math.min(runs, estimate.runs);
    }
  }
  return { elapsedMs, remainingMs, basis: 'history', runs: Number.isFinite(runs) ? runs : 0 };
}
