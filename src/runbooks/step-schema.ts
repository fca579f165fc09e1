/** One runbook step: exactly one kind (run, local, check, monitor, confirm), normalised with defaults. */
import { z } from 'zod';
import { formatDuration } from '../domain/duration.js';
import { durationMs, hostName } from './primitives.js';

export const STEP_KINDS = ['run', 'local', 'check', 'monitor', 'confirm'] as const;
export type RunbookStepKind = (typeof STEP_KINDS)[number];

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_CHECK_TIMEOUT_MS = 60_000;
const MONITOR_SLACK_MS = 60_000;

export const jsonExpectValues = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]), {
  error: 'expected a map of field names to strings, numbers or booleans',
});

/** A partial expectation: merged over the health section's when a step uses `health`. */
export const expectSpec = z.strictObject({
  status: z.number().int().min(100).max(599).optional(),
  json: jsonExpectValues.optional(),
});
export type ExpectSpec = z.output<typeof expectSpec>;

export const urlTemplate = z.string().regex(/^https?:\/\/\S+$/, 'expected an http:// or https:// URL');

const probeSchema = z.union(
  [z.literal('health'), z.strictObject({ url: urlTemplate, expect: expectSpec.optional() })],
  {
    error: 'expected "health" or { url, expect }',
  },
);
/** `health` uses the runbook's health section; an object names its own URL. */
export type ProbeRef = z.output<typeof probeSchema>;

const rawStep = z.strictObject({
  name: z.string().min(1).optional(),
  run: z.string().min(1).optional(),
  local: z.array(z.string()).min(1).optional(),
  check: probeSchema.optional(),
  monitor: probeSchema.optional(),
  confirm: z.string().min(1).optional(),
  expect: expectSpec.optional(),
  every: durationMs.optional(),
  for: durationMs.optional(),
  timeout: durationMs.optional(),
  hosts: z.array(hostName).min(1).optional(),
  continueOnError: z.boolean().default(false),
});
type RawStep = z.output<typeof rawStep>;

interface StepCommon {
  name: string;
  /** Milliseconds. */
  timeout: number;
  /** Host names this step is limited to; undefined = every selected host. */
  hosts: string[] | undefined;
  continueOnError: boolean;
}
export type RunbookStep = StepCommon &
  (
    | { kind: 'run'; run: string }
    | { kind: 'local'; local: string[] }
    | { kind: 'check'; check: ProbeRef; expect: ExpectSpec | undefined }
    | { kind: 'monitor'; monitor: ProbeRef; expect: ExpectSpec | undefined; every: number; for: number }
    | { kind: 'confirm'; confirm: string }
  );

export const stepSchema = rawStep
  .superRefine((step, ctx) => {
    const kinds = STEP_KINDS.filter((k) => step[k] !== undefined);
    if (kinds.length !== 1) {
      const found = kinds.length === 0 ? 'none' : kinds.join(' and ');
      ctx.addIssue({
        code: 'custom',
        path: kinds.length > 1 ? [kinds[1]!] : [],
        message: `a step needs exactly one of ${STEP_KINDS.join(', ')} (found ${found})`,
      });
      return;
    }
    const kind = kinds[0]!;
    if (kind === 'monitor') {
      for (const key of ['every', 'for'] as const) {
        if (step[key] === undefined)
          ctx.addIssue({ code: 'custom', path: [], message: `monitor steps need "${key}"` });
      }
      if (step.every !== undefined && step.for !== undefined && step.every > step.for) {
        ctx.addIssue({ code: 'custom', path: ['every'], message: '"every" is longer than "for"' });
      }
    } else {
      for (const key of ['every', 'for'] as const) {
        if (step[key] !== undefined)
          ctx.addIssue({ code: 'custom', path: [key], message: `"${key}" only applies to monitor steps` });
      }
    }
    if (step.expect !== undefined && kind !== 'check' && kind !== 'monitor') {
      ctx.addIssue({
        code: 'custom',
        path: ['expect'],
        message: '"expect" only applies to check and monitor steps',
      });
    }
    const seen = new Set<string>();
    step.hosts?.forEach((host, i) => {
      if (seen.has(host))
        ctx.addIssue({ code: 'custom', path: ['hosts', i], message: `host "${host}" listed twice` });
      seen.add(host);
    });
  })
  .transform(normaliseStep);

function normaliseStep(step: RawStep): RunbookStep {
  const common = { hosts: step.hosts, continueOnError: step.continueOnError };
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
    return { ...common, kind: 'check', check: step.check, expect: step.expect, name, timeout };
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
      expect: step.expect,
      every,
      for: forMs,
      name,
      timeout,
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

function shorten(text: string): string {
  return text.length <= 60 ? text : `${text.slice(0, 59)}…`;
}
