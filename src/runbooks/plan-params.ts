/** Checks the params given for a plan against the runbook: names, patterns, enums, required, refused bytes. */
import { fail, type Result } from '../domain/result.js';
import { SECRET_MASK, type SecretRef, secretVariables } from '../domain/secrets.js';
import { findPlaceholders, isBuiltin } from './placeholders.js';
import { type ParamRule, paramAccepts } from './primitives.js';
import { refusedCharacter } from './quote.js';
import type { Runbook, RunbookParam, RunbookStep } from './schema.js';

export interface ResolvedParams {
  /** Given values plus defaults of the params that are not secret: what templates receive. */
  values: Record<string, string>;
  /** Every used param, secret ones as SECRET_MASK: what people and the hash see. */
  display: Record<string, string>;
  /** Where each secret param the steps use is read at execution. */
  secrets: SecretRef[];
  /** Secret values typed at the terminal (`--set`): held by that process only, never stored. */
  typed: Record<string, string>;
}

export interface ParamOptions {
  /**
   * Whether a secret may be given as a value (the terminal's break-glass `--set`). Slack never
   * takes one: it would travel through Slack's servers.
   */
  typedSecrets: boolean;
}

export function resolveParams(
  runbook: Runbook,
  level: number,
  steps: readonly RunbookStep[],
  given: Readonly<Record<string, string>>,
  options: ParamOptions = { typedSecrets: false },
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
  const secrets: SecretRef[] = [];
  const typed: Record<string, string> = {};
  const required = referencedParams(runbook, steps);
  const variables = secretVariables(Object.keys(runbook.params).filter((n) => runbook.params[n]!.secret));
  for (const [name, param] of Object.entries(runbook.params)) {
    const value = Object.hasOwn(given, name) ? given[name] : param.default;
    if (param.secret) {
      // Slack never takes a secret value, not even for a level that would not use it.
      const refused = Object.hasOwn(given, name) && !options.typedSecrets;
      if (!required.has(name) && !refused) continue;
      const ref = secretRef(name, param, value, options, variables[name]!);
      if (typeof ref === 'string') problems.push(ref);
      else {
        secrets.push(ref);
        display[name] = SECRET_MASK;
        if (ref.from === 'typed') typed[name] = value!;
      }
      continue;
    }
    if (value === undefined) {
      if (required.has(name)) problems.push(`param ${name} is required for level ${level}`);
      continue;
    }
    const problem = valueProblem(name, param, value);
    if (problem) problems.push(problem);
    values[name] = value;
    display[name] = value;
  }
  if (problems.length > 0) return fail('invalid_input', problems.join('; '));
  return { ok: true, values, display, secrets, typed };
}

/** A secret is read from its `from` at execution, or was typed at the terminal; never from Slack. */
function secretRef(
  name: string,
  param: RunbookParam,
  value: string | undefined,
  options: ParamOptions,
  variable: string,
): SecretRef | string {
  if (value !== undefined) {
    if (!options.typedSecrets) {
      return param.from
        ? `param ${name} is a secret read from ${param.from}; it cannot be given here`
        : `param ${name} is a secret; it cannot be given here (only the terminal's --set may type one)`;
    }
    return valueProblem(name, param, value) ?? { param: name, from: 'typed', variable, ...rulesOf(param) };
  }
  if (param.from) return { param: name, from: param.from, variable, ...rulesOf(param) };
  return `secret param ${name} has no from: give it with --set at the terminal, or add from: to the runbook`;
}

function rulesOf(param: RunbookParam): Pick<SecretRef, 'pattern' | 'enum'> {
  return {
    ...(param.pattern !== undefined ? { pattern: param.pattern } : {}),
    ...(param.enum !== undefined ? { enum: param.enum } : {}),
  };
}

/** A secret's value read at execution must pass the same checks a typed value does. */
export function secretValueProblem(ref: SecretRef, value: string): string | undefined {
  return valueProblem(ref.param, { ...ref, secret: true }, value);
}

function valueProblem(
  name: string,
  param: ParamRule & { secret: boolean },
  value: string,
): string | undefined {
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
