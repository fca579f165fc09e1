/** The runbook file format (DESIGN §3) as zod schemas; every object is strict so typos are errors. */
import { z } from 'zod';
import type { HostRef } from '../domain/plan.js';
import {
  compilePattern,
  durationMs,
  durationOrZeroMs,
  ENV_NAME_RE,
  expected,
  hostAddress,
  hostName,
  PARAM_NAME_RE,
  paramAccepts,
  serviceName,
  slackId,
  unixUser,
} from './primitives.js';
import { refusedCharacter } from './quote.js';
import { jsonExpectValues, stepSchema, urlTemplate } from './step-schema.js';

export type { ExpectSpec, ProbeRef, RunbookStep, RunbookStepKind } from './step-schema.js';
export { STEP_KINDS } from './step-schema.js';

const hostSchema = z
  .strictObject({
    name: hostName,
    address: hostAddress.optional(),
    port: z.number().int().min(1).max(65535).default(22),
    user: unixUser.default('deploy'),
    local: z.boolean().default(false),
  })
  .superRefine((host, ctx) => {
    if (!host.local && host.address === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'address is required unless local: true' });
    }
    if (host.local && host.address !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['address'],
        message: 'local hosts run on the bot machine; remove address',
      });
    }
  })
  .transform(
    (host): HostRef => ({
      name: host.name,
      address: host.local ? 'localhost' : host.address!,
      port: host.port,
      user: host.user,
      local: host.local,
    }),
  );

const environmentSchema = z
  .strictObject({
    hosts: z.array(hostSchema).min(1, 'an environment needs at least one host'),
    strategy: z
      .strictObject({
        canary: z.number().int().min(0).default(1),
        parallel: z.number().int().min(1).default(10),
      })
      .default({ canary: 1, parallel: 10 }),
  })
  .superRefine((env, ctx) => {
    const seen = new Set<string>();
    env.hosts.forEach((host, i) => {
      if (seen.has(host.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['hosts', i, 'name'],
          message: `host name "${host.name}" is used twice`,
        });
      }
      seen.add(host.name);
    });
  });

const paramSchema = z
  .strictObject({
    description: z.string().optional(),
    pattern: z
      .string()
      .superRefine((pattern, ctx) => {
        const re = compilePattern(pattern);
        if (!(re instanceof RegExp))
          ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${re.error}` });
      })
      .optional(),
    enum: z.array(z.string()).min(1).optional(),
    default: z.string({ error: expected('a string (quote values such as "1.10")') }).optional(),
    secret: z.boolean().default(false),
  })
  .superRefine((param, ctx) => {
    if (param.pattern === undefined && param.enum === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'a param needs a pattern or an enum (unvalidated free text must never reach a shell)',
      });
    }
    param.enum?.forEach((value, i) => {
      const refused = refusedCharacter(value);
      if (refused) ctx.addIssue({ code: 'custom', path: ['enum', i], message: `contains ${refused}` });
    });
    if (param.default !== undefined && !paramAccepts(param, param.default)) {
      const shown = param.secret ? 'the default' : `default "${param.default}"`;
      const rule =
        param.pattern !== undefined ? `pattern ${param.pattern}` : `enum [${param.enum?.join(', ')}]`;
      ctx.addIssue({ code: 'custom', path: ['default'], message: `${shown} does not satisfy ${rule}` });
    }
  });

const healthSchema = z.strictObject({
  url: urlTemplate,
  expect: z
    .strictObject({
      status: z.number().int().min(100).max(599).default(200),
      json: jsonExpectValues.default({}),
    })
    .default({ status: 200, json: {} }),
  timeout: durationMs.default(5000),
});

const count = z.number().int().min(0);
const approvalsSchema = z.union([count, z.strictObject({ critical: count, major: count, minor: count })], {
  error: 'expected a non-negative integer or { critical, major, minor }',
});

const levelSchema = z.strictObject({
  name: z.string().min(1),
  target: durationMs,
  approvals: approvalsSchema,
  dataLoss: z
    .string()
    .trim()
    .min(1)
    .max(300)
    .optional()
    .describe(
      'What this level loses, shown in the incident and approval messages (e.g. "Writes since the backup are lost"). Default: level 3 loses writes since the backup, levels 1-2 none.',
    ),
  /** Overrides the environment's strategy for this level, key by key (e.g. `{ canary: 0 }`). */
  strategy: z
    .strictObject({
      canary: z.number().int().min(0).optional(),
      parallel: z.number().int().min(1).optional(),
    })
    .refine((s) => s.canary !== undefined || s.parallel !== undefined, 'set canary, parallel or both')
    .optional(),
  steps: z.array(stepSchema).min(1, 'a level needs at least one step'),
});

export const LEVEL_KEYS = ['1', '2', '3'] as const;
export type LevelKey = (typeof LEVEL_KEYS)[number];

const levelsSchema = z
  .strictObject({ 1: levelSchema.optional(), 2: levelSchema.optional(), 3: levelSchema.optional() })
  .refine(
    (levels) => LEVEL_KEYS.some((k) => levels[k] !== undefined),
    'define at least one of levels 1, 2, 3',
  );

export const runbookSchema = z.strictObject({
  service: serviceName,
  description: z.string().default(''),
  approvers: z.array(slackId).default([]),
  escalation: z
    .array(z.strictObject({ after: durationOrZeroMs, notify: z.array(slackId).min(1) }))
    .default([]),
  environments: z
    .record(
      z.string().regex(ENV_NAME_RE, 'expected lowercase letters, digits, "_" and "-"'),
      environmentSchema,
    )
    .refine((envs) => Object.keys(envs).length > 0, 'define at least one environment'),
  params: z
    .record(
      z.string().regex(PARAM_NAME_RE, 'expected letters, digits, "_" and "-", starting with a letter'),
      paramSchema,
    )
    .default({}),
  health: healthSchema.optional(),
  levels: levelsSchema,
});

export type Runbook = z.output<typeof runbookSchema>;
export type RunbookEnvironment = z.output<typeof environmentSchema>;
export type RunbookParam = z.output<typeof paramSchema>;
export type RunbookHealth = z.output<typeof healthSchema>;
export type RunbookLevel = z.output<typeof levelSchema>;
export type Approvals = z.output<typeof approvalsSchema>;

export function getLevel(runbook: Runbook, level: number): RunbookLevel | undefined {
  const key = String(level);
  return (LEVEL_KEYS as readonly string[]).includes(key) ? runbook.levels[key as LevelKey] : undefined;
}

export function levelNumbers(runbook: Runbook): number[] {
  return LEVEL_KEYS.filter((k) => runbook.levels[k] !== undefined).map(Number);
}
