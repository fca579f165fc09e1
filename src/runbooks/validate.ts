/** Validates raw runbook data: schema issues and cross-reference issues, each with its YAML path. */
import type { z } from 'zod';
import { editDistance } from './primitives.js';
import { crossReferenceIssues, type IssuePath, type RefIssue } from './refs.js';
import { type Runbook, runbookSchema } from './schema.js';

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
  if (issues.length > 0 || !parsed.success) return { ok: false, issues };
  return { ok: true, runbook: parsed.data };
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
