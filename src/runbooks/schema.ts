/** The runbook file format (DESIGN §3) as zod schemas; every object is strict so typos are errors. */
import { z } from 'zod';
import type { HostRef } from '../domain/plan.js';
import { parseSecretSource } from '../domain/secrets.js';
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
import { ifThen } from './step-rules.js';
import { jsonExpectValues, stepSchema, urlTemplate } from './step-schema.js';

export type { ExpectSpec, ProbeRef, RunbookStep, RunbookStepKind } from './step-schema.js';
export { STEP_KINDS } from './step-schema.js';

const hostSchema = z
  .strictObject({
    name: hostName.describe("Name shown in plans and progress, and used by a step's `hosts:` list."),
    address: hostAddress
      .optional()
      .describe('IP address or DNS name to SSH to (required unless `local: true`).'),
    port: z.number().int().min(1).max(65535).default(22).describe('SSH port (default 22).'),
    user: unixUser.default('deploy').describe('SSH login user (default deploy).'),
    local: z
      .boolean()
      .default(false)
      .describe("Steps run on the bot's own machine instead of over SSH; leave out `address`."),
  })
  .describe(
    'A host steps run on. Its key must be in ROLLBOT_KNOWN_HOSTS: unknown or changed host keys are refused.',
  )
  // The JSON Schema form of the rule below, for editors.
  .meta(
    ifThen(
      { required: ['local'], properties: { local: { const: true } } },
      { not: { required: ['address'] } },
      { required: ['address'] },
    ),
  )
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

const canary = z.number().int().min(0).describe('Hosts that run every step first, alone (0: no canary).');
const parallel = z.number().int().min(1).describe('Hosts run at the same time after the canary.');

const environmentSchema = z
  .strictObject({
    hosts: z
      .array(hostSchema)
      .min(1, 'an environment needs at least one host')
      .describe('The hosts of this environment, in the order they are rolled back.'),
    strategy: z
      .strictObject({ canary: canary.default(1), parallel: parallel.default(10) })
      .default({ canary: 1, parallel: 10 })
      .describe(
        'How hosts are batched: the canary alone first, then `parallel` at a time (default { canary: 1, parallel: 10 }).',
      ),
    drill: z
      .boolean()
      .default(false)
      .describe(
        'A drill target: drills here need no approval. Drills on any other environment need the approvals a real run of that level needs.',
      ),
  })
  .describe('Where a run goes: its hosts, how they are batched, and whether drills may run here unapproved.')
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
    description: z
      .string()
      .optional()
      .describe('Shown beside the field in the Slack form and in `rollbot plan`.'),
    pattern: z
      .string()
      .superRefine((pattern, ctx) => {
        const re = compilePattern(pattern);
        if (!(re instanceof RegExp))
          ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${re.error}` });
      })
      .optional()
      .describe(
        "Regular expression the whole value must match (anchored for you), e.g. '^v\\d+\\.\\d+\\.\\d+$'. A param needs a pattern or an enum.",
      ),
    enum: z
      .array(z.string())
      .min(1)
      .optional()
      .describe('The only values allowed (a param needs a pattern or an enum).'),
    default: z
      .string({ error: expected('a string (quote values such as "1.10")') })
      .optional()
      .describe(
        'Value used when none is given; it must satisfy the pattern or enum. Quote it ("1.10"). Never for a secret.',
      ),
    secret: z
      .boolean()
      .default(false)
      .describe(
        'The value is never typed into Slack and never stored: rollbot reads it from `from` when a step runs. It is masked (••••••) everywhere and reaches `run` scripts as "$ROLLBOT_SECRET_<NAME>", never on a command line.',
      ),
    from: z
      .string()
      .refine((from) => {
        const source = parseSecretSource(from);
        return source !== undefined && source.kind !== 'typed';
      }, 'expected env:NAME or file:/absolute/path')
      .optional()
      .meta({ pattern: '^(env:[A-Za-z_][A-Za-z0-9_]*|file:/.+)$' })
      .describe(
        "Where a secret is read, by the bot process that runs the step, when it runs: `env:MIMO_DEPLOY_TOKEN` or `file:/run/secrets/mimo_token`. Required for a secret a level uses (only the terminal's `--set` may type one).",
      ),
  })
  .describe('A value the requester gives (or its default), validated before it is inserted anywhere.')
  // The JSON Schema form of "a pattern or an enum", for editors.
  .meta({
    anyOf: [{ required: ['pattern'] }, { required: ['enum'] }],
    // `from` only with `secret: true`; a secret never has a default (as `rollbot validate` says).
    allOf: [
      {
        if: { required: ['from'] },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a thenable
        then: { required: ['secret'], properties: { secret: { const: true } } },
      },
      {
        if: { required: ['secret'], properties: { secret: { const: true } } },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a thenable
        then: { not: { required: ['default'] } },
      },
    ],
  })
  .superRefine((param, ctx) => {
    if (param.from !== undefined && !param.secret) {
      ctx.addIssue({
        code: 'custom',
        path: ['from'],
        message: 'from is for secret params: add secret: true',
      });
    }
    if (param.secret && param.default !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['default'],
        message:
          'a secret has no default in the runbook: name where it is read with from: env:NAME or file:/path',
      });
    }
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

const healthSchema = z
  .strictObject({
    url: urlTemplate.describe('Health endpoint per host, e.g. "http://{{host.address}}:4000/health".'),
    expect: z
      .strictObject({
        status: z
          .number()
          .int()
          .min(100)
          .max(599)
          .default(200)
          .describe('Expected HTTP status (default 200).'),
        json: jsonExpectValues.default({}),
      })
      .default({ status: 200, json: {} })
      .describe('What a healthy answer looks like.'),
    timeout: durationMs.default(5000).describe('Time limit of one request (default 5s).'),
  })
  .describe('The health check that `check: health` and `monitor: health` steps use.');

const count = z.number().int().min(0);
const approvalsSchema = z
  .union(
    [
      count,
      z.strictObject({
        critical: count.describe('Approvals at CRITICAL (seed 002: immediate action).'),
        major: count.describe('Approvals at MAJOR (within 30 minutes).'),
        minor: count.describe('Approvals at MINOR (monitor, consider).'),
      }),
    ],
    {
      error: 'expected a non-negative integer or { critical, major, minor }',
    },
  )
  .describe(
    'Approvals a run of this level needs: a number, or per severity, e.g. { critical: 0, major: 1, minor: 1 }. The requester never approves their own run.',
  );

const levelSchema = z
  .strictObject({
    name: z.string().min(1).describe('Shown in the form and messages, e.g. "Code rollback".'),
    target: durationMs.describe(
      'Target time for the whole level (seed 002: 2m, 15m, 45m); drills are timed against it.',
    ),
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
      .strictObject({ canary: canary.optional(), parallel: parallel.optional() })
      .refine((s) => s.canary !== undefined || s.parallel !== undefined, 'set canary, parallel or both')
      .optional()
      .describe("Overrides the environment's strategy for this level, key by key (e.g. { canary: 0 })."),
    steps: z
      .array(stepSchema)
      .min(1, 'a level needs at least one step')
      .describe('Run in order on each host; a failure stops that host and the run.'),
  })
  .describe('One rollback level: 1 feature toggle, 2 code rollback, 3 full restore.');

export const LEVEL_KEYS = ['1', '2', '3'] as const;
export type LevelKey = (typeof LEVEL_KEYS)[number];

/** The levels object; json-schema.ts lists its keys as a pattern (YAML reads `1:` as a number). */
export const levelsSchema = z
  .strictObject({ 1: levelSchema.optional(), 2: levelSchema.optional(), 3: levelSchema.optional() })
  .refine(
    (levels) => LEVEL_KEYS.some((k) => levels[k] !== undefined),
    'define at least one of levels 1, 2, 3',
  )
  .describe('Levels 1, 2 and/or 3 (seed 002); "if insufficient", a run escalates to the next.');

export const runbookSchema = z
  .strictObject({
    service: serviceName.describe('The service name; the file must be named <service>.yml.'),
    description: z.string().default('').describe('One line about the service, shown in the form.'),
    approvers: z
      .array(slackId)
      .default([])
      .describe('Who may approve: Slack user ids (U…, W…) and user group ids (S…).'),
    escalation: z
      .array(
        z
          .strictObject({
            after: durationOrZeroMs.describe('How long an approval has waited, e.g. 0m, 10m.'),
            notify: z.array(slackId).min(1).describe('Slack user or user group ids to ping.'),
          })
          .describe('Ping these people once an approval has waited this long.'),
      )
      .default([])
      .describe('Who is pinged while an approval waits (seed 002: on-call → tech lead → manager).'),
    environments: z
      .record(
        z.string().regex(ENV_NAME_RE, 'expected lowercase letters, digits, "_" and "-"'),
        environmentSchema,
      )
      .refine((envs) => Object.keys(envs).length > 0, 'define at least one environment')
      .describe('Environments by name (production, staging, ...).'),
    params: z
      .record(
        z.string().regex(PARAM_NAME_RE, 'expected letters, digits, "_" and "-", starting with a letter'),
        paramSchema,
      )
      .default({})
      .describe(
        'Values steps use as {{name}}: shell-quoted in `run`, one argv element in `local`, URL-encoded in URLs.',
      ),
    health: healthSchema.optional(),
    levels: levelsSchema,
  })
  .describe("A rollbot runbook: one service's rollback levels, hosts, params and approvals (DESIGN §3).");

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
