/** A validated step in the form the rest of rollbot uses: its kind, and every default filled in. */
import type { Condition } from '../domain/condition.js';
import { formatDuration } from '../domain/duration.js';
import type { ExpectSpec, ProbeRef, RawStep } from './step-schema.js';

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_CHECK_TIMEOUT_MS = 60_000;
const MONITOR_SLACK_MS = 60_000;

interface StepCommon {
  name: string;
  /** Milliseconds. */
  timeout: number;
  /** Host names this step is limited to; undefined = every selected host. */
  hosts: string[] | undefined;
  continueOnError: boolean;
}
export interface QueryStepSpec {
  query: string;
  /** URL template; undefined: the default Prometheus (ROLLBOT_PROMETHEUS_URL). */
  prometheus: string | undefined;
  expect: Condition;
  every: number;
  /** Samples taken: `count`, or one at the start and one per `every` over `for`. */
  samples: number;
  failureLimit: number;
}
export type RunbookStep = StepCommon &
  (
    | { kind: 'run'; run: string }
    | { kind: 'local'; local: string[] }
    | { kind: 'check'; check: ProbeRef; expect: ExpectSpec | undefined }
    | { kind: 'monitor'; monitor: ProbeRef; expect: ExpectSpec | undefined; every: number; for: number }
    | ({ kind: 'query' } & QueryStepSpec)
    | { kind: 'confirm'; confirm: string }
  );

export function isCondition(expect: ExpectSpec | Condition): expect is Condition {
  return 'op' in expect;
}

export function normaliseStep(step: RawStep): RunbookStep {
  const common = { hosts: step.hosts, continueOnError: step.continueOnError };
  const probeExpect = step.expect === undefined || isCondition(step.expect) ? undefined : step.expect;
  if (step.run !== undefined) {
    const name = step.name ?? shorten(step.run.trim().split('\n')[0] ?? 'run');
    return { ...common, kind: 'run', run: step.run, name, timeout: step.timeout ?? DEFAULT_TIMEOUT_MS };
  }
  if (step.local !== undefined) {
    const name = step.name ?? shorten(step.local.join(' '));
    return { ...common, kind: 'local', local: step.local, name, timeout: step.timeout ?? DEFAULT_TIMEOUT_MS };
  }
  if (step.check !== undefined) {
    const name = step.name ?? (step.check === 'health' ? 'Health check' : shorten(`Check ${step.check.url}`));
    const timeout = step.timeout ?? DEFAULT_CHECK_TIMEOUT_MS;
    return { ...common, kind: 'check', check: step.check, expect: probeExpect, name, timeout };
  }
  if (step.monitor !== undefined) {
    const every = step.every!;
    const forMs = step.for!;
    const name =
      step.name ??
      `Monitor ${step.monitor === 'health' ? 'health' : step.monitor.url} for ${formatDuration(forMs)}`;
    const timeout = step.timeout ?? forMs + MONITOR_SLACK_MS;
    return {
      ...common,
      kind: 'monitor',
      monitor: step.monitor,
      expect: probeExpect,
      every,
      for: forMs,
      name,
      timeout,
    };
  }
  if (step.query !== undefined) {
    const every = step.every!;
    const samples = sampleCount(every, step.for, step.count)!;
    const window = (samples - 1) * every;
    return {
      ...common,
      kind: 'query',
      query: step.query,
      prometheus: step.prometheus,
      expect: step.expect as Condition,
      every,
      samples,
      failureLimit: step.failureLimit ?? 0,
      name: step.name ?? shorten(`Query ${step.query}`),
      timeout: step.timeout ?? window + MONITOR_SLACK_MS,
    };
  }
  const confirm = step.confirm!;
  return {
    ...common,
    kind: 'confirm',
    confirm,
    name: step.name ?? 'Confirm',
    timeout: step.timeout ?? DEFAULT_TIMEOUT_MS,
  };
}

/** `count`, or one sample at the start and one per `every` until `for` has passed. */
export function sampleCount(
  every: number,
  forMs: number | undefined,
  count: number | undefined,
): number | undefined {
  if (count !== undefined) return count;
  return forMs === undefined ? undefined : Math.floor(forMs / every) + 1;
}

function shorten(text: string): string {
  return text.length <= 60 ? text : `${text.slice(0, 59)}…`;
}
