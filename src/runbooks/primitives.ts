/** Small zod building blocks shared by the runbook schema: durations, ids, names, param patterns. */
import { z } from 'zod';
import { DURATION_SOURCE, parseDuration } from '../domain/duration.js';

const DURATION_HINT = 'a duration such as 500ms, 90s, 5m or 1h30m';

/**
 * The pattern is part of the schema so editors refuse `5 minutes` as `rollbot validate` does; a
 * positive duration also needs a non-zero digit somewhere (`0s` is refused, `0m30s` is not).
 */
function duration(minMs: 0 | 1) {
  const pattern = new RegExp(`${minMs > 0 ? '^(?=.*[1-9])' : '^'}${DURATION_SOURCE.slice(1)}`);
  return z
    .string({ error: expected(DURATION_HINT) })
    .superRefine((text, ctx) => {
      if (pattern.test(text)) return;
      const why = parseDuration(text) === undefined ? `expected ${DURATION_HINT}` : 'must be greater than 0';
      ctx.addIssue({ code: 'custom', message: `Invalid duration "${text}": ${why}` });
    })
    .meta({ pattern: pattern.source, description: `A duration: ${DURATION_HINT.slice(2)}.` })
    .transform((text) => parseDuration(text)!);
}

/** A zod error map: a missing value says "required", a wrong type says what was expected. */
export function expected(what: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? 'required' : `expected ${what}`);
}

/** A positive duration, parsed to milliseconds. */
export const durationMs = duration(1);
/** A duration that may be 0 (escalate immediately), parsed to milliseconds. */
export const durationOrZeroMs = duration(0);

export const slackId = z
  .string()
  .regex(/^[UWS][A-Z0-9]{2,}$/, 'expected a Slack user id (U… or W…) or user group id (S…)');

export const serviceName = z.string().regex(/^[a-z0-9-]+$/, 'expected lowercase letters, digits and "-"');
export const hostName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected letters, digits, ".", "_" and "-"');
export const hostAddress = z.string().regex(/^[A-Za-z0-9._:-]+$/, 'expected an IP address or DNS name');
export const unixUser = z.string().regex(/^[a-z_][a-z0-9_-]*\$?$/, 'expected a Unix user name');

export const ENV_NAME_RE = /^[a-z0-9][a-z0-9_-]*$/;
export const PARAM_NAME_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * Params always match in full: the pattern is wrapped, so `v\d+` cannot match inside `xv1;rm`.
 * The bare pattern is compiled first so that `a)|(.*` cannot break out of the wrapper.
 */
export function compilePattern(pattern: string): RegExp | { error: string } {
  try {
    new RegExp(pattern);
    return new RegExp(`^(?:${pattern})$`);
  } catch (err) {
    return { error: (err as Error).message };
  }
}

export interface ParamRule {
  pattern?: string | undefined;
  enum?: readonly string[] | undefined;
}

/** True when `value` satisfies every rule the param declares (pattern and enum). */
export function paramAccepts(rule: ParamRule, value: string): boolean {
  if (rule.enum && !rule.enum.includes(value)) return false;
  if (rule.pattern !== undefined) {
    const re = compilePattern(rule.pattern);
    if (!(re instanceof RegExp) || !re.test(value)) return false;
  }
  return true;
}

/** Levenshtein distance, for "did you mean" hints on unknown keys. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
