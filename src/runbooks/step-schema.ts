/** One runbook step: exactly one kind (run, local, check, monitor, query, confirm), normalised with defaults. */
import { z } from 'zod';
import { CONDITION_SOURCE, parseCondition } from '../domain/condition.js';
import { durationMs, hostName } from './primitives.js';
import { isCondition, normaliseStep, sampleCount } from './step-normalise.js';
import { kindRules, type StepKeyRules } from './step-rules.js';

export type { QueryStepSpec, RunbookStep } from './step-normalise.js';

export const STEP_KINDS = ['run', 'local', 'check', 'monitor', 'query', 'confirm'] as const;
export type RunbookStepKind = (typeof STEP_KINDS)[number];

/**
 * Keys only some kinds take, and what each kind needs. One table: `rollbot validate` reports from it
 * and the editor's JSON Schema is generated from it, so the two cannot drift apart.
 */
const STEP_RULES: StepKeyRules<RunbookStepKind> = {
  only: {
    every: ['monitor', 'query'],
    for: ['monitor', 'query'],
    count: ['query'],
    failureLimit: ['query'],
    prometheus: ['query'],
    expect: ['check', 'monitor', 'query'],
    // A query measures the service, not a host: it runs once per run.
    hosts: ['run', 'local', 'check', 'monitor', 'confirm'],
  },
  needs: { monitor: [['every'], ['for']], query: [['expect'], ['every'], ['for', 'count']] },
  exclusive: { query: [['for', 'count']] },
  types: { check: { expect: 'object' }, monitor: { expect: 'object' }, query: { expect: 'string' } },
};

export const jsonExpectValues = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean()]), {
    error: 'expected a map of field names to strings, numbers or booleans',
  })
  .describe(
    'Top-level fields of the JSON body that must equal these values (strings may use {{params}}), e.g. `{ status: ok, version: "{{version}}" }`.',
  );

/** A partial expectation: merged over the health section's when a step uses `health`. */
export const expectSpec = z
  .strictObject({
    status: z.number().int().min(100).max(599).optional().describe('Expected HTTP status (default 200).'),
    json: jsonExpectValues.optional(),
  })
  .describe('What a healthy answer looks like; merged over the health section when the step uses `health`.');
export type ExpectSpec = z.output<typeof expectSpec>;

export const urlTemplate = z
  .string()
  .regex(/^https?:\/\/\S+$/, 'expected an http:// or https:// URL')
  .describe('An http(s) URL; {{params}} and {{host.address}} are URL-encoded into it.');

const probeSchema = z.union(
  [z.literal('health'), z.strictObject({ url: urlTemplate, expect: expectSpec.optional() })],
  {
    error: 'expected "health" or { url, expect }',
  },
);
/** `health` uses the runbook's health section; an object names its own URL. */
export type ProbeRef = z.output<typeof probeSchema>;

/** Quote it in YAML: a bare `> 0.5` starts a folded block and `!= 0` a tag. */
const conditionSchema = z
  .string()
  .regex(
    new RegExp(CONDITION_SOURCE),
    'expected a condition such as "< 0.01" (<, <=, >, >=, ==, != and a number)',
  )
  .transform((text) => parseCondition(text)!)
  .describe(
    'Query steps: the condition every sample must meet, e.g. `"< 0.01"` (<, <=, >, >=, ==, != and a number; quote it).',
  );

const rawStep = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .optional()
      .describe('What the step does, as shown in the plan and the progress message (may use {{params}}).'),
    run: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Shell script run with sh on each host over SSH (on the bot machine for `local: true` hosts). Every {{param}} is shell-quoted: write it outside quotes.',
      ),
    local: z
      .array(z.string())
      .min(1)
      .optional()
      .describe(
        'Command run once per host on the bot machine, as an argv list without a shell (e.g. kubectl, aws). Each {{param}} stays inside its element.',
      ),
    check: probeSchema
      .optional()
      .describe(
        'HTTP health check, retried every 2s until it matches or the step timeout (default 1m) passes.',
      ),
    monitor: probeSchema
      .optional()
      .describe(
        'Stability window: the health check repeated `every` for `for`; any failed probe fails the step.',
      ),
    query: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Metric analysis: a PromQL query sent to Prometheus (`/api/v1/query`) `every` interval for `for` (or `count` samples), once per run. The first element of the result vector (or a scalar) must meet `expect`; an empty result, NaN, a non-number or an unreachable server is a failed sample. {{params}} may stand only inside "double-quoted" label values.',
      ),
    prometheus: urlTemplate
      .optional()
      .describe(
        'Query steps: the Prometheus base URL (default: ROLLBOT_PROMETHEUS_URL), e.g. http://prometheus:9090.',
      ),
    confirm: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Pauses the run and asks this question; an allowed person clicks Continue or Cancel. Asked once per run.',
      ),
    expect: z
      .union([expectSpec, conditionSchema], {
        error: 'expected { status, json } (check, monitor) or a condition such as "< 0.01" (query)',
      })
      .optional()
      .describe(
        'check/monitor: `{ status, json }` merged over the probe\'s expectation. query: the condition each sample must meet, e.g. `"< 0.01"`.',
      ),
    every: durationMs.optional().describe('monitor/query: time between probes or samples, e.g. 15s.'),
    for: durationMs
      .optional()
      .describe('monitor/query: length of the window, e.g. 5m (query: or give `count`).'),
    count: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Query steps: number of samples to take, `every` apart (instead of `for`).'),
    failureLimit: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Query steps: failed samples tolerated before the step fails (default 0).'),
    timeout: durationMs
      .optional()
      .describe(
        'Time limit of the step: run/local/confirm 5m, check 1m, monitor and query their window plus 1m by default.',
      ),
    hosts: z
      .array(hostName)
      .min(1)
      .optional()
      .describe('Run only on these hosts (names from the environments); other hosts skip the step.'),
    continueOnError: z
      .boolean()
      .default(false)
      .describe('A failure here does not stop the run (an unknown outcome or an abort still does).'),
  })
  .meta(kindRules(STEP_KINDS, STEP_RULES));
export type RawStep = z.output<typeof rawStep>;

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
    for (const [key, kindsTaking] of Object.entries(STEP_RULES.only)) {
      if (step[key as keyof RawStep] !== undefined && !kindsTaking.includes(kind))
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `"${key}" only applies to ${kindsTaking.join(' and ')} steps`,
        });
    }
    for (const alternatives of STEP_RULES.needs[kind] ?? []) {
      if (!alternatives.some((key) => step[key as keyof RawStep] !== undefined)) {
        const keys = alternatives.map((k) => `"${k}"`).join(' or ');
        ctx.addIssue({ code: 'custom', path: [], message: `${kind} steps need ${keys}` });
      }
    }
    for (const group of STEP_RULES.exclusive[kind] ?? []) {
      const given = group.filter((key) => step[key as keyof RawStep] !== undefined);
      if (given.length > 1)
        ctx.addIssue({ code: 'custom', path: [given[1]!], message: `give ${given.join(' or ')}, not both` });
    }
    if (step.every !== undefined && step.for !== undefined && step.every > step.for) {
      ctx.addIssue({ code: 'custom', path: ['every'], message: '"every" is longer than "for"' });
    }
    const conditionWanted = STEP_RULES.types[kind]?.expect === 'string';
    if (step.expect !== undefined && conditionWanted !== isCondition(step.expect)) {
      const message = conditionWanted
        ? 'query steps expect a condition such as "< 0.01"'
        : `${kind} steps expect { status, json }`;
      ctx.addIssue({ code: 'custom', path: ['expect'], message });
    }
    if (kind === 'query' && step.every !== undefined) {
      const samples = sampleCount(step.every, step.for, step.count);
      if (step.failureLimit !== undefined && samples !== undefined && step.failureLimit >= samples) {
        const message = `"failureLimit" must be below the number of samples (${samples}), or no sample needs to pass`;
        ctx.addIssue({ code: 'custom', path: ['failureLimit'], message });
      }
    }
    const seen = new Set<string>();
    step.hosts?.forEach((host, i) => {
      if (seen.has(host))
        ctx.addIssue({ code: 'custom', path: ['hosts', i], message: `host "${host}" listed twice` });
      seen.add(host);
    });
  })
  .transform(normaliseStep);
