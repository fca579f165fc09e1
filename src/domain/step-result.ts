/** One result shape for every step on every host, whether it passed, failed or never finished. */
export interface StepResult {
  /** True only when the step ran to an exit status of 0 (or the check matched). */
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  canceled: boolean;
  /** The connection died before an exit status arrived: it may or may not have run. */
  outcomeUnknown: boolean;
  durationMs: number;
  /** Last part of the combined output, secrets masked. */
  tail: string;
  /** Human-readable reason when not ok (refused host key, connect timeout, check mismatch...). */
  error?: string;
  /** Full output of the step (secrets masked), when one was written. */
  logFile?: string;
  /** Query steps: every sample taken, in order. */
  samples?: MetricSample[];
}

/** One measurement of a query step: the value compared (null when there was none) and the verdict. */
export interface MetricSample {
  /** Epoch ms when the answer arrived. */
  at: number;
  value: number | null;
  ok: boolean;
  /** Why the sample failed: the condition missed, or no usable value (empty result, NaN, HTTP 500...). */
  reason?: string;
}

export type StepOutcome = 'ok' | 'failed' | 'timed_out' | 'canceled' | 'unknown' | 'skipped';

export function outcomeOf(result: StepResult): StepOutcome {
  if (result.ok) return 'ok';
  if (result.outcomeUnknown) return 'unknown';
  if (result.canceled) return 'canceled';
  if (result.timedOut) return 'timed_out';
  return 'failed';
}

export function failedResult(error: string, durationMs = 0, extra: Partial<StepResult> = {}): StepResult {
  return {
    ok: false,
    exitCode: null,
    signal: null,
    timedOut: false,
    canceled: false,
    outcomeUnknown: false,
    durationMs,
    tail: '',
    error,
    ...extra,
  };
}
