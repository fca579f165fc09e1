/**
 * Turning a stored plan into the one this process executes: each secret read from its source
 * now, checked against its param's rules, and filled in where the plan marks it. The values live
 * only in the returned plan and the masker list, for the length of the run.
 */
import type { Plan, PlannedStep, StepTarget } from '../domain/plan.js';
import { fail, type Result } from '../domain/result.js';
import { fillMarkers, parseSecretSource, type SecretRef } from '../domain/secrets.js';
import { secretValueProblem } from '../runbooks/plan-params.js';
import type { SecretReader } from './ports.js';

/** Secret values typed at the terminal (`--set`), by run id: this process's only, never stored. */
export type TypedSecrets = Map<string, Record<string, string>>;

export interface ResolvedPlan {
  plan: Plan;
  /** Every value, for the masker. */
  values: string[];
}

export async function readSecrets(
  refs: readonly SecretRef[],
  reader: SecretReader,
  typed: Readonly<Record<string, string>> | undefined,
): Promise<Result<{ values: Record<string, string> }>> {
  const values: Record<string, string> = {};
  const problems: string[] = [];
  for (const ref of refs) {
    const source = parseSecretSource(ref.from);
    let value: string | undefined;
    if (!source) problems.push(`secret ${ref.param}: unknown source ${ref.from}`);
    else if (source.kind === 'typed') {
      value = typed?.[ref.param];
      if (value === undefined) {
        problems.push(
          `secret ${ref.param} was typed at the terminal of another rollbot process and is not kept: run it again with --set`,
        );
      }
    } else {
      const read = await reader.read(source);
      if (read.ok) value = read.value;
      else problems.push(`secret ${ref.param} (${ref.from}): ${read.reason}`);
    }
    if (value === undefined) continue;
    const problem = secretValueProblem(ref, value);
    if (problem) problems.push(`${problem} (read from ${ref.from})`);
    else values[ref.param] = value;
  }
  if (problems.length > 0) return fail('secret_unavailable', problems.join('; '));
  return { ok: true, values };
}

/** The executable plan: markers filled (URL-encoded in URLs), and each script's secret variables. */
export function fillSecrets(plan: Plan, values: Readonly<Record<string, string>>): ResolvedPlan {
  const byVariable = new Map(plan.secrets.map((ref) => [ref.variable, values[ref.param]]));
  const steps = plan.steps.map(
    (step): PlannedStep => ({
      ...step,
      targets: step.targets.map((target) => fillTarget(target, values, byVariable)),
    }),
  );
  return { plan: { ...plan, steps }, values: Object.values(values) };
}

function fillTarget(
  target: StepTarget,
  values: Readonly<Record<string, string>>,
  byVariable: ReadonlyMap<string, string | undefined>,
): StepTarget {
  const filled = fillStrings(target, values, undefined) as StepTarget;
  if (filled.kind !== 'run' || !filled.secretVars) return filled;
  const env: Record<string, string> = {};
  for (const variable of filled.secretVars) {
    const value = byVariable.get(variable);
    if (value !== undefined) env[variable] = value;
  }
  return { ...filled, env };
}

// Values land URL-encoded in URLs (what templating would have done), as they are elsewhere.
const URL_KEYS = new Set(['url', 'prometheus']);

function fillStrings(
  value: unknown,
  values: Readonly<Record<string, string>>,
  key: string | undefined,
): unknown {
  if (typeof value === 'string') {
    const encode = key !== undefined && URL_KEYS.has(key) ? encodeURIComponent : (v: string) => v;
    return fillMarkers(value, (param) => (Object.hasOwn(values, param) ? encode(values[param]!) : undefined));
  }
  if (Array.isArray(value)) return value.map((v) => fillStrings(v, values, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillStrings(v, values, k)]));
  }
  return value;
}
