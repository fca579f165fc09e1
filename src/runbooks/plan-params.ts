/** Checks the params given for a plan against the runbook: names, patterns, enums, required, refused bytes. */
import { SECRET_MASK } from '../domain/plan.js';
import { fail, type Result } from '../domain/result.js';
import { findPlaceholders, isBuiltin } from './placeholders.js';
import { paramAccepts } from './primitives.js';
import { refusedCharacter } from './quote.js';
import type { Runbook, RunbookParam, RunbookStep } from './schema.js';

export interface ResolvedParams {
  /** Given values plus defaults: what templates receive. */
  values: Record<string, string>;
  /** The same with secret values replaced by SECRET_MASK: what people and the hash see. */
  display: Record<string, string>;
  /** Raw values of secret params, for masking. */
  secrets: string[];
}

export function resolveParams(
  runbook: Runbook,
  level: number,
  steps: readonly RunbookStep[],
  given: Readonly<Record<string, string>>,
): Result<ResolvedParams> {
  const problems: string[] = [];
  const declared = Object.keys(runbook.params);
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(runbook.params, name)) {
      problems.push(`unknown param "${name}" (declared: ${declared.join(', ') || 'none'})`);
    }
  }
  const values: Record<string, string> = {};
  const display: Record<string, string> = {};
  const secrets: string[] = [];
  const required = referencedParams(runbook, steps);
  for (const [name, param] of Object.entries(runbook.params)) {
    const value = Object.hasOwn(given, name) ? given[name] : param.default;
    if (value === undefined) {
      if (required.has(name)) problems.push(`param ${name} is required for level ${level}`);
      continue;
    }
    const problem = valueProblem(name, param, value);
    if (problem) problems.push(problem);
    values[name] = value;
    display[name] = param.secret ? SECRET_MASK : value;
    if (param.secret && value !== '') secrets.push(value);
  }
  if (problems.length > 0) return fail('invalid_input', problems.join('; '));
  return { ok: true, values, display, secrets };
}

function valueProblem(name: string, param: RunbookParam, value: string): string | undefined {
  const refused = refusedCharacter(value);
  if (refused) return `param ${name} contains ${refused}, which is refused`;
  if (paramAccepts(param, value)) return undefined;
  // A secret's value is never echoed back, not even in an error.
  const shown = param.secret ? `param ${name}` : `param ${name}=${JSON.stringify(value)}`;
  if (param.enum && !param.enum.includes(value)) return `${shown} is not one of: ${param.enum.join(', ')}`;
  return `${shown} does not match pattern ${param.pattern}`;
}

/** Param names the level's steps use, including the health section's when a step checks `health`. */
export function referencedParams(runbook: Runbook, steps: readonly RunbookStep[]): Set<string> {
  const texts: string[] = [];
  const probeTexts = (probe: RunbookStep & { kind: 'check' | 'monitor' }) => {
    const ref = probe.kind === 'check' ? probe.check : probe.monitor;
    if (ref === 'health') {
      if (runbook.health) texts.push(runbook.health.url, ...jsonStrings(runbook.health.expect.json));
    } else {
      texts.push(ref.url, ...jsonStrings(ref.expect?.json));
    }
    texts.push(...jsonStrings(probe.expect?.json));
  };
  for (const step of steps) {
    texts.push(step.name);
    if (step.kind === 'run') texts.push(step.run);
    else if (step.kind === 'local') texts.push(...step.local);
    else if (step.kind === 'confirm') texts.push(step.confirm);
    else if (step.kind === 'query') texts.push(step.query, step.prometheus ?? '');
    else probeTexts(step);
  }
  const names = texts.flatMap((t) => findPlaceholders(t).map((p) => p.name));
  return new Set(names.filter((n) => !isBuiltin(n)));
}

function jsonStrings(json: Record<string, unknown> | undefined): string[] {
  return Object.values(json ?? {}).filter((v): v is string => typeof v === 'string');
}
