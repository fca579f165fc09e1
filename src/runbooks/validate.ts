/** Validates raw runbook data: schema issues and cross-reference issues, each with its YAML path. */
import type { z } from 'zod';
import { referencedParams } from './plan-params.js';
import { editDistance } from './primitives.js';
import { crossReferenceIssues, type IssuePath, type RefIssue } from './refs.js';
import { getLevel, levelNumbers, type Runbook, runbookSchema } from './schema.js';

export interface RunbookIssue {
  path: IssuePath;
  message: string;
  /** The issue is about a key (unknown, or not a valid name), not its value. */
  atKey: boolean;
}

export type RunbookValidation = { ok: true; runbook: Runbook } | { ok: false; issues: RunbookIssue[] };

export function validateRunbook(raw: unknown): RunbookValidation {
  const parsed = runbookSchema.safeParse(raw);
  const issues = [
    ...(parsed.success ? [] : parsed.error.issues.flatMap(fromZodIssue)),
    ...crossReferenceIssues(raw).map((i: RefIssue) => ({ ...i, atKey: i.atKey ?? false })),
  ];
  if (parsed.success) issues.push(...secretSourceIssues(parsed.data));
  if (issues.length > 0 || !parsed.success) return { ok: false, issues };
  return { ok: true, runbook: parsed.data };
}

/**
 * Slack never asks for a secret value (it would pass through Slack's servers), so every secret a
 * level uses must say where the bot reads it. The terminal's `--set` stays the break-glass path.
 */
function secretSourceIssues(runbook: Runbook): RunbookIssue[] {
  const issues: RunbookIssue[] = [];
  for (const [name, param] of Object.entries(runbook.params)) {
    if (!param.secret || param.from !== undefined) continue;
    const levels = levelNumbers(runbook).filter((n) =>
      referencedParams(runbook, getLevel(runbook, n)!.steps).has(name),
    );
    if (levels.length === 0) continue;
    issues.push({
      path: ['params', name],
      atKey: true,
      message: `secret param ${name} is used by level ${levels.join(', ')} but has no from: Slack never asks for a secret; add from: env:NAME or file:/path`,
    });
  }
  return issues;
}

function fromZodIssue(issue: z.core.$ZodIssue): RunbookIssue[] {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(path);
      return issue.keys.map((key) => ({
        path: [...path, key],
        atKey: true,
        message: unknownKeyMessage(key, allowed),
      }));
    }
    case 'invalid_key':
      return [{ path, atKey: true, message: `invalid name: ${issue.issues[0]?.message ?? issue.message}` }];
    case 'invalid_type':
      // A missing key arrives as "expected X, received undefined".
      if (issue.message.endsWith('received undefined')) return [{ path, atKey: false, message: 'required' }];
      return [{ path, atKey: false, message: issue.message }];
    default:
      return [{ path, atKey: false, message: issue.message }];
  }
}

function unknownKeyMessage(key: string, allowed: string[]): string {
  const close = allowed.find((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
  if (close) return `Unknown key "${key}"; did you mean "${close}"?`;
  return allowed.length > 0
    ? `Unknown key "${key}" (allowed: ${allowed.join(', ')})`
    : `Unknown key "${key}"`;
}

interface Def {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  in?: unknown;
  element?: unknown;
  valueType?: unknown;
  options?: unknown[];
}
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

/** The keys the schema allows for the object at `path`, for "did you mean" hints. */
function allowedKeysAt(path: IssuePath): string[] {
  let schemas: unknown[] = [runbookSchema];
  for (const segment of path) {
    schemas = schemas.flatMap(unwrap).flatMap((schema) => {
      const def = defOf(schema);
      if (def.type === 'object' && typeof segment === 'string' && def.shape?.[segment])
        return [def.shape[segment]];
      if (def.type === 'array' && typeof segment === 'number') return [def.element];
      if (def.type === 'record') return [def.valueType];
      return [];
    });
  }
  const keys = schemas.flatMap(unwrap).flatMap((s) => Object.keys(defOf(s).shape ?? {}));
  return [...new Set(keys)];
}

/** Looks through optional/default/transform/union wrappers to the schemas that hold a shape. */
function unwrap(schema: unknown): unknown[] {
  const def = defOf(schema);
  if (def.type === 'union') return (def.options ?? []).flatMap(unwrap);
  const inner = def.innerType ?? def.in;
  return inner === undefined ? [schema] : unwrap(inner);
}
