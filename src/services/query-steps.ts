/**
 * `query` steps (metric analysis): sample a PromQL query `every` interval, compare each value with
 * the condition, tolerate `failureLimit` failed samples. A sample without a usable number is failed,
 * never passed. Also the baseline sample taken when a run starts.
 */
import { conditionHolds, conditionText, formatMeasure } from '../domain/condition.js';
import type { Plan, QueryTarget } from '../domain/plan.js';
import { failedResult, type MetricSample, type StepResult } from '../domain/step-result.js';
import type { Clock } from './ports.js';

export interface PrometheusRequest {
  /** Base URL, e.g. http://prometheus:9090; the client adds /api/v1/query. */
  url: string;
  query: string;
  timeoutMs: number;
  signal: AbortSignal;
}

/** `value` is a finite number; everything else (empty result, NaN, HTTP 500, timeout...) is a reason. */
export type PrometheusAnswer = { ok: true; value: number } | { ok: false; reason: string };

/** Never throws: every failure is an answer with its reason. */
export interface PrometheusClient {
  query(req: PrometheusRequest): Promise<PrometheusAnswer>;
}

export interface QueryStepDeps {
  prometheus: PrometheusClient;
  clock: Clock;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

const TAIL_SAMPLES = 20;
/** A slow or absent Prometheus must not hold up the start of a rollback for long. */
const BASELINE_TIMEOUT_MS = 3000;

/** One sample: asked, then judged against the target's condition. */
export async function takeSample(
  deps: QueryStepDeps,
  target: QueryTarget,
  signal: AbortSignal,
  timeoutMs = target.requestTimeoutMs,
): Promise<MetricSample> {
  const answer = await deps.prometheus.query({
    url: target.prometheus,
    query: target.query,
    timeoutMs,
    signal,
  });
  const at = deps.clock.now();
  if (!answer.ok) return { at, value: null, ok: false, reason: answer.reason };
  if (conditionHolds(target.expect, answer.value)) return { at, value: answer.value, ok: true };
  const reason = `${formatMeasure(answer.value)} is not ${conditionText(target.expect)}`;
  return { at, value: answer.value, ok: false, reason };
}

export async function runQuery(
  deps: QueryStepDeps,
  target: QueryTarget,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<StepResult> {
  const start = deps.clock.now();
  const samples: MetricSample[] = [];
  const result = (error: string | undefined, extra: Partial<StepResult> = {}): StepResult => {
    const base = failedResult(error ?? '', deps.clock.now() - start, {
      tail: sampleLines(samples, start),
      samples,
      ...extra,
    });
    if (error !== undefined) return base;
    const { error: _none, ...passed } = base;
    return { ...passed, ok: true };
  };
  for (let n = 0; n < target.samples; n++) {
    // On a schedule from the start, so slow answers do not stretch the window.
    const wait = start + n * target.everyMs - deps.clock.now();
    if (wait > 0) await deps.sleep(wait, signal);
    if (signal.aborted) return result('aborted', { canceled: true });
    if (deps.clock.now() - start > timeoutMs) {
      return result(
        `no verdict within the step timeout: ${samples.length} of ${target.samples} samples taken`,
        {
          timedOut: true,
        },
      );
    }
    const sample = await takeSample(deps, target, signal);
    if (signal.aborted) return result('aborted', { canceled: true });
    samples.push(sample);
    const failed = samples.filter((s) => !s.ok).length;
    if (failed > target.failureLimit) {
      const tolerated = `${failed} failed sample${failed === 1 ? '' : 's'}, ${target.failureLimit} tolerated`;
      return result(`analysis failed: ${sample.reason} (${tolerated})`);
    }
  }
  return result(undefined);
}

/**
 * A query step measures the whole service, so it runs once: in the last batch, after every host has
 * done the steps before it (during a canary the service is still half rolled back), and only while
 * no host of that batch has failed (the run has failed then; its figures would mean nothing).
 */
export function queryRunsInBatch(
  batchIndex: number,
  batchCount: number,
  failedHosts: ReadonlySet<string>,
): boolean {
  return batchIndex === batchCount - 1 && failedHosts.size === 0;
}

/** What `run.baseline` records per query step. */
export interface Baseline {
  step: number;
  name: string;
  /** "< 0.01" */
  condition: string;
  sample: MetricSample;
}

/** The baseline: one sample of every query step before the run changes anything, in plan order. */
export async function takeBaselines(
  deps: QueryStepDeps,
  plan: Plan,
  signal: AbortSignal,
): Promise<Baseline[]> {
  const targets = plan.steps.flatMap((step) =>
    step.targets.filter((t): t is QueryTarget => t.kind === 'query').map((target) => ({ step, target })),
  );
  return Promise.all(
    targets.map(async ({ step, target }) => ({
      step: step.index,
      name: step.name,
      condition: conditionText(target.expect),
      sample: await takeSample(deps, target, signal, Math.min(BASELINE_TIMEOUT_MS, target.requestTimeoutMs)),
    })),
  );
}

function sampleLines(samples: readonly MetricSample[], start: number): string {
  return samples
    .map((s, i) => ({ s, n: i + 1 }))
    .slice(-TAIL_SAMPLES)
    .map(({ s, n }) => {
      const value = s.value === null ? 'no value' : formatMeasure(s.value);
      const verdict = s.ok ? 'ok' : `failed: ${s.reason}`;
      return `sample ${n} at +${Math.round((s.at - start) / 1000)}s: ${value} ${verdict}`;
    })
    .join('\n');
}
